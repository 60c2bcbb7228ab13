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

from starlette.responses import JSONResponse, Response

from gateway.audit import events
from gateway.errors import InputError, UpstreamError, WebhookError
from gateway.formats import jsontext
from gateway.formats.compression import decompress
from gateway.formats.media import encoding_for, is_json, media_of
from gateway.policy import RouteConfig, WebhookConfig
from gateway.redact.redactor import Plan
from gateway.redact.scopes import RequestView
from gateway.server.exchange import Call, read_body
from gateway.server.webhooks import forward_signature, verify


async def handle_webhook(call: Call, route: RouteConfig, config: WebhookConfig) -> Response:
    gateway, request = call.gateway, call.request
    secrets = gateway.blueprint.webhook_secrets[route.name]
    limits = gateway.policy.document.limits
    raw = await read_body(request, limits)
    headers = {k.lower(): v for k, v in request.headers.items()}
    now = gateway.now()
    replay_key = verify(config.signature, secrets.signature, headers, raw, now)
    body = decompress(raw, headers.get("content-encoding", ""), limits.max_decompressed_bytes)
    media_type, charset = media_of(headers.get("content-type"))
    try:
        text = body.decode(charset)
    except (UnicodeDecodeError, LookupError):
        raise InputError("invalid_encoding", "the delivery is not valid text") from None
    document = None
    if is_json(media_type):
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
        raise WebhookError("webhook_replay", "this delivery was already received")
    restored = await gateway.core.restorer.restore(
        text, {call.scope}, encoding_for(media_type or "")
    )
    await gateway.audit.append(
        events.Restored(
            "webhook_restored",
            gateway.policy,
            call.exchange(),
            restored.outcomes,
            call.elapsed_ms(),
        )
    )
    gateway.metrics.restored(route.name, restored.outcomes)
    forwarded = restored.text.encode(charset)
    stamp = int(now)
    signed = [
        ("content-type", headers.get("content-type", "application/json")),
        (config.forward_header, forward_signature(secrets.forward, forwarded, stamp)),
        ("x-request-id", call.request_id),
    ]
    try:
        answer = await gateway.transport.send("POST", config.forward_to, signed, forwarded)
    except UpstreamError as exc:
        await backend.release(f"webhook:{replay_key}")
        raise WebhookError(
            "forward_failed", f"the company's receiver could not be reached ({exc.code})"
        ) from None
    answer.release()
    if answer.status >= 300:
        # Not delivered: the vendor's retry of this delivery must get through.
        await backend.release(f"webhook:{replay_key}")
        raise WebhookError("forward_failed", f"the company's receiver answered {answer.status}")
    gateway.metrics.requests.labels(route.name, "delivered").inc()
    return JSONResponse(
        {"status": "delivered", "request_id": call.request_id},
        headers={"x-request-id": call.request_id},
    )
