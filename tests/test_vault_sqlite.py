"""The vault contract on the embedded SQLite backend, plus what only SQLite has to prove."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import stat
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from gateway.errors import VaultError
from gateway.keys.keyring import load_keyring
from gateway.vault import Vault
from gateway.vault.backend import Row
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
        keyring = load_keyring(Path(data_dir))
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


@pytest.mark.slow  # several processes
def test_processes_share_one_file(tmp_path: Path) -> None:
    """Four processes minting the same values at once agree on every token."""
    load_keyring(tmp_path)  # create the key file once, as the first process would
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


@pytest.mark.slow  # a process killed with -9
def test_committed_mapping_survives_a_killed_process(tmp_path: Path) -> None:
    """A token printed by a process that is then killed (no clean shutdown) still restores."""
    script = f"""
import asyncio, os, sys
from pathlib import Path
from gateway.keys.keyring import load_keyring
from gateway.vault import Vault, TokenRequest
from gateway.vault.sqlite import SqliteBackend
async def main():
    vault = Vault(SqliteBackend(Path({str(tmp_path)!r}) / "vault.sqlite3"), load_keyring(Path({str(tmp_path)!r})))
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
        from gateway.vault.tokens import Token

        vault = Vault(SqliteBackend(tmp_path / "vault.sqlite3"), load_keyring(tmp_path))
        token = Token(label, body)
        value = (await vault.resolve("acme", [token], ENTITIES, None))[token].value
        await vault.close()
        return value

    assert asyncio.run(check()) == "killed@example.com"


class _CountingBackend(SqliteBackend):
    """Counts the minting transactions (group commits)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.commits: list[int] = []

    async def _insert(self, rows: Sequence[Row]) -> dict[str, Row]:
        self.commits.append(len(rows))
        return await super()._insert(rows)


@pytest.mark.anyio
async def test_concurrent_mints_share_commits_and_each_gets_its_own_tokens(
    tmp_path: Path,
) -> None:
    keyring = make_keyring()
    backend = _CountingBackend(tmp_path / "vault.sqlite3")
    vault = Vault(backend, keyring)
    values = [[f"user{n}-{i}@example.com" for i in range(3)] for n in range(20)]
    minted = await asyncio.gather(
        *(
            vault.tokenize("acme", f"T-{n}", [email(v) for v in vs], None)
            for n, vs in enumerate(values)
        )
    )
    await vault.close()
    assert len(backend.commits) < 20  # grouped: requests that arrived together share one
    assert sum(backend.commits) == 60
    # The same tokens as one request at a time, and all of them durable.
    alone = Vault(SqliteBackend(tmp_path / "other.sqlite3"), keyring)
    reopened = Vault(SqliteBackend(tmp_path / "vault.sqlite3"), keyring)
    for n, (vs, tokens) in enumerate(zip(values, minted, strict=True)):
        expected = await alone.tokenize("acme", f"T-{n}", [email(v) for v in vs], None)
        assert {r.surface: str(t) for r, t in tokens.items()} == {
            r.surface: str(t) for r, t in expected.items()
        }
        found = await reopened.resolve("acme", list(tokens.values()), ENTITIES, None)
        assert sorted(r.value or "" for r in found.values()) == sorted(vs)
    await alone.close()
    await reopened.close()


@pytest.mark.anyio
async def test_a_failed_group_commit_fails_every_caller_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = SqliteBackend(tmp_path / "vault.sqlite3")
    vault = Vault(backend, make_keyring())
    await vault.check_writable()

    async def broken(rows: Sequence[Row]) -> dict[str, Row]:
        raise RuntimeError("secret.canary@example.com")  # a bug, quoting a value

    monkeypatch.setattr(backend, "_insert", broken)
    outcomes = await asyncio.gather(
        *(vault.tokenize("acme", "T-1", [email(f"c{n}@example.com")], None) for n in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(o, VaultError) for o in outcomes)
    assert all("canary" not in str(o) for o in outcomes)
    await vault.close()


@pytest.mark.anyio
async def test_a_cancelled_caller_does_not_strand_the_others(tmp_path: Path) -> None:
    vault = Vault(SqliteBackend(tmp_path / "vault.sqlite3"), make_keyring())
    await vault.check_writable()
    tasks = [
        asyncio.create_task(vault.tokenize("acme", "T-1", [email(f"u{n}@example.com")], None))
        for n in range(6)
    ]
    await asyncio.sleep(0)  # every task has queued its rows; the first started the commit
    tasks[0].cancel()
    done = await asyncio.wait_for(asyncio.gather(*tasks[1:]), timeout=30)
    assert [len(d) for d in done] == [1] * 5
    await vault.close()
