"""Vendor webhooks: verify the vendor's signature, refuse stale and replayed deliveries,
sign what is forwarded to the company.

Zendesk signs ``base64(HMAC-SHA256(secret, timestamp + body))`` and sends it in
``X-Zendesk-Webhook-Signature`` with the timestamp in
``X-Zendesk-Webhook-Signature-Timestamp``. The generic ``hmac-sha256`` scheme
takes a hex digest of the same message.

Freshdesk's automation webhooks cannot sign; they send a fixed header the
company chooses. The ``shared-secret`` scheme checks that header against the
secret in constant time; with no timestamp to age it, a delivery is refused as
a replay when the same body came within ``tolerance_s``.

The gateway signs what it forwards the way Stripe does, so the internal
receiver can check it came through the gateway unaltered::

    X-Gateway-Signature: t=1763900000,v1=<hex HMAC-SHA256(secret, "1763900000." + body)>
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from gateway.errors import WebhookError
from gateway.keys.crypto import Secret, hmac_sha256
from gateway.policy import WebhookSignature


def expected_signature(scheme: str, secret: Secret, timestamp: str, body: bytes) -> str:
    digest = hmac_sha256(secret.reveal(), timestamp.encode() + body)
    return base64.b64encode(digest).decode() if scheme == "zendesk" else digest.hex()


def parse_timestamp(value: str) -> float:
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise WebhookError(
            "webhook_timestamp_invalid", "the signature timestamp is not a time"
        ) from None


def verify(
    config: WebhookSignature, secret: Secret, headers: dict[str, str], body: bytes, now: float
) -> str:
    """Check a delivery's signature and age; return the replay key that identifies it."""
    if config.scheme == "shared-secret":
        given = headers.get(config.header.lower(), "")
        if not given:
            raise WebhookError("webhook_signature_missing", f"the delivery has no {config.header}")
        if not hmac.compare_digest(given.strip().encode(), secret.reveal()):
            raise WebhookError(
                "webhook_signature_invalid", f"the delivery's {config.header} is wrong"
            )
        return hashlib.sha256(b"shared-secret:" + hashlib.sha256(body).digest()).hexdigest()
    signature = headers.get(config.header.lower(), "")
    timestamp = headers.get(config.timestamp_header.lower(), "")
    if not signature or not timestamp:
        raise WebhookError(
            "webhook_signature_missing", f"the delivery has no {config.header} or timestamp"
        )
    sent = parse_timestamp(timestamp)
    if abs(now - sent) > config.tolerance_s:
        raise WebhookError(
            "webhook_stale",
            f"the delivery is more than {config.tolerance_s} s from the gateway's clock",
        )
    expected = expected_signature(config.scheme, secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        raise WebhookError("webhook_signature_invalid", "the delivery's signature does not match")
    # Keyed on what was signed, not on the header as sent: padding or
    # re-spelling the header must not make a replayed delivery look new.
    return hashlib.sha256(f"{config.scheme}:{timestamp}:{expected}".encode()).hexdigest()


def forward_signature(secret: Secret, body: bytes, now: int) -> str:
    digest = hmac_sha256(secret.reveal(), f"{now}.".encode() + body).hex()
    return f"t={now},v1={digest}"
