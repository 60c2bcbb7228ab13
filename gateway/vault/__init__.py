"""The vault: token -> value, encrypted at rest, behind a small storage interface.

:class:`Vault` owns the cryptography (through ``gateway.crypto``) and the
get-or-create logic; a :class:`~gateway.vault.backend.Backend` only stores
rows. ``SqliteBackend`` is the embedded default; ``PostgresBackend`` lets
several gateway replicas share one vault.

A mapping is durable before ``tokenize`` returns its token: callers hand a
token to a vendor only after that.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from gateway.errors import CryptoError, VaultError
from gateway.keys.crypto import Cipher, Sealed, TokenHasher, encode_parts
from gateway.keys.keyring import Keyring
from gateway.vault.backend import Backend, Row
from gateway.vault.tokens import MAX_COLLISION_RETRIES, Token, candidate_tokens

# What became of a token on its way back (restore reports one per token seen).
Status = Literal[
    "restored", "unknown", "invalid", "foreign_tenant", "out_of_scope", "purged", "expired",
    "undecryptable",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """A value to tokenize. ``surface`` is the exact text; ``normalized`` decides the family."""

    entity: str
    label: str
    normalized: str = field(repr=False)
    surface: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Resolution:
    status: Status
    entity: str | None = None
    scope: str | None = None
    value: str | None = field(default=None, repr=False)


class Vault:
    def __init__(
        self,
        backend: Backend,
        keyring: Keyring,
        clock: Callable[[], float] = time.time,
        reload_keyring: Callable[[], Keyring] | None = None,
    ) -> None:
        self.backend = backend
        self.clock = clock
        self._reload = reload_keyring
        self._use(keyring)

    def _use(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self.hasher = TokenHasher(keyring.token_key)
        self.cipher = Cipher(keyring.vault_keys)

    def __repr__(self) -> str:
        return f"Vault({self.backend!r}, {self.cipher!r})"

    def reload_keys(self) -> None:
        """Read the keys again (``SIGHUP``): a key added by a rotation encrypts new values
        from now on; the older ones still decrypt."""
        if self._reload is not None:
            self._use(self._reload())

    async def tokenize(
        self, tenant: str, scope: str, requests: Sequence[TokenRequest], ttl: int | None
    ) -> dict[TokenRequest, Token]:
        """Get or create the token of each request; every mapping is durable on return."""
        now = int(self.clock())
        expires = now + ttl if ttl else None
        unique = list(dict.fromkeys(requests))
        candidates = {
            r: candidate_tokens(
                self.hasher, tenant=tenant, scope=scope, entity=r.entity, label=r.label,
                normalized=r.normalized, surface=r.surface,
            )
            for r in unique
        }  # fmt: skip
        current = {r: next(candidates[r]) for r in unique}
        minted: dict[TokenRequest, Token] = {}
        for _ in range(MAX_COLLISION_RETRIES):
            pending = [r for r in unique if r not in minted]
            if not pending:
                break
            rows = {r: self._row(tenant, scope, r, current[r], now, expires) for r in pending}
            stored = await self.backend.insert_or_get(list(rows.values()))
            for request, row in rows.items():
                found = stored.get(row.token)
                if found is not None and _same_value(found, row):
                    minted[request] = current[request]
                else:  # the candidate belongs to another value: take the next one
                    current[request] = next(candidates[request])
        if len(minted) != len(unique):
            raise VaultError("could not mint a unique token after repeated collisions")
        return minted

    def _row(
        self,
        tenant: str,
        scope: str,
        request: TokenRequest,
        token: Token,
        now: int,
        expires: int | None,
    ) -> Row:
        sealed = self.cipher.encrypt(
            request.surface, _aad(str(token), tenant, scope, request.entity)
        )
        return Row(
            token=str(token),
            tenant=tenant,
            scope=scope,
            entity=request.entity,
            fingerprint=self.hasher.fingerprint((tenant, scope, request.entity, request.surface)),
            key_id=sealed.key_id,
            sealed=sealed.blob,
            created_at=now,
            expires_at=expires,
        )

    async def resolve(
        self,
        tenant: str,
        tokens: Sequence[Token],
        entities: Mapping[str, str],
        scopes: Collection[str] | None,
    ) -> dict[Token, Resolution]:
        """Look up ``tokens`` for ``tenant``. ``entities`` maps token labels to entity names;
        ``scopes`` limits which scopes may be restored (``None``: any of the tenant's)."""
        now = int(self.clock())
        rows = await self.backend.fetch([str(t) for t in tokens])
        results: dict[Token, Resolution] = {}
        for token in dict.fromkeys(tokens):
            row = rows.get(str(token))
            if row is None:
                results[token] = Resolution("unknown")
            elif row.tenant != tenant:
                results[token] = Resolution("foreign_tenant")
            elif entities.get(token.label) != row.entity:
                results[token] = Resolution("invalid")
            elif scopes is not None and row.scope not in scopes:
                results[token] = Resolution("out_of_scope", row.entity, row.scope)
            elif row.purged_at is not None or row.sealed is None or row.key_id is None:
                results[token] = Resolution("purged", row.entity, row.scope)
            elif row.expires_at is not None and row.expires_at <= now:
                results[token] = Resolution("expired", row.entity, row.scope)
            else:
                results[token] = self._open(row)
        return results

    def _open(self, row: Row) -> Resolution:
        assert row.key_id is not None
        assert row.sealed is not None
        aad = _aad(row.token, row.tenant, row.scope, row.entity)
        if row.key_id not in self.cipher.key_ids and self._reload is not None:
            self._use(self._reload())  # another process rotated keys since we loaded them
        try:
            value = self.cipher.decrypt(Sealed(row.key_id, row.sealed), aad)
        except CryptoError:
            return Resolution("undecryptable", row.entity, row.scope)
        return Resolution("restored", row.entity, row.scope, value)

    async def purge_scope(self, tenant: str, scope: str) -> int:
        return await self.backend.purge_scope(tenant, scope, int(self.clock()))

    async def purge_expired(self) -> int:
        return await self.backend.purge_expired(int(self.clock()))

    async def rewrap(self, batch: int = 500, progress: Callable[[int], None] | None = None) -> int:
        """Re-encrypt every value still under an older vault key with the active one."""
        old = [k for k in self.cipher.key_ids if k != self.cipher.active_key_id]
        done = 0
        while old:
            rows = await self.backend.rows_sealed_with(old, batch)
            if not rows:
                break
            updates = []
            for row in rows:
                assert row.key_id is not None
                assert row.sealed is not None
                aad = _aad(row.token, row.tenant, row.scope, row.entity)
                try:
                    value = self.cipher.decrypt(Sealed(row.key_id, row.sealed), aad)
                except CryptoError:
                    raise VaultError(
                        f"token {row.token} cannot be decrypted with key {row.key_id}; nothing was changed "
                        "for it, and rotation stopped"
                    ) from None
                sealed = self.cipher.encrypt(value, aad)
                updates.append((row.token, sealed.key_id, sealed.blob))
            await self.backend.reseal(updates)
            done += len(updates)
            if progress is not None:
                progress(done)
        return done

    async def check_writable(self) -> None:
        await self.backend.check_writable()

    async def close(self) -> None:
        await self.backend.close()


def _aad(token: str, tenant: str, scope: str, entity: str) -> bytes:
    return encode_parts(("gateway/vault/row/v1", token, tenant, scope, entity))


def _same_value(stored: Row, wanted: Row) -> bool:
    return (
        stored.fingerprint is not None
        and wanted.fingerprint is not None
        and hmac.compare_digest(stored.fingerprint, wanted.fingerprint)
        and (stored.tenant, stored.scope, stored.entity)
        == (wanted.tenant, wanted.scope, wanted.entity)
    )
