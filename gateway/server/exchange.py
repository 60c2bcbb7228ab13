"""What every exchange shares: its state, its error answers, reading its body.

``proxy`` (company -> vendor), ``inbound`` (the vendor's answer) and
``deliveries`` (vendor webhooks) each handle one side of an exchange; the
pieces they have in common live here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.audit import events
from gateway.errors import GatewayError, InputError
from gateway.policy import Limits, RouteConfig
from gateway.policy.schema import ErrorFormat
from gateway.server.routing import Match
from gateway.server.runtime import Gateway
from gateway.vault import Resolution
from gateway.vault.tokens import Token


def error_response(
    error: GatewayError, request_id: str, shape: ErrorFormat = "gateway"
) -> JSONResponse:
    """The JSON error a refusal answers with: a stable code, a message, the request id,
    in the gateway's shape or the vendor's (``error_format``)."""
    return JSONResponse(
        error_body(error, request_id, shape),
        status_code=error.status,
        headers={"x-request-id": request_id},
    )


def error_body(error: GatewayError, request_id: str, shape: ErrorFormat) -> dict[str, Any]:
    """A refusal in the shape the vendor's own clients read, the gateway's code inside.

    * gateway: ``{"error": {"code", "message", "request_id"}}``
    * zendesk: ``{"error": code, "description": message}`` (Zendesk's error shape)
    * freshdesk: ``{"description": message, "errors": [{"code", "message"}]}``
    * openai: ``{"error": {"message", "type", "code", "param"}}``

    An error's details (a blocked request's categories) go in ``details`` for
    Zendesk (as its own errors do), beside the code otherwise.
    """
    code, message, details = error.code, error.message, error.details()
    if shape == "zendesk":
        body: dict[str, Any] = {"error": code, "description": message, "request_id": request_id}
        return body | ({"details": details} if details else {})
    if shape == "freshdesk":
        return {
            "description": message,
            "errors": [{"field": "", "code": code, "message": message}],
            "request_id": request_id,
        } | details
    if shape == "openai":
        kind = (
            "authentication_error"
            if error.status == 401
            else "permission_error"
            if error.status == 403
            else "server_error"
            if (error.status or 500) >= 500
            else "invalid_request_error"
        )
        return {"error": {"message": message, "type": kind, "code": code, "param": None} | details}
    return {"error": {"code": code, "message": message, "request_id": request_id} | details}


@dataclass
class Call:
    """What one exchange carries from step to step."""

    gateway: Gateway
    request: Request
    request_id: str
    started: float
    match: Match | None = None
    scope: str | None = None
    scope_source: str | None = None
    sent: bool = False  # the request went to the vendor: failures are now on the way back
    minted: dict[Token, Resolution] = field(default_factory=dict, repr=False)

    def known_tokens(self, scopes: Collection[str]) -> dict[Token, Resolution]:
        """The request's own tokens that ``scopes`` allow: a fresh restore cache."""
        return {t: r for t, r in self.minted.items() if r.scope in scopes}

    @property
    def route(self) -> RouteConfig | None:
        return self.match.route.config if self.match else None

    @property
    def route_name(self) -> str:
        return self.match.route.name if self.match else "-"

    def exchange(self) -> events.Exchange:
        route = self.route
        return events.Exchange(
            self.request_id,
            route.name if route else None,
            self.request.method,
            route.path if route else "",
            self.scope,
            self.scope_source,
        )

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started) * 1000


async def read_body(request: Request, limits: Limits) -> bytes:
    """The request body, refused beyond ``max_body_bytes`` or ``body_read_timeout_s``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise InputError("body_too_large", f"the body is larger than {limits.max_body_bytes} bytes")
    received = bytearray()

    async def collect() -> None:
        async for chunk in request.stream():
            received.extend(chunk)
            if len(received) > limits.max_body_bytes:
                raise InputError(
                    "body_too_large", f"the body is larger than {limits.max_body_bytes} bytes"
                )

    try:
        await asyncio.wait_for(collect(), timeout=limits.body_read_timeout_s)
    except TimeoutError:
        raise InputError(
            "body_timeout", f"the body did not arrive within {limits.body_read_timeout_s} s"
        ) from None
    return bytes(received)
