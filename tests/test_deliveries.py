"""Vendor webhooks, in process: verified, restored in their ticket's scope, forwarded signed."""

from __future__ import annotations

import hmac
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.server.upstream import UpstreamResponse
from tests.asgi import AsgiVendor
from tests.conftest import AppFactory
from tests.gateways import ENVIRON, TICKET, error_code, zendesk_delivery

pytestmark = pytest.mark.anyio
SECRET = ENVIRON["ZENDESK_WEBHOOK_SECRET"]


async def vendor_requester(gateway: Any, ticket_id: int) -> dict[str, Any]:
    """The ticket's requester as the vendor stored them: tokens only."""
    answer = await gateway.vendor.client.get(f"/api/v2/tickets/{ticket_id}.json?include=users")
    (user,) = answer.json()["users"]
    return user  # type: ignore[no-any-return]


def forwarded_to_company(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["path"] == "/internal/zendesk-events"]


async def test_a_delivery_is_restored_in_its_ticket_and_forwarded_signed(
    make_app: AppFactory,
) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        created = (await client.post("/api/v2/tickets.json", json=TICKET)).json()["ticket"]
        token = (await vendor_requester(gateway, created["id"]))["email"]
        assert token.startswith("EMAIL-")
        body = json.dumps(
            {"ticket": {"id": created["id"], "latest_comment": f"Agent: we emailed {token}"}}
        ).encode()
        headers = zendesk_delivery(body, SECRET)
        delivered = await client.post("/webhooks/zendesk", content=body, headers=headers)
        replayed = await client.post("/webhooks/zendesk", content=body, headers=headers)
    assert delivered.status_code == 200, delivered.text
    assert (replayed.status_code, error_code(replayed)) == (409, "webhook_replay")
    (forwarded,) = forwarded_to_company(await gateway.vendor.received())
    assert "we emailed jane.doe@example.com" in forwarded["body"]
    stamp, digest = (
        part.split("=", 1)[1] for part in forwarded["headers"]["x-gateway-signature"].split(",")
    )
    key = ENVIRON["GATEWAY_FORWARD_SECRET"].encode()
    message = f"{stamp}.".encode() + forwarded["body"].encode()
    assert digest == hmac.digest(key, message, "sha256").hex()


async def test_a_delivery_about_another_ticket_does_not_restore(make_app: AppFactory) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        created = (await client.post("/api/v2/tickets.json", json=TICKET)).json()["ticket"]
        token = (await vendor_requester(gateway, created["id"]))["email"]
        body = json.dumps({"ticket": {"id": 999999, "latest_comment": f"see {token}"}}).encode()
        answer = await client.post(
            "/webhooks/zendesk", content=body, headers=zendesk_delivery(body, SECRET)
        )
    assert answer.status_code == 200
    (forwarded,) = forwarded_to_company(await gateway.vendor.received())
    assert token in forwarded["body"]


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        # signed with another secret
        (zendesk_delivery(b"{}", "not-the-secret"), "webhook_signature_invalid"),
        # signed in 2020: outside the tolerance
        (zendesk_delivery(b"{}", SECRET, datetime(2020, 1, 1, tzinfo=UTC)), "webhook_stale"),
        ({"content-type": "application/json"}, "webhook_signature_missing"),
        (
            {"x-zendesk-webhook-signature": "x", "x-zendesk-webhook-signature-timestamp": "soon"},
            "webhook_timestamp_invalid",
        ),
    ],
)
async def test_an_unverified_delivery_is_refused_and_forwards_nothing(
    make_app: AppFactory, headers: dict[str, str], code: str
) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        answer = await client.post("/webhooks/zendesk", content=b"{}", headers=headers)
    assert (answer.status_code, error_code(answer)) == (401, code)
    assert await gateway.vendor.received() == []


class RefusingCompany(AsgiVendor):
    """The stand-in vendor, with a company receiver that fails the first time."""

    failures = 1

    async def send(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None
    ) -> UpstreamResponse:
        if url.endswith("/internal/zendesk-events") and self.failures:
            self.failures -= 1
            url = url.replace("/internal/zendesk-events", "/internal/down")
            headers = [*headers, ("x-standin-mode", "error")]
        return await super().send(method, url, headers, body)


async def test_a_failed_forward_lets_the_vendor_retry(make_app: AppFactory) -> None:
    from gateway.testing.standin import create_standin

    gateway = make_app(transport=RefusingCompany(create_standin()))
    body = json.dumps({"ticket": {"id": 1001, "latest_comment": "hello"}}).encode()
    headers = zendesk_delivery(body, SECRET)
    async with gateway.client() as client:
        failed = await client.post("/webhooks/zendesk", content=body, headers=headers)
        retried = await client.post("/webhooks/zendesk", content=body, headers=headers)
    assert (failed.status_code, error_code(failed)) == (502, "forward_failed")
    assert retried.status_code == 200  # the claim was released: not a replay
