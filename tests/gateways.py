"""What the end-to-end tests share: planted values, a Zendesk ticket, the stand-in's records."""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tests.servers import Server

ROOT = Path(__file__).resolve().parent.parent
PLANTED = [
    "Jane Doe",
    "jane.doe@example.com",
    "+1 (415) 555-0132",
    "4111 1111 1111 1111",
    "456-78-9012",
    "Zebulon",
]
TICKET: dict[str, Any] = {
    "ticket": {
        "subject": "Refund for Jane Doe",
        "requester": {"name": "Jane Doe", "email": "jane.doe@example.com"},
        "comment": {
            "body": "Hi, I'm Jane Doe. Call me at +1 (415) 555-0132 about order ORD-48213. "
            "My card 4111 1111 1111 1111 was charged twice. SSN 456-78-9012. Thanks, Zebulon"
        },
        "priority": "urgent",
        "tags": ["refund"],
    }
}
ENVIRON = {
    "ZENDESK_AUTHORIZATION": "Basic YWdlbnRAYWNtZS5jb20vdG9rZW46c2VjcmV0",
    "ZENDESK_WEBHOOK_SECRET": "whsec-zendesk-test-secret",
    "GATEWAY_FORWARD_SECRET": "forward-test-secret-0123456789",
    "AI_VENDOR_AUTHORIZATION": "Bearer sk-test",
    "FRESHDESK_AUTHORIZATION": "Basic dGVzdDpY",
    "FRESHDESK_WEBHOOK_SECRET": "Basic ZnJlc2hkZXNrOndlYmhvb2stdGVzdA==",
}


def received(standin: Server) -> list[dict[str, Any]]:
    return httpx.get(f"{standin.url}/__standin/received").json()  # type: ignore[no-any-return]


def forget(standin: Server) -> None:
    httpx.delete(f"{standin.url}/__standin/received")


def assert_nothing_planted_reached(standin: Server) -> None:
    for request in received(standin):
        seen = json.dumps(request)
        for value in PLANTED:
            assert value not in seen, f"{value!r} reached the vendor: {seen[:3000]}"
            assert json.dumps(value)[1:-1] not in seen, (
                f"{value!r} reached the vendor, JSON-escaped"
            )


GatewayFactory = Callable[..., Server]


def zendesk_delivery(body: bytes, secret: str, when: datetime | None = None) -> dict[str, str]:
    stamp = (when or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = base64.b64encode(
        hmac.digest(secret.encode(), stamp.encode() + body, "sha256")
    ).decode()
    return {
        "content-type": "application/json",
        "x-zendesk-webhook-signature": signature,
        "x-zendesk-webhook-signature-timestamp": stamp,
    }


def error_code(answer: httpx.Response) -> str:
    """The gateway's stable code in a refusal, whatever the policy's ``error_format``."""
    body = answer.json()
    error = body.get("error")
    if isinstance(error, dict):  # the gateway's shape, and OpenAI's
        return str(error["code"])
    if isinstance(error, str):  # Zendesk's
        return error
    return str(body["errors"][0]["code"])  # Freshdesk's
