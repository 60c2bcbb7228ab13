"""Several replicas behind HAProxy on one PostgreSQL vault: load and faults, on loopback.

    python -m bench.cluster                          # everything, about 8 minutes
    python -m bench.cluster --only scale --tickets 2000

Experiments (each on a fresh database, the stand-in vendor behind):

* ``scale``: ``--tickets`` tickets (default 10,000) at concurrency 32 through
  HAProxy to 1, 2 and 3 replicas: tickets/s, p50/p99 latency, errors, and
  what each ticket costs the database (transactions, bytes) and the audit
  trail (bytes);
* ``kill``: three replicas under load, one killed -9 and restarted;
* ``postgres``: three replicas under load, PostgreSQL stopped for 6 s, then
  started again (the replicas are not restarted);
* ``rotate``: three replicas under load, the vault key rotated by a rolling
  restart in two passes (the new key second, then first), keys in the
  environment;
* ``rotate-live``: three replicas sharing a key file under load, ``gateway
  keys rotate`` on it, then ``SIGHUP`` to each: no restart;
* ``same-token``: one value sent 30 times through HAProxy.

After each fault: every token the vendor received restores (no mapping
lost), every request the vendor received is audited as forwarded exactly
once, and every chain verifies. It needs the local PostgreSQL server (and
root, to stop and start it) and HAProxy (``scripts/cluster`` installs it). It
prints one table, to be copied into the README with the date and machine.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import platform
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.faults import (
    POSTGRES,
    SECRETS,
    Lab,
    Outcome,
    drive,
    free_port,
    postgres_database,
    wait_for,
)
from bench.http import ROOT, load, tickets
from gateway.audit.database import refresh_view
from gateway.audit.reader import read

DATABASE = "gateway_cluster_bench"
# HAProxy's answer when no replica is ready, in the gateway's own shape and code.
NO_REPLICA = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n"
    b'{"error": {"code": "not_ready", "message": "no gateway replica is ready"}}\n'
)
NEW_KEY = "v2:" + base64.b64encode(b"w" * 32).decode()
OLD_KEY = SECRETS["GATEWAY_VAULT_KEYS"]


class Cluster(Lab):
    """A :class:`Lab` whose gateways are replicas on one vault, behind HAProxy."""

    def __init__(self, root: Path, name: str, replicas: int, shared_keys: bool = False) -> None:
        self.keys = OLD_KEY  # what the checks read the vault with
        super().__init__(root, name)
        self.url = postgres_database(DATABASE)
        # With shared_keys, the replicas share one data directory and its keys.json
        # (created by the first to start) instead of keys in the environment.
        self.shared = self.dir / "shared" if shared_keys else None
        for number in range(1, replicas + 1):
            if self.shared is None:
                self.gateway(env=self.replica_env(number))
                continue
            env = {k: v for k, v in self.replica_env(number).items()
                   if k not in ("GATEWAY_TOKEN_KEY", "GATEWAY_VAULT_KEYS")}  # fmt: skip
            _, _, data = self.gateway("--data-dir", str(self.shared), env=env)
            # The checks read each gateway's audit directory: here, the shared one.
            (data / "audit").symlink_to(self.shared / "audit", target_is_directory=True)
        self.port = free_port()
        config = self.dir / "haproxy.cfg"
        refusal = self.dir / "503.http"
        refusal.write_bytes(NO_REPLICA)
        servers = "\n".join(
            f"    server replica-{n} 127.0.0.1:{port} check inter 1s fall 2 rise 2"
            for n, (_, port, _) in enumerate(self.gateways, start=1)
        )
        config.write_text(
            "global\n    maxconn 4096\ndefaults\n    mode http\n    timeout connect 5s\n"
            "    timeout client 60s\n    timeout server 60s\n    retries 2\n    option redispatch\n"
            f"    errorfile 503 {refusal}\n"
            f"frontend gateway\n    bind 127.0.0.1:{self.port}\n    default_backend replicas\n"
            "backend replicas\n    balance roundrobin\n    option httpchk GET /healthz\n"
            f"    http-check expect status 200\n{servers}\n"
        )
        self.haproxy = subprocess.Popen(
            ["haproxy", "-f", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(self.port)

    def env(self, **extra: str) -> dict[str, str]:
        if getattr(self, "shared", None) is not None:  # the checks read the shared key file
            base = {k: v for k, v in super().env().items()
                    if k not in ("GATEWAY_TOKEN_KEY", "GATEWAY_VAULT_KEYS")}  # fmt: skip
            return {**base, "GATEWAY_DATA_DIR": str(self.shared), **extra}
        return {**super().env(GATEWAY_VAULT_KEYS=self.keys), **extra}

    def replica_env(self, number: int, keys: str = OLD_KEY) -> dict[str, str]:
        return self.env(
            GATEWAY_VAULT_URL=self.url,
            GATEWAY_AUDIT_URL=self.url,  # every chain in the database too, as deployed
            GATEWAY_INSTANCE=f"replica-{number}",
            GATEWAY_VAULT_KEYS=keys,
        )

    def restart(self, number: int, keys: str) -> None:
        """Stop replica ``number`` cleanly and start it again with other keys."""
        process, port, _ = self.gateways[number - 1]
        process.stop()
        process.env = self.replica_env(number, keys)
        process.restart()
        wait_for(port)

    def audit_bytes(self) -> int:
        return sum(
            p.stat().st_size for _, _, d in self.gateways for p in (d / "audit").glob("*.jsonl")
        )

    def audit_dirs(self) -> list[Path]:
        """Each audit directory once (replicas sharing a data directory share one)."""
        return list(dict.fromkeys((d / "audit").resolve() for _, _, d in self.gateways))

    def forwarded_twice(self) -> int:
        seen = Counter(
            str(r["event"].get("request_id"))
            for audit in self.audit_dirs()
            for r in read(audit)
            if _forwarded(r)
        )
        return sum(1 for count in seen.values() if count > 1)

    def audit_database(self) -> str:
        """Every replica's chain in the database, verified there; its forwards counted."""
        view = refresh_view(self.url, self.dir / "audit-view")
        verified = subprocess.run(
            [sys.executable, "-m", "gateway", "audit", "verify", "--audit-url", self.url,
             "--data-dir", str(self.dir / "reader")],
            cwd=ROOT, env=self.env(), capture_output=True, timeout=300, check=False,
        ).returncode == 0  # fmt: skip
        in_files = sum(1 for audit in self.audit_dirs() for r in read(audit) if _forwarded(r))
        in_database = sum(1 for r in read(view) if _forwarded(r))
        verdict = "verified" if verified else "FAIL: not verified"
        same = "" if in_files == in_database else f" FAIL: files hold {in_files}"
        return (
            f"audit database: {len(files_of(view))} chains {verdict}, {in_database} forwards{same}"
        )

    def close(self) -> None:
        self.haproxy.terminate()
        self.haproxy.wait(timeout=30)
        super().close()


