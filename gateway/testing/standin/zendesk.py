"""A stand-in Zendesk Support API (v2), in the shapes of its published reference.

Tickets, their comments, audits and tags, end-user requests, users and their
identities, organizations, search and search export, cursor-based incremental
exports, side conversations, satisfaction ratings, job statuses and uploads.
Bulk calls (create_many, update_many, destroy_many, merge) run at once and
answer with a job status whose results ``GET /job_statuses/{id}.json`` shows,
as Zendesk's do once the job has run.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.testing.standin.common import (
    Record,
    State,
    cursor_page,
    matches,
    now,
    read_json,
    shaped,
)

API = "/api/v2"


def not_found(request: Request) -> Response:
    return JSONResponse({"error": "RecordNotFound", "description": "Not found"}, status_code=404)


class Zendesk:
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

    # -- records --------------------------------------------------------

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

    # -- lists ----------------------------------------------------------

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

    # -- handlers: tickets ------------------------------------------------

    async def tickets_collection(self, request: Request) -> Response:
        body = await self.state.record(request)
        if request.method == "GET":
            return self.listing(request, "tickets", list(self.tickets.values()))
        ticket, audit = self.create_ticket(request, read_json(body).get("ticket", {}))
        return shaped(request, {"ticket": ticket, "audit": audit}, 201)

    async def ticket(self, request: Request) -> Response:
        body = await self.state.record(request)
        found = self.tickets.get(int(request.path_params["id"]))
        if found is None:
            return not_found(request)
        if request.method == "DELETE":
            del self.tickets[found["id"]]
            return Response(status_code=204)
        if request.method == "PUT":
            audit = self.update_ticket(found, read_json(body).get("ticket", {}))
            return shaped(request, {"ticket": found, "audit": audit})
        return shaped(request, self.with_sideloads(request, {"ticket": found}, [found]))

    async def show_many(self, request: Request) -> Response:
        await self.state.record(request)
        found = [self.tickets[i] for i in self.ids_param(request) if i in self.tickets]
        return shaped(request, self.with_sideloads(request, {"tickets": found}, found))

    async def create_many(self, request: Request) -> Response:
        body = await self.state.record(request)
        results = []
        for index, fields in enumerate(read_json(body).get("tickets", [])):
            ticket, _ = self.create_ticket(request, fields)
            results.append({"index": index, "id": ticket["id"]})
        return self.job(request, results)

    async def update_many(self, request: Request) -> Response:
        body = await self.state.record(request)
        document = read_json(body)
        changes = [(i, document.get("ticket", {})) for i in self.ids_param(request)] or [
            (t.get("id"), t) for t in document.get("tickets", [])
        ]
        results = []
        for number, fields in changes:
            ticket = self.tickets.get(int(number)) if number is not None else None
            if ticket is not None:
                self.update_ticket(ticket, {k: v for k, v in fields.items() if k != "id"})
                results.append({"id": ticket["id"], "action": "update", "success": True, "status": "Updated"})  # fmt: skip
        return self.job(request, results)

    async def destroy_many(self, request: Request) -> Response:
        await self.state.record(request)
        results = []
        for number in self.ids_param(request):
            if self.tickets.pop(number, None) is not None:
                results.append({"id": number, "action": "delete", "success": True, "status": "Deleted"})  # fmt: skip
        return self.job(request, results)

    async def merge(self, request: Request) -> Response:
        body = await self.state.record(request)
        target = self.tickets.get(int(request.path_params["id"]))
        if target is None:
            return not_found(request)
        document = read_json(body)
        for number in document.get("ids", []):
            source = self.tickets.get(int(number))
            if source is not None:
                source["status"] = "closed"
                self.update_ticket(source, {"comment": {"body": document.get("source_comment", ""), "public": False}})  # fmt: skip
        self.update_ticket(target, {"comment": {"body": document.get("target_comment", ""), "public": False}})  # fmt: skip
        return self.job(request, [{"id": target["id"], "action": "merge", "success": True}])

    def of_ticket(self, table: dict[int, Record], ticket_id: int) -> list[Record]:
        return [r for r in table.values() if r.get("ticket_id") == ticket_id]

    async def ticket_comments(self, request: Request) -> Response:
        await self.state.record(request)
        number = int(request.path_params["id"])
        if number not in self.tickets:
            return not_found(request)
        return self.listing(request, "comments", self.of_ticket(self.comments, number))

    async def ticket_audits(self, request: Request) -> Response:
        await self.state.record(request)
        number = int(request.path_params["id"])
        if number not in self.tickets:
            return not_found(request)
        return self.listing(request, "audits", self.of_ticket(self.audits, number))

    async def tags(self, request: Request) -> Response:
        body = await self.state.record(request)
        ticket = self.tickets.get(int(request.path_params["id"]))
        if ticket is None:
            return not_found(request)
        given = read_json(body).get("tags", [])
        if request.method == "PUT":
            ticket["tags"] = list(given)
        elif request.method == "POST":
            ticket["tags"] += [t for t in given if t not in ticket["tags"]]
        elif request.method == "DELETE":
            ticket["tags"] = [t for t in ticket["tags"] if t not in given]
        return shaped(request, {"tags": ticket["tags"]})

    # -- end users' requests --------------------------------------------

    def as_request(self, ticket: Record) -> Record:
        return {**{k: ticket[k] for k in ("id", "subject", "description", "status", "priority",
                                          "requester_id", "organization_id", "created_at",
                                          "updated_at", "custom_fields", "via")},
                "url": ticket["url"].replace("/tickets/", "/requests/")}  # fmt: skip

    async def requests_collection(self, request: Request) -> Response:
        body = await self.state.record(request)
        if request.method == "GET":
            return self.listing(request, "requests", [self.as_request(t) for t in self.tickets.values()])  # fmt: skip
        ticket, _ = self.create_ticket(request, read_json(body).get("request", {}))
        return shaped(request, {"request": self.as_request(ticket)}, 201)

    async def request_item(self, request: Request) -> Response:
        body = await self.state.record(request)
        ticket = self.tickets.get(int(request.path_params["id"]))
        if ticket is None:
            return not_found(request)
        if request.method == "PUT":
            self.update_ticket(ticket, read_json(body).get("request", {}))
        return shaped(request, {"request": self.as_request(ticket)})

    # -- users, identities, organizations --------------------------------

    async def users_collection(self, request: Request) -> Response:
        body = await self.state.record(request)
        if request.method == "GET":
            return self.listing(request, "users", list(self.users.values()))
        fields = read_json(body).get("user", {})
        known = any(u.get("email") == fields.get("email") for u in self.users.values())
        if known:
            return JSONResponse(
                {
                    "error": "RecordInvalid",
                    "description": "Record validation errors",
                    "details": {
                        "email": [
                            {
                                "description": "Email is already being used by another user",
                                "error": "DuplicateValue",
                            }
                        ]
                    },
                },
                status_code=422,
            )
        return shaped(request, {"user": self.user_for(request, fields)}, 201)

    async def create_or_update(self, request: Request) -> Response:
        body = await self.state.record(request)
        fields = read_json(body).get("user", {})
        before = len(self.users)
        user = self.user_for(request, fields)
        return shaped(request, {"user": user}, 201 if len(self.users) > before else 200)

    async def user(self, request: Request) -> Response:
        body = await self.state.record(request)
        found = self.users.get(int(request.path_params["id"]))
        if found is None:
            return not_found(request)
        if request.method == "DELETE":
            found["active"] = False
            return shaped(request, {"user": found})
        if request.method == "PUT":
            found.update({k: v for k, v in read_json(body).get("user", {}).items() if k != "id"})
            found["updated_at"] = now()
        return shaped(request, {"user": found})

    async def me(self, request: Request) -> Response:
        await self.state.record(request)
        agent = {"id": 1, "url": self.url(request, "users", 1), "name": "Acme API",
                 "email": "api@acme.com", "role": "admin", "active": True, "verified": True,
                 "created_at": now(), "updated_at": now()}  # fmt: skip
        return shaped(request, {"user": agent})

    async def user_search(self, request: Request) -> Response:
        await self.state.record(request)
        query = request.query_params.get("query", "")
        external = request.query_params.get("external_id")
        terms = [term.split(":", 1)[-1].strip("\"'") for term in query.split()]
        found = [
            u
            for u in self.users.values()
            if (external and u.get("external_id") == external) or (terms and matches(u, terms))
        ]
        return self.listing(request, "users", found)

    async def identities_collection(self, request: Request) -> Response:
        body = await self.state.record(request)
        user = self.users.get(int(request.path_params["id"]))
        if user is None:
            return not_found(request)
        if request.method == "GET":
            mine = [i for i in self.identities.values() if i["user_id"] == user["id"]]
            return self.listing(request, "identities", mine)
        fields = read_json(body).get("identity", {})
        identity = self.add_identity(user, fields.get("type", "email"), fields.get("value", ""))
        return shaped(request, {"identity": identity}, 201)

    async def organizations_collection(self, request: Request) -> Response:
        body = await self.state.record(request)
        if request.method == "GET":
            return self.listing(request, "organizations", list(self.organizations.values()))
        fields = read_json(body).get("organization", {})
        number = self.state.next_id()
        organization = {**fields, "id": number, "url": self.url(request, "organizations", number),
                        "created_at": now(), "updated_at": now()}  # fmt: skip
        organization.setdefault("domain_names", [])
        organization.setdefault("tags", [])
        self.organizations[number] = organization
        return shaped(request, {"organization": organization}, 201)

    async def organization(self, request: Request) -> Response:
        body = await self.state.record(request)
        found = self.organizations.get(int(request.path_params["id"]))
        if found is None:
            return not_found(request)
        if request.method == "DELETE":
            del self.organizations[found["id"]]
            return Response(status_code=204)
        if request.method == "PUT":
            found.update({k: v for k, v in read_json(body).get("organization", {}).items() if k != "id"})  # fmt: skip
            found["updated_at"] = now()
        return shaped(request, {"organization": found})

    # -- search ---------------------------------------------------------

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

    async def search(self, request: Request) -> Response:
        await self.state.record(request)
        query = request.query_params.get("query", "")
        hits = self.search_hits(query)
        return self.listing(request, "results", hits)

    async def search_export(self, request: Request) -> Response:
        await self.state.record(request)
        params = request.query_params
        kind = params.get("filter[type]")
        if kind is None:
            return JSONResponse({"error": "InvalidSearchExportParams",
                                 "description": "filter[type] is required"}, status_code=400)  # fmt: skip
        size = int(params.get("page[size]", "100"))
        page = cursor_page(self.search_hits(params.get("query", ""), kind), params.get("page[after]"), size)  # fmt: skip
        base = f"{self.state.base(request)}{request.url.path}"
        following = (
            f"{base}?query={params.get('query', '')}&filter[type]={kind}&page[size]={size}"
            f"&page[after]={page.after}"
        )
        return shaped(
            request,
            {
                "results": page.items,
                "facets": None,
                "meta": {
                    "has_more": page.after is not None,
                    "after_cursor": page.after,
                    "before_cursor": None,
                },
                "links": {"next": following if page.after else None, "prev": None},
            },
        )

    # -- incremental exports ---------------------------------------------

    def incremental(self, request: Request, key: str, items: list[Record]) -> Response:
        params = request.query_params
        size = int(params.get("per_page", "1000"))
        page = cursor_page(items, params.get("cursor"), size)
        base = f"{self.state.base(request)}{request.url.path}"
        return shaped(
            request,
            {
                key: page.items,
                "after_cursor": page.after,
                "before_cursor": page.before,
                "after_url": f"{base}?cursor={page.after}&per_page={size}" if page.after else None,
                "before_url": None,
                "end_of_stream": page.after is None,
            },
        )

    async def incremental_tickets(self, request: Request) -> Response:
        await self.state.record(request)
        return self.incremental(request, "tickets", list(self.tickets.values()))

    async def incremental_users(self, request: Request) -> Response:
        await self.state.record(request)
        return self.incremental(request, "users", list(self.users.values()))

    async def incremental_ticket_events(self, request: Request) -> Response:
        await self.state.record(request)
        include = request.query_params.get("include", "")
        events = []
        for audit in self.audits.values():
            children = [
                {"id": e["id"], "event_type": e["type"], **({"body": e["body"], "public": e["public"]}
                 if e["type"] == "Comment" and include == "comment_events" else {})}
                for e in audit["events"]
            ]  # fmt: skip
            events.append({"id": audit["id"], "ticket_id": audit["ticket_id"],
                           "timestamp": 0, "created_at": audit["created_at"],
                           "updater_id": audit["author_id"], "via": "Web service",
                           "event_type": "Audit", "child_events": children})  # fmt: skip
        return shaped(request, {"ticket_events": events, "count": len(events), "next_page": None,
                                "end_time": 0, "end_of_stream": True})  # fmt: skip

    # -- side conversations, satisfaction, jobs, uploads -----------------

    async def side_conversations_collection(self, request: Request) -> Response:
        body = await self.state.record(request)
        number = int(request.path_params["id"])
        if number not in self.tickets:
            return not_found(request)
        if request.method == "GET":
            return self.listing(request, "side_conversations", self.of_ticket(self.side_conversations, number))  # fmt: skip
        message = read_json(body).get("message", {})
        conversation_id = self.state.next_id()
        conversation = {"id": conversation_id, "ticket_id": number,
                        "url": f"{self.state.base(request)}{API}/tickets/{number}/side_conversations/{conversation_id}",
                        "subject": message.get("subject", ""), "preview_text": message.get("body", ""),
                        "state": "open", "participants": message.get("to", []),
                        "created_at": now(), "updated_at": now()}  # fmt: skip
        self.side_conversations[conversation_id] = conversation
        event = {"id": self.state.next_id(), "side_conversation_id": conversation_id,
                 "type": "create", "message": message, "created_at": now()}  # fmt: skip
        return shaped(request, {"side_conversation": conversation, "event": event}, 201)

    async def side_conversation(self, request: Request) -> Response:
        body = await self.state.record(request)
        found = self.side_conversations.get(int(request.path_params["sc_id"]))
        if found is None or found["ticket_id"] != int(request.path_params["id"]):
            return not_found(request)
        if request.url.path.endswith("/reply"):
            message = read_json(body).get("message", {})
            found["preview_text"] = message.get("body", "")
            event = {"id": self.state.next_id(), "side_conversation_id": found["id"],
                     "type": "reply", "message": message, "created_at": now()}  # fmt: skip
            return shaped(request, {"side_conversation": found, "event": event}, 201)
        return shaped(request, {"side_conversation": found})

    async def satisfaction_ratings(self, request: Request) -> Response:
        await self.state.record(request)
        return self.listing(request, "satisfaction_ratings", list(self.ratings.values()))

    async def satisfaction_rating(self, request: Request) -> Response:
        await self.state.record(request)
        found = self.ratings.get(int(request.path_params["id"]))
        return shaped(request, {"satisfaction_rating": found}) if found else not_found(request)

    async def rate_ticket(self, request: Request) -> Response:
        body = await self.state.record(request)
        ticket = self.tickets.get(int(request.path_params["id"]))
        if ticket is None:
            return not_found(request)
        fields = read_json(body).get("satisfaction_rating", {})
        number = self.state.next_id()
        rating = {"id": number, "url": self.url(request, "satisfaction_ratings", number),
                  "ticket_id": ticket["id"], "requester_id": ticket["requester_id"],
                  "score": fields.get("score", "offered"), "comment": fields.get("comment", ""),
                  "created_at": now(), "updated_at": now()}  # fmt: skip
        self.ratings[number] = rating
        return shaped(request, {"satisfaction_rating": rating})

    async def job_status(self, request: Request) -> Response:
        await self.state.record(request)
        wanted = request.path_params["job_id"]
        for job in self.jobs.values():
            if job["id"] == wanted:
                return shaped(request, {"job_status": job})
        return not_found(request)

    async def job_statuses(self, request: Request) -> Response:
        await self.state.record(request)
        return self.listing(request, "job_statuses", list(self.jobs.values()))

    async def uploads(self, request: Request) -> Response:
        await self.state.record(request)
        token = secrets.token_hex(12)
        name = request.query_params.get("filename", "file")
        return shaped(request, {"upload": {"token": token, "attachment": {"file_name": name}}}, 201)

    # -- the routes -----------------------------------------------------

    def routes(self) -> list[Route]:
        ticket = f"{API}/tickets/{{id:int}}"
        table: list[tuple[str, Any, list[str]]] = [
            (f"{API}/tickets.json", self.tickets_collection, ["GET", "POST"]),
            (f"{API}/tickets/show_many.json", self.show_many, ["GET"]),
            (f"{API}/tickets/create_many.json", self.create_many, ["POST"]),
            (f"{API}/tickets/update_many.json", self.update_many, ["PUT"]),
            (f"{API}/tickets/destroy_many.json", self.destroy_many, ["DELETE"]),
            (f"{ticket}.json", self.ticket, ["GET", "PUT", "DELETE"]),
            (f"{ticket}/merge.json", self.merge, ["POST"]),
            (f"{ticket}/comments.json", self.ticket_comments, ["GET"]),
            (f"{ticket}/audits.json", self.ticket_audits, ["GET"]),
            (f"{ticket}/tags.json", self.tags, ["GET", "PUT", "POST", "DELETE"]),
            (f"{ticket}/satisfaction_rating.json", self.rate_ticket, ["POST"]),
            (f"{ticket}/side_conversations", self.side_conversations_collection, ["GET", "POST"]),
            (f"{ticket}/side_conversations/{{sc_id:int}}", self.side_conversation, ["GET"]),
            (f"{ticket}/side_conversations/{{sc_id:int}}/reply", self.side_conversation, ["POST"]),
            (f"{API}/requests.json", self.requests_collection, ["GET", "POST"]),
            (f"{API}/requests/{{id:int}}.json", self.request_item, ["GET", "PUT"]),
            (f"{API}/users.json", self.users_collection, ["GET", "POST"]),
            (f"{API}/users/create_or_update.json", self.create_or_update, ["POST"]),
            (f"{API}/users/search.json", self.user_search, ["GET"]),
            (f"{API}/users/me.json", self.me, ["GET"]),
            (f"{API}/users/{{id:int}}.json", self.user, ["GET", "PUT", "DELETE"]),
            (
                f"{API}/users/{{id:int}}/identities.json",
                self.identities_collection,
                ["GET", "POST"],
            ),
            (f"{API}/organizations.json", self.organizations_collection, ["GET", "POST"]),
            (f"{API}/organizations/{{id:int}}.json", self.organization, ["GET", "PUT", "DELETE"]),
            (f"{API}/search.json", self.search, ["GET"]),
            (f"{API}/search/export.json", self.search_export, ["GET"]),
            (f"{API}/incremental/tickets/cursor.json", self.incremental_tickets, ["GET"]),
            (f"{API}/incremental/users/cursor.json", self.incremental_users, ["GET"]),
            (f"{API}/incremental/ticket_events.json", self.incremental_ticket_events, ["GET"]),
            (f"{API}/satisfaction_ratings.json", self.satisfaction_ratings, ["GET"]),
            (f"{API}/satisfaction_ratings/{{id:int}}.json", self.satisfaction_rating, ["GET"]),
            (f"{API}/job_statuses.json", self.job_statuses, ["GET"]),
            (f"{API}/job_statuses/{{job_id}}.json", self.job_status, ["GET"]),
            (f"{API}/uploads.json", self.uploads, ["POST"]),
        ]
        # Zendesk takes every path with or without ".json".
        return [
            Route(variant, handler, methods=methods)
            for path, handler, methods in table
            for variant in dict.fromkeys([path, path.removesuffix(".json")])
        ]
