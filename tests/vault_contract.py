"""Vault tests written once and run against every backend.

A backend's test module subclasses :class:`VaultContract` and provides the
``make_backend`` fixture: a factory that opens the *same* store each time it is
called, as a restarted process or another replica would.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from gateway.keys.crypto import Key
from gateway.keys.keyring import Keyring
from gateway.vault import TokenRequest, Vault
from gateway.vault.backend import Backend, Row
from gateway.vault.tokens import Token, candidate_tokens, has_valid_check
from tests.conftest import make_keyring

ENTITIES = {"EMAIL": "EMAIL_ADDRESS", "PERSON": "PERSON", "PHONE": "PHONE_NUMBER"}
BackendFactory = Callable[[], Backend]


def email(value: str) -> TokenRequest:
    return TokenRequest("EMAIL_ADDRESS", "EMAIL", value.lower(), value)


class Clock:
    def __init__(self, now: float = 1_800_000_000) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.anyio
class VaultContract:
    async def open(
        self, make_backend: BackendFactory, keyring: Keyring, clock: Clock | None = None
    ) -> Vault:
        return Vault(make_backend(), keyring, clock or Clock())

    async def test_same_value_same_token_and_it_restores(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        vault = await self.open(make_backend, keyring)
        first = await vault.tokenize("acme", "T-1", [email("jane@example.com")], None)
        again = await vault.tokenize("acme", "T-1", [email("jane@example.com")], None)
        token = first[email("jane@example.com")]
        assert again[email("jane@example.com")] == token
        assert token.label == "EMAIL"
        assert has_valid_check(token.body)
        resolved = await vault.resolve("acme", [token], ENTITIES, {"T-1"})
        assert resolved[token].status == "restored"
        assert resolved[token].value == "jane@example.com"
        await vault.close()

    async def test_scope_and_tenant_change_the_token(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        vault = await self.open(make_backend, keyring)
        request = email("jane@example.com")
        a = (await vault.tokenize("acme", "T-1", [request], None))[request]
        b = (await vault.tokenize("acme", "T-2", [request], None))[request]
        c = (await vault.tokenize("globex", "T-1", [request], None))[request]
        assert len({a, b, c}) == 3
        await vault.close()

    async def test_spellings_share_a_family_and_restore_byte_for_byte(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        vault = await self.open(make_backend, keyring)
        lower, mixed = email("jane@example.com"), email("Jane@Example.COM")
        tokens = await vault.tokenize("acme", "T-1", [lower, mixed], None)
        assert tokens[lower] != tokens[mixed]
        assert tokens[lower].family == tokens[mixed].family
        resolved = await vault.resolve("acme", list(tokens.values()), ENTITIES, None)
        assert {resolved[t].value for t in tokens.values()} == {
            "jane@example.com",
            "Jane@Example.COM",
        }
        await vault.close()

    async def test_durable_across_reopen(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        vault = await self.open(make_backend, keyring)
        token = (await vault.tokenize("acme", "T-1", [email("durable@example.com")], None))[
            email("durable@example.com")
        ]
        await vault.close()
        reopened = await self.open(make_backend, keyring)
        again = (await reopened.tokenize("acme", "T-1", [email("durable@example.com")], None))[
            email("durable@example.com")
        ]
        assert again == token
        assert (await reopened.resolve("acme", [token], ENTITIES, None))[
            token
        ].value == "durable@example.com"
        await reopened.close()

    async def test_two_vaults_mint_the_same_token_without_talking(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        one, two = await self.open(make_backend, keyring), await self.open(make_backend, keyring)
        requests = [email(f"user{i}@example.com") for i in range(40)]
        a, b = await asyncio.gather(
            one.tokenize("acme", "T-1", requests, None),
            two.tokenize("acme", "T-1", requests[::-1], None),
        )
        assert a == b
        await one.close()
        await two.close()

    async def test_collision_takes_the_next_candidate(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        vault = await self.open(make_backend, keyring)
        request = email("victim@example.com")
        first = next(candidate_tokens(vault.hasher, tenant="acme", scope="T-1", entity="EMAIL_ADDRESS",
                                      label="EMAIL", normalized=request.normalized, surface=request.surface))  # fmt: skip
        squatter = Row(
            str(first), "acme", "T-1", "EMAIL_ADDRESS", b"\0" * 32, "v1", b"x" * 40, 1, None
        )
        await vault.backend.insert_or_get([squatter])
        token = (await vault.tokenize("acme", "T-1", [request], None))[request]
        assert token != first
        resolved = await vault.resolve("acme", [token], ENTITIES, None)
        assert resolved[token].value == "victim@example.com"
        await vault.close()

    async def test_statuses(self, make_backend: BackendFactory, keyring: Keyring) -> None:
        clock = Clock()
        vault = await self.open(make_backend, keyring, clock)
        kept = email("kept@example.com")
        short = email("short@example.com")
        tokens = await vault.tokenize("acme", "T-1", [kept], None)
        tokens |= await vault.tokenize("acme", "T-1", [short], 3600)
        other_scope = (await vault.tokenize("acme", "T-2", [kept], None))[kept]
        foreign = (await vault.tokenize("globex", "T-1", [kept], None))[kept]
        unknown = Token("EMAIL", "00000000")
        relabelled = Token("PERSON", tokens[kept].body)
        clock.now += 7200
        resolved = await vault.resolve(
            "acme",
            [tokens[kept], tokens[short], other_scope, foreign, unknown, relabelled],
            ENTITIES,
            {"T-1"},
        )
        assert resolved[tokens[kept]].status == "restored"
        assert resolved[tokens[short]].status == "expired"
        assert resolved[other_scope].status == "out_of_scope"
        assert resolved[foreign].status == "foreign_tenant"
        assert resolved[unknown].status == "unknown"
        assert resolved[relabelled].status == "unknown"  # the label is part of the token
        assert all(r.value is None for t, r in resolved.items() if t != tokens[kept])
        # A policy that maps the label to another entity does not get the value.
        swapped = await vault.resolve("acme", [tokens[kept]], {"EMAIL": "PERSON"}, None)
        assert swapped[tokens[kept]].status == "invalid"
        await vault.close()

    async def test_minting_again_extends_expiry(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        clock = Clock()
        vault = await self.open(make_backend, keyring, clock)
        request = email("renewed@example.com")
        token = (await vault.tokenize("acme", "T-1", [request], 3600))[request]
        clock.now += 3000
        assert (await vault.tokenize("acme", "T-1", [request], 3600))[request] == token
        clock.now += 3000
        assert (await vault.resolve("acme", [token], ENTITIES, None))[token].status == "restored"
        await vault.close()

    async def test_purge_scope_erases_values_and_is_reported(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        vault = await self.open(make_backend, keyring)
        a, b = email("a@example.com"), email("b@example.com")
        gone = await vault.tokenize("acme", "customer-1", [a, b], None)
        kept = await vault.tokenize("acme", "customer-2", [a], None)
        assert await vault.purge_scope("acme", "customer-1") == 2
        assert await vault.purge_scope("acme", "customer-1") == 0
        resolved = await vault.resolve("acme", [*gone.values(), kept[a]], ENTITIES, None)
        assert [resolved[t].status for t in gone.values()] == ["purged", "purged"]
        assert resolved[kept[a]].value == "a@example.com"
        rows = await vault.backend.fetch([str(t) for t in gone.values()])
        assert all(
            r.sealed is None and r.fingerprint is None and r.key_id is None for r in rows.values()
        )
        # The same value sent again after erasure gets a new token: the old one never comes back.
        fresh = await vault.tokenize("acme", "customer-1", [a], None)
        assert fresh[a] != gone[a]
        assert (await vault.resolve("acme", [fresh[a]], ENTITIES, None))[
            fresh[a]
        ].status == "restored"
        await vault.close()

    async def test_purge_expired(self, make_backend: BackendFactory, keyring: Keyring) -> None:
        clock = Clock()
        vault = await self.open(make_backend, keyring, clock)
        old = await vault.tokenize("acme", "T-1", [email("old@example.com")], 60)
        await vault.tokenize("acme", "T-1", [email("forever@example.com")], None)
        clock.now += 120
        assert await vault.purge_expired() == 1
        token = old[email("old@example.com")]
        assert (await vault.resolve("acme", [token], ENTITIES, None))[token].status == "purged"
        await vault.close()

    async def test_rotation_old_tokens_restore_new_ones_use_the_new_key(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        old_vault = await self.open(make_backend, keyring)
        old = await old_vault.tokenize("acme", "T-1", [email("before@example.com")], None)
        await old_vault.close()
        rotated = Keyring(keyring.token_key, (Key.generate("v2"), *keyring.vault_keys), "test")
        vault = await self.open(make_backend, rotated)
        new = await vault.tokenize("acme", "T-1", [email("after@example.com")], None)
        tokens = [*old.values(), *new.values()]
        resolved = await vault.resolve("acme", tokens, ENTITIES, None)
        assert [resolved[t].value for t in tokens] == ["before@example.com", "after@example.com"]
        rows = await vault.backend.fetch([str(t) for t in tokens])
        assert [rows[str(t)].key_id for t in tokens] == ["v1", "v2"]
        # Re-encrypt everything under v2, then v1 can be retired.
        assert await vault.rewrap(batch=1) == 1
        await vault.close()
        only_new = await self.open(
            make_backend, Keyring(keyring.token_key, rotated.vault_keys[:1], "test")
        )
        resolved = await only_new.resolve("acme", tokens, ENTITIES, None)
        assert [resolved[t].value for t in tokens] == ["before@example.com", "after@example.com"]
        await only_new.close()

    async def test_missing_key_is_reported_not_raised(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        vault = await self.open(make_backend, keyring)
        token = (await vault.tokenize("acme", "T-1", [email("x@example.com")], None))[
            email("x@example.com")
        ]
        await vault.close()
        stranger = await self.open(make_backend, make_keyring("v9"))
        assert (await stranger.resolve("acme", [token], ENTITIES, None))[
            token
        ].status == "undecryptable"
        await stranger.close()

    async def test_any_value_survives(self, make_backend: BackendFactory, keyring: Keyring) -> None:
        vault = await self.open(make_backend, keyring)
        odd = [
            "",
            " ",
            "Zoë Ünïcödé",
            "emoji 🙂",
            "line\nbreak",
            "nul\x00byte",
            "'; DROP TABLE tokens; --",
        ]
        requests = [TokenRequest("PERSON", "PERSON", v.lower(), v) for v in odd]
        tokens = await vault.tokenize("acme", "T-1", requests, None)
        resolved = await vault.resolve("acme", list(tokens.values()), ENTITIES, None)
        assert [resolved[tokens[r]].value for r in requests] == odd
        await vault.close()

    async def test_aliases_first_binding_wins(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        backend = make_backend()
        assert await backend.lookup_alias("acme", "ticket:1") is None
        await backend.bind_aliases("acme", ["ticket:1", "user:7"], "customer:a", 1)
        await backend.bind_aliases("acme", ["ticket:1", "ticket:2"], "customer:b", 2)
        await backend.bind_aliases("acme", [], "customer:c", 3)
        assert await backend.lookup_alias("acme", "ticket:1") == "customer:a"  # the first wins
        assert await backend.lookup_alias("acme", "user:7") == "customer:a"
        assert await backend.lookup_alias("acme", "ticket:2") == "customer:b"
        assert await backend.lookup_alias("acme", "ticket:1") == "customer:a"
        assert await backend.lookup_alias("globex", "ticket:1") is None
        await backend.close()

    async def test_many_aliases_are_looked_up_in_one_read(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        backend = make_backend()
        wanted = [f"ticket:{n}" for n in range(1200)]  # past SQLite's variable limit
        await backend.bind_aliases("acme", wanted[::2], "customer:a", 1)
        found = await backend.lookup_aliases("acme", [*wanted, "ticket:0"])
        assert found == dict.fromkeys(wanted[::2], "customer:a")
        assert await backend.lookup_aliases("globex", wanted) == {}
        assert await backend.lookup_aliases("acme", []) == {}
        await backend.close()

    async def test_claims_are_once_until_expiry_or_release(
        self, make_backend: BackendFactory, keyring: Keyring
    ) -> None:
        one, two = make_backend(), make_backend()
        assert await one.claim("delivery-1", now=100, expires_at=200)
        assert not await two.claim("delivery-1", now=150, expires_at=250)  # a replay
        assert await two.claim("delivery-1", now=200, expires_at=300)  # expired: claimable again
        await two.release("delivery-1")
        assert await one.claim("delivery-1", now=201, expires_at=300)
        await one.close()
        await two.close()

    async def test_health_and_counts(self, make_backend: BackendFactory, keyring: Keyring) -> None:
        vault = await self.open(make_backend, keyring)
        await vault.check_writable()
        await vault.tokenize("acme", "T-1", [email("a@example.com"), email("b@example.com")], None)
        await vault.purge_scope("acme", "T-1")
        await vault.tokenize("acme", "T-2", [email("a@example.com")], None)
        assert await vault.backend.count() == {"live": 1, "purged": 2}
        await vault.close()
