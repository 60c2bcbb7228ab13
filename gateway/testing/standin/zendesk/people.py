"""Users, their identities, and organizations."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.testing.standin.common import (
    matches,
    now,
    read_json,
    shaped,
)
from gateway.testing.standin.zendesk.store import Store, not_found


class People(Store):
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
