"""Policy reloads (SIGHUP): a valid file is taken, a broken one refused, both audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.keys.keyring import rotate_vault_key
from gateway.server.app import GatewayApp, file_digest
from tests.conftest import AppFactory
from tests.gateways import TICKET, error_code

pytestmark = pytest.mark.anyio


def audit_records(app: GatewayApp) -> list[dict[str, Any]]:
    return [
        json.loads(line)["event"]
        for path in sorted(app.blueprint.audit_dir.glob("*.log.jsonl"))
        for line in path.read_text().splitlines()
    ]


def policy_file(app: GatewayApp) -> Path:
    return app.blueprint.settings.policy_path


async def test_a_valid_policy_is_taken_and_audited_with_its_digest(make_app: AppFactory) -> None:
    gateway = make_app()
    path = policy_file(gateway.app)
    async with gateway.client() as client:
        assert (await client.get("/api/v2/organizations.json")).status_code == 200
        before = gateway.app.blueprint.policy.digest
        text = path.read_text()
        listing = "  - name: list_organizations\n    methods: [GET]\n    path: /api/v2/organizations[.json]\n"
        assert listing in text
        path.write_text(
            text.replace(
                listing, "  - name: list_orgs\n    methods: [GET]\n    path: /api/v2/orgs\n"
            )
        )
        assert await gateway.app.reload()
        refused = await client.get("/api/v2/organizations.json")
        created = await client.post("/api/v2/tickets.json", json=TICKET)  # the rest still works
    assert (refused.status_code, error_code(refused)) == (403, "route_not_allowed")
    assert created.status_code == 201
    (record,) = [r for r in audit_records(gateway.app) if r["type"] == "policy_reloaded"]
    assert record["outcome"] == "loaded"
    assert record["previous_sha256"] == before
    assert record["policy_sha256"] == file_digest(path) == gateway.app.blueprint.policy.digest
    assert "list_orgs" in record["routes"]
    assert b'gateway_policy_reloads_total{outcome="loaded"} 1.0' in gateway.app.metrics.render()


@pytest.mark.parametrize(
    ("breakage", "code"),
    [
        (lambda text: text.replace("action: mask", "action: shred"), "policy_invalid"),
        (lambda text: "{not yaml: [", "policy_invalid"),
        (lambda text: text.replace("tenant: acme", "tenant: other"), "config_invalid"),
        (lambda text: text.replace("{env: ZENDESK_AUTHORIZATION}", "{env: NOT_SET_ANYWHERE}"),
         "config_invalid"),
    ],
)  # fmt: skip
async def test_a_broken_policy_is_refused_and_the_running_one_stays(
    make_app: AppFactory, breakage: Any, code: str
) -> None:
    gateway = make_app()
    path = policy_file(gateway.app)
    running = gateway.app.blueprint.policy.digest
    async with gateway.client() as client:
        path.write_text(breakage(path.read_text()))
        assert not await gateway.app.reload()
        answer = await client.post("/api/v2/tickets.json", json=TICKET)
    assert answer.status_code == 201
    assert gateway.app.blueprint.policy.digest == running
    (record,) = [r for r in audit_records(gateway.app) if r["type"] == "policy_reloaded"]
    assert record == {
        "type": "policy_reloaded",
        "policy": str(path),
        "policy_sha256": file_digest(path),
        "previous_sha256": running,
        "outcome": "refused",
        "reason": code,
        "routes": [],
    }


async def test_a_reload_takes_a_rotated_vault_key_and_old_tokens_still_restore(
    make_app: AppFactory,
) -> None:
    gateway = make_app()
    settings = gateway.app.blueprint.settings
    async with gateway.client() as client:
        first = (await client.post("/api/v2/tickets.json", json=TICKET)).json()["ticket"]
        vault = gateway.app.gateway.core.vault  # type: ignore[union-attr]
        old_key = vault.keyring.active_vault_key.key_id
        rotated = rotate_vault_key(settings.data_dir, datetime.now(UTC), keys_from_env=False)
        assert await gateway.app.reload()
        new_key = gateway.app.gateway.core.vault.keyring.active_vault_key.key_id  # type: ignore[union-attr]
        other = {"ticket": {**TICKET["ticket"], "requester": {"name": "Max Power", "email": "max@example.net"}}}  # fmt: skip
        await client.post("/api/v2/tickets.json", json=other)
        shown = await client.get(f"/api/v2/users/{first['requester_id']}.json")
    assert new_key == rotated.active_vault_key.key_id != old_key
    assert shown.json()["user"]["email"] == "jane.doe@example.com"  # sealed with the old key
