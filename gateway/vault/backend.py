"""The storage interface vault backends implement, and the row they store.

A backend stores opaque rows: it never sees a key or a plaintext value. The
:class:`~gateway.vault.Vault` in front of it encrypts, fingerprints and
decides about collisions; the backend only has to make ``insert_or_get``
atomic and durable. The contract tests in ``tests/vault_contract.py`` run
against every backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Row:
    """One token mapping as stored. ``fingerprint``, ``key_id`` and ``sealed`` are
    ``None`` once the row is purged: only the fact that the token existed remains."""

    token: str
    tenant: str
    scope: str
    entity: str
    fingerprint: bytes | None = field(repr=False)
    key_id: str | None
    sealed: bytes | None = field(repr=False)
    created_at: int
    expires_at: int | None
    purged_at: int | None = None


class Backend(Protocol):
    """Durable storage of rows, keyed by token."""

    async def insert_or_get(self, rows: Sequence[Row]) -> dict[str, Row]:
        """Insert each row whose token is not stored yet; return what is stored for every token.

        One transaction: when this returns, every inserted row is durable. For a
        token that already exists with the same fingerprint, the stored expiry
        is extended to the later of the two (``None`` meaning never).
        """
        ...

    async def fetch(self, tokens: Sequence[str]) -> dict[str, Row]:
        """The stored rows for those of ``tokens`` that exist."""
        ...

    async def purge_scope(self, tenant: str, scope: str, now: int) -> int:
        """Erase the values of every live row of ``tenant``/``scope``; return how many."""
        ...

    async def purge_expired(self, now: int) -> int:
        """Erase the values of every row whose expiry has passed; return how many."""
        ...

    async def rows_sealed_with(self, key_ids: Sequence[str], limit: int) -> list[Row]:
        """Up to ``limit`` live rows encrypted under any of ``key_ids`` (for re-encryption)."""
        ...

    async def reseal(self, updates: Sequence[tuple[str, str, bytes]]) -> None:
        """Replace ``(token, key_id, sealed)`` for live rows, in one durable transaction."""
        ...

    async def bind_aliases(self, tenant: str, aliases: Sequence[str], scope: str, now: int) -> None:
        """Record that each of ``aliases`` names ``scope``, unless it already names one (the
        first binding wins), in one durable transaction."""
        ...

    async def lookup_alias(self, tenant: str, alias: str) -> str | None:
        """The scope ``alias`` names, if any."""
        ...

    async def lookup_aliases(self, tenant: str, aliases: Sequence[str]) -> dict[str, str]:
        """The scopes the bound ones of ``aliases`` name, in one read (a list of records)."""
        ...

    async def claim(self, key: str, now: int, expires_at: int) -> bool:
        """Claim ``key`` once (a webhook delivery); False if it is already claimed and not expired."""
        ...

    async def release(self, key: str) -> None:
        """Give up a claim (the delivery failed and may be retried)."""
        ...

    async def count(self) -> dict[str, int]:
        """Counts of live and purged rows, for ``gateway vault stats`` and health checks."""
        ...

    async def check_writable(self) -> None:
        """Raise :class:`~gateway.errors.VaultError` unless a write can be made now."""
        ...

    async def close(self) -> None: ...
