"""Fault experiments on loopback: what the gateway does when things break around it.

    python -m bench.faults                            # every experiment, about 6 minutes
    python -m bench.faults --only slowloris,disk-full --fuzz 0

Each experiment runs real processes on 127.0.0.1 (``gateway serve``, the
stand-in vendor), drives bounded load at them, breaks something, and then
checks the two promises, from the vendor's records and the gateway's own:

* **no acknowledged mapping lost**: every token the vendor received restores
  (``gateway restore --any-scope``), whatever was killed;
* **every forward audited**: every request the vendor received (its
  ``x-request-id``) has a ``request_redacted`` event with outcome
  ``forwarded``, and every chain verifies.

Experiments: ``kill-sqlite`` (kill -9 of a two-worker gateway under load, three
times), ``kill-postgres`` (two replicas sharing a PostgreSQL vault, each killed
under load), ``disk-full`` (the audit directory on a small tmpfs that fills,
then is freed; needs root), ``vault-lost`` (PostgreSQL behind a relay that is
down at start, then cut and restored under load), ``vendor`` (the vendor down,
failing, redirecting, trickling), ``slowloris`` (connections trickling headers
and bodies). Then ``--fuzz`` redact->restore round trips (``bench.fuzz``).

Everything is bounded in time and count and stops by itself; it needs the
local PostgreSQL server for the vault experiments. It prints one table, to be
copied into the README's threat model with the date and machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from gateway.audit.reader import read

ROOT = Path(__file__).resolve().parent.parent
POLICY = "policies/zendesk.yaml"
TOKEN = re.compile(r"\b[A-Z]{2,8}-[0-9A-Z]{8}\b")
POSTGRES = "postgresql://root@127.0.0.1:5432"
SECRETS = {
    "ZENDESK_AUTHORIZATION": "Basic ZmF1bHRzOmZhdWx0cw==",
    "ZENDESK_WEBHOOK_SECRET": "whsec-faults",
    "GATEWAY_FORWARD_SECRET": "forward-faults-0123456789",
    # One set of keys for every process, so that replicas share a vault.
    "GATEWAY_TOKEN_KEY": base64.b64encode(b"t" * 32).decode(),
    "GATEWAY_VAULT_KEYS": "v1:" + base64.b64encode(b"v" * 32).decode(),
    "GATEWAY_AUDIT_KEY": base64.b64encode(b"a" * 32).decode(),
}
PLANTED = "Zebulon Quartermaine"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A ``gateway`` command in its own process group (kill -9 reaches its workers)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        handle = self.log.open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "gateway", *self.args],
            cwd=ROOT, env=self.env, stdout=handle, stderr=handle, start_new_session=True,
        )  # fmt: skip

    def kill9(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def restart(self) -> None:
        self.process = self._spawn()

    def stop(self) -> int:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill9()
            return -9


def wait_for(port: int, status: int = 200, timeout: float = 120) -> float:
    """Seconds until ``/healthz`` answers ``status``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == status:
                return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"port {port} did not answer /healthz {status} in {timeout:.0f} s")


@dataclass
class Outcome:
    name: str
    action: str
    sent: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    received: int = 0
    lost: int | None = None
    unaudited: int | None = None
    chains_ok: bool | None = None
    notes: list[str] = field(default_factory=list)
    timeline: list[tuple[float, float, str]] = field(default_factory=list)  # start, end, answer

    @property
    def passed(self) -> bool:
        return (
            self.lost in (0, None)
            and self.unaudited in (0, None)
            and self.chains_ok is not False
            and not any(n.startswith("FAIL") for n in self.notes)
        )


