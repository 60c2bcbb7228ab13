"""One exchange through the gateway: company -> (redact) -> vendor -> (restore) -> company.

The order is what makes it fail closed:

1. match a policy route (else 403) and authenticate the caller;
2. read the body under the size, time and decompression limits;
3. detect, mint tokens (durable in the vault), splice them in; or, when the
   policy keeps the request in-house, refuse it or deliver it to the company's
   own endpoint (``diversion``), audited, and stop;
4. write the audit record (durable);
5. only then send anything to the vendor;
6. restore the vendor's answer (buffered or streamed) and audit it before
   releasing it.

A failure at steps 1-4 answers a JSON error with a stable code and sends the
vendor nothing. Error bodies name the failure, never a value.
"""

from __future__ import annotations

import time
import urllib.parse
import uuid

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from gateway.audit import events
from gateway.errors import (
    AccessError,
    AuditError,
    BlockedError,
    GatewayError,
    InputError,
    InternalError,
    UpstreamError,
)
from gateway.formats import jsontext
from gateway.formats.compression import decompress
from gateway.formats.media import is_json, media_of
from gateway.formats.request import RequestParts
from gateway.policy import RouteConfig
from gateway.policy.schema import ErrorFormat
from gateway.redact.redactor import Plan
from gateway.redact.requests import redact_request
from gateway.redact.scopes import RequestView
from gateway.server.deliveries import handle_webhook
from gateway.server.diversion import keep_in_house
from gateway.server.exchange import Call, error_response, read_body
from gateway.server.inbound import restore_response
from gateway.server.metrics import Metrics
from gateway.server.runtime import Gateway
from gateway.server.upstream import UpstreamResponse, request_headers


async def handle(
    gateway: Gateway | None, metrics: Metrics, request: Request, shape: ErrorFormat = "gateway"
) -> Response:
    """The catch-all endpoint: every path that is not the gateway's own. ``shape`` is
    the policy's ``error_format`` (for refusals before the gateway has started)."""
    request_id = _request_id(request)
    if gateway is None:
        metrics.refused("-", "not_ready")
        refusal = AccessError("not_ready", "the gateway is starting; try again shortly")
        return error_response(refusal, request_id, shape)
    call = Call(gateway, request, request_id, time.perf_counter())
    metrics.in_flight.inc()
    try:
        return await _handle(call)
    except GatewayError as exc:
        return await _refuse(call, exc)
    except ClientDisconnect:
        return await _refuse(
            call, InputError("body_timeout", "the caller went away before sending the whole body")
        )
    # Anything else is a bug; answer without details (exception messages can
    # quote the input), and say truthfully whether the vendor got the request.
    except Exception as exc:  # noqa: BLE001
        gateway.log.error("internal error (%s) on route %s", type(exc).__name__, call.route_name)
        message = (
            "the gateway failed on the vendor's answer, which was not released"
            if call.sent
            else "the gateway failed; nothing was sent to the vendor"
        )
        return await _refuse(call, InternalError(message))
    finally:
        metrics.in_flight.dec()


