"""The vault contract on the embedded SQLite backend, plus what only SQLite has to prove."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.errors import VaultError
from gateway.keyring import load_keyring
from gateway.vault import Vault
from gateway.vault.sqlite import SqliteBackend
from tests.conftest import make_keyring
from tests.vault_contract import ENTITIES, BackendFactory, VaultContract, email


class TestSqliteVault(VaultContract):
    @pytest.fixture
    def make_backend(self, tmp_path: Path) -> BackendFactory:
        return lambda: SqliteBackend(tmp_path / "vault.sqlite3")


def _mint_in_process(
    data_dir: str, start: int, queue: multiprocessing.Queue[dict[str, str]]
) -> None:
    async def mint() -> dict[str, str]:
        keyring = load_keyring(Path(data_dir), {})
        vault = Vault(SqliteBackend(Path(data_dir) / "vault.sqlite3"), keyring)
        values = [f"user{(start + i) % 60}@example.com" for i in range(60)]
        tokens = {}
        for batch in range(0, 60, 6):
            minted = await vault.tokenize(
                "acme", "T-1", [email(v) for v in values[batch : batch + 6]], None
            )
            tokens.update({r.surface: str(t) for r, t in minted.items()})
        await vault.close()
        return tokens

    queue.put(asyncio.run(mint()))


def test_processes_share_one_file(tmp_path: Path) -> None:
    """Four processes minting the same values at once agree on every token."""
    load_keyring(tmp_path, {})  # create the key file once, as the first process would
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[dict[str, str]] = context.Queue()
    workers = [
        context.Process(target=_mint_in_process, args=(str(tmp_path), n * 15, queue))
        for n in range(4)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    assert all(r == results[0] for r in results)
    assert len(set(results[0].values())) == 60


@pytest.mark.anyio
async def test_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "vault.sqlite3")
    vault = Vault(backend, make_keyring())
    await vault.tokenize("acme", "T-1", [email("a@example.com")], None)
    assert stat.S_IMODE(os.stat(tmp_path / "vault.sqlite3").st_mode) == 0o600
    modes = await backend._run(
        lambda c: (
            c.execute("PRAGMA journal_mode").fetchone()[0],
            c.execute("PRAGMA synchronous").fetchone()[0],
        )
    )
    assert modes == ("wal", 2)  # 2 = FULL
    await vault.close()


@pytest.mark.anyio
async def test_unwritable_vault_raises_a_vault_error(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "vault.sqlite3")
    vault = Vault(backend, make_keyring())
    await vault.check_writable()
    await backend._run(lambda c: c.execute("PRAGMA query_only = ON"))
    with pytest.raises(VaultError, match=r"readonly|READONLY"):
        await vault.tokenize("acme", "T-1", [email("secret.canary@example.com")], None)
    with pytest.raises(VaultError) as caught:
        await vault.check_writable()
    assert "canary" not in str(caught.value)
    await vault.close()


@pytest.mark.anyio
async def test_a_directory_in_the_way_is_a_vault_error(tmp_path: Path) -> None:
    (tmp_path / "vault.sqlite3").mkdir()
    vault = Vault(SqliteBackend(tmp_path / "vault.sqlite3"), make_keyring())
    with pytest.raises(VaultError):
        await vault.tokenize("acme", "T-1", [email("a@example.com")], None)
    await vault.close()


def test_committed_mapping_survives_a_killed_process(tmp_path: Path) -> None:
    """A token printed by a process that is then killed (no clean shutdown) still restores."""
    script = f"""
import asyncio, os, sys
from pathlib import Path
from gateway.keyring import load_keyring
from gateway.vault import Vault, TokenRequest
from gateway.vault.sqlite import SqliteBackend
async def main():
    vault = Vault(SqliteBackend(Path({str(tmp_path)!r}) / "vault.sqlite3"), load_keyring(Path({str(tmp_path)!r}), {{}}))
    request = TokenRequest("EMAIL_ADDRESS", "EMAIL", "killed@example.com", "killed@example.com")
    token = (await vault.tokenize("acme", "T-1", [request], None))[request]
    print(token, flush=True)
    os._exit(0)  # no close(), no checkpoint: as if the process died here
asyncio.run(main())
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    label, body = out.stdout.strip().split("-")

    async def check() -> str | None:
        from gateway.tokens import Token

        vault = Vault(SqliteBackend(tmp_path / "vault.sqlite3"), load_keyring(tmp_path, {}))
        token = Token(label, body)
        value = (await vault.resolve("acme", [token], ENTITIES, None))[token].value
        await vault.close()
        return value

    assert asyncio.run(check()) == "killed@example.com"