class Lab:
    """The stand-in vendor and the gateways of one experiment, in a scratch directory."""

    def __init__(self, root: Path, name: str) -> None:
        self.dir = root / name
        self.dir.mkdir(parents=True)
        self.vendor_port = free_port()
        self.vendor = Process(
            ["standin", "--port", str(self.vendor_port)], self.env(), self.dir / "standin.log"
        )
        wait_for_port(self.vendor_port)
        self.gateways: list[tuple[Process, int, Path]] = []

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, **SECRETS, **extra}

    def gateway(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        ready: bool = True,
        policy: str = POLICY,
    ) -> tuple[Process, int, Path]:
        port = free_port()
        data = self.dir / f"gw{len(self.gateways) + 1}"
        data.mkdir(exist_ok=True)
        command = ["serve", "--policy", policy, "--upstream", self.vendor_url, "--port", str(port),
                   "--data-dir", str(data), *args]  # fmt: skip
        process = Process(command, env or self.env(), data / "serve.log")
        if ready:
            wait_for(port)
        self.gateways.append((process, port, data))
        return process, port, data

    @property
    def vendor_url(self) -> str:
        return f"http://127.0.0.1:{self.vendor_port}"

    def received(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.vendor_url}/__standin/received", timeout=30)
        return answer.json()  # type: ignore[no-any-return]

    def check(self, outcome: Outcome, vault: list[str]) -> None:
        """The two promises, from the vendor's records and the gateway's."""
        received = [r for r in self.received() if r["path"].startswith("/api/v2/tickets")]
        outcome.received = len(received)
        text = json.dumps(received)
        if PLANTED in text or PLANTED.split()[1] in text:
            outcome.notes.append("FAIL: a planted name reached the vendor")
        tokens = sorted(set(TOKEN.findall(text)))
        restored = subprocess.run(
            [sys.executable, "-m", "gateway", "restore", "--policy", POLICY, "--any-scope",
             "--report", "--format", "text", *vault],
            input="\n".join(tokens).encode(), cwd=ROOT, env=self.env(), capture_output=True,
            timeout=300, check=False,
        )  # fmt: skip
        statuses = Counter(
            o["status"] for line in restored.stderr.splitlines() if line.startswith(b"{")
            for o in json.loads(line)["outcomes"]
        )  # fmt: skip
        outcome.lost = len(tokens) - statuses["restored"]
        forwarded = {
            str(r["event"].get("request_id"))
            for _, _, data in self.gateways
            for r in read(data / "audit")
            if r["event"].get("type") == "request_redacted"
            and r["event"].get("outcome") == "forwarded"
        }
        outcome.unaudited = sum(
            1 for r in received if r["headers"].get("x-request-id") not in forwarded
        )
        verified = [
            subprocess.run(
                [sys.executable, "-m", "gateway", "audit", "verify", "--data-dir", str(data)],
                cwd=ROOT, env=self.env(), capture_output=True, timeout=120, check=False,
            ).returncode == 0
            for _, _, data in self.gateways
        ]  # fmt: skip
        outcome.chains_ok = all(verified)

    def close(self) -> None:
        for process, _, data in self.gateways:
            if process.process.poll() is None and process.stop() not in (0, -2):
                tail = (data / "serve.log").read_text(errors="replace")[-300:]
                print(f"  (a gateway did not stop cleanly: {tail!r})", file=sys.stderr)
            if "Traceback" in (data / "serve.log").read_text(errors="replace"):
                print(f"  (a traceback in {data / 'serve.log'})", file=sys.stderr)
        self.vendor.stop()


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


_ids = itertools.count(1)


def error_code(answer: httpx.Response) -> str:
    """The gateway's code in a refusal, in any ``error_format``; a proxy's page in front
    of it (HAProxy's 503 when no replica is ready) is not JSON."""
    try:
        body = answer.json()
    except ValueError:
        return "not the gateway's (no JSON body)"
    error = body.get("error")
    if isinstance(error, dict):
        return str(error.get("code", "?"))
    if isinstance(error, str):
        return error
    return str((body.get("errors") or [{}])[0].get("code", "?"))


def ticket(request_id: str) -> dict[str, Any]:
    return {"ticket": {"subject": f"Order ORD-{request_id[-6:]}", "requester": {
        "name": PLANTED, "email": f"{request_id}@example.com"}, "comment": {
        "body": f"Hi, I'm {PLANTED}, call me on +1 (415) 555-0132 about order ORD-{request_id[-6:]}."}}}  # fmt: skip


async def drive(
    ports: Callable[[], list[int]], seconds: float, concurrency: int, outcome: Outcome
) -> None:
    """Create tickets through the gateways for ``seconds``; tally the answers."""
    end = time.monotonic() + seconds

    async def worker(number: int) -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            while time.monotonic() < end:
                request_id = f"fault{next(_ids):010d}"
                live = ports()
                port = live[(number + outcome.sent) % len(live)]
                outcome.sent += 1
                started = time.monotonic()
                code = "?"
                try:
                    answer = await client.post(
                        f"http://127.0.0.1:{port}/api/v2/tickets.json",
                        json=ticket(request_id),
                        headers={"x-request-id": request_id},
                    )
                    code = str(answer.status_code)
                    if answer.status_code >= 400:
                        code += " " + error_code(answer)
                    outcome.answers[code] += 1
                except (httpx.HTTPError, ValueError) as exc:
                    code = f"connection {type(exc).__name__}"
                    outcome.answers[code] += 1
                    await asyncio.sleep(0.1)
                outcome.timeline.append((started, time.monotonic(), code))

    await asyncio.gather(*(worker(n) for n in range(concurrency)))


