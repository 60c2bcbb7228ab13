"""A vault backend in memory: the same contract as SQLite and PostgreSQL, for tests.

It passes the vault contract tests (``tests/vault_contract.py``), so code
tested against it behaves the same on the durable backends. It is never
durable: the gateway's own commands never choose it, a test builds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from gateway.errors import VaultError
from gateway.vault.backend import Row


@dataclass
class MemoryStore:
    """What the backends of one store share, as one database would."""

    rows: dict[str, Row] = field(default_factory=dict)
    aliases: dict[tuple[str, str], str] = field(default_factory=dict)
    claims: dict[str, int] = field(default_factory=dict)


class MemoryBackend:
    """One connection to a :class:`MemoryStore` (its own, unless given one to share)."""

    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store or MemoryStore()
        self.rows = self.store.rows
        self.aliases = self.store.aliases
        self.claims = self.store.claims
        self.closed = False

    def __repr__(self) -> str:
        return f"MemoryBackend({len(self.rows)} rows)"

    def _open(self) -> None:
        if self.closed:
            raise VaultError("the vault is closed")

    async def insert_or_get(self, rows: Sequence[Row]) -> dict[str, Row]:
        self._open()
        for row in rows:
            stored = self.rows.get(row.token)
            if stored is None:
                self.rows[row.token] = row
            elif stored.fingerprint == row.fingerprint and stored.purged_at is None:
                later = (
                    None
                    if stored.expires_at is None or row.expires_at is None
                    else max(stored.expires_at, row.expires_at)
                )
                self.rows[row.token] = replace(stored, expires_at=later)
        return {r.token: self.rows[r.token] for r in rows}

    async def fetch(self, tokens: Sequence[str]) -> dict[str, Row]:
        self._open()
        return {t: self.rows[t] for t in tokens if t in self.rows}

    def _purge(self, row: Row, now: int) -> Row:
        return replace(row, fingerprint=None, key_id=None, sealed=None, purged_at=now)

    async def purge_scope(self, tenant: str, scope: str, now: int) -> int:
        self._open()
        hit = [
            t
            for t, r in self.rows.items()
            if r.tenant == tenant and r.scope == scope and r.purged_at is None
        ]
        for token in hit:
            self.rows[token] = self._purge(self.rows[token], now)
        return len(hit)

    async def purge_expired(self, now: int) -> int:
        self._open()
        hit = [
            t
            for t, r in self.rows.items()
            if r.expires_at is not None and r.expires_at <= now and r.purged_at is None
        ]
        for token in hit:
            self.rows[token] = self._purge(self.rows[token], now)
        return len(hit)

    async def rows_sealed_with(self, key_ids: Sequence[str], limit: int) -> list[Row]:
        self._open()
        found = [r for r in self.rows.values() if r.key_id in key_ids and r.purged_at is None]
        return found[:limit]

    async def reseal(self, updates: Sequence[tuple[str, str, bytes]]) -> None:
        self._open()
        for token, key_id, sealed in updates:
            row = self.rows.get(token)
            if row is not None and row.purged_at is None:
                self.rows[token] = replace(row, key_id=key_id, sealed=sealed)

    async def bind_aliases(self, tenant: str, aliases: Sequence[str], scope: str, now: int) -> None:
        self._open()
        for alias in aliases:
            self.aliases.setdefault((tenant, alias), scope)

    async def lookup_alias(self, tenant: str, alias: str) -> str | None:
        self._open()
        return self.aliases.get((tenant, alias))

    async def lookup_aliases(self, tenant: str, aliases: Sequence[str]) -> dict[str, str]:
        self._open()
        return {a: self.aliases[(tenant, a)] for a in aliases if (tenant, a) in self.aliases}

    async def claim(self, key: str, now: int, expires_at: int) -> bool:
        self._open()
        held = self.claims.get(key)
        if held is not None and held > now:
            return False
        self.claims[key] = expires_at
        return True

    async def release(self, key: str) -> None:
        self._open()
        self.claims.pop(key, None)

    async def count(self) -> dict[str, int]:
        self._open()
        purged = sum(1 for r in self.rows.values() if r.purged_at is not None)
        return {"live": len(self.rows) - purged, "purged": purged}

    async def check_writable(self) -> None:
        self._open()

    async def close(self) -> None:
        self.closed = True
