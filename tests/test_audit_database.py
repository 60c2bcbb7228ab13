"""The audit chains in PostgreSQL (the local server): written before forwarding, append-only,
read and verified across replicas, caught up after an outage, tampering found."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from gateway.audit import AuditKeys, AuditLog
from gateway.audit.database import DatabaseSink, init_database, refresh_view
from gateway.audit.verify import verify_chain
from gateway.config import Settings
from gateway.detect.detector import PresidioDetector
from gateway.errors import AuditError
from gateway.keys.crypto import Secret
from gateway.policy import load_policy
from gateway.server.app import create_app
from gateway.testing.standin import create_standin
from gateway.vault.memory import MemoryBackend
from tests.asgi import AsgiVendor
from tests.gateways import ENVIRON, TICKET

pytestmark = pytest.mark.postgres
ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("GATEWAY_TEST_POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432")
KEYS = AuditKeys(Secret(b"a" * 32))
ADMIN = "admin-key-for-audit-db-0123456789"


@pytest.fixture
def database() -> Iterator[str]:
    name = f"audit_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    yield f"{SERVER}/{name}"
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def rows(url: str) -> list[tuple[str, int]]:
    with psycopg.connect(url) as connection:
        found = connection.execute(
            "SELECT instance, seq FROM gateway_audit_records ORDER BY instance, seq"
        ).fetchall()
    return [(str(i), int(s)) for i, s in found]


@pytest.mark.anyio
async def test_replicas_write_their_chains_and_either_reads_both(
    database: str, tmp_path: Path
) -> None:
    """Two replicas, each with its own data directory: the database holds both chains
    line for line, and either replica's audit API lists and verifies both."""
    policy = load_policy(ROOT / "policies" / "zendesk.yaml")
    backend, vendor = MemoryBackend(), AsgiVendor(create_standin())
    apps = []
    for number in (1, 2):
        settings = Settings.from_environ(
            {**ENVIRON, "GATEWAY_AUDIT_URL": database, "GATEWAY_INSTANCE": f"replica-{number}",
             "GATEWAY_AUDIT_KEY": base64.b64encode(b"a" * 32).decode(),
             "GATEWAY_ADMIN_KEYS": ADMIN},
            policy=str(ROOT / "policies" / "zendesk.yaml"),
            data_dir=str(tmp_path / f"replica-{number}"),
            upstream="http://vendor",
        )  # fmt: skip
        detector = PresidioDetector(policy, None)
        apps.append(
            create_app(settings, policy, detector=detector, backend=backend, transport=vendor)
        )
    one, two = apps
    async with one.running(), two.running():
        for app in apps:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                assert (await client.post("/api/v2/tickets.json", json=TICKET)).status_code == 201
        # Written before each request went on, not at shutdown: four lines a replica
        # (chain opened, policy loaded, request redacted, response restored).
        assert len(rows(database)) == 8
        transport = httpx.ASGITransport(app=two)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
            headers = {"authorization": f"Bearer {ADMIN}"}
            events = await client.get(
                "/audit/api/events", params={"type": "request_redacted"}, headers=headers
            )
            verified = (await client.get("/audit/api/verify", headers=headers)).json()
    instances = {instance for instance, _ in rows(database)}
    assert instances == {"replica-1-1", "replica-2-1"}
    for number in (1, 2):  # the database's lines are the file's lines
        chain = tmp_path / f"replica-{number}" / "audit" / f"replica-{number}-1.log.jsonl"
        view = tmp_path / "view" / f"replica-{number}-1.log.jsonl"
        refresh_view(database, tmp_path / "view")
        assert view.read_text() == chain.read_text()
    assert events.json()["count"] == 2
    assert verified["ok"] is True
    assert sorted(c["chain"] for c in verified["chains"]) == [
        "replica-1-1.log.jsonl",
        "replica-2-1.log.jsonl",
    ]


