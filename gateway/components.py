"""Building the long-lived parts of the gateway from settings.

Everything that loads a model, opens a database or reads keys is built here,
explicitly, by whoever needs it (a CLI command, ``create_app``); importing a
module never does any of it.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from gateway.detector import PresidioDetector
from gateway.errors import ConfigError
from gateway.keyring import ensure_data_dir, load_keyring
from gateway.policy import Policy, load_policy
from gateway.redactor import CpuRunner, Redactor
from gateway.restorer import Restorer
from gateway.settings import Settings
from gateway.vault import Vault
from gateway.vault.backend import Backend
from gateway.vault.sqlite import SqliteBackend


def check_model(policy: Policy) -> None:
    """Fail fast, in one line, when the policy's spaCy pipeline is not installed."""
    model = policy.document.detection.model
    if importlib.util.find_spec(model) is None:
        raise ConfigError(
            f"{policy.source}: detection.model: the spaCy pipeline '{model}' is not installed"
        )


def open_backend(settings: Settings) -> Backend:
    url = settings.vault_url
    if url is None or url.startswith("sqlite:"):
        ensure_data_dir(settings.data_dir)
        path = settings.vault_path if url is None else _sqlite_path(url)
        return SqliteBackend(path)
    if url.startswith(("postgresql://", "postgres://")):
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


def open_vault(settings: Settings) -> Vault:
    keyring = load_keyring(settings.data_dir, settings.environ)
    return Vault(
        open_backend(settings),
        keyring,
        reload_keyring=lambda: load_keyring(settings.data_dir, settings.environ),
    )


@dataclass
class Core:
    """The redaction core for one policy: what every command and the server share."""

    policy: Policy
    detector: PresidioDetector
    vault: Vault
    redactor: Redactor
    restorer: Restorer

    async def close(self) -> None:
        await self.vault.close()


def build_core(
    settings: Settings, policy: Policy | None = None, run_cpu: CpuRunner | None = None
) -> Core:
    policy = policy or load_policy(settings.policy_path)
    detector = PresidioDetector(policy)
    vault = open_vault(settings)
    redactor = (
        Redactor(policy, detector, vault, run_cpu) if run_cpu else Redactor(policy, detector, vault)
    )
    restorer = Restorer(vault, policy.tenant, policy.labels)
    return Core(policy, detector, vault, redactor, restorer)
