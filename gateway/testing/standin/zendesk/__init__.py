"""A stand-in Zendesk Support API (v2), in the shapes of its published reference.

Tickets, their comments, audits and tags, end-user requests, users and their
identities, organizations, search and search export, cursor-based incremental
exports, side conversations, satisfaction ratings, job statuses and uploads.
Bulk calls (create_many, update_many, destroy_many, merge) run at once and
answer with a job status whose results ``GET /job_statuses/{id}.json`` shows,
as Zendesk's do once the job has run.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from gateway.testing.standin.zendesk.exports import Exports
from gateway.testing.standin.zendesk.people import People
from gateway.testing.standin.zendesk.store import API
from gateway.testing.standin.zendesk.tickets import Tickets


class Zendesk(Tickets, People, Exports):
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
