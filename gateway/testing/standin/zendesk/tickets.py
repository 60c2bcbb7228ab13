"""Tickets, their comments, audits, tags, side conversations and ratings; requests; jobs; uploads."""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response

from gateway.testing.standin.common import (
    now,
    read_json,
    shaped,
)
from gateway.testing.standin.zendesk.store import API, Store, not_found


class Tickets(Store):
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
        return shaped(
            request, {"side_conversation": conversation, "event": event, "updates": {}}, 201
        )

    async def side_conversation(self, request: Request) -> Response:
        body = await self.state.record(request)
        found = self.side_conversations.get(int(request.path_params["sc_id"]))
        if found is None or found["ticket_id"] != int(request.path_params["id"]):
            return not_found(request)
        if request.url.path.endswith("/reply"):
            message = read_json(body).get("message", {})
            found["preview_text"] = message.get("body", "")
            found["updated_at"] = now()
            return shaped(request, {"side_conversation": found})
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
