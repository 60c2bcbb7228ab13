"""Replicas in process: one vault, one data directory, one audit view (issue 15).

Two gateway apps stand for two replicas: they share the vault (the same
backend object, as PostgreSQL would be), the keys, and the data directory,
each with its own GATEWAY_INSTANCE. The same value gets the same token from
both, and either one's audit API reads both chains.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
import pytest

from gateway.config import Settings
from gateway.detect.detector import PresidioDetector
from gateway.policy import Policy, load_policy
from gateway.server.app import GatewayApp, create_app
from gateway.testing.standin import create_standin
from gateway.vault.memory import MemoryBackend
from tests.asgi import AsgiVendor
from tests.gateways import ENVIRON, TICKET

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parent.parent
ADMIN = "admin-key-for-replicas-0123456789"
SHARED = {
    "GATEWAY_TOKEN_KEY": base64.b64encode(b"t" * 32).decode(),
    "GATEWAY_VAULT_KEYS": "v1:" + base64.b64encode(b"v" * 32).decode(),
    "GATEWAY_AUDIT_KEY": base64.b64encode(b"a" * 32).decode(),
    "GATEWAY_ADMIN_KEYS": ADMIN,
}


def replica(
    number: int, data: Path, policy: Policy, backend: MemoryBackend, vendor: AsgiVendor
) -> GatewayApp:
    settings = Settings.from_environ(
        {**ENVIRON, **SHARED, "GATEWAY_INSTANCE": f"replica-{number}"},
        policy=str(ROOT / "policies" / "zendesk.yaml"),
        data_dir=str(data),
        upstream="http://vendor",
    )
    detector = PresidioDetector(policy, None)
    return create_app(settings, policy, detector=detector, backend=backend, transport=vendor)


async def test_replicas_share_tokens_and_one_audit_view(tmp_path: Path) -> None:
    policy = load_policy(ROOT / "policies" / "zendesk.yaml")
    backend, vendor = MemoryBackend(), AsgiVendor(create_standin())
    one, two = (replica(n, tmp_path, policy, backend, vendor) for n in (1, 2))
    async with one.running(), two.running():
        for app in (one, two):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                assert (await client.post("/api/v2/tickets.json", json=TICKET)).status_code == 201
        transport = httpx.ASGITransport(app=one)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            headers = {"authorization": f"Bearer {ADMIN}"}
            events = await client.get(
                "/audit/api/events", params={"type": "request_redacted"}, headers=headers
            )
            verified = await client.get("/audit/api/verify", headers=headers)
    sent = json.dumps(await vendor.received())
    assert len(set(re.findall(r"EMAIL-[0-9A-Z]{8}", sent))) == 1  # one token, both replicas
    assert len(events.json()["events"]) == 2  # either replica's view holds both chains
    chains = sorted(c["chain"] for c in verified.json()["chains"])
    assert chains == ["replica-1-1.log.jsonl", "replica-2-1.log.jsonl"]
    assert verified.json()["ok"] is True
