"""The embedded vault backend: one SQLite file in the data directory.

* WAL journal with ``synchronous=FULL``: a commit is on disk when it returns,
  also across a power cut (``NORMAL`` can lose the last commits).
* Writers take the lock up front (``BEGIN IMMEDIATE``) and wait for each other
  up to ``busy_timeout``, so several gateway processes on one machine can share
  the file. WAL does not work on network filesystems: keep the data directory
  on a local disk.
* The connection lives in one worker thread; the event loop never blocks on disk.
* Minting is group-committed: requests whose tokens arrive while a commit runs
  share the next transaction, so a busy gateway pays one fsync per batch, not
  one per request. Each caller still returns only once its rows are on disk.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from gateway.errors import VaultError
from gateway.vault.backend import Row

T = TypeVar("T")
SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    scope TEXT NOT NULL,
    entity TEXT NOT NULL,
    fingerprint BLOB,
    key_id TEXT,
    sealed BLOB,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    purged_at INTEGER
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tokens_by_scope ON tokens (tenant, scope);
CREATE INDEX IF NOT EXISTS tokens_by_key ON tokens (key_id);
CREATE INDEX IF NOT EXISTS tokens_by_expiry ON tokens (expires_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scope_aliases (
    tenant TEXT NOT NULL,
    alias TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, alias)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
"""
_COLUMNS = (
    "token, tenant, scope, entity, fingerprint, key_id, sealed, created_at, expires_at, purged_at"
)
# SQLite allows 32766 variables per statement; stay far below.
_CHUNK = 500


