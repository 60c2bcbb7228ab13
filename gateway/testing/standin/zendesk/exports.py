"""Search, search export and the cursor-based incremental exports."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.testing.standin.common import (
    Record,
    cursor_page,
    shaped,
)
from gateway.testing.standin.zendesk.store import Store


class Exports(Store):
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