def write(directory: Path, sink: DatabaseSink, events: int) -> AuditLog:
    async def go() -> AuditLog:
        log = AuditLog(directory, KEYS, "test", checkpoint_every=5, sink=sink)
        await log.open()
        for n in range(events):
            await log.append(Raw({"type": "request_redacted", "n": n}))
        await log.close()
        return log

    return asyncio.run(go())


class Raw:
    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields

    def record(self) -> dict[str, Any]:
        return dict(self.fields)


def test_the_tables_are_append_only_and_the_role_may_only_insert(database: str) -> None:
    init_database(database, "gateway_audit_writer")
    with psycopg.connect(database, autocommit=True) as owner:
        owner.execute(
            "INSERT INTO gateway_audit_records (instance, seq, line) VALUES ('x', 1, '{}')"
        )
        for statement in (
            "UPDATE gateway_audit_records SET line = 'changed'",
            "DELETE FROM gateway_audit_records",
            "TRUNCATE gateway_audit_records",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                owner.execute(statement)
    as_role = database.replace("postgres@", "gateway_audit_writer@")
    with psycopg.connect(as_role, autocommit=True) as writer:
        writer.execute(
            "INSERT INTO gateway_audit_records (instance, seq, line) VALUES ('x', 2, '{}')"
        )
        assert writer.execute("SELECT count(*) FROM gateway_audit_records").fetchone() == (2,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            writer.execute("DELETE FROM gateway_audit_records")


@pytest.fixture(autouse=True, scope="module")
def writer_role() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = 'gateway_audit_writer'"
        ).fetchone()
        if not exists:
            connection.execute("CREATE ROLE gateway_audit_writer LOGIN")


def test_an_outage_refuses_then_the_database_catches_up(database: str, tmp_path: Path) -> None:
    """While the database is unreachable, appends fail (the request is refused); then
    the lines it missed go in first, so its chain has no gap."""
    sink = DatabaseSink(database)
    write(tmp_path, sink, 3)

    async def during_outage() -> None:
        log = AuditLog(tmp_path, KEYS, "test", checkpoint_every=5, sink=sink)
        await log.open()
        sink.url = "postgresql://postgres@127.0.0.1:1/nowhere"  # the database goes away
        sink.close()
        with pytest.raises(AuditError):
            await log.append(Raw({"type": "request_redacted", "n": "lost?"}))
        sink.url = database  # back
        await log.check_writable()
        await log.append(Raw({"type": "request_redacted", "n": "after"}))
        await log.close()

    asyncio.run(during_outage())
    sequences = [seq for _, seq in rows(database)]
    assert sequences == list(range(1, len(sequences) + 1))  # no gap
    view = refresh_view(database, tmp_path / "view")
    verdict = verify_chain(view / "test-1.log.jsonl", KEYS.public_key, KEYS)
    assert verdict.ok, verdict.summary()
    assert verdict.records == len(sequences)


def test_a_line_changed_in_the_database_is_found(database: str, tmp_path: Path) -> None:
    write(tmp_path / "chain", DatabaseSink(database), 12)
    with psycopg.connect(database, autocommit=True) as connection:
        # Someone who can drop the trigger (a superuser) edits a record.
        connection.execute(
            "ALTER TABLE gateway_audit_records DISABLE TRIGGER gateway_audit_records_append_only"
        )
        line = connection.execute("SELECT line FROM gateway_audit_records WHERE seq = 4").fetchone()
        assert line is not None
        edited = json.loads(line[0])
        edited["event"]["n"] = 999
        connection.execute(
            "UPDATE gateway_audit_records SET line = %s WHERE seq = 4",
            (json.dumps(edited, separators=(",", ":")),),
        )
    process = subprocess.run(
        [sys.executable, "-m", "gateway", "audit", "verify", "--audit-url", database,
         "--data-dir", str(tmp_path / "reader")],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "GATEWAY_AUDIT_KEY": base64.b64encode(b"a" * 32).decode()},
    )  # fmt: skip
    assert process.returncode == 1, process.stdout + process.stderr
    assert "TAMPERED" in process.stdout