# --- experiments -------------------------------------------------------------


def kill_sqlite(root: Path) -> Outcome:
    outcome = Outcome(
        "kill-sqlite", "kill -9 of a 2-worker gateway (SQLite vault) under load, 3 times"
    )
    lab = Lab(root, "kill-sqlite")
    try:
        process, port, data = lab.gateway("--workers", "2")

        async def go() -> None:
            async def killer() -> None:
                for _ in range(3):
                    await asyncio.sleep(4)
                    await asyncio.to_thread(process.kill9)
                    process.restart()
                    await asyncio.to_thread(wait_for, port)

            await asyncio.gather(drive(lambda: [port], 30, 16, outcome), killer())

        asyncio.run(go())
        lab.check(outcome, ["--data-dir", str(data)])
    finally:
        lab.close()
    return outcome


def postgres_database(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/test", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return f"{POSTGRES}/{name}"


def kill_postgres(root: Path) -> Outcome:
    outcome = Outcome(
        "kill-postgres", "two replicas sharing a PostgreSQL vault, each killed -9 under load"
    )
    lab = Lab(root, "kill-postgres")
    url = postgres_database("gateway_faults")
    try:
        env = lab.env(GATEWAY_VAULT_URL=url)
        one = lab.gateway(env=env)
        two = lab.gateway(env=env)
        up = {one[1], two[1]}

        async def go() -> None:
            async def killer() -> None:
                for process, port, _ in (one, two, one):
                    await asyncio.sleep(4)
                    up.discard(port)
                    await asyncio.to_thread(process.kill9)
                    process.restart()
                    await asyncio.to_thread(wait_for, port)
                    up.add(port)

            await asyncio.gather(drive(lambda: sorted(up), 30, 16, outcome), killer())

        asyncio.run(go())
        lab.check(outcome, ["--vault-url", url])
    finally:
        lab.close()
    return outcome


def disk_full(root: Path) -> Outcome:
    outcome = Outcome(
        "disk-full", "the audit directory on a 1 MiB tmpfs, filled under load, then freed"
    )
    if os.geteuid() != 0:
        outcome.notes.append("not run: mounting a tmpfs needs root")
        return outcome
    lab = Lab(root, "disk-full")
    audit = lab.dir / "gw1" / "audit"
    audit.mkdir(parents=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(audit)], check=True
    )
    try:
        process, port, data = lab.gateway()
        filler = audit / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as handle:
            handle.write(b"\0" * (1024 * 1024))  # what does not fit is left free: nothing
        asyncio.run(drive(lambda: [port], 5, 8, outcome))
        refused = outcome.answers["503 audit_unavailable"]
        filler.unlink()
        recovered = wait_for(port, timeout=60)
        after = Outcome("after", "")
        asyncio.run(drive(lambda: [port], 2, 4, after))
        outcome.sent += after.sent
        outcome.answers.update({f"after freeing: {k}": v for k, v in after.answers.items()})
        outcome.notes.append(
            f"{refused} refused while full; healthy again {recovered:.1f} s after space returned, "
            "no restart"
        )
        code = process.stop()
        log = (data / "serve.log").read_text(errors="replace")
        if code != 0 or "Traceback" in log:
            outcome.notes.append("FAIL: the gateway did not stop cleanly")
        lab.check(outcome, ["--data-dir", str(data)])
    finally:
        lab.close()
        subprocess.run(["umount", str(audit)], check=False)
    return outcome


