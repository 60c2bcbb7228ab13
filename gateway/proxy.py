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

import time
import uuid

import aiohttp
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from yarl import URL

from gateway import jsontext
from gateway.audit import events
from gateway.compression import decompress
from gateway.deliveries import handle_webhook
from gateway.errors import AuditError, GatewayError, InputError
from gateway.exchange import STATUS, Call, error_response, media_of, read_body
from gateway.inbound import restore_response
from gateway.outbound import RequestParts, RequestRules, redact_request
from gateway.policy import RouteConfig
from gateway.redactor import Plan
from gateway.runtime import Gateway
from gateway.scopes import RequestView
from gateway.upstream import (
    UpstreamError,
    request_headers,
)


async def handle(request: Request) -> Response:
    """The catch-all endpoint: every path that is not the gateway's own."""
    gateway: Gateway = request.app.state.gateway
    call = Call(gateway, request, _request_id(request), time.perf_counter())
    gateway.metrics.in_flight.inc()
    try:
        return await _handle(call)
    except GatewayError as exc:
        return await _refuse(call, exc.code, exc.message, getattr(exc, "status", None))
    except ClientDisconnect:
        return await _refuse(
            call, "body_timeout", "the caller went away before sending the whole body", 400
        )
    # Anything else is a bug; answer without details (exception messages can
    # quote the input), and say truthfully whether the vendor got the request.
    except Exception as exc:  # noqa: BLE001
        gateway.log.error(
            "internal error (%s) on route %s",
            type(exc).__name__,
            call.route.name if call.route else "-",
        )
        message = (
            "the gateway failed on the vendor's answer, which was not released"
            if call.sent
            else "the gateway failed; nothing was sent to the vendor"
        )
        return await _refuse(call, "internal_error", message)
    finally:
        gateway.metrics.in_flight.dec()


async def _handle(call: Call) -> Response:
    gateway, request = call.gateway, call.request
    if not gateway.ready or gateway.core is None:
        raise InputError("not_ready", "the gateway is starting; try again shortly")
    path = _checked_path(request)
    media_type, charset = media_of(request.headers.get("content-type"))
    call.match = gateway.router.match(request.method, path, media_type)
    if call.match is None:
        raise InputError("route_not_allowed", "no route of the policy allows this method and path")
    route = call.match.route.config
    if route.webhook is not None:
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
    redacted = await redact_request(gateway.core.redactor, choose, rules, parts, view.json)
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
    response = await send(
        gateway.client,
        request.method,
        gateway.upstream_url(redacted.path, redacted.query),
        request_headers(
            redacted.headers,
            gateway.upstream_auth,
            redacted.content_type if "content-type" in request.headers else None,
        ),
        redacted.body if body else None,
    )
    call.sent = True
    call.minted = redacted.minted
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


def request_rules(gateway: Gateway, route: RouteConfig) -> RequestRules:
    """The route's rules, compiled once (their classification caches then last)."""
    rules = gateway.rules.get(route.name)
    if rules is None:
        rules = gateway.rules[route.name] = RequestRules.for_route(gateway.policy, route)
    return rules


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
    segments = path.split("/")
    if "." in segments or ".." in segments or "\x00" in path or "\\" in path:
        raise InputError("invalid_path", "paths with dot segments or backslashes are not proxied")
    return path


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


def _request_id(request: Request) -> str:
    given = request.headers.get("x-request-id", "")
    if 8 <= len(given) <= 64 and given.replace("-", "").isalnum():
        return given
    return uuid.uuid4().hex


async def _refuse(call: Call, code: str, message: str, status: int | None = None) -> JSONResponse:
    gateway = call.gateway
    status = status or STATUS.get(code, 400)
    gateway.metrics.refused(call.route.name if call.route else "-", code)
    if code not in ("audit_unavailable", "not_ready"):
        try:
            await gateway.audit.append(
                events.refused(
                    gateway.policy,
                    call.exchange(),
                    code,
                    status,
                    "inbound" if call.sent else "outbound",
                    call.elapsed_ms(),
                )
            )
        except AuditError:
            gateway.metrics.audit_errors.inc()
    if code == "vault_unavailable":
        gateway.metrics.vault_errors.inc()
    return error_response(code, message, call.request_id, status)
