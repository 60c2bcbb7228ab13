"""One exchange through the gateway: company -> (redact) -> vendor -> (restore) -> company.

The order is what makes it fail closed:

1. match a policy route (else 403) and authenticate the caller;
2. read the body under the size, time and decompression limits;
3. detect, mint tokens (durable in the vault), splice them in;
4. write the audit record (durable);
5. only then send anything to the vendor;
6. restore the vendor's answer (buffered or streamed) and audit it before
   releasing it.

A failure at steps 1-4 answers a JSON error with a stable code and sends the
vendor nothing. Error bodies name the failure, never a value.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import Message
from typing import Any

import aiohttp
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from yarl import URL

from gateway import jsontext
from gateway.audit import events
from gateway.compression import decompress
from gateway.errors import AuditError, GatewayError, InputError
from gateway.outbound import RequestRules, redact_request
from gateway.policy import CompiledFieldRules, RouteConfig
from gateway.redactor import Plan
from gateway.restorer import Encoding
from gateway.routing import Match
from gateway.runtime import Gateway
from gateway.scopes import RequestView
from gateway.streaming import SseStream, TextStream, restore_chunks
from gateway.upstream import (
    UpstreamError,
    decoded_stream,
    raw_stream,
    request_headers,
    response_headers,
)

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
    "internal_error": 500,
}
TEXT_MEDIA = (
    "text/",
    "application/json",
    "application/xml",
    "application/xhtml+xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
)


def error_response(
    code: str, message: str, request_id: str, status: int | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "request_id": request_id}},
        status_code=status or STATUS.get(code, 400),
        headers={"x-request-id": request_id},
    )


@dataclass
class _Call:
    """What one exchange carries from step to step."""

    gateway: Gateway
    request: Request
    request_id: str
    started: float
    match: Match | None = None
    scope: str | None = None
    scope_source: str | None = None

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


async def handle(request: Request) -> Response:
    """The catch-all endpoint: every path that is not the gateway's own."""
    gateway: Gateway = request.app.state.gateway
    call = _Call(gateway, request, _request_id(request), time.perf_counter())
    gateway.metrics.in_flight.inc()
    try:
        return await _handle(call)
    except GatewayError as exc:
        return await _refuse(call, exc.code, exc.message, getattr(exc, "status", None))
    except ClientDisconnect:
        return await _refuse(
            call, "body_timeout", "the caller went away before sending the whole body", 400
        )
    # Whatever else went wrong, nothing was forwarded past this point; answer
    # without details (exception messages can quote the input).
    except Exception as exc:  # noqa: BLE001
        gateway.log.error(
            "internal error (%s) on route %s",
            type(exc).__name__,
            call.route.name if call.route else "-",
        )
        return await _refuse(
            call, "internal_error", "the gateway failed; nothing was sent to the vendor"
        )
    finally:
        gateway.metrics.in_flight.dec()


async def _handle(call: _Call) -> Response:
    gateway, request = call.gateway, call.request
    if not gateway.ready or gateway.core is None:
        raise InputError("not_ready", "the gateway is starting; try again shortly")
    path = request.url.path
    segments = path.split("/")
    if "." in segments or ".." in segments or "\x00" in path or "\\" in path:
        raise InputError("route_not_allowed", "paths with dot segments are not proxied")
    media_type, charset = _media(request.headers.get("content-type"))
    call.match = gateway.router.match(request.method, path, media_type)
    if call.match is None:
        raise InputError("route_not_allowed", "no route of the policy allows this method and path")
    route = call.match.route.config
    if route.webhook is not None:
        from gateway.deliveries import handle_webhook

        return await handle_webhook(call, route)
    if gateway.api_keys.configured and not gateway.api_keys.accepts(
        request.headers.get("x-gateway-key")
    ):
        raise InputError("unauthorized", "missing or wrong X-Gateway-Key")
    body = await read_body(request, gateway.policy.document.limits)
    body = decompress(
        body,
        request.headers.get("content-encoding", ""),
        gateway.policy.document.limits.max_decompressed_bytes,
    )
    rules = request_rules(gateway, route)
    view = RequestView(
        headers={k.lower(): v for k, v in request.headers.items()},
        params=call.match.params,
        query=request.url.query,
        json=_json_for_scope(route, media_type, body, charset, rules.max_json_depth),
        json_rules=rules.json,
    )

    async def choose(plan: Plan) -> str:
        chosen = await gateway.scopes.choose(route.scope, view, plan)
        call.scope, call.scope_source = chosen.scope, chosen.source
        return chosen.scope

    redacted = await redact_request(
        gateway.core.redactor,
        choose,
        rules,
        media_type,
        request.headers.get("content-type", ""),
        charset,
        body,
        request.url.query,
        {k: v for k, v in request.headers.items() if k.lower() in rules.headers},
        view.json,
    )
    call.scope = redacted.scope
    found = [
        events.Found(
            f.where,
            f.replacement.entity,
            f.replacement.action,
            f.replacement.token,
            events.value_digest(gateway.audit_keys, gateway.policy, f.replacement.entity, f.value),
        )
        for f in redacted.found
    ]
    await gateway.audit.append(
        events.redacted(gateway.policy, call.exchange(), found, call.elapsed_ms())
    )
    gateway.metrics.redacted(route.name, [f.entity for f in found])
    headers = [
        (k, redacted.headers.get(k, v))
        for k, v in request.headers.items()
        if k.lower() != "content-length"
    ]
    response = await send(
        gateway.client,
        request.method,
        gateway.upstream_url(request.url.path, redacted.query),
        request_headers(headers, gateway.upstream_auth, request.headers.get("content-type")),
        redacted.body if body else None,
    )
    return await restore_response(call, response)


