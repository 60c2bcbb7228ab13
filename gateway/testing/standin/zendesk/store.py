"""The stand-in Zendesk's records, and the shapes its answers share: pages, jobs, sideloads."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.testing.standin.common import (
    Record,
    State,
    cursor_page,
    matches,
    now,
    shaped,
)

API = "/api/v2"


def not_found(request: Request) -> Response:
    return JSONResponse({"error": "RecordNotFound", "description": "Not found"}, status_code=404)


class Store:
    def __init__(self, state: State) -> None:
        self.state = state
        self.tickets = state.table("zendesk.tickets")
        self.users = state.table("zendesk.users")
        self.organizations = state.table("zendesk.organizations")
        self.comments = state.table("zendesk.comments")  # by comment id; ticket_id inside
        self.audits = state.table("zendesk.audits")
        self.jobs = state.table("zendesk.jobs")
        self.identities = state.table("zendesk.identities")
        self.side_conversations = state.table("zendesk.side_conversations")
        self.ratings = state.table("zendesk.satisfaction_ratings")

    def url(self, request: Request, kind: str, number: int) -> str:
        return f"{self.state.base(request)}{API}/{kind}/{number}.json"

    def user_for(self, request: Request, fields: Record) -> Record:
        """The user with this email (or external id), created if new; as create_or_update does."""
        for user in self.users.values():
            if (fields.get("email") and user.get("email") == fields["email"]) or (
                fields.get("external_id") and user.get("external_id") == fields["external_id"]
            ):
                user.update({k: v for k, v in fields.items() if k not in ("id", "identities")})
                user["updated_at"] = now()
                return user
        number = self.state.next_id()
        stamp = now()
        user = {
            "id": number,
            "url": self.url(request, "users", number),
            "name": fields.get("name", ""),
            "email": fields.get("email"),
            "phone": fields.get("phone"),
            "role": fields.get("role", "end-user"),
            "external_id": fields.get("external_id"),
            "organization_id": fields.get("organization_id"),
            "verified": bool(fields.get("verified", False)),
            "active": True,
            "time_zone": fields.get("time_zone", "UTC"),
            "locale": fields.get("locale", "en-US"),
            "tags": fields.get("tags", []),
            "user_fields": fields.get("user_fields", {}),
            "notes": fields.get("notes", ""),
            "details": fields.get("details", ""),
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.users[number] = user
        if user["email"]:
            self.add_identity(user, "email", user["email"], primary=True)
        return user

    def add_identity(self, user: Record, kind: str, value: str, primary: bool = False) -> Record:
        number = self.state.next_id()
        identity = {"id": number, "user_id": user["id"], "type": kind, "value": value,
                    "primary": primary, "verified": False, "created_at": now(), "updated_at": now()}  # fmt: skip
        self.identities[number] = identity
        return identity

    def add_comment(self, ticket: Record, fields: Record, author_id: int | None) -> Record:
        number = self.state.next_id()
        body = fields.get("body") or fields.get("html_body") or ""
        comment = {
            "id": number,
            "type": "Comment",
            "ticket_id": ticket["id"],
            "author_id": fields.get("author_id", author_id),
            "body": body,
            "html_body": fields.get("html_body") or f'<div class="zd-comment"><p>{body}</p></div>',
            "plain_body": body,
            "public": fields.get("public", True),
            "attachments": [],
            "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": now(),
        }
        self.comments[number] = comment
        return comment

    def add_audit(self, ticket: Record, events: list[Record]) -> Record:
        number = self.state.next_id()
        audit = {"id": number, "ticket_id": ticket["id"], "created_at": now(),
                 "author_id": ticket.get("requester_id"), "metadata": {"system": {}, "custom": {}},
                 "via": {"channel": "api"}, "events": events}  # fmt: skip
        self.audits[number] = audit
        return audit

    def create_ticket(self, request: Request, fields: Record) -> tuple[Record, Record]:
        number = self.state.next_id()
        stamp = now()
        requester = fields.get("requester")
        requester_id = fields.get("requester_id")
        if isinstance(requester, dict):
            requester_id = self.user_for(request, requester)["id"]
        ticket = {
            "id": number,
            "url": self.url(request, "tickets", number),
            "external_id": fields.get("external_id"),
            "type": fields.get("type"),
            "subject": fields.get("subject", ""),
            "raw_subject": fields.get("subject", ""),
            "description": "",
            "priority": fields.get("priority"),
            "status": fields.get("status", "new"),
            "recipient": fields.get("recipient"),
            "requester_id": requester_id,
            "submitter_id": fields.get("submitter_id", requester_id),
            "assignee_id": fields.get("assignee_id"),
            "organization_id": fields.get("organization_id"),
            "group_id": fields.get("group_id"),
            "collaborator_ids": fields.get("collaborator_ids", []),
            "follower_ids": [],
            "email_cc_ids": [],
            "tags": list(fields.get("tags", [])),
            "custom_fields": fields.get("custom_fields", []),
            "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
            "has_incidents": False,
            "is_public": True,
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.tickets[number] = ticket
        events: list[Record] = []
        if isinstance(fields.get("comment"), dict):
            comment = self.add_comment(ticket, fields["comment"], requester_id)
            ticket["description"] = comment["body"]
            events.append(comment)
        events += [{"id": self.state.next_id(), "type": "Create", "field_name": "subject",
                    "value": ticket["subject"]}]  # fmt: skip
        return ticket, self.add_audit(ticket, events)

    def update_ticket(self, ticket: Record, fields: Record) -> Record:
        events: list[Record] = []
        for name, value in fields.items():
            if name == "comment" and isinstance(value, dict):
                events.append(self.add_comment(ticket, value, ticket.get("assignee_id")))
            elif name not in ("id", "url", "created_at", "requester"):
                events.append({"id": self.state.next_id(), "type": "Change", "field_name": name,
                               "value": value, "previous_value": ticket.get(name)})  # fmt: skip
                ticket[name] = value
        if "subject" in fields:
            ticket["raw_subject"] = fields["subject"]
        ticket["updated_at"] = now()
        return self.add_audit(ticket, events)

    def job(self, request: Request, results: list[Record]) -> Response:
        number = secrets.token_hex(12)
        job = {"id": number, "url": f"{self.state.base(request)}{API}/job_statuses/{number}.json",
               "status": "completed", "total": len(results), "progress": len(results),
               "message": "Completed at " + now(), "results": results}  # fmt: skip
        self.jobs[len(self.jobs) + 1] = job
        queued = {**job, "status": "queued", "progress": None, "message": None, "results": None}
        return shaped(request, {"job_status": queued})

    def listing(self, request: Request, key: str, items: list[Record]) -> Response:
        """A list, paginated the way the request asks: cursor (``page[size]``) or offset."""
        params = request.query_params
        base = f"{self.state.base(request)}{request.url.path}"
        if "page[size]" in params or "page[after]" in params:
            size = int(params.get("page[size]", "100"))
            page = cursor_page(items, params.get("page[after]"), size)
            return shaped(
                request,
                {
                    key: page.items,
                    "meta": {
                        "has_more": page.after is not None,
                        "after_cursor": page.after,
                        "before_cursor": page.before,
                    },
                    "links": {
                        "next": f"{base}?page[size]={size}&page[after]={page.after}"
                        if page.after
                        else None,
                        "prev": None,
                    },
                },
            )
        per_page = int(params.get("per_page", "100"))
        number = int(params.get("page", "1"))
        chunk = items[(number - 1) * per_page : number * per_page]
        more = number * per_page < len(items)
        return shaped(
            request,
            {
                key: chunk,
                "next_page": f"{base}?page={number + 1}&per_page={per_page}" if more else None,
                "previous_page": f"{base}?page={number - 1}&per_page={per_page}"
                if number > 1
                else None,
                "count": len(items),
            },
        )

    def ids_param(self, request: Request) -> list[int]:
        return [int(i) for i in request.query_params.get("ids", "").split(",") if i.strip()]

    def with_sideloads(self, request: Request, document: Record, tickets: list[Record]) -> Record:
        include = request.query_params.get("include", "").split(",")
        if "users" in include:
            wanted = {t.get("requester_id") for t in tickets} | {
                t.get("submitter_id") for t in tickets
            }
            document["users"] = [u for i, u in self.users.items() if i in wanted]
        return document

    def of_ticket(self, table: dict[int, Record], ticket_id: int) -> list[Record]:
        return [r for r in table.values() if r.get("ticket_id") == ticket_id]

    def as_request(self, ticket: Record) -> Record:
        return {**{k: ticket[k] for k in ("id", "subject", "description", "status", "priority",
                                          "requester_id", "organization_id", "created_at",
                                          "updated_at", "custom_fields", "via")},
                "url": ticket["url"].replace("/tickets/", "/requests/")}  # fmt: skip

    def search_hits(self, query: str, kind: str | None = None) -> list[Record]:
        """Zendesk's query syntax, enough of it: ``type:``, ``requester:``, ``key:value``, words."""
        terms = []
        for term in query.split():
            name, _, value = term.partition(":") if ":" in term else ("", "", term)
            value = value.strip("\"'")
            if name == "type":
                kind = value
            elif name == "requester":
                ids = [str(u["id"]) for u in self.users.values() if u.get("email") == value]
                terms.append(f'"requester_id": {ids[0]}' if ids else value)
            elif value:
                terms.append(value)
        tables = {"ticket": self.tickets, "user": self.users, "organization": self.organizations}
        hits = []
        for name, table in tables.items():
            if kind in (None, name):
                hits += [{**r, "result_type": name} for r in table.values() if terms and matches(r, terms)]  # fmt: skip
        return hits
