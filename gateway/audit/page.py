"""The read-only audit page and the JSON it reads, served by the gateway.

``GET /audit`` is a static page (it holds no data). Its script asks for an
admin key (``GATEWAY_ADMIN_KEYS``), keeps it in the tab's session storage, and
calls the ``/audit/api/*`` endpoints with it. Without admin keys configured the
endpoints refuse: the audit trail is for security teams, not every caller.

Everything is computed from the chain files on request: fine for a gateway's
own recent history; for months of data, export to a SIEM (``gateway audit export``).
"""

from __future__ import annotations

import importlib.resources
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from gateway.audit.keys import AuditKeys
from gateway.audit.reader import Filters, chains, parse_time, read
from gateway.audit.verify import verify_chain
from gateway.credentials import ApiKeys, presented_key

MAX_EVENTS = 500


@dataclass
class AuditPage:
    directory: Path
    keys: AuditKeys
    admin_keys: ApiKeys

    def page(self, request: Request) -> Response:
        html = importlib.resources.files("gateway.audit").joinpath("page.html").read_text("utf-8")
        return HTMLResponse(html, headers={"cache-control": "no-store", "x-frame-options": "DENY",
                                           "content-security-policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'"})  # fmt: skip

    def _guard(self, request: Request) -> Response | None:
        if not self.admin_keys.configured:
            return JSONResponse(
                {
                    "error": {
                        "code": "admin_keys_not_configured",
                        "message": "set GATEWAY_ADMIN_KEYS to use the audit page",
                    }
                },
                status_code=403,
            )
        if not self.admin_keys.accepts(presented_key(request.headers)):
            return JSONResponse(
                {"error": {"code": "unauthorized", "message": "a valid admin key is needed"}},
                status_code=401,
            )
        return None

    def _filters(self, request: Request) -> Filters:
        q = request.query_params
        since = parse_time(q["since"]) if q.get("since") else None
        until = parse_time(q["until"]) if q.get("until") else None
        return Filters(
            since=since, until=until, vendor=q.get("vendor") or None, route=q.get("route") or None,
            scope=q.get("scope") or None, ticket=q.get("ticket") or None, token=q.get("token") or None,
            entity=q.get("entity") or None, outcome=q.get("outcome") or None,
            types=tuple(t for t in q.get("type", "").split(",") if t),
        )  # fmt: skip

    def guarded(self, handler: Callable[[Request], Response]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            refused = self._guard(request)
            if refused is not None:
                return refused
            try:
                return handler(request)
            except ValueError:
                return JSONResponse(
                    {"error": {"code": "invalid_filter", "message": "a filter value is malformed"}},
                    status_code=400,
                )

        return endpoint

    def events(self, request: Request) -> Response:
        found = list(read(self.directory, self._filters(request)))
        return JSONResponse({"count": len(found), "events": found[-MAX_EVENTS:][::-1]})

    def summary(self, request: Request) -> Response:
        per_bucket: dict[str, Counter[str]] = defaultdict(Counter)
        entities: dict[str, Counter[str]] = defaultdict(Counter)
        reasons: Counter[str] = Counter()
        returned: Counter[str] = Counter()
        total = 0
        for record in read(self.directory, self._filters(request)):
            event = record.get("event", {})
            total += 1
            bucket = str(record.get("time", ""))[:16]  # per minute
            per_bucket[bucket][str(event.get("outcome") or event.get("type"))] += 1
            for entity, count in (event.get("entities") or {}).items():
                entities[str(event.get("vendor"))][entity] += count
            if event.get("outcome") == "refused":
                reasons[str(event.get("reason"))] += 1
            for status, count in (event.get("counts") or {}).items():
                returned[status] += count
        return JSONResponse(
            {
                "events": total,
                "over_time": [{"minute": k, **v} for k, v in sorted(per_bucket.items())],
                "entities_per_vendor": {k: dict(v) for k, v in entities.items()},
                "refusals": dict(reasons.most_common()),
                "tokens_returned": dict(returned),
            }
        )

    def verification(self, request: Request) -> Response:
        verdicts = [
            verify_chain(path, self.keys.public_key, self.keys) for path in chains(self.directory)
        ]
        return JSONResponse(
            {
                "ok": all(v.ok for v in verdicts),
                "chains": [
                    {
                        "chain": v.path.name,
                        "ok": v.ok,
                        "records": v.records,
                        "checkpoints": v.checkpoints,
                        "uncovered": v.uncovered,
                        "summary": v.summary(),
                    }
                    for v in verdicts
                ],
            }
        )
