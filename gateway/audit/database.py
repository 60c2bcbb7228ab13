"""The audit chains in PostgreSQL: one place for every replica's trail.

With ``GATEWAY_AUDIT_URL`` set, every line a gateway writes to its chain (and
every signed checkpoint) is also inserted into PostgreSQL, in the same step
and before the request it records goes on: the database holds each
replica's chain, line for line, hash links and MACs included. The file chain
stays, the embedded default and the local copy; the database is where a
security team reads all of them.

The tables are append-only: a trigger refuses ``UPDATE``, ``DELETE`` and
``TRUNCATE`` for everyone but a superuser who drops it, and ``gateway audit
init-db --role NAME`` grants the gateway's role ``INSERT`` and ``SELECT``
only. Whoever gets past that still cannot change a line unseen: the chain's
hashes, MACs and signed checkpoints are verified as for files.

Readers (``gateway audit ... --audit-url``, the audit page) copy the
database's lines into a view directory, one chain file per instance, added
to as the database grows, and read that with the same code as files.

A line the database refused (it was down) is kept and inserted before the
next one, so the database's chain has no gap; a gateway that starts finds
its chain's lines missing from the database in its files and inserts them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import psycopg

from gateway.audit import files
from gateway.errors import AuditError

SCHEMA = """
CREATE TABLE IF NOT EXISTS gateway_audit_records (
    instance text NOT NULL,
    seq bigint NOT NULL,
    line text NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (instance, seq)
);
CREATE TABLE IF NOT EXISTS gateway_audit_checkpoints (
    instance text NOT NULL,
    seq bigint NOT NULL,
    line text NOT NULL,
    PRIMARY KEY (instance, seq)
);
CREATE OR REPLACE FUNCTION gateway_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END $$;
"""

_TABLES = ("gateway_audit_records", "gateway_audit_checkpoints")
# Per table: no row changed or deleted, the table never truncated.
TRIGGERS = "".join(
    f"""
CREATE OR REPLACE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION gateway_audit_append_only();
CREATE OR REPLACE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION gateway_audit_append_only();
"""
    for table in _TABLES
)


def init_database(url: str, role: str | None = None) -> None:
    """Create the tables and their triggers; with ``role``, let it only insert and read."""
    if role is not None and not role.replace("_", "").isalnum():
        raise AuditError(f"'{role}' is not a plain role name")
    try:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(SCHEMA + TRIGGERS)
            if role is not None:
                for table in _TABLES:
                    connection.execute(f'REVOKE ALL ON {table} FROM "{role}"')
                    connection.execute(f'GRANT SELECT, INSERT ON {table} TO "{role}"')
    except psycopg.Error as exc:
        raise AuditError(f"the audit database could not be set up ({type(exc).__name__})") from None


class DatabaseSink:
    """Inserts a chain's lines into PostgreSQL, from the audit log's own thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None
        self._records: list[tuple[str, int, str]] = []  # not yet in the database
        self._checkpoints: list[tuple[str, int, str]] = []

    def open(self, directory: Path, instance: str) -> None:
        """Connect, create the tables if need be, and send what the files hold and the
        database lacks (lines written while it was unreachable)."""
        if not self._fetch_one("SELECT to_regclass('gateway_audit_records') IS NOT NULL", None):
            init_database(self.url)  # first use; `gateway audit init-db` does it with grants
        last = self._fetch_one(
            "SELECT coalesce(max(seq), 0) FROM gateway_audit_records WHERE instance = %s",
            instance,
        )
        last_checkpoint = self._fetch_one(
            "SELECT coalesce(max(seq), 0) FROM gateway_audit_checkpoints WHERE instance = %s",
            instance,
        )
        for segment in files.segments_of(files.active(directory, instance)):
            if segment.exists():
                self._records += [(instance, s, line) for s, line in _lines(segment) if s > last]
        checkpoint_file = files.checkpoints(directory, instance)
        if checkpoint_file.exists():
            self._checkpoints += [
                (instance, s, line) for s, line in _lines(checkpoint_file) if s > last_checkpoint
            ]
        self.flush()

    def add(self, instance: str, lines: Sequence[str], first_seq: int) -> None:
        self._records += [(instance, first_seq + i, line) for i, line in enumerate(lines)]

    def add_checkpoint(self, instance: str, seq: int, line: str) -> None:
        self._checkpoints.append((instance, seq, line))

    def flush(self) -> None:
        """Insert everything pending in one transaction; raises :class:`OSError` if it
        cannot (the caller refuses the request, and the lines stay pending)."""
        if not self._records and not self._checkpoints:
            return
        try:
            connection = self._connect()
            with connection.transaction(), connection.cursor() as cursor:
                if self._records:
                    cursor.executemany(
                        "INSERT INTO gateway_audit_records (instance, seq, line) "
                        "VALUES (%s, %s, %s) ON CONFLICT (instance, seq) DO NOTHING",
                        self._records,
                    )
                if self._checkpoints:
                    cursor.executemany(
                        "INSERT INTO gateway_audit_checkpoints (instance, seq, line) "
                        "VALUES (%s, %s, %s) ON CONFLICT (instance, seq) DO NOTHING",
                        self._checkpoints,
                    )
        except psycopg.Error as exc:
            self.close()  # a broken connection is opened again next time
            raise OSError(
                f"the audit database refused the records ({type(exc).__name__})"
            ) from None
        self._records, self._checkpoints = [], []

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self.url, connect_timeout=5)
        return self._connection

    def _fetch_one(self, query: str, instance: str | None) -> int:
        try:
            params = (instance,) if instance is not None else ()
            row = self._connect().execute(query, params).fetchone()
            self._connect().commit()
        except psycopg.Error as exc:
            self.close()
            raise OSError(f"the audit database cannot be read ({type(exc).__name__})") from None
        value = row[0] if row else 0
        return int(value) if isinstance(value, int) else 0  # a count, or a bool


def refresh_view(url: str, view: Path) -> Path:
    """Bring ``view`` (a directory of chain files) up to date with the database; return it.

    Each instance's chain is one file, written in sequence order; only lines
    newer than the file's last one are fetched.
    """
    view.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        with psycopg.connect(url, connect_timeout=5) as connection:
            for table, suffix in (
                ("gateway_audit_records", files.LOG_SUFFIX),
                ("gateway_audit_checkpoints", files.CHECKPOINT_SUFFIX),
            ):
                instances = [
                    str(r[0])
                    for r in connection.execute(f"SELECT DISTINCT instance FROM {table}").fetchall()
                ]
                for instance in instances:
                    if not _safe_name(instance):
                        continue
                    path = view / f"{instance}{suffix}"
                    have = _last_seq(path)
                    rows = connection.execute(
                        f"SELECT line FROM {table} WHERE instance = %s AND seq > %s ORDER BY seq",
                        (instance, have),
                    ).fetchall()
                    if rows:
                        with path.open("a", encoding="utf-8") as handle:
                            handle.writelines(f"{row[0]}\n" for row in rows)
    except psycopg.Error as exc:
        raise AuditError(f"the audit database cannot be read ({type(exc).__name__})") from None
    return view


def _lines(path: Path) -> list[tuple[int, str]]:
    found = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            found.append((int(json.loads(line)["seq"]), line))
        except (ValueError, KeyError, TypeError):
            continue  # a torn last line: the writer repairs it and records the repair
    return found


def _last_seq(path: Path) -> int:
    if not path.exists() or path.stat().st_size == 0:
        return 0
    return int(json.loads(files.last_line(path))["seq"])


def _safe_name(instance: str) -> bool:
    return bool(instance) and "/" not in instance and not instance.startswith(".")