async def send(
    client: aiohttp.ClientSession,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes | None,
) -> aiohttp.ClientResponse:
    """Send one request to the vendor; the answer's body is read later, as a stream."""
    try:
        response = await client.request(
            method, URL(url, encoded=True), headers=headers, data=body, allow_redirects=False
        )
    except TimeoutError:
        raise UpstreamError("upstream_timeout", "the vendor did not answer in time", 504) from None
    except aiohttp.ClientError as exc:
        raise UpstreamError(
            "upstream_unreachable", f"the vendor could not be reached ({type(exc).__name__})", 502
        ) from None
    if 300 <= response.status < 400 and response.headers.get("location"):
        response.release()
        raise UpstreamError(
            "upstream_redirect", "the vendor answered with a redirect, which is not followed", 502
        )
    return response


async def restore_response(call: _Call, response: aiohttp.ClientResponse) -> Response:
    gateway = call.gateway
    route = call.route
    assert route is not None
    assert gateway.core is not None
    media_type, charset = _media(response.headers.get("content-type"))
    media = media_type or ""
    restorable = route.response.restore and (
        media.startswith(TEXT_MEDIA) or media.endswith(("+json", "+xml"))
    )
    scopes = {call.scope} if call.scope else set()
    limits = gateway.policy.document.limits
    if not restorable:
        return _stream(
            response, response_headers(response.headers, changed=False), _passthrough(response)
        )
    if media == "text/event-stream":
        sse = SseStream(
            gateway.core.restorer, scopes, route.response.stream_fields, limits.max_event_bytes
        )
        body = sse.restore(decoded_stream(response, limits.max_response_bytes))
        return _stream(
            response,
            response_headers(response.headers, changed=True),
            _audited(call, body, sse, response),
        )
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) <= limits.max_response_bytes:
        return await _buffered(call, response, media, charset, scopes)
    stream = TextStream(gateway.core.restorer, scopes, _context(media))
    body = restore_chunks(decoded_stream(response, limits.max_response_bytes), stream, charset)
    return _stream(
        response,
        response_headers(response.headers, changed=True),
        _audited(call, body, stream, response),
    )


async def _buffered(
    call: _Call, response: aiohttp.ClientResponse, media: str, charset: str, scopes: set[str]
) -> Response:
    gateway = call.gateway
    assert gateway.core is not None
    assert call.route is not None
    try:
        data = b"".join(
            [
                chunk
                async for chunk in decoded_stream(
                    response, gateway.policy.document.limits.max_response_bytes
                )
            ]
        )
    finally:
        response.release()
    text = data.decode(charset, errors="surrogateescape")
    aliases: list[str] = []
    if media == "application/json" or media.endswith("+json"):
        aliases = await _bind_aliases(call, text)
    restored = await gateway.core.restorer.restore(text, scopes, _context(media))
    await gateway.audit.append(
        events.restored(
            gateway.policy,
            call.exchange(),
            restored.outcomes,
            call.elapsed_ms(),
            status=response.status,
            aliases=aliases,
        )
    )
    gateway.metrics.latency.labels(call.route.name).observe(call.elapsed_ms() / 1000)
    gateway.metrics.restored(call.route.name, restored.outcomes)
    body = restored.text.encode(charset, errors="surrogateescape")
    headers = response_headers(response.headers, changed=True)
    return Response(body, status_code=response.status, headers=dict(_merge(headers)))


