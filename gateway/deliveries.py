"""Vendor webhook deliveries: verified, restored, forwarded to the company, signed.

The vendor calls the gateway when an agent replies; the delivery carries the
tokens the agent saw. The gateway checks the vendor's signature and the
delivery's age, refuses replays (a claim in the shared vault, so every replica
sees it), restores the tokens of the delivery's scope only, writes the audit
record, and posts the restored body to the company's internal URL signed with
the gateway's own secret. Nothing from the company travels back to the vendor:
it gets a bare status.
"""

from __future__ import annotations

import time

import aiohttp
from starlette.responses import JSONResponse, Response

from gateway import jsontext
from gateway.audit import events
from gateway.compression import decompress
from gateway.errors import InputError
from gateway.exchange import Call, encoding_for, media_of, read_body
from gateway.policy import RouteConfig
from gateway.redactor import Plan
from gateway.scopes import RequestView
from gateway.webhooks import WebhookError, forward_signature, verify


async def handle_webhook(call: Call, route: RouteConfig) -> Response:
    gateway, request = call.gateway, call.request
    assert route.webhook is not None
    assert gateway.core is not None
    config = route.webhook
    secrets = gateway.webhook_secrets[route.name]
    limits = gateway.policy.document.limits
    raw = await read_body(request, limits)
    headers = {k.lower(): v for k, v in request.headers.items()}
    now = gateway.clock()
    replay_key = verify(config.signature, secrets.signature, headers, raw, now)
    body = decompress(raw, headers.get("content-encoding", ""), limits.max_decompressed_bytes)
    media_type, charset = media_of(headers.get("content-type"))
    try:
        text = body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        raise InputError("invalid_encoding", "the delivery is not valid text") from None
    document = None
    if media_type == "application/json" or (media_type or "").endswith("+json"):
        document = jsontext.JsonText.parse(text, limits.max_json_depth)
    view = RequestView(
        headers,
        call.match.params if call.match else {},
        request.url.query,
        document,
        gateway.policy.json_rules,
    )
    chosen = await gateway.scopes.choose(route.scope, view, Plan([], [], 0))
    call.scope, call.scope_source = chosen.scope, chosen.source
    backend = gateway.core.vault.backend
    if not await backend.claim(
        f"webhook:{replay_key}", int(now), int(now) + 2 * config.signature.tolerance_s
    ):
        raise WebhookError("webhook_replay", "this delivery was already received", 409)
    restored = await gateway.core.restorer.restore(
        text, {call.scope}, encoding_for(media_type or "")
    )
    await gateway.audit.append(
        events.restored(
            gateway.policy,
            call.exchange(),
            restored.outcomes,
            call.elapsed_ms(),
            "webhook_restored",
        )
    )
    gateway.metrics.restored(route.name, restored.outcomes)
    forwarded = restored.text.encode(charset)
    stamp = int(time.time())
    try:
        async with gateway.client.post(
            config.forward_to,
            data=forwarded,
            allow_redirects=False,
            headers={
                "content-type": headers.get("content-type", "application/json"),
                config.forward_header: forward_signature(secrets.forward, forwarded, stamp),
                "x-request-id": call.request_id,
            },
        ) as answer:
            status = answer.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        await backend.release(f"webhook:{replay_key}")
        raise WebhookError(
            "forward_failed",
            f"the company's receiver could not be reached ({type(exc).__name__})",
            502,
        ) from None
    if status >= 300:
        # Not delivered: the vendor's retry of this delivery must get through.
        await backend.release(f"webhook:{replay_key}")
        raise WebhookError("forward_failed", f"the company's receiver answered {status}", 502)
    gateway.metrics.requests.labels(route.name, "delivered").inc()
    return JSONResponse(
        {"status": "delivered", "request_id": call.request_id},
        headers={"x-request-id": call.request_id},
    )