def _forwarded(record: dict[str, Any]) -> bool:
    event = record["event"]
    return bool(event.get("type") == "request_redacted" and event.get("outcome") == "forwarded")


def files_of(view: Path) -> list[Path]:
    return sorted(view.glob("*.log.jsonl"))


def database_counters() -> tuple[int, int]:
    """(committed transactions, database bytes) of the benchmark database."""
    with psycopg.connect(f"{POSTGRES}/test", autocommit=True) as connection:
        row = connection.execute(
            "SELECT xact_commit, pg_database_size(datname) FROM pg_stat_database WHERE datname = %s",
            (DATABASE,),
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


@dataclass
class Scale:
    replicas: int
    tickets_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    transactions: float  # per ticket
    database_bytes: float  # per ticket
    audit_bytes: float  # per ticket
    spread: dict[str, int] = field(default_factory=dict)


def scale(root: Path, replicas: int, count: int, concurrency: int) -> Scale:
    cluster = Cluster(root, f"scale-{replicas}", replicas)
    try:
        bodies = tickets(count, 11)
        asyncio.run(load(cluster.port, bodies[:200], concurrency))  # warm-up
        time.sleep(1.5)  # the statistics collector catches up
        transactions, size = database_counters()
        audit = cluster.audit_bytes()
        seconds, latencies, errors = asyncio.run(load(cluster.port, bodies, concurrency))
        time.sleep(1.5)
        transactions_after, size_after = database_counters()
        latencies.sort()
        per_replica = {
            f"replica-{n}": sum(
                1 for r in read(data / "audit") if r["event"].get("type") == "request_redacted"
            )
            for n, (_, _, data) in enumerate(cluster.gateways, start=1)
        }
        return Scale(
            replicas,
            len(bodies) / seconds,
            latencies[len(latencies) // 2] * 1000,
            latencies[int(len(latencies) * 0.99)] * 1000,
            errors,
            (transactions_after - transactions) / len(bodies),
            (size_after - size) / len(bodies),
            (cluster.audit_bytes() - audit) / len(bodies),
            per_replica,
        )
    finally:
        cluster.close()


def under_load(root: Path, name: str, action: str, fault: str, seconds: float) -> Outcome:
    outcome = Outcome(name, action)
    cluster = Cluster(root, name, 3, shared_keys=fault == "rotate-live")
    pids = [p.process.pid for p, _, _ in cluster.gateways]
    try:

        async def go() -> None:
            async def breaker() -> None:
                await asyncio.sleep(5)
                if fault == "kill":
                    process, port, _ = cluster.gateways[1]
                    await asyncio.to_thread(process.kill9)
                    await asyncio.sleep(3)
                    process.restart()
                    await asyncio.to_thread(wait_for, port)
                elif fault == "postgres":
                    version = sorted(os.listdir("/etc/postgresql"))[-1]
                    await asyncio.to_thread(
                        subprocess.run, ["pg_ctlcluster", version, "main", "stop", "-m", "fast"], check=True
                    )  # fmt: skip
                    await asyncio.sleep(6)
                    await asyncio.to_thread(
                        subprocess.run, ["pg_ctlcluster", version, "main", "start"], check=True
                    )
                elif fault == "rotate":
                    for keys in (f"{OLD_KEY},{NEW_KEY}", f"{NEW_KEY},{OLD_KEY}"):
                        for number in (1, 2, 3):
                            await asyncio.to_thread(cluster.restart, number, keys)
                    cluster.keys = f"{NEW_KEY},{OLD_KEY}"
                elif fault == "rotate-live":
                    assert cluster.shared is not None
                    await asyncio.to_thread(
                        subprocess.run,
                        [sys.executable, "-m", "gateway", "keys", "rotate", "--data-dir", str(cluster.shared)],
                        cwd=ROOT, env=cluster.env(), check=True, capture_output=True,
                    )  # fmt: skip
                    for process, _, _ in cluster.gateways:
                        process.process.send_signal(signal.SIGHUP)

            await asyncio.gather(drive(lambda: [cluster.port], seconds, 16, outcome), breaker())

        asyncio.run(go())
        cluster.check(outcome, ["--vault-url", cluster.url])
        if fault in ("rotate", "rotate-live"):
            outcome.notes += rotated_everywhere(cluster)
        if fault == "rotate-live":
            same = [p.process.pid for p, _, _ in cluster.gateways] == pids
            outcome.notes.append("no replica restarted" if same else "FAIL: a replica restarted")
        twice = cluster.forwarded_twice()
        if twice:
            outcome.notes.append(f"FAIL: {twice} request(s) audited as forwarded twice")
        outcome.notes.append(cluster.audit_database())
        late = [code for start, _, code in outcome.timeline if start > outcome.timeline[-1][0] - 3]
        outcome.notes.append(f"last 3 s: {dict(Counter(late))}")
    finally:
        cluster.close()
    return outcome


def rotated_everywhere(cluster: Cluster) -> list[str]:
    """Tickets sealed with either key restore through every replica."""
    with psycopg.connect(cluster.url) as connection:
        keys = dict(
            connection.execute("SELECT key_id, count(*) FROM gateway_tokens GROUP BY key_id").fetchall()
        )  # fmt: skip
    notes = [f"rows by key: {keys}"]
    if len(keys) < 2:
        notes.append("FAIL: the rotation did not take effect")
    for number, (_, port, _) in enumerate(cluster.gateways, start=1):
        left = 0
        listed = 0
        page = 1
        while True:
            answer = httpx.get(
                f"http://127.0.0.1:{port}/api/v2/tickets.json",
                params={"page": page, "per_page": 100},
                headers={"x-request-id": f"list{number:02d}{page:06d}"},
                timeout=60,
            ).json()
            for ticket in answer["tickets"]:
                listed += 1
                left += bool(re.search(r"\bPERSON-[0-9A-Z]{8}\b", ticket["description"]))
            if not answer.get("next_page"):
                break
            page += 1
        notes.append(f"replica-{number}: {listed - left} of {listed} tickets restored")
        if left:
            notes.append(f"FAIL: replica-{number} left {left} ticket(s) unrestored")
    return notes


def same_token(root: Path) -> Outcome:
    outcome = Outcome("same-token", "one value sent 30 times through HAProxy to three replicas")
    cluster = Cluster(root, "same-token", 3)
    try:
        body = {"ticket": {"subject": "Hello", "requester": {"name": "Ada Quint", "email": "ada.quint@example.com"},
                           "comment": {"body": "It's Ada Quint again."}}}  # fmt: skip
        for number in range(30):
            answer = httpx.post(
                f"http://127.0.0.1:{cluster.port}/api/v2/tickets.json",
                json=body,
                headers={"x-request-id": f"same{number:08d}"},
                timeout=30,
            )
            outcome.sent += 1
            outcome.answers[str(answer.status_code)] += 1
        received = [r for r in cluster.received() if r["path"] == "/api/v2/tickets.json"]
        emails = {json.loads(r["body"])["ticket"]["requester"]["email"] for r in received}
        per_replica = [
            sum(1 for r in read(d / "audit") if r["event"].get("type") == "request_redacted")
            for _, _, d in cluster.gateways
        ]
        outcome.received = len(received)
        outcome.notes.append(f"{len(emails)} distinct email token(s); per replica {per_replica}")
        if len(emails) != 1 or min(per_replica) == 0:
            outcome.notes.append("FAIL: replicas minted different tokens, or one got nothing")
    finally:
        cluster.close()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--only", default="scale,kill,postgres,rotate,rotate-live,same-token")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    print(f"\nReplicas behind HAProxy on one PostgreSQL vault, {date.today()}, "
          f"{platform.machine()} {os.cpu_count()} cores, concurrency {args.concurrency}\n")  # fmt: skip
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="gateway-cluster-") as scratch:
        root = Path(scratch)
        if "scale" in wanted:
            print("| replicas | tickets/s | p50 ms | p99 ms | errors | DB transactions per ticket "
                  "| DB bytes per ticket | audit bytes per ticket | requests per replica |")  # fmt: skip
            print("|---:|---:|---:|---:|---:|---:|---:|---:|---|", flush=True)
            for replicas in (1, 2, 3):
                print(f"scale: {replicas} replica(s), {args.tickets} tickets...", file=sys.stderr)
                s = scale(root, replicas, args.tickets, args.concurrency)
                print(f"| {s.replicas} | {s.tickets_per_s:.1f} | {s.p50_ms:.1f} | {s.p99_ms:.1f} | {s.errors} "
                      f"| {s.transactions:.1f} | {s.database_bytes:.0f} | {s.audit_bytes:.0f} | {s.spread} |",
                      flush=True)  # fmt: skip
        experiments = {
            "kill": ("three replicas under load, replica-2 killed -9 at 5 s, back at 8 s", 20),
            "postgres": ("three replicas under load, PostgreSQL stopped at 5 s for 6 s", 25),
            "rotate": ("three replicas under load, the vault key rotated by a rolling restart", 60),
            "rotate-live": (
                "three replicas under load, `gateway keys rotate` on their shared key file, then SIGHUP",
                25,
            ),
        }
        for name, (action, seconds) in experiments.items():
            if name in wanted:
                print(f"{name}...", file=sys.stderr)
                try:
                    outcomes.append(under_load(root, name, action, name, seconds))
                except Exception as exc:  # noqa: BLE001 (one broken experiment must not lose the others)
                    outcomes.append(
                        Outcome(name, action, notes=[f"FAIL: {type(exc).__name__}: {exc}"])
                    )
        if "same-token" in wanted:
            print("same-token...", file=sys.stderr)
            outcomes.append(same_token(root))
    if outcomes:
        print("\n| experiment | what happened | sent | answers | vendor received | mappings lost "
              "| forwards unaudited | chains | notes |")  # fmt: skip
        print("|---|---|---:|---|---:|---:|---:|---|---|")
        for o in outcomes:
            answers = ", ".join(f"{k}: {v}" for k, v in o.answers.most_common())
            chains = {True: "verified", False: "FAILED", None: "-"}[o.chains_ok]
            print(f"| {o.name} | {o.action} | {o.sent} | {answers} | {o.received} | {o.lost} "
                  f"| {o.unaudited} | {chains} | {'; '.join(o.notes)} |")  # fmt: skip
    failed = [o.name for o in outcomes if not o.passed]
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
