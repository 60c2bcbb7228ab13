"""The gateway's own HTTP API, on FastAPI: health, metrics, and the audit page with its data.

=======================  =====================================================
``GET /healthz``          200 when ready (vault and audit writable), else 503
``GET /metrics``          Prometheus text; needs an admin key when keys are set
``GET /audit``            the audit page (static; it fetches the data below)
``GET /audit/api/events``  events matching the filters, newest first (500 at most)
``GET /audit/api/summary`` counts over time, entities per vendor, refusals, returns
``GET /audit/api/verify``  every chain's verification
``GET /openapi.json``     this API, described
=======================  =====================================================

The audit endpoints refuse without admin keys configured (the trail is for
security teams, not every caller) and answer 401 without a valid key, given as
``Authorization: Bearer <key>`` or ``X-Gateway-Key``. Everything is computed
from the chain files on request, in a worker thread: fine for a gateway's own
recent history; for months of data, export to a SIEM (``gateway audit export``).
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from pydantic import BaseModel

from gateway.audit import files
from gateway.audit.keys import AuditKeys
from gateway.audit.reader import Filters, parse_time, read
from gateway.audit.summary import summarize
from gateway.audit.verify import verify_chain
from gateway.errors import AccessError, GatewayError, InputError
from gateway.keys.credentials import ApiKeys, presented_key
from gateway.server.metrics import Metrics
from gateway.server.runtime import Gateway

MAX_EVENTS = 500
PAGE_HEADERS = {
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "content-security-policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'"
    ),
}


class Health(BaseModel):
    status: Literal["ok", "starting", "unhealthy"]
    policy: str | None = None
    instance: str | None = None
    reason: str | None = None  # the error code that makes it unhealthy


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


class Events(BaseModel):
    count: int
    events: list[dict[str, Any]]


class Summary(BaseModel):
    events: int
    over_time: list[dict[str, Any]]  # {"minute": "...", "<outcome>": count, ...}
    entities_per_vendor: dict[str, dict[str, int]]
    refusals: dict[str, int]
    tokens_returned: dict[str, int]
    # category or entity -> {"blocked": n, "diverted": n}: requests kept from the vendor
    kept_in_house: dict[str, dict[str, int]]


class ChainVerdict(BaseModel):
    chain: str
    ok: bool
    records: int
    checkpoints: int
    uncovered: int
    summary: str


class Verification(BaseModel):
    ok: bool
    chains: list[ChainVerdict]


def build_api(
    gateway: Callable[[], Gateway | None],
    waiting_for: Callable[[], str | None],
    metrics: Metrics,
    admin_keys: ApiKeys,
    audit_dir: Callable[[], Path],
    audit_keys: AuditKeys,
    lifespan: Any,
) -> FastAPI:
    """The API over a gateway that may still be starting (``gateway()`` is then ``None``,
    and ``waiting_for()`` the error code start-up is waiting out, if any)."""
    api = FastAPI(
        title="Redaction gateway",
        summary="Health, metrics and the audit trail of a redaction gateway.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    refusals: dict[int | str, dict[str, Any]] = {
        401: {"model": ErrorBody},
        403: {"model": ErrorBody},
    }

    @api.exception_handler(GatewayError)
    async def refused(request: Request, exc: GatewayError) -> JSONResponse:
        body = {"error": {"code": exc.code, "message": exc.message}}
        return JSONResponse(body, status_code=exc.status)

    def admin(request: Request) -> None:
        if not admin_keys.configured:
            raise AccessError(
                "admin_keys_not_configured", "set GATEWAY_ADMIN_KEYS to use the audit page"
            )
        if not admin_keys.accepts(presented_key(request.headers)):
            raise AccessError("unauthorized", "a valid admin key is needed")

    def filters(
        since: str | None = None,
        until: str | None = None,
        vendor: str | None = None,
        route: str | None = None,
        scope: str | None = None,
        ticket: str | None = None,
        token: str | None = None,
        entity: str | None = None,
        outcome: str | None = None,
        type: str = Query("", description="event types, comma-separated"),
    ) -> Filters:
        try:
            return Filters(
                since=parse_time(since) if since else None,
                until=parse_time(until) if until else None,
                vendor=vendor or None, route=route or None, scope=scope or None,
                ticket=ticket or None, token=token or None, entity=entity or None,
                outcome=outcome or None, types=tuple(t for t in type.split(",") if t),
            )  # fmt: skip
        except ValueError:
            raise InputError("invalid_filter", "a filter value is malformed") from None

    # As default values, not module-level Annotated aliases: these depend on
    # this app's keys, and annotations here are strings (PEP 563).
    admin_only = Depends(admin)
    wanted_filters = Depends(filters)

    @api.get(
        "/healthz",
        response_model=Health,
        response_model_exclude_none=True,
        responses={503: {"model": Health}},
    )
    async def healthz() -> Any:
        """Ready when the gateway has started and its vault and audit log can be written."""
        running = gateway()
        if running is None:
            reason = waiting_for()
            body = {"status": "starting"} | ({"reason": reason} if reason else {})
            return JSONResponse(body, status_code=503)
        try:
            await running.core.vault.check_writable()
            await running.audit.check_writable()
        except GatewayError as exc:
            return JSONResponse({"status": "unhealthy", "reason": exc.code}, status_code=503)
        return Health(status="ok", policy=running.policy.source, instance=running.audit.instance)

    @api.get("/metrics", response_class=PlainTextResponse, responses={401: {"model": ErrorBody}})
    async def metrics_text(request: Request) -> PlainTextResponse:
        """Prometheus metrics (text format 0.0.4); an admin key is needed when any is set."""
        if admin_keys.configured and not admin_keys.accepts(presented_key(request.headers)):
            raise AccessError("unauthorized", "metrics need an admin key")
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    @api.get("/audit", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        """The audit page; it holds no data and asks for an admin key in the browser."""
        html = importlib.resources.files("gateway.server").joinpath("audit.html").read_text("utf-8")
        return HTMLResponse(html, headers=PAGE_HEADERS)

    @api.get("/audit/api/events", response_model=Events, responses=refusals)
    def audit_events(_: None = admin_only, wanted: Filters = wanted_filters) -> Events:
        """Events that match the filters, newest first."""
        found = list(read(audit_dir(), wanted))
        return Events(count=len(found), events=found[-MAX_EVENTS:][::-1])

    @api.get("/audit/api/summary", response_model=Summary, responses=refusals)
    def audit_summary(_: None = admin_only, wanted: Filters = wanted_filters) -> Summary:
        """Counts over time, entities per vendor, refusals by reason, requests kept in-house
        by category, returned tokens by status."""
        return Summary(**summarize(read(audit_dir(), wanted)))

    @api.get("/audit/api/verify", response_model=Verification, responses=refusals)
    def audit_verify(_: None = admin_only) -> Verification:
        """Every chain checked: hash links, MACs and signed checkpoints."""
        verdicts = [
            verify_chain(path, audit_keys.public_key, audit_keys)
            for path in files.chains(audit_dir())
        ]
        return Verification(
            ok=all(v.ok for v in verdicts),
            chains=[
                ChainVerdict(
                    chain=v.path.name,
                    ok=v.ok,
                    records=v.records,
                    checkpoints=v.checkpoints,
                    uncovered=v.uncovered,
                    summary=v.summary(),
                )
                for v in verdicts
            ],
        )

    return api
