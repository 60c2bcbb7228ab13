"""`gateway serve` as operators run it: a real process, several workers, a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.testing.standin import create_standin
from tests.gateways import ENVIRON, TICKET
from tests.servers import serving

pytestmark = pytest.mark.slow  # real servers on loopback, or subprocesses

ROOT = Path(__file__).resolve().parent.parent
ADMIN_KEY = "admin-test-key-0123456789"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_workers_serve_and_stop(tmp_path: Path) -> None:
    port = free_port()
    with serving(create_standin()) as standin:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--policy", "policies/zendesk.yaml", "--upstream", standin.url,
             "--port", str(port), "--workers", "2", "--data-dir", str(tmp_path)],
            cwd=ROOT, env={**os.environ, **ENVIRON, "GATEWAY_ADMIN_KEYS": ADMIN_KEY},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            # Ready when one worker answers and both have opened their audit chain
            # (each does so at start-up, before serving): a worker still loading
            # its models on a busy machine would otherwise miss the whole test.
            deadline = time.monotonic() + 120
            while True:
                try:
                    healthy = (
                        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
                    )
                except httpx.TransportError:
                    healthy = False
                opened = list((tmp_path / "audit").glob("*.log.jsonl"))
                if healthy and len(opened) == 2:
                    break
                assert time.monotonic() < deadline, "the gateway did not become ready"
                time.sleep(0.5)
            answers = [
                httpx.post(f"http://127.0.0.1:{port}/api/v2/tickets.json", json=TICKET)
                for _ in range(6)
            ]
            assert all(a.status_code == 201 for a in answers)
            assert "I'm Jane Doe" in answers[0].json()["ticket"]["description"]
            # Each scrape is a new connection and may reach either worker; all
            # of them must count all six requests, not one worker's share.
            scrapes = [
                httpx.get(f"http://127.0.0.1:{port}/metrics", headers=ADMIN).text for _ in range(6)
            ]
            for text in scrapes:
                assert (
                    'gateway_requests_total{outcome="forwarded",route="create_ticket"} 6.0' in text
                )
                assert 'gateway_entities_redacted_total{entity="EMAIL_ADDRESS"}' in text
        finally:
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()[-2000:]
        chains = sorted(p.name for p in (tmp_path / "audit").glob("*.log.jsonl"))
        assert len(chains) == 2  # one audit chain per worker


def gateway_once(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``gateway ARGS`` for a command that should refuse to start."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        cwd=ROOT, env={**os.environ, **ENVIRON} if env is None else env,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_refuses_to_listen_beyond_loopback_without_keys(tmp_path: Path) -> None:
    process = gateway_once("serve", "--policy", "policies/zendesk.yaml", "--host", "0.0.0.0",
                           "--data-dir", str(tmp_path))  # fmt: skip
    assert process.returncode == 2
    assert "refusing to listen on 0.0.0.0 without API keys" in process.stderr


def test_a_policy_without_upstream_is_refused(tmp_path: Path) -> None:
    process = gateway_once(
        "serve", "--policy", "policies/default.yaml", "--data-dir", str(tmp_path)
    )
    assert process.returncode == 2
    assert "no upstream" in process.stderr


def test_an_upstream_without_scheme_names_the_option(tmp_path: Path) -> None:
    process = gateway_once("serve", "--policy", "policies/zendesk.yaml", "--upstream", "localhost:9999",
                           "--data-dir", str(tmp_path))  # fmt: skip
    assert process.returncode == 2
    assert process.stderr.strip().splitlines() == [
        "gateway: error: --upstream (or GATEWAY_UPSTREAM): the vendor URL must start with http:// or https://"
    ]


def test_a_taken_port_is_a_one_line_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for command in (
            ["serve", "--policy", "policies/generic-json.yaml", "--data-dir", str(tmp_path)],
            ["standin"],
        ):
            process = gateway_once(*command, "--port", str(port))
            assert process.returncode == 2
            assert process.stderr.strip().splitlines() == [
                f"gateway: error: cannot listen on 127.0.0.1:{port}: Address already in use"
            ]


def test_every_missing_secret_is_named_at_once(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in ENVIRON}
    process = gateway_once(
        "serve", "--policy", "policies/zendesk.yaml", "--data-dir", str(tmp_path), env=environ
    )
    assert process.returncode == 2
    [line] = process.stderr.strip().splitlines()
    for variable in ("ZENDESK_AUTHORIZATION", "ZENDESK_WEBHOOK_SECRET", "GATEWAY_FORWARD_SECRET"):
        assert f"{variable} is not set" in line


def wait_until(check: Any, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


@pytest.mark.parametrize("workers", [1, 2])
def test_sighup_reloads_the_policy_and_keeps_it_when_broken(tmp_path: Path, workers: int) -> None:
    """One process reloads in place; with workers, the supervisor checks the file and
    replaces them one at a time. A broken file changes nothing."""
    policy = tmp_path / "zendesk.yaml"
    original = (ROOT / "policies" / "zendesk.yaml").read_text()
    policy.write_text(original)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with serving(create_standin()) as standin:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--policy", str(policy), "--upstream", standin.url,
             "--port", str(port), "--workers", str(workers), "--data-dir", str(tmp_path / "data")],
            cwd=ROOT, env={**os.environ, **ENVIRON}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            wait_until(lambda: httpx.get(f"{url}/healthz").status_code == 200)
            assert httpx.get(f"{url}/api/v2/organizations.json").status_code == 200
            listing = "  - name: list_organizations\n    methods: [GET]\n    path: /api/v2/organizations[.json]\n"  # fmt: skip
            policy.write_text(original.replace(listing, "  - name: list_orgs\n    methods: [GET]\n    path: /api/v2/orgs\n"))  # fmt: skip
            process.send_signal(signal.SIGHUP)
            # Every worker, not just the first one replaced: ten requests in a row see the
            # new policy on both routes (ten refusals of the old route alone could all
            # have reached the one new worker while the other was still being replaced).
            wait_until(
                lambda: all(
                    httpx.get(f"{url}/api/v2/organizations.json").status_code == 403
                    and httpx.get(f"{url}/api/v2/orgs").status_code == 200
                    for _ in range(10)
                )
            )
            policy.write_text("{not: yaml: [")
            process.send_signal(signal.SIGHUP)
            time.sleep(3)
            assert process.poll() is None, "a broken policy must not stop the gateway"
            assert httpx.get(f"{url}/api/v2/orgs").status_code == 200  # the reloaded one stays
            assert httpx.post(f"{url}/api/v2/tickets.json", json=TICKET).status_code == 201
        finally:
            process.send_signal(signal.SIGINT)
            _, stderr = process.communicate(timeout=60)
    assert "policy reload refused" in stderr.decode()
