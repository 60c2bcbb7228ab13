"""The gateway's own API, in process: health, metrics, OpenAPI, and the audit data's guard."""

from __future__ import annotations

import pytest

from tests.conftest import AppFactory
from tests.gateways import PLANTED, TICKET, error_code

pytestmark = pytest.mark.anyio
ADMIN = "admin-test-key-0123456789"


async def test_openapi_describes_the_gateways_own_paths(make_app: AppFactory) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        spec = (await client.get("/openapi.json")).json()
    assert set(spec["paths"]) == {
        "/healthz", "/metrics", "/audit", "/audit/api/events", "/audit/api/summary",
        "/audit/api/verify",
    }  # fmt: skip
    assert {"Health", "Events", "Summary", "Verification", "ErrorBody"} <= set(
        spec["components"]["schemas"]
    )


async def test_health_names_the_policy_and_the_chain(make_app: AppFactory) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        health = (await client.get("/healthz")).json()
    assert health["status"] == "ok"
    assert health["policy"].endswith("zendesk.yaml")
    assert health["instance"].endswith("-1")


async def test_metrics_count_without_values_and_need_a_key_when_keys_are_set(
    make_app: AppFactory,
) -> None:
    gateway = make_app(environ={"GATEWAY_ADMIN_KEYS": ADMIN})
    async with gateway.client() as client:
        await client.post("/api/v2/tickets.json", json=TICKET)
        refused = await client.get("/metrics")
        text = (await client.get("/metrics", headers={"x-gateway-key": ADMIN})).text
    assert (refused.status_code, error_code(refused)) == (401, "unauthorized")
    assert 'gateway_requests_total{outcome="forwarded",route="create_ticket"} 1.0' in text
    assert 'gateway_entities_redacted_total{entity="EMAIL_ADDRESS"}' in text
    for value in PLANTED:
        assert value not in text


async def test_the_audit_api_needs_admin_keys_and_a_valid_one(make_app: AppFactory) -> None:
    without = make_app()
    async with without.client() as client:
        answer = await client.get("/audit/api/events")
    assert (answer.status_code, error_code(answer)) == (
        403,
        "admin_keys_not_configured",
    )
    gateway = make_app(environ={"GATEWAY_ADMIN_KEYS": ADMIN})
    async with gateway.client() as client:
        missing = await client.get("/audit/api/summary")
        wrong = await client.get("/audit/api/verify", headers={"x-gateway-key": "w" * 25})
        bad_filter = await client.get(
            "/audit/api/events", params={"outcome": "restord"}, headers={"x-gateway-key": ADMIN}
        )
        events = await client.get(
            "/audit/api/events",
            params={"type": "policy_loaded"},
            headers={"authorization": f"Bearer {ADMIN}"},
        )
        verified = await client.get("/audit/api/verify", headers={"x-gateway-key": ADMIN})
    assert [missing.status_code, wrong.status_code] == [401, 401]
    assert (bad_filter.status_code, error_code(bad_filter)) == (400, "invalid_filter")
    assert events.json()["count"] == 1
    assert verified.json()["ok"] is True
