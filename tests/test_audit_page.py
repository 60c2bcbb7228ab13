"""The audit page in a real browser (Debian's headless Chromium) against a real gateway."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.config import Settings
from gateway.policy import load_policy
from gateway.server.app import create_app
from gateway.testing.standin import create_standin
from tests.gateways import ENVIRON, TICKET, error_code
from tests.servers import Server, serving

pytestmark = pytest.mark.slow  # real servers on loopback, or subprocesses

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "admin-key-for-tests-0123456789"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("audit-page")
    with serving(create_standin()) as standin:
        policy = directory / "zendesk.yaml"
        shipped = (ROOT / "policies" / "zendesk.yaml").read_text()
        policy.write_text(shipped.replace("http://127.0.0.1:9000/", f"{standin.url}/internal/"))
        settings = Settings.from_environ(
            {**ENVIRON, "GATEWAY_ADMIN_KEYS": ADMIN},
            policy=str(policy),
            data_dir=str(directory),
            upstream=standin.url,
        )
        server = Server(create_app(settings, load_policy(policy))).start()
        server.app = server.config.app  # type: ignore[attr-defined]
        try:
            for _ in range(3):
                created = httpx.post(f"{server.url}/api/v2/tickets.json", json=TICKET)
                assert created.status_code == 201
                # Zendesk answers with the requester's id; the email comes back with the user.
                requester = created.json()["ticket"]["requester_id"]
                assert httpx.get(f"{server.url}/api/v2/users/{requester}.json").status_code == 200
            httpx.post(
                f"{server.url}/api/v2/tickets.json",
                content=b"{broken",
                headers={"content-type": "application/json"},
            )
            # A health ticket: kept in-house, delivered to the company's queue.
            health = {"ticket": {**TICKET["ticket"], "comment": {"body": "I'm diabetic, help"}}}
            diverted = httpx.post(f"{server.url}/api/v2/tickets.json", json=health)
            assert error_code(diverted) == "content_diverted"
            yield server
        finally:
            server.stop()


def browse(url: str, *extra: str) -> str:
    """Load ``url`` in headless Chromium, let its scripts run, return the resulting DOM."""
    with tempfile.TemporaryDirectory() as profile:
        process = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-quic", f"--user-data-dir={profile}",
             "--virtual-time-budget=10000", *extra, "--dump-dom", url],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert process.returncode == 0, process.stderr[-2000:]
    return process.stdout


def first_token(gateway: Server) -> str:
    answer = httpx.get(
        f"{gateway.url}/audit/api/events",
        params={"type": "request_redacted"},
        headers={"authorization": f"Bearer {ADMIN}"},
    )
    return str(
        next(
            t
            for e in answer.json()["events"]
            for t in e["event"]["tokens"]
            if t.startswith("EMAIL-")
        )
    )


def test_the_page_shows_the_trail(gateway: Server) -> None:
    token = first_token(gateway)
    dom = browse(f"{gateway.url}/audit#key={ADMIN}&token={token}")
    assert 'data-ready="yes"' in dom
    assert "chain verified" in dom  # the chain's status
    assert "zendesk" in dom
    assert "EMAIL_ADDRESS" in dom
    assert "invalid_json" in dom  # blocked requests and why
    assert "minted and sent to zendesk via create_ticket" in dom  # the token's lifecycle
    assert "came back via user" in dom
    assert "restored" in dom
    for value in ("Jane Doe", "jane.doe@example.com", "555-0132"):
        assert value not in dom


def section(dom: str, table_id: str) -> str:
    found = re.search(rf'<table id="{table_id}">(.*?)</table>', dom, re.DOTALL)
    assert found is not None, f"no table {table_id}"
    return found.group(1)


def test_the_page_shows_what_was_kept_in_house(gateway: Server) -> None:
    dom = browse(f"{gateway.url}/audit#key={ADMIN}&outcome=diverted")
    kept = section(dom, "kept")
    assert "health" in kept
    events = section(dom, "events")
    assert "request_blocked" in events
    assert "health×" in events  # the category and its count, never the text
    assert "request_redacted" not in events
    assert "diabetic" not in dom


def test_filters_narrow_the_page(gateway: Server) -> None:
    dom = browse(f"{gateway.url}/audit#key={ADMIN}&outcome=refused")
    events = section(dom, "events")
    assert "invalid_json" in events
    assert "request_redacted" not in events  # only refusals are listed


def test_a_misspelt_filter_is_a_clear_400(gateway: Server) -> None:
    answer = httpx.get(
        f"{gateway.url}/audit/api/events",
        params={"outcome": "restord"},
        headers={"authorization": f"Bearer {ADMIN}"},
    )
    assert answer.status_code == 400
    assert error_code(answer) == "invalid_filter"


def test_without_the_key_the_page_asks_for_it(gateway: Server) -> None:
    dom = browse(f"{gateway.url}/audit#key=wrong-key-0123456789")
    assert "a valid admin key is needed" in dom
    assert 'data-ready="yes"' not in dom


def test_the_api_needs_the_admin_key(gateway: Server) -> None:
    assert httpx.get(f"{gateway.url}/audit/api/events").status_code == 401
    ok = httpx.get(f"{gateway.url}/audit/api/verify", headers={"authorization": f"Bearer {ADMIN}"})
    assert ok.json()["ok"] is True
    assert json.dumps(ok.json()).count("Jane") == 0
    # The same header as /metrics takes, for an operator's curl.
    assert (
        httpx.get(f"{gateway.url}/audit/api/summary", headers={"x-gateway-key": ADMIN}).status_code
        == 200
    )


def test_a_tampered_chain_shows_red(gateway: Server, tmp_path: Path) -> None:
    chain = next((gateway.app.gateway.blueprint.settings.data_dir / "audit").glob("*.log.jsonl"))  # type: ignore[attr-defined]
    original = chain.read_bytes()
    lines = original.decode().splitlines()
    index = next(i for i, line in enumerate(lines) if '"route":"create_ticket"' in line)
    lines[index] = lines[index].replace('"route":"create_ticket"', '"route":"delete_ticket"')
    chain.write_text("\n".join(lines) + "\n")
    try:
        dom = browse(f"{gateway.url}/audit#key={ADMIN}")
        assert "TAMPERED" in dom
    finally:
        chain.write_bytes(original)