class SqliteBackend:
    def __init__(self, path: Path, busy_timeout_ms: int = 10000) -> None:
        self.path = path
        self.busy_timeout_ms = busy_timeout_ms
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vault-sqlite")
        self._connection: sqlite3.Connection | None = None
        self._inserts: list[tuple[list[Row], asyncio.Future[dict[str, Row]]]] = []
        self._inserting: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"SqliteBackend({str(self.path)!r})"

    async def _run(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, operation)

    def _call(self, operation: Callable[[sqlite3.Connection], T]) -> T:
        try:
            return operation(self._connect())
        except sqlite3.Error as exc:
            # SQLite's messages name tables and conditions, never bound values.
            name = getattr(exc, "sqlite_errorname", type(exc).__name__)
            raise VaultError(f"the vault database failed ({name}: {exc})") from None
        except OSError as exc:
            raise VaultError(f"the vault database cannot be opened ({exc.strerror})") from None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            if not self.path.exists():
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            connection = sqlite3.connect(
                self.path, timeout=self.busy_timeout_ms / 1000, isolation_level=None
            )
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            # WAL is a property of the file: set once, by whoever creates it. Asking
            # for it again while another connection writes would fail with SQLITE_BUSY.
            mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                mode = self._set_wal(connection)
            if str(mode).lower() != "wal":
                raise VaultError(f"the vault database could not switch to WAL mode (got {mode})")
            connection.execute("PRAGMA synchronous = FULL")

            def create() -> None:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                    (SCHEMA_VERSION,),
                )

            self._transaction(connection, create)
            self._connection = connection
        return self._connection

    def _set_wal(self, connection: sqlite3.Connection) -> str:
        deadline = time.monotonic() + self.busy_timeout_ms / 1000
        while True:
            try:
                return str(connection.execute("PRAGMA journal_mode = WAL").fetchone()[0])
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @staticmethod
    def _transaction(connection: sqlite3.Connection, work: Callable[[], T]) -> T:
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = work()
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result

    async def insert_or_get(self, rows: Sequence[Row]) -> dict[str, Row]:
        future: asyncio.Future[dict[str, Row]] = asyncio.get_running_loop().create_future()
        self._inserts.append((list(rows), future))
        if self._inserting is None:
            # A task of its own, not the caller's: a caller that is cancelled
            # must not strand the others whose rows share its transaction.
            self._inserting = asyncio.get_running_loop().create_task(self._insert_batches())
        return await future

    async def _insert_batches(self) -> None:
        batch: list[tuple[list[Row], asyncio.Future[dict[str, Row]]]] = []
        try:
            while self._inserts:
                batch, self._inserts = self._inserts, []
                try:
                    stored = await self._insert([row for rows, _ in batch for row in rows])
                except Exception as exc:  # noqa: BLE001 (each waiting caller gets the failure)
                    _fail(batch, exc if isinstance(exc, VaultError) else _unexpected(exc))
                    continue
                for rows, future in batch:
                    if not future.done():
                        future.set_result(
                            {r.token: stored[r.token] for r in rows if r.token in stored}
                        )
        except BaseException:
            # Cancelled (shutdown) or worse: nobody may wait for ever, and no
            # caller may take a token whose commit it did not see.
            _fail(batch + self._inserts, VaultError("the vault stopped while minting"))
            self._inserts = []
            raise
        finally:
            self._inserting = None

    async def _insert(self, rows: Sequence[Row]) -> dict[str, Row]:
        def operation(connection: sqlite3.Connection) -> dict[str, Row]:
            def work() -> dict[str, Row]:
                connection.executemany(
                    f"INSERT INTO tokens ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (token) DO UPDATE SET expires_at = CASE "
                    "  WHEN tokens.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL "
                    "  ELSE max(tokens.expires_at, excluded.expires_at) END "
                    "WHERE tokens.fingerprint = excluded.fingerprint AND tokens.purged_at IS NULL",
                    [_values(row) for row in rows],
                )
                return _select(connection, [row.token for row in rows])

            return self._transaction(connection, work)

        return await self._run(operation)

    async def fetch(self, tokens: Sequence[str]) -> dict[str, Row]:
        return await self._run(lambda connection: _select(connection, tokens))

    async def purge_scope(self, tenant: str, scope: str, now: int) -> int:
        def operation(connection: sqlite3.Connection) -> int:
            return self._transaction(
                connection,
                lambda: (
                    connection.execute(
                        "UPDATE tokens SET fingerprint = NULL, key_id = NULL, sealed = NULL, purged_at = ? "
                        "WHERE tenant = ? AND scope = ? AND purged_at IS NULL",
                        (now, tenant, scope),
                    ).rowcount
                ),
            )

        return await self._run(operation)

    async def purge_expired(self, now: int) -> int:
        def operation(connection: sqlite3.Connection) -> int:
            return self._transaction(
                connection,
                lambda: (
                    connection.execute(
                        "UPDATE tokens SET fingerprint = NULL, key_id = NULL, sealed = NULL, purged_at = ? "
                        "WHERE expires_at IS NOT NULL AND expires_at <= ? AND purged_at IS NULL",
                        (now, now),
                    ).rowcount
                ),
            )

        return await self._run(operation)

    async def rows_sealed_with(self, key_ids: Sequence[str], limit: int) -> list[Row]:
        def operation(connection: sqlite3.Connection) -> list[Row]:
            marks = ", ".join("?" for _ in key_ids)
            cursor = connection.execute(
                f"SELECT {_COLUMNS} FROM tokens WHERE key_id IN ({marks}) AND purged_at IS NULL LIMIT ?",
                (*key_ids, limit),
            )
            return [Row(*record) for record in cursor.fetchall()]

        return await self._run(operation)

    async def reseal(self, updates: Sequence[tuple[str, str, bytes]]) -> None:
        def operation(connection: sqlite3.Connection) -> None:
            self._transaction(
                connection,
                lambda: connection.executemany(
                    "UPDATE tokens SET key_id = ?, sealed = ? WHERE token = ? AND purged_at IS NULL",
                    [(key_id, sealed, token) for token, key_id, sealed in updates],
                ),
            )

        await self._run(operation)

    async def bind_aliases(self, tenant: str, aliases: Sequence[str], scope: str, now: int) -> None:
        def operation(connection: sqlite3.Connection) -> None:
            def work() -> None:
                connection.executemany(
                    "INSERT INTO scope_aliases (tenant, alias, scope, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (tenant, alias) DO NOTHING",
                    [(tenant, alias, scope, now) for alias in aliases],
                )

            self._transaction(connection, work)

        if aliases:
            await self._run(operation)

    async def lookup_alias(self, tenant: str, alias: str) -> str | None:
        def operation(connection: sqlite3.Connection) -> str | None:
            row = connection.execute(
                "SELECT scope FROM scope_aliases WHERE tenant = ? AND alias = ?", (tenant, alias)
            ).fetchone()
            return None if row is None else str(row[0])

        return await self._run(operation)

    async def lookup_aliases(self, tenant: str, aliases: Sequence[str]) -> dict[str, str]:
        def operation(connection: sqlite3.Connection) -> dict[str, str]:
            found: dict[str, str] = {}
            wanted = list(dict.fromkeys(aliases))
            for start in range(0, len(wanted), 500):  # under SQLite's bound-variable limit
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for alias, scope in connection.execute(
                    f"SELECT alias, scope FROM scope_aliases WHERE tenant = ? AND alias IN ({marks})",
                    (tenant, *chunk),
                ):
                    found[str(alias)] = str(scope)
            return found

        return await self._run(operation) if aliases else {}

    async def claim(self, key: str, now: int, expires_at: int) -> bool:
        def operation(connection: sqlite3.Connection) -> bool:
            def work() -> bool:
                connection.execute(
                    "DELETE FROM claims WHERE key = ? AND expires_at <= ?", (key, now)
                )
                cursor = connection.execute(
                    "INSERT INTO claims (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                    (key, expires_at),
                )
                return cursor.rowcount == 1

            return self._transaction(connection, work)

        return await self._run(operation)

    async def release(self, key: str) -> None:
        def operation(connection: sqlite3.Connection) -> None:
            self._transaction(
                connection, lambda: connection.execute("DELETE FROM claims WHERE key = ?", (key,))
            )

        await self._run(operation)

    async def count(self) -> dict[str, int]:
        def operation(connection: sqlite3.Connection) -> dict[str, int]:
            live, purged = connection.execute(
                "SELECT count(*) FILTER (WHERE purged_at IS NULL), "
                "count(*) FILTER (WHERE purged_at IS NOT NULL) FROM tokens"
            ).fetchone()
            return {"live": int(live), "purged": int(purged)}

        return await self._run(operation)

    async def check_writable(self) -> None:
        def operation(connection: sqlite3.Connection) -> None:
            self._transaction(
                connection,
                lambda: connection.execute(
                    "INSERT INTO meta (key, value) VALUES ('last_health_check', datetime('now')) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                ),
            )

        await self._run(operation)

    async def close(self) -> None:
        if self._inserting is not None:
            await asyncio.gather(self._inserting, return_exceptions=True)

        def operation() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, operation)
        self._executor.shutdown(wait=True)


def _unexpected(exc: Exception) -> VaultError:
    return VaultError(f"the vault failed ({type(exc).__name__})")


def _fail(waiting: Sequence[tuple[object, asyncio.Future[T]]], exc: Exception) -> None:
    for _, future in waiting:
        if not future.done():
            future.set_exception(exc)


def _values(row: Row) -> tuple[object, ...]:
    return (
        row.token, row.tenant, row.scope, row.entity, row.fingerprint, row.key_id, row.sealed,
        row.created_at, row.expires_at, row.purged_at,
    )  # fmt: skip


def _select(connection: sqlite3.Connection, tokens: Sequence[str]) -> dict[str, Row]:
    found: dict[str, Row] = {}
    unique = list(dict.fromkeys(tokens))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        cursor = connection.execute(
            f"SELECT {_COLUMNS} FROM tokens WHERE token IN ({marks})", chunk
        )
        for record in cursor.fetchall():
            row = Row(*record)
            found[row.token] = row
    return found
