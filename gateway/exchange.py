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
from email.message import Message
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from gateway.audit import events
from gateway.errors import InputError
from gateway.policy import RouteConfig
from gateway.restorer import Encoding
from gateway.routing import Match
from gateway.runtime import Gateway
from gateway.tokens import Token
from gateway.vault import Resolution

# Stable error codes and their HTTP status.
STATUS = {
    "not_ready": 503,
    "route_not_allowed": 403,
    "unauthorized": 401,
    "body_too_large": 413,
    "decompressed_too_large": 413,
    "body_timeout": 408,
    "invalid_json": 400,
    "invalid_encoding": 400,
    "json_too_deep": 400,
    "duplicate_json_key": 400,
    "invalid_path": 400,
    "invalid_compression": 400,
    "invalid_multipart": 400,
    "unsupported_media_type": 415,
    "unsupported_charset": 415,
    "unsupported_content_encoding": 415,
    "attachment_refused": 415,
    "detection_failed": 503,
    "vault_unavailable": 503,
    "audit_unavailable": 503,
    "upstream_unreachable": 502,
    "upstream_timeout": 504,
    "upstream_redirect": 502,
    "upstream_invalid_response": 502,
    "internal_error": 500,
}


def error_response(
    code: str, message: str, request_id: str, status: int | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "request_id": request_id}},
        status_code=status or STATUS.get(code, 400),
        headers={"x-request-id": request_id},
    )


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


async def read_body(request: Request, limits: Any) -> bytes:
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


def media_of(content_type: str | None) -> tuple[str | None, str]:
    if not content_type:
        return None, "utf-8"
    message = Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    return message.get_content_type(), charset if isinstance(charset, str) and charset else "utf-8"


def encoding_for(media: str) -> Encoding:
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media in ("text/html", "application/xhtml+xml"):
        return "html"
    if media == "application/x-www-form-urlencoded":
        return "form"
    return "plain"
