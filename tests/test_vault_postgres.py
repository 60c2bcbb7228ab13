"""The vault contract on the PostgreSQL backend (the local server at 127.0.0.1:5432).

Each test gets its own schema, dropped afterwards. Set GATEWAY_TEST_POSTGRES_URL
to use another server.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from gateway.errors import VaultError
from gateway.vault import Vault
from gateway.vault.postgres import PostgresBackend
from tests.conftest import make_keyring
from tests.vault_contract import BackendFactory, VaultContract, email

URL = os.environ.get("GATEWAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

pytestmark = pytest.mark.postgres


@pytest.fixture
def schema() -> Iterator[str]:
    name = f"vault_test_{uuid.uuid4().hex[:12]}"
    yield name
    with psycopg.connect(URL, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


class TestPostgresVault(VaultContract):
    @pytest.fixture
    def make_backend(self, schema: str) -> BackendFactory:
        return lambda: PostgresBackend(URL, schema=schema)


@pytest.mark.anyio
async def test_replicas_agree_under_contention(schema: str) -> None:
    """Six replicas minting overlapping values at once get one token per value."""
    keyring = make_keyring()
    replicas = [Vault(PostgresBackend(URL, schema=schema), keyring) for _ in range(6)]
    values = [email(f"user{i}@example.com") for i in range(50)]
    results = await asyncio.gather(
        *(
            v.tokenize("acme", "T-1", values[i * 5 :] + values[: i * 5], None)
            for i, v in enumerate(replicas)
        )
    )
    assert all(r == results[0] for r in results)
    assert await replicas[0].backend.count() == {"live": 50, "purged": 0}
    for replica in replicas:
        await replica.close()


@pytest.mark.anyio
async def test_unreachable_server_is_a_vault_error() -> None:
    vault = Vault(
        PostgresBackend("postgresql://postgres@127.0.0.1:1/test", open_timeout=1.0), make_keyring()
    )
    with pytest.raises(VaultError, match="unavailable"):
        await vault.tokenize("acme", "T-1", [email("canary.pg@example.com")], None)
    await vault.close()


def test_repr_hides_the_url() -> None:
    assert "secret" not in repr(PostgresBackend("postgresql://user:secret@127.0.0.1/test"))
