"""Keeping a request in-house: refused, or delivered to the company's own endpoint.

When the policy blocks a request (a sensitive category, a blocked entity),
the vendor gets nothing. Where the route names ``divert_to``, the request as
the company sent it goes there instead, in a JSON envelope signed like a
forwarded webhook (``X-Gateway-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
"<t>." + body>``), so that the ticket lands in the in-house queue::

    {"type": "request_diverted", "request_id": "...", "tenant": "acme",
     "vendor": "zendesk", "route": "tickets_create", "method": "POST",
     "path": "/api/v2/tickets.json", "query": "", "categories": {"health": 2},
     "entities": {}, "content_type": "application/json", "body": {...}}

``body`` is the JSON body as sent; a body that is not JSON comes as
``body_text`` (decoded) or ``body_base64``. The in-house receiver can use
``request_id`` to drop a second delivery of the same request (a caller that
retried after a failure of its own).

The caller gets a refusal in the vendor's error shape either way:
``content_diverted`` (delivered in-house) or ``content_blocked`` (not
delivered anywhere), both 403 so that the vendor's own client raises instead
of reading an answer that did not come from the vendor; ``divert_failed``
(502) when ``divert_to`` could not take it, and then nothing was delivered
anywhere and the caller should retry. Every outcome is audited
(``request_blocked``) with the categories and counts, never the text.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Literal

from starlette.responses import JSONResponse

from gateway.audit import events
from gateway.errors import BlockedError, UpstreamError
from gateway.formats.media import is_json
from gateway.formats.request import RequestParts
from gateway.policy import RouteConfig
from gateway.policy.schema import DivertConfig
from gateway.server.exchange import Call, error_response
from gateway.server.webhooks import forward_signature


async def keep_in_house(
    call: Call, route: RouteConfig, parts: RequestParts, blocked: BlockedError
) -> JSONResponse:
    """Answer a blocked request: audit, deliver it to ``divert_to`` if the route has one, refuse.

    The record is written before the delivery, as a forward is audited before
    it leaves (``proxy``): a request that reaches the in-house queue is always
    on the record. A delivery that then fails adds a second record for the
    same request id, ``divert_failed``, and the caller is told to retry.
    """
    gateway = call.gateway
    categories, entities = blocked.categories, blocked.entities
    divert = route.divert_to
    answer = (
        BlockedError("content_diverted", categories, entities) if divert is not None else blocked
    )
    await _record(call, answer, divert, None)
    if divert is not None:
        status = await _deliver(call, route, divert, parts, blocked)
        if status is None or status >= 300:
            answer = BlockedError("divert_failed", categories, entities)
            await _record(call, answer, divert, status)
    label = "divert_failed" if answer.code == "divert_failed" else _outcome(answer)
    gateway.metrics.kept_in_house(route.name, label, [*categories, *entities])
    response = error_response(answer, call.request_id, gateway.policy.document.error_format)
    response.headers["x-gateway-outcome"] = _outcome(answer)
    return response


def _outcome(answer: BlockedError) -> Literal["blocked", "diverted"]:
    """Delivered in-house (``content_diverted``), or kept from everyone."""
    return "diverted" if answer.code == "content_diverted" else "blocked"


async def _record(
    call: Call, answer: BlockedError, divert: DivertConfig | None, status: int | None
) -> None:
    gateway = call.gateway
    await gateway.audit.append(
        events.RequestBlocked(
            gateway.policy,
            call.exchange(),
            _outcome(answer),
            answer.code,
            answer.categories,
            answer.entities,
            call.elapsed_ms(),
            divert.url if divert is not None else None,
            status,
        )
    )


async def _deliver(
    call: Call, route: RouteConfig, divert: DivertConfig, parts: RequestParts, blocked: BlockedError
) -> int | None:
    """POST the signed envelope; the receiver's status, or None when it could not be reached."""
    gateway = call.gateway
    # ASCII escapes: a body can hold a lone surrogate ("\\ud800") that JSON
    # parses but UTF-8 cannot encode.
    body = json.dumps(envelope(call, route, parts, blocked)).encode("ascii")
    secret = gateway.blueprint.divert_secrets[route.name]
    headers = [
        ("content-type", "application/json"),
        (divert.header, forward_signature(secret, body, int(gateway.now()))),
        ("x-request-id", call.request_id),
    ]
    try:
        answer = await gateway.transport.send("POST", divert.url, headers, body)
    except UpstreamError:
        return None
    answer.release()
    return answer.status


def envelope(
    call: Call, route: RouteConfig, parts: RequestParts, blocked: BlockedError
) -> dict[str, Any]:
    """The request as the company sent it, with what made the policy keep it in-house."""
    policy = call.gateway.policy
    document: dict[str, Any] = {
        "type": "request_diverted",
        "request_id": call.request_id,
        "tenant": policy.tenant,
        "vendor": policy.vendor,
        "route": route.name,
        "method": call.request.method,
        "path": parts.path,
        "query": parts.query,
        "categories": dict(sorted(blocked.categories.items())),
        "entities": dict(sorted(blocked.entities.items())),
        "content_type": parts.content_type,
    }
    if not parts.body:
        return document
    try:
        text = parts.body.decode(parts.charset)
    except (UnicodeDecodeError, LookupError):
        document["body_base64"] = base64.b64encode(parts.body).decode("ascii")
        return document
    if is_json(parts.media_type):
        try:
            document["body"] = json.loads(text)
            return document
        except ValueError:
            pass
    document["body_text"] = text
    return document
