"""Opening the vault that settings name: SQLite in the data directory, or PostgreSQL.

The keys come from the environment or the data directory's key file
(:mod:`gateway.keys.keyring`); a vault reloads them when it meets a row
encrypted under a key it does not know yet (another process rotated).
"""

from __future__ import annotations

from pathlib import Path

from gateway.config import Settings
from gateway.errors import ConfigError
from gateway.keys.keyring import Keyring, ensure_data_dir, load_keyring
from gateway.vault import Vault
from gateway.vault.backend import Backend
from gateway.vault.sqlite import SqliteBackend


def open_backend(settings: Settings) -> Backend:
    url = settings.vault_url
    if url is None or url.startswith("sqlite:"):
        ensure_data_dir(settings.data_dir)
        path = settings.vault_path if url is None else _sqlite_path(url)
        return SqliteBackend(path)
    if url.startswith(("postgresql://", "postgres://")):
        # Imported here: psycopg is needed only by deployments that share a vault.
        from gateway.vault.postgres import PostgresBackend

        return PostgresBackend(url)
    raise ConfigError("the vault URL must start with sqlite:/// or postgresql://")


def _sqlite_path(url: str) -> Path:
    path = (
        url.removeprefix("sqlite:///")
        if url.startswith("sqlite:///")
        else url.removeprefix("sqlite:")
    )
    if not path:
        raise ConfigError(
            "a sqlite vault URL needs a path: sqlite:///var/lib/gateway/vault.sqlite3"
        )
    return Path(path)


def load_keys(settings: Settings) -> Keyring:
    return load_keyring(
        settings.data_dir, token_env=settings.token_key, vault_env=settings.vault_keys
    )


def open_vault(settings: Settings, backend: Backend | None = None) -> Vault:
    return Vault(
        backend or open_backend(settings),
        load_keys(settings),
        reload_keyring=lambda: load_keys(settings),
    )
