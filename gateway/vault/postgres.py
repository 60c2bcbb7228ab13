"""The shared vault backend: PostgreSQL, for several gateway replicas.

Durability comes from PostgreSQL's own commit (never run the vault with
``synchronous_commit = off``; the backend sets it ``on`` for its sessions).
``insert_or_get`` is one ``INSERT ... ON CONFLICT`` and one ``SELECT`` in a
transaction, so replicas minting the same token at once agree on one row.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg_pool import AsyncConnectionPool

from gateway.errors import VaultError
from gateway.vault.backend import Row

_SCHEMA = """
CREATE TABLE IF NOT EXISTS gateway_tokens (
    token TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    scope TEXT NOT NULL,
    entity TEXT NOT NULL,
    fingerprint BYTEA,
    key_id TEXT,
    sealed BYTEA,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    purged_at BIGINT
);
CREATE INDEX IF NOT EXISTS gateway_tokens_by_scope ON gateway_tokens (tenant, scope);
CREATE INDEX IF NOT EXISTS gateway_tokens_by_key ON gateway_tokens (key_id);
CREATE INDEX IF NOT EXISTS gateway_tokens_by_expiry ON gateway_tokens (expires_at);
CREATE TABLE IF NOT EXISTS gateway_scope_aliases (
    tenant TEXT NOT NULL,
    alias TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (tenant, alias)
);
CREATE TABLE IF NOT EXISTS gateway_claims (key TEXT PRIMARY KEY, expires_at BIGINT NOT NULL);
"""
_COLUMNS = (
    "token, tenant, scope, entity, fingerprint, key_id, sealed, created_at, expires_at, purged_at"
)


class PostgresBackend:
    def __init__(
        self,
        url: str,
        schema: str | None = None,
        min_size: int = 1,
        max_size: int = 8,
        open_timeout: float = 10.0,
    ) -> None:
        """``schema`` keeps the vault's table in its own PostgreSQL schema (created if missing)."""
        if schema is not None and not schema.replace("_", "").isalnum():
            raise VaultError("a vault schema name may hold letters, digits and underscores only")
        self.url = url
        self.schema = schema
        options = "-c synchronous_commit=on"
        if schema is not None:
            options += f" -c search_path={schema}"
        self._pool = AsyncConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            open=False,
            kwargs={"autocommit": False, "options": options},
        )
        self._ready = False
        self.open_timeout = open_timeout

    def __repr__(self) -> str:
        # The URL may carry a password.
        return "PostgresBackend(<url hidden>)"

    async def _setup(self) -> None:
        if self._ready:
            return
        try:
            await self._pool.open(wait=True, timeout=self.open_timeout)
            async with self._pool.connection() as connection:
                # Several replicas may start at once; serialise the schema creation.
                await connection.execute("SELECT pg_advisory_xact_lock(7262736001)")
                if self.schema is not None:
                    await connection.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
                await connection.execute(_SCHEMA)
        except (psycopg.Error, TimeoutError) as exc:
            raise VaultError(
                f"the PostgreSQL vault is unavailable ({type(exc).__name__})"
            ) from None
        self._ready = True

    async def _rows(self, query: str, params: Sequence[object]) -> list[Row]:
        await self._setup()
        try:
            async with self._pool.connection() as connection:
                cursor = await connection.execute(query, params)
                return [Row(*record) for record in await cursor.fetchall()]
        except psycopg.Error as exc:
            raise VaultError(f"the PostgreSQL vault failed ({type(exc).__name__})") from None

    async def _count(self, query: str, params: Sequence[object]) -> int:
        await self._setup()
        try:
            async with self._pool.connection() as connection:
                cursor = await connection.execute(query, params)
                return int(cursor.rowcount)
        except psycopg.Error as exc:
            raise VaultError(f"the PostgreSQL vault failed ({type(exc).__name__})") from None

    async def insert_or_get(self, rows: Sequence[Row]) -> dict[str, Row]:
        # Replicas inserting the same tokens lock them in one order (sorted), so
        # they cannot deadlock; a deadlock the server still reports is retried.
        ordered = sorted(rows, key=lambda r: r.token)
        attempts = 0
        while True:
            try:
                return await self._insert_or_get(ordered)
            except psycopg.errors.DeadlockDetected:
                attempts += 1
                if attempts == 3:
                    raise VaultError("the PostgreSQL vault failed (DeadlockDetected)") from None

    async def _insert_or_get(self, rows: Sequence[Row]) -> dict[str, Row]:
        await self._setup()
        try:
            async with self._pool.connection() as connection, connection.cursor() as cursor:
                await cursor.executemany(
                    f"INSERT INTO gateway_tokens ({_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                    "ON CONFLICT (token) DO UPDATE SET expires_at = CASE "
                    "  WHEN gateway_tokens.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL "
                    "  ELSE greatest(gateway_tokens.expires_at, excluded.expires_at) END "
                    "WHERE gateway_tokens.fingerprint = excluded.fingerprint AND gateway_tokens.purged_at IS NULL",
                    [
                        (
                            r.token,
                            r.tenant,
                            r.scope,
                            r.entity,
                            r.fingerprint,
                            r.key_id,
                            r.sealed,
                            r.created_at,
                            r.expires_at,
                            r.purged_at,
                        )
                        for r in rows
                    ],
                )
                await cursor.execute(
                    f"SELECT {_COLUMNS} FROM gateway_tokens WHERE token = ANY(%s)",
                    ([r.token for r in rows],),
                )
                found = {
                    row.token: row for row in (Row(*record) for record in await cursor.fetchall())
                }
        except psycopg.Error as exc:
            if isinstance(exc, psycopg.errors.DeadlockDetected):
                raise
            raise VaultError(f"the PostgreSQL vault failed ({type(exc).__name__})") from None
        return found

    async def fetch(self, tokens: Sequence[str]) -> dict[str, Row]:
        rows = await self._rows(
            f"SELECT {_COLUMNS} FROM gateway_tokens WHERE token = ANY(%s)", (list(tokens),)
        )
        return {row.token: row for row in rows}

    async def purge_scope(self, tenant: str, scope: str, now: int) -> int:
        return await self._count(
            "UPDATE gateway_tokens SET fingerprint = NULL, key_id = NULL, sealed = NULL, purged_at = %s "
            "WHERE tenant = %s AND scope = %s AND purged_at IS NULL",
            (now, tenant, scope),
        )

    async def purge_expired(self, now: int) -> int:
        return await self._count(
            "UPDATE gateway_tokens SET fingerprint = NULL, key_id = NULL, sealed = NULL, purged_at = %s "
            "WHERE expires_at IS NOT NULL AND expires_at <= %s AND purged_at IS NULL",
            (now, now),
        )

    async def rows_sealed_with(self, key_ids: Sequence[str], limit: int) -> list[Row]:
        return await self._rows(
            f"SELECT {_COLUMNS} FROM gateway_tokens WHERE key_id = ANY(%s) AND purged_at IS NULL LIMIT %s",
            (list(key_ids), limit),
        )

    async def reseal(self, updates: Sequence[tuple[str, str, bytes]]) -> None:
        await self._setup()
        try:
            async with self._pool.connection() as connection, connection.cursor() as cursor:
                await cursor.executemany(
                    "UPDATE gateway_tokens SET key_id = %s, sealed = %s WHERE token = %s AND purged_at IS NULL",
                    [(key_id, sealed, token) for token, key_id, sealed in updates],
                )
        except psycopg.Error as exc:
            raise VaultError(f"the PostgreSQL vault failed ({type(exc).__name__})") from None

    async def _scalar(self, statements: Sequence[tuple[str, Sequence[object]]]) -> object:
        """Run ``statements`` in one transaction; the first column of the last one's first row."""
        await self._setup()
        try:
            async with self._pool.connection() as connection:
                cursor = None
                for query, params in statements:
                    cursor = await connection.execute(query, params)
                assert cursor is not None
                if cursor.description is None:
                    return cursor.rowcount
                record = await cursor.fetchone()
                return None if record is None else record[0]
        except psycopg.Error as exc:
            raise VaultError(f"the PostgreSQL vault failed ({type(exc).__name__})") from None

    async def bind_aliases(self, tenant: str, aliases: Sequence[str], scope: str, now: int) -> None:
        if aliases:
            await self._scalar(
                [
                    (
                        "INSERT INTO gateway_scope_aliases (tenant, alias, scope, created_at) "
                        "SELECT %s, alias, %s, %s FROM unnest(%s::text[]) AS alias "
                        "ON CONFLICT (tenant, alias) DO NOTHING",
                        (tenant, scope, now, list(aliases)),
                    )
                ]
            )

    async def lookup_alias(self, tenant: str, alias: str) -> str | None:
        found = await self._scalar(
            [
                (
                    "SELECT scope FROM gateway_scope_aliases WHERE tenant = %s AND alias = %s",
                    (tenant, alias),
                )
            ]
        )
        return None if found is None else str(found)

    async def lookup_aliases(self, tenant: str, aliases: Sequence[str]) -> dict[str, str]:
        if not aliases:
            return {}
        await self._setup()
        try:
            async with self._pool.connection() as connection:
                cursor = await connection.execute(
                    "SELECT alias, scope FROM gateway_scope_aliases "
                    "WHERE tenant = %s AND alias = ANY(%s)",
                    (tenant, list(aliases)),
                )
                return {str(alias): str(scope) for alias, scope in await cursor.fetchall()}
        except psycopg.Error as exc:
            raise VaultError(f"the PostgreSQL vault failed ({type(exc).__name__})") from None

    async def claim(self, key: str, now: int, expires_at: int) -> bool:
        inserted = await self._scalar(
            [
                ("DELETE FROM gateway_claims WHERE key = %s AND expires_at <= %s", (key, now)),
                (
                    "INSERT INTO gateway_claims (key, expires_at) VALUES (%s, %s) ON CONFLICT (key) DO NOTHING",
                    (key, expires_at),
                ),
            ]
        )
        return inserted == 1

    async def release(self, key: str) -> None:
        await self._scalar([("DELETE FROM gateway_claims WHERE key = %s", (key,))])

    async def count(self) -> dict[str, int]:
        await self._setup()
        try:
            async with self._pool.connection() as connection:
                cursor = await connection.execute(
                    "SELECT count(*) FILTER (WHERE purged_at IS NULL), "
                    "count(*) FILTER (WHERE purged_at IS NOT NULL) FROM gateway_tokens"
                )
                record = await cursor.fetchone()
        except psycopg.Error as exc:
            raise VaultError(f"the PostgreSQL vault failed ({type(exc).__name__})") from None
        assert record is not None
        return {"live": int(record[0]), "purged": int(record[1])}

    async def check_writable(self) -> None:
        await self._setup()
        try:
            async with self._pool.connection() as connection:
                await connection.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS gateway_health (at BIGINT)"
                )
                await connection.execute("INSERT INTO gateway_health VALUES (1)")
                await connection.execute(
                    "SELECT 1 FROM gateway_tokens LIMIT 1 FOR UPDATE SKIP LOCKED"
                )
        except psycopg.Error as exc:
            raise VaultError(
                f"the PostgreSQL vault is not writable ({type(exc).__name__})"
            ) from None

    async def close(self) -> None:
        await self._pool.close()