class Relay:
    """A TCP relay to PostgreSQL that can be cut and restored (the vault lost and found)."""

    def __init__(self, port: int, target: int) -> None:
        self.port, self.target = port, target
        self.server: asyncio.Server | None = None
        self.links: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self.server = await asyncio.start_server(self._link, "127.0.0.1", self.port)

    async def down(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
        for writer in list(self.links):
            writer.transport.abort()
        self.links.clear()

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target
            )
        except OSError:
            writer.transport.abort()
            return
        self.links |= {writer, upstream_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


def vault_lost(root: Path) -> Outcome:
    outcome = Outcome(
        "vault-lost",
        "PostgreSQL behind a relay: down at start, then up; cut under load for 5 s, restored",
    )
    lab = Lab(root, "vault-lost")
    relay_port = free_port()
    url = postgres_database("gateway_faults_relay").replace(":5432", f":{relay_port}")
    try:

        async def go() -> None:
            relay = Relay(relay_port, 5432)
            _process, port, _data = await asyncio.to_thread(
                lab.gateway, env=lab.env(GATEWAY_VAULT_URL=url), ready=False
            )
            await asyncio.to_thread(wait_for, port, 503)
            health = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
            outcome.notes.append(f"at start without its vault: /healthz 503 {health.get('reason')}")
            await relay.up()
            ready = await asyncio.to_thread(wait_for, port, 200, 90)
            outcome.notes.append(f"ready {ready:.1f} s after the vault came up")

            async def cutter() -> None:
                await asyncio.sleep(3)
                await relay.down()
                cut[0] = time.monotonic()
                await asyncio.sleep(5)
                cut[1] = time.monotonic()
                await relay.up()

            await asyncio.gather(drive(lambda: [port], 14, 8, outcome), cutter())
            await relay.down()

        cut = [0.0, 0.0]
        asyncio.run(go())
        inside = [
            code for start, end, code in outcome.timeline if cut[0] <= start and end <= cut[1]
        ]
        outcome.notes.append(
            f"requests begun and answered while the vault was cut: {len(inside)}, of which "
            f"forwarded: {inside.count('201')}; the others waited for the vault or were refused "
            f"({outcome.answers['503 vault_unavailable']} vault_unavailable in all)"
        )
        if inside.count("201"):
            outcome.notes.append("FAIL: a request was forwarded while the vault was cut")
        relay_back = Relay(relay_port, 5432)

        async def check() -> None:
            await relay_back.up()
            await asyncio.to_thread(lab.check, outcome, ["--vault-url", url])
            await relay_back.down()

        asyncio.run(check())
    finally:
        lab.close()
    return outcome


def vendor_faults(root: Path) -> Outcome:
    outcome = Outcome("vendor", "the vendor failing (500), redirecting, trickling, then down")
    lab = Lab(root, "vendor")
    try:
        _process, port, data = lab.gateway()
        url = f"http://127.0.0.1:{port}/api/v2/tickets.json"
        for mode in ("error", "redirect", "one-byte", "down"):
            if mode == "down":  # what the vendor holds is read before it goes
                lab.check(outcome, ["--data-dir", str(data)])
                lab.vendor.stop()
            request_id = f"fault{next(_ids):010d}"
            outcome.sent += 1
            answer = httpx.post(url, json=ticket(request_id), timeout=60,
                                headers={"x-request-id": request_id, "x-standin-mode": mode})  # fmt: skip
            error = answer.json().get("error") if answer.status_code >= 400 else None
            # The vendor's own 500 passes through restored; the gateway's refusals
            # are in Zendesk's shape ({"error": code, "description": ...}).
            code = (
                error
                if isinstance(error, str) and error != "vendor failure"
                else "(the vendor's own)"
            )
            outcome.answers[f"{mode}: {answer.status_code} {code if error else ''}".strip()] += 1
            if PLANTED.split()[1] in answer.text and mode in ("redirect", "down"):
                outcome.notes.append(f"FAIL: the {mode} answer quotes the request")
        lab.vendor.restart()
        wait_for_port(lab.vendor_port)
    finally:
        lab.close()
    return outcome


def slowloris(root: Path) -> Outcome:
    outcome = Outcome(
        "slowloris",
        "600 connections trickling headers (header timeout 5 s), 100 trickling bodies (body timeout 3 s)",
    )
    lab = Lab(root, "slowloris")
    policy = lab.dir / "zendesk.yaml"
    text = (
        (ROOT / POLICY)
        .read_text()
        .replace(
            "  upstream_timeout_s: 30\n", "  upstream_timeout_s: 30\n  body_read_timeout_s: 3\n"
        )
    )
    policy.write_text(text)
    try:
        _process, port, _data = lab.gateway("--header-timeout", "5", policy=str(policy))

        async def go() -> None:
            async def trickle(head: bytes, count: int) -> list[float]:
                closed: list[float] = []

                async def one() -> None:
                    started = time.monotonic()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    with contextlib.suppress(OSError):
                        writer.write(head)
                        while time.monotonic() - started < 20:
                            writer.write(b"x")
                            await writer.drain()
                            with contextlib.suppress(asyncio.TimeoutError):
                                if await asyncio.wait_for(reader.read(1), 1.0) == b"":
                                    break
                                break  # the server answered (408): it will close
                    closed.append(time.monotonic() - started)
                    writer.close()

                await asyncio.gather(*(one() for _ in range(count)))
                return closed

            async def probe() -> list[float]:
                times = []
                async with httpx.AsyncClient(timeout=10) as client:
                    for _ in range(10):
                        started = time.monotonic()
                        answer = await client.get(f"http://127.0.0.1:{port}/healthz")
                        times.append(time.monotonic() - started)
                        assert answer.status_code == 200
                        await asyncio.sleep(0.5)
                return times

            heads = b"POST /api/v2/tickets.json HTTP/1.1\r\nHost: x\r\nX-Slow: "
            bodies = (b"POST /api/v2/tickets.json HTTP/1.1\r\nHost: x\r\nContent-Type: "
                      b"application/json\r\nContent-Length: 100000\r\n\r\n{")  # fmt: skip
            header_closed, body_closed, health = await asyncio.gather(
                trickle(heads, 600), trickle(bodies, 100), probe()
            )
            outcome.sent = 700
            outcome.answers["headers: closed by the gateway"] = sum(t < 19 for t in header_closed)
            outcome.answers["bodies: closed by the gateway"] = sum(t < 19 for t in body_closed)
            outcome.notes.append(
                f"header trickles closed after {max(header_closed):.1f} s at most, bodies after "
                f"{max(body_closed):.1f} s; /healthz answered meanwhile in {1000 * max(health):.0f} ms at worst"
            )

        asyncio.run(go())
    finally:
        lab.close()
    return outcome


def fuzz(count: int) -> Outcome:
    outcome = Outcome(
        "fuzz", f"{count} redact->restore round trips (bench.fuzz), token-shaped text"
    )
    done = subprocess.run(
        [sys.executable, "-m", "bench.fuzz", "--count", str(count), "--seed", "13"],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False,
    )  # fmt: skip
    outcome.sent = count
    outcome.answers["mismatches"] = int(re.search(r"(\d+) mismatches", done.stdout).group(1))  # type: ignore[union-attr]
    if done.returncode:
        outcome.notes.append("FAIL: round trips did not give the input back")
    return outcome


EXPERIMENTS: dict[str, Callable[[Path], Outcome]] = {
    "kill-sqlite": kill_sqlite,
    "kill-postgres": kill_postgres,
    "disk-full": disk_full,
    "vault-lost": vault_lost,
    "vendor": vendor_faults,
    "slowloris": slowloris,
}


def table(outcomes: list[Outcome]) -> Iterator[str]:
    yield "| experiment | what broke | requests | answers | reached the vendor | mappings lost | forwards not audited | chains verify | result |"
    yield "|---|---|---:|---|---:|---:|---:|---|---|"
    for o in outcomes:
        answers = ", ".join(f"{k}: {v}" for k, v in sorted(o.answers.items()))
        cell = lambda v: "-" if v is None else str(v)  # noqa: E731
        chains = "-" if o.chains_ok is None else ("yes" if o.chains_ok else "NO")
        yield (
            f"| {o.name} | {o.action} | {o.sent} | {answers} | {o.received or '-'} | "
            f"{cell(o.lost)} | {cell(o.unaudited)} | {chains} | {'pass' if o.passed else 'FAIL'} |"
        )
    for o in outcomes:
        for note in o.notes:
            yield f"\n* {o.name}: {note}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated experiments (default: all)")
    parser.add_argument("--fuzz", type=int, default=200_000, help="round trips (0: none)")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(EXPERIMENTS)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="gateway-faults-") as scratch:
        for name in names:
            print(f"{name}...", file=sys.stderr)
            started = time.monotonic()
            outcomes.append(EXPERIMENTS[name](Path(scratch)))
            print(f"  {time.monotonic() - started:.0f} s", file=sys.stderr)
    if args.fuzz:
        print("fuzz...", file=sys.stderr)
        outcomes.append(fuzz(args.fuzz))
    print(
        f"\nFault experiments, {date.today()}, {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}\n"
    )
    for line in table(outcomes):
        print(line)
    sys.exit(0 if all(o.passed for o in outcomes) else 1)


if __name__ == "__main__":
    main()