async def _handle(call: Call) -> Response:
    gateway, request = call.gateway, call.request
    blueprint = gateway.blueprint
    limits = gateway.policy.document.limits
    path = _checked_path(request)
    media_type, charset = media_of(request.headers.get("content-type"))
    call.match = blueprint.router.match(request.method, path, media_type)
    if call.match is None:
        raise AccessError("route_not_allowed", "no route of the policy allows this method and path")
    route = call.match.route.config
    if route.webhook is not None:
        return await handle_webhook(call, route, route.webhook)
    if blueprint.api_keys.configured and not blueprint.api_keys.accepts(
        request.headers.get("x-gateway-key")
    ):
        raise AccessError("unauthorized", "missing or wrong X-Gateway-Key")
    body = await read_body(request, limits)
    body = decompress(
        body, request.headers.get("content-encoding", ""), limits.max_decompressed_bytes
    )
    rules = blueprint.rules[route.name]
    query = request.url.query
    view = RequestView(
        headers={k.lower(): v for k, v in request.headers.items()},
        params=call.match.params,
        query=query,
        json=_json_for_scope(route, media_type, body, charset, rules.max_json_depth),
        json_rules=rules.json,
    )

    async def choose(plan: Plan) -> str:
        chosen = await gateway.scopes.choose(route.scope, view, plan)
        call.scope, call.scope_source = chosen.scope, chosen.source
        return chosen.scope

    parts = RequestParts(
        path=path,
        path_spans=call.match.spans,
        query=query,
        # Read after the body: a chunked request's trailers are among them.
        headers=[(k, v) for k, v in request.headers.items() if k.lower() != "content-length"],
        content_type=request.headers.get("content-type", ""),
        media_type=media_type,
        charset=charset,
        body=body,
    )
    try:
        redacted = await redact_request(
            gateway.core.redactor, choose, rules, parts, view.json, route.categories
        )
    except BlockedError as blocked:
        return await keep_in_house(call, route, parts, blocked)
    call.scope = redacted.scope
    keys = blueprint.audit_keys
    found = [
        events.Found(
            f.where,
            f.replacement.entity,
            f.replacement.action,
            f.replacement.token,
            events.value_digest(keys, gateway.policy, f.replacement.entity, f.value),
        )
        for f in redacted.found
    ]
    await gateway.audit.append(
        events.RequestRedacted(gateway.policy, call.exchange(), found, call.elapsed_ms())
    )
    gateway.metrics.redacted(route.name, [f.entity for f in found])
    response = await send(
        gateway,
        request.method,
        blueprint.upstream_url(redacted.path, redacted.query),
        request_headers(
            redacted.headers,
            blueprint.upstream_auth,
            redacted.content_type if "content-type" in request.headers else None,
        ),
        redacted.body if body else None,
    )
    call.sent = True
    call.minted = redacted.minted
    return await restore_response(call, route, response)


async def send(
    gateway: Gateway, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None
) -> UpstreamResponse:
    """Send one request to the vendor; the answer's body is read later, as a stream."""
    response = await gateway.transport.send(method, url, headers, body)
    if 300 <= response.status < 400 and response.headers.get("location"):
        response.release()
        raise UpstreamError(
            "upstream_redirect", "the vendor answered with a redirect, which is not followed"
        )
    return response


# Encoded forms that make one path mean two things: to the gateway's router
# after one decoding and to the vendor after another (%252e%252e%252f), or a
# separator the router never saw (%2F, %5C).
_AMBIGUOUS = (b"%2f", b"%5c", b"%25", b"%00")


def _checked_path(request: Request) -> str:
    """The decoded request path, refused when it could route differently at the vendor."""
    path: str = request.scope["path"]
    raw: bytes = request.scope.get("raw_path") or path.encode()
    lowered = raw.lower()
    if any(sequence in lowered for sequence in _AMBIGUOUS):
        raise InputError(
            "invalid_path", "the path holds encoded slashes, backslashes or percent signs"
        )
    try:
        urllib.parse.unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        # The server decoded them to U+FFFD, which would be forwarded re-encoded.
        raise InputError("invalid_path", "the path's percent-escapes are not UTF-8") from None
    segments = path.split("/")
    if "." in segments or ".." in segments or "\x00" in path or "\\" in path:
        raise InputError("invalid_path", "paths with dot segments or backslashes are not proxied")
    return path


def _json_for_scope(
    route: RouteConfig, media_type: str | None, body: bytes, charset: str, depth: int
) -> jsontext.JsonText | None:
    """Parse the body for its scope field only when the route takes its scope from the body."""
    scope = route.scope
    if scope is None or not body or not is_json(media_type):
        return None
    if "body" not in {scope.source, *(f.source for f in scope.fallbacks)}:
        return None
    try:
        return jsontext.JsonText.parse(body.decode(charset), depth)
    except (UnicodeDecodeError, LookupError):
        return None


def _request_id(request: Request) -> str:
    given = request.headers.get("x-request-id", "")
    if 8 <= len(given) <= 64 and given.replace("-", "").isalnum():
        return given
    return uuid.uuid4().hex


async def _refuse(call: Call, error: GatewayError) -> JSONResponse:
    gateway = call.gateway
    gateway.metrics.refused(call.route_name, error.code)
    if error.code != "audit_unavailable":
        try:
            await gateway.audit.append(
                events.RequestRefused(
                    gateway.policy,
                    call.exchange(),
                    error.code,
                    error.status,
                    "inbound" if call.sent else "outbound",
                    call.elapsed_ms(),
                )
            )
        except AuditError:
            gateway.metrics.audit_errors.inc()
    if error.code == "vault_unavailable":
        gateway.metrics.vault_errors.inc()
    return error_response(error, call.request_id, gateway.policy.document.error_format)
