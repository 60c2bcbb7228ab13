"""Attacks on the server itself (issue 13), each a regression test against ``gateway serve``.

Real processes on loopback, bounded in count and time. The longer versions,
with load and kill -9, are ``python -m bench.faults``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.testing.standin import create_standin
from tests.gateways import ENVIRON, TICKET, error_code
from tests.servers import Server, serving

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gateway(
    data: Path, vendor: Server, *args: str
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--policy", "policies/zendesk.yaml",
         "--upstream", vendor.url, "--port", str(port), "--data-dir", str(data), *args],
        cwd=ROOT, env={**os.environ, **ENVIRON}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        ready(port)
        yield port, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        process.communicate(timeout=60)


def ready(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise AssertionError("the gateway did not become ready")


@pytest.fixture(scope="module")
def vendor() -> Iterator[Server]:
    with serving(create_standin()) as server:
        yield server


def test_slow_headers_are_cut_off_and_health_still_answers(tmp_path: Path, vendor: Server) -> None:
    """Connections trickling a header byte at a time were never timed out; enough of
    them exhausted a worker's descriptors."""

    async def attack(port: int) -> tuple[list[float], float]:
        async def trickle() -> float:
            started = time.monotonic()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            answer = b""
            with contextlib.suppress(OSError):
                while time.monotonic() - started < 10 and not answer:
                    writer.write(b"x")
                    await writer.drain()
                    with contextlib.suppress(TimeoutError):
                        answer = await asyncio.wait_for(reader.read(100), 0.5) or b"closed"
            writer.close()
            assert answer.startswith((b"HTTP/1.1 408", b"closed")), answer
            return time.monotonic() - started

        async def health() -> float:
            await asyncio.sleep(0.5)
            started = time.monotonic()
            async with httpx.AsyncClient() as client:
                assert (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200
            return time.monotonic() - started

        *closed, latency = await asyncio.gather(*(trickle() for _ in range(200)), health())
        return closed, latency

    with gateway(tmp_path, vendor, "--header-timeout", "1") as (port, _):
        closed, latency = asyncio.run(attack(port))
    assert max(closed) < 5  # cut off at the header deadline, not when the client gave up
    assert latency < 2


def test_a_request_line_without_a_version_is_refused(tmp_path: Path, vendor: Server) -> None:
    with (
        gateway(tmp_path, vendor) as (port, _),
        socket.create_connection(("127.0.0.1", port)) as sock,
    ):
        sock.sendall(b"GET /healthz\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 400")


def test_metrics_files_of_a_killed_gateway_are_cleared(tmp_path: Path, vendor: Server) -> None:
    """kill -9 left gateway-metrics-* directories in the system's temporary directory."""
    with gateway(tmp_path, vendor, "--workers", "2") as (port, process):
        metrics = tmp_path / f"metrics-{port}"
        assert metrics.is_dir()
        httpx.post(f"http://127.0.0.1:{port}/api/v2/tickets.json", json=TICKET)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert any(metrics.iterdir())  # what a killed run leaves behind
        (metrics / "left-by-the-killed-run.db").write_bytes(b"stale")
    port_again = port
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "serve", "--policy", "policies/zendesk.yaml",
         "--upstream", vendor.url, "--port", str(port_again), "--workers", "2",
         "--data-dir", str(tmp_path)],
        cwd=ROOT, env={**os.environ, **ENVIRON}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    try:
        ready(port_again)
        assert not (metrics / "left-by-the-killed-run.db").exists()
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.communicate(timeout=60)
    assert not metrics.exists()  # and a clean stop removes the directory


def test_a_full_audit_disk_refuses_records_nothing_false_and_recovers(
    tmp_path: Path, vendor: Server
) -> None:
    """Refused requests ended up on disk as forwarded, the gateway refused until
    restarted, and stopping printed a traceback (issue 13). Needs root for a tmpfs."""
    audit = tmp_path / "audit"
    audit.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(audit)], check=True
    )
    try:
        with gateway(tmp_path, vendor) as (port, process):
            url = f"http://127.0.0.1:{port}/api/v2/tickets.json"
            filler = audit / "filler"
            with contextlib.suppress(OSError), filler.open("wb") as handle:
                handle.write(b"\0" * (256 * 1024))
            # The log file's last page may still take a record or two.
            answers = [
                httpx.post(url, json=TICKET, headers={"x-request-id": f"attempt{n:05d}"})
                for n in range(20)
            ]
            statuses = [a.status_code for a in answers]
            first = statuses.index(503)
            assert statuses[first:] == [503] * (20 - first)
            assert {error_code(a) for a in answers[first:]} == {"audit_unavailable"}
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 503
            filler.unlink()
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            assert httpx.post(url, json=TICKET).status_code == 201  # no restart needed
            os.killpg(process.pid, signal.SIGINT)
            _, err = process.communicate(timeout=60)
        assert process.returncode == 0
        assert b"Traceback" not in err
        events = [
            json.loads(line)["event"]
            for path in audit.glob("*.log.jsonl")
            for line in path.read_text().splitlines()
        ]
        sent = {e["request_id"] for e in events if e.get("outcome") == "forwarded"}
        assert {f"attempt{n:05d}" for n in range(first)} <= sent
        assert not sent & {f"attempt{n:05d}" for n in range(first, 20)}  # none refused is "sent"
        verified = subprocess.run(
            [sys.executable, "-m", "gateway", "audit", "verify", "--data-dir", str(tmp_path)],
            cwd=ROOT, env={**os.environ, **ENVIRON}, capture_output=True, check=False,
        )  # fmt: skip
        assert verified.returncode == 0, verified.stdout
    finally:
        subprocess.run(["umount", str(audit)], check=False)