async def _bind_aliases(call: _Call, text: str) -> list[str]:
    gateway, route = call.gateway, call.route
    if route is None or route.scope is None or not route.scope.aliases or not call.scope:
        return []
    try:
        document = jsontext.JsonText.parse(text, gateway.policy.document.limits.max_json_depth)
    except InputError:
        return []  # not JSON after all: nothing to bind
    return await gateway.scopes.bind_aliases(
        route.scope, document, call.scope, int(gateway.clock())
    )


async def _audited(
    call: _Call,
    body: AsyncIterator[bytes],
    restorer: TextStream | SseStream,
    response: aiohttp.ClientResponse,
) -> AsyncIterator[bytes]:
    """Stream ``body``; record the exchange in the audit log when it ends.

    Each restored chunk goes out as soon as it is restored; the record of which
    tokens came back is written when the stream ends (a stream has no single
    moment before which everything is known). A failure mid-stream cuts the
    stream off rather than letting unrestored or unaudited text through.
    """
    gateway = call.gateway
    try:
        async for chunk in body:
            yield chunk
    finally:
        response.release()
    await gateway.audit.append(
        events.restored(
            gateway.policy,
            call.exchange(),
            restorer.outcomes,
            call.elapsed_ms(),
            "stream_restored",
            response.status,
        )
    )
    if call.route is not None:
        gateway.metrics.restored(call.route.name, restorer.outcomes)
        gateway.metrics.latency.labels(call.route.name).observe(call.elapsed_ms() / 1000)


async def _passthrough(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in raw_stream(response):
            yield chunk
    finally:
        response.release()


def _stream(
    response: aiohttp.ClientResponse, headers: list[tuple[str, str]], body: AsyncIterator[bytes]
) -> StreamingResponse:
    streaming = StreamingResponse(body, status_code=response.status)
    streaming.raw_headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in headers
        if k.lower() != "content-length"
    ]
    return streaming


def _merge(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() != "content-length"]


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


def request_rules(gateway: Gateway, route: RouteConfig) -> RequestRules:
    config = route.request
    document = gateway.policy.document
    json_rules = (
        CompiledFieldRules.from_config(config.json_fields)
        if config.json_fields
        else gateway.policy.json_rules
    )
    from gateway.markup import DEFAULT_ATTRIBUTES

    return RequestRules(
        json=json_rules,
        form=CompiledFieldRules.from_config(config.form),
        query=tuple(config.query),
        headers=tuple(h.lower() for h in config.headers),
        html_attributes=tuple(config.html_attributes or DEFAULT_ATTRIBUTES),
        files=config.files,
        other_media=config.other_media,
        max_json_depth=document.limits.max_json_depth,
    )


def _json_for_scope(
    route: RouteConfig, media_type: str | None, body: bytes, charset: str, depth: int
) -> jsontext.JsonText | None:
    """Parse the body for its scope field only when the route takes its scope from the body."""
    if route.scope is None or route.scope.source != "body" or not body:
        return None
    if media_type != "application/json" and not (media_type or "").endswith("+json"):
        return None
    try:
        return jsontext.JsonText.parse(body.decode(charset), depth)
    except (UnicodeDecodeError, LookupError):
        return None


def _media(content_type: str | None) -> tuple[str | None, str]:
    if not content_type:
        return None, "utf-8"
    message = Message()
    message["content-type"] = content_type
    charset = message.get_param("charset")
    return message.get_content_type(), charset if isinstance(charset, str) and charset else "utf-8"


def _context(media: str) -> Encoding:
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media in ("text/html", "application/xhtml+xml"):
        return "html"
    if media == "application/x-www-form-urlencoded":
        return "form"
    return "plain"


def _request_id(request: Request) -> str:
    given = request.headers.get("x-request-id", "")
    if 8 <= len(given) <= 64 and given.replace("-", "").isalnum():
        return given
    return uuid.uuid4().hex


async def _refuse(call: _Call, code: str, message: str, status: int | None = None) -> JSONResponse:
    gateway = call.gateway
    status = status or STATUS.get(code, 400)
    gateway.metrics.refused(call.route.name if call.route else "-", code)
    if code not in ("audit_unavailable", "not_ready"):
        try:
            await gateway.audit.append(
                events.refused(
                    gateway.policy, call.exchange(), code, status, "outbound", call.elapsed_ms()
                )
            )
        except AuditError:
            gateway.metrics.audit_errors.inc()
    if code == "vault_unavailable":
        gateway.metrics.vault_errors.inc()
    return error_response(code, message, call.request_id, status)
