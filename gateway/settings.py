"""Settings shared by every command: where the policy, the data and the vault are.

Read once from command-line options and the environment, then passed down as
a frozen value; nothing else in the package reads the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_POLICY = Path("policies/default.yaml")
DEFAULT_DATA_DIR = Path("gateway-data")
ENV_POLICY = "GATEWAY_POLICY"
ENV_DATA_DIR = "GATEWAY_DATA_DIR"
ENV_VAULT_URL = "GATEWAY_VAULT_URL"


@dataclass(frozen=True, slots=True)
class Settings:
    policy_path: Path
    data_dir: Path
    vault_url: str | None = None  # None: the SQLite file in the data directory
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def resolve(
        cls,
        environ: Mapping[str, str],
        policy: str | None = None,
        data_dir: str | None = None,
        vault_url: str | None = None,
    ) -> Settings:
        """Options win over environment variables, which win over defaults."""
        return cls(
            policy_path=Path(policy or environ.get(ENV_POLICY) or DEFAULT_POLICY),
            data_dir=Path(data_dir or environ.get(ENV_DATA_DIR) or DEFAULT_DATA_DIR),
            vault_url=vault_url or environ.get(ENV_VAULT_URL) or None,
            environ=dict(environ),
        )

    @property
    def vault_path(self) -> Path:
        return self.data_dir / "vault.sqlite3"
