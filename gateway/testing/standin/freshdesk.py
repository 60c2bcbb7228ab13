"""A stand-in Freshdesk API (v2), in the shapes of its published reference.

Tickets (list, filter, view, create, update, delete), their conversations
(reply, note, list), contacts, companies, and the filter queries of
``/api/v2/search/*`` (``query="email:'jane@example.com'"``). Lists are bare
JSON arrays paginated with ``page``/``per_page`` and a ``Link`` header, as
Freshdesk's are.
"""

from __future__ import annotations

import html
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.testing.standin.common import Record, State, now, read_json, shaped

API = "/api/v2"
_TERM = re.compile(r"(\w+)\s*:\s*(?:'([^']*)'|\"([^\"]*)\"|(\S+))")


def not_found() -> Response:
    return JSONResponse({"code": "access_denied", "message": "not found"}, status_code=404)


def invalid(field: str, message: str) -> Response:
    return JSONResponse(
        {
            "description": "Validation failed",
            "errors": [{"field": field, "message": message, "code": "invalid_value"}],
        },
        status_code=400,
    )


class Freshdesk:
    def __init__(self, state: State) -> None:
        self.state = state
        self.tickets = state.table("freshdesk.tickets")
        self.contacts = state.table("freshdesk.contacts")
        self.companies = state.table("freshdesk.companies")
        self.conversations = state.table("freshdesk.conversations")

    def contact_for(self, fields: Record) -> Record:
        for contact in self.contacts.values():
            if fields.get("email") and contact.get("email") == fields["email"]:
                return contact
        number = self.state.next_id()
        contact = {
            "id": number,
            "name": fields.get("name") or fields.get("email", ""),
            "email": fields.get("email"),
            "phone": fields.get("phone"),
            "mobile": fields.get("mobile"),
            "company_id": fields.get("company_id"),
            "description": fields.get("description"),
            "job_title": fields.get("job_title"),
            "language": fields.get("language", "en"),
            "time_zone": fields.get("time_zone", "Eastern Time (US & Canada)"),
            "active": False,
            "tags": fields.get("tags", []),
            "other_emails": fields.get("other_emails", []),
            "custom_fields": fields.get("custom_fields", {}),
            "created_at": now(),
            "updated_at": now(),
        }
        self.contacts[number] = contact
        return contact

    def page(self, request: Request, items: list[Record]) -> Response:
        """A bare array; a ``Link: <…>; rel="next"`` header when there is more."""
        per_page = int(request.query_params.get("per_page", "30"))
        number = int(request.query_params.get("page", "1"))
        chunk = items[(number - 1) * per_page : number * per_page]
        answer = shaped(request, chunk)
        if number * per_page < len(items):
            following = f"{self.state.base(request)}{request.url.path}?page={number + 1}&per_page={per_page}"  # fmt: skip
            answer.headers["link"] = f'<{following}>; rel="next"'
        return answer

    def view(self, request: Request, ticket: Record) -> Record:
        shown = dict(ticket)
        include = request.query_params.get("include", "").split(",")
        if "requester" in include:
            contact = self.contacts.get(ticket["requester_id"], {})
            shown["requester"] = {k: contact.get(k) for k in ("id", "name", "email", "mobile", "phone")}  # fmt: skip
        if "conversations" in include:
            shown["conversations"] = self.of_ticket(ticket["id"])
        return shown

    def of_ticket(self, ticket_id: int) -> list[Record]:
        return [c for c in self.conversations.values() if c["ticket_id"] == ticket_id]

    # -- tickets --------------------------------------------------------

    async def tickets_collection(self, request: Request) -> Response:
        body = await self.state.record(request)
        if request.method == "GET":
            items = list(self.tickets.values())
            wanted = request.query_params.get("email")
            if wanted:
                ids = {c["id"] for c in self.contacts.values() if c.get("email") == wanted}
                items = [t for t in items if t["requester_id"] in ids]
            return self.page(request, items)
        fields = read_json(body)
        if not (fields.get("email") or fields.get("requester_id") or fields.get("phone")):
            return invalid("requester_id", "Please fill at least 1 of email, phone, requester_id fields")  # fmt: skip
        requester = self.contact_for(fields) if fields.get("email") else None
        number = self.state.next_id()
        description = fields.get("description", "")
        ticket = {
            "id": number,
            "subject": fields.get("subject", ""),
            "description": description,
            "description_text": html.unescape(re.sub(r"<[^>]+>", "", description)),
            "status": fields.get("status", 2),
            "priority": fields.get("priority", 1),
            "source": fields.get("source", 2),
            "type": fields.get("type"),
            "requester_id": requester["id"] if requester else fields.get("requester_id"),
            "responder_id": fields.get("responder_id"),
            "company_id": fields.get("company_id"),
            "group_id": fields.get("group_id"),
            "cc_emails": fields.get("cc_emails", []),
            "fwd_emails": [],
            "reply_cc_emails": fields.get("cc_emails", []),
            "to_emails": None,
            "tags": fields.get("tags", []),
            "custom_fields": fields.get("custom_fields", {}),
            "attachments": [],
            "spam": False,
            "is_escalated": False,
            "fr_escalated": False,
            "due_by": now(),
            "fr_due_by": now(),
            "created_at": now(),
            "updated_at": now(),
        }
        self.tickets[number] = ticket
        return shaped(request, ticket, 201)

    async def ticket(self, request: Request) -> Response:
        body = await self.state.record(request)
        found = self.tickets.get(int(request.path_params["id"]))
        if found is None:
            return not_found()
        if request.method == "DELETE":
            del self.tickets[found["id"]]
            return Response(status_code=204)
        if request.method == "PUT":
            found.update({k: v for k, v in read_json(body).items() if k != "id"})
            found["updated_at"] = now()
        return shaped(request, self.view(request, found))

    async def add_conversation(self, request: Request) -> Response:
        body = await self.state.record(request)
        ticket = self.tickets.get(int(request.path_params["id"]))
        if ticket is None:
            return not_found()
        fields = read_json(body)
        note = request.url.path.endswith("/notes")
        number = self.state.next_id()
        text = fields.get("body", "")
        conversation = {
            "id": number,
            "ticket_id": ticket["id"],
            "body": text,
            "body_text": html.unescape(re.sub(r"<[^>]+>", "", text)),
            "incoming": False,
            "private": bool(fields.get("private", note)),
            "source": 2 if note else 0,
            "user_id": fields.get("user_id", 1),
            "support_email": None if note else "support@acme.com",
            "from_email": fields.get("from_email"),
            "to_emails": []
            if note
            else [self.contacts.get(ticket["requester_id"], {}).get("email")],
            "cc_emails": fields.get("cc_emails", []),
            "bcc_emails": fields.get("bcc_emails", []),
            "notify_emails": fields.get("notify_emails", []),
            "attachments": [],
            "created_at": now(),
            "updated_at": now(),
        }
        self.conversations[number] = conversation
        return shaped(request, conversation, 201)

    async def conversations_list(self, request: Request) -> Response:
        await self.state.record(request)
        number = int(request.path_params["id"])
        if number not in self.tickets:
            return not_found()
        return self.page(request, self.of_ticket(number))

    # -- contacts and companies -----------------------------------------

    async def contacts_collection(self, request: Request) -> Response:
        body = await self.state.record(request)
        if request.method == "GET":
            items = list(self.contacts.values())
            for name in ("email", "mobile", "phone", "company_id"):
                wanted = request.query_params.get(name)
                if wanted:
                    items = [c for c in items if str(c.get(name)) == wanted]
            return self.page(request, items)
        fields = read_json(body)
        if any(c.get("email") == fields.get("email") for c in self.contacts.values()):
            return invalid("email", "It should be a unique value")
        return shaped(request, self.contact_for(fields), 201)

    async def contact(self, request: Request) -> Response:
        body = await self.state.record(request)
        found = self.contacts.get(int(request.path_params["id"]))
        if found is None:
            return not_found()
        if request.method == "DELETE":
            found["deleted"] = True
            return Response(status_code=204)
        if request.method == "PUT":
            found.update({k: v for k, v in read_json(body).items() if k != "id"})
            found["updated_at"] = now()
        return shaped(request, found)

    async def companies_collection(self, request: Request) -> Response:
        body = await self.state.record(request)
        if request.method == "GET":
            return self.page(request, list(self.companies.values()))
        fields = read_json(body)
        number = self.state.next_id()
        company = {"description": None, "note": None, "domains": [], "custom_fields": {},
                   **fields, "id": number, "created_at": now(), "updated_at": now()}  # fmt: skip
        self.companies[number] = company
        return shaped(request, company, 201)

    async def company(self, request: Request) -> Response:
        body = await self.state.record(request)
        found = self.companies.get(int(request.path_params["id"]))
        if found is None:
            return not_found()
        if request.method == "DELETE":
            del self.companies[found["id"]]
            return Response(status_code=204)
        if request.method == "PUT":
            found.update({k: v for k, v in read_json(body).items() if k != "id"})
            found["updated_at"] = now()
        return shaped(request, found)

    # -- filter queries --------------------------------------------------

    async def search(self, request: Request) -> Response:
        """``query="email:'jane@example.com' AND priority:1"``: every term must hold."""
        await self.state.record(request)
        kind = request.url.path.rsplit("/", 1)[-1]
        query = request.query_params.get("query", "").strip().strip('"')
        table = {"tickets": self.tickets, "contacts": self.contacts, "companies": self.companies}.get(kind)  # fmt: skip
        if table is None:
            return not_found()
        terms = [(m[1], m[2] or m[3] or m[4]) for m in _TERM.finditer(query)]
        if not terms:
            return invalid("query", "It should be a valid query")

        def holds(record: Record, name: str, value: str) -> bool:
            if kind == "tickets" and name == "email":
                contact = self.contacts.get(record.get("requester_id") or 0, {})
                return bool(contact.get("email") == value)
            return str(record.get(name)) == value

        results = [r for r in table.values() if all(holds(r, n, v) for n, v in terms)]
        return shaped(request, {"results": results, "total": len(results)})

    def routes(self) -> list[Route]:
        table: list[tuple[str, Any, list[str]]] = [
            (f"{API}/tickets", self.tickets_collection, ["GET", "POST"]),
            (f"{API}/tickets/{{id:int}}", self.ticket, ["GET", "PUT", "DELETE"]),
            (f"{API}/tickets/{{id:int}}/reply", self.add_conversation, ["POST"]),
            (f"{API}/tickets/{{id:int}}/notes", self.add_conversation, ["POST"]),
            (f"{API}/tickets/{{id:int}}/conversations", self.conversations_list, ["GET"]),
            (f"{API}/contacts", self.contacts_collection, ["GET", "POST"]),
            (f"{API}/contacts/{{id:int}}", self.contact, ["GET", "PUT", "DELETE"]),
            (f"{API}/companies", self.companies_collection, ["GET", "POST"]),
            (f"{API}/companies/{{id:int}}", self.company, ["GET", "PUT", "DELETE"]),
            *(
                (f"{API}/search/{kind}", self.search, ["GET"])
                for kind in ("tickets", "contacts", "companies")
            ),
        ]
        return [Route(path, handler, methods=methods) for path, handler, methods in table]
