"""Settings: every environment variable the gateway reads, declared once, read once.

Each :class:`Variable` names one setting, its default and what it means; the
README's Configuration table is this list (``tests/test_config.py`` checks
them against each other). :meth:`Settings.from_environ` is the only place the
gateway reads these variables; everything else receives a frozen
:class:`Settings`. Options on the command line win over the environment,
which wins over the defaults.

Variables that a *policy* names for its secrets (``upstream_auth: {env:
ZENDESK_AUTHORIZATION}``) are the policy's own; they are looked up in
``Settings.environ`` when the policy is put to work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    default: str  # as the README shows it
    meaning: str


POLICY = Variable(
    "GATEWAY_POLICY", "`policies/default.yaml`", "the policy file (`--policy` overrides it)"
)
DATA_DIR = Variable(
    "GATEWAY_DATA_DIR",
    "`./gateway-data`",
    "the data directory: SQLite vault, key files, audit chains (`--data-dir`)",
)
VAULT_URL = Variable(
    "GATEWAY_VAULT_URL",
    "SQLite in the data directory",
    "`postgresql://user@host/db` to share one vault between replicas (`--vault-url`)",
)
UPSTREAM = Variable(
    "GATEWAY_UPSTREAM", "the policy's `upstream`", "the vendor's base URL (`--upstream`)"
)
PUBLIC_URL = Variable(
    "GATEWAY_PUBLIC_URL",
    "the origin each caller used",
    "the gateway's URL as callers reach it: the vendor's links in answers are rewritten to it",
)
INSTANCE = Variable(
    "GATEWAY_INSTANCE",
    "the host name",
    "prefix of this process's audit chain name (`<instance>-<n>.log.jsonl`)",
)
TOKEN_KEY = Variable(
    "GATEWAY_TOKEN_KEY",
    "`keys.json` in the data directory",
    "the token key, base64 of 32 bytes; set with `GATEWAY_VAULT_KEYS`",
)
VAULT_KEYS = Variable(
    "GATEWAY_VAULT_KEYS",
    "`keys.json` in the data directory",
    "vault encryption keys, `v2:<base64>,v1:<base64>`, newest first",
)
AUDIT_KEY = Variable(
    "GATEWAY_AUDIT_KEY",
    "`audit-keys.json` in the data directory",
    "the audit key, base64 of 32 bytes (MACs records; the checkpoint signing key derives from it)",
)
API_KEYS = Variable(
    "GATEWAY_API_KEYS",
    "none: callers need no key (loopback only)",
    "keys internal callers send in `X-Gateway-Key`, comma-separated, 16+ characters each",
)
API_KEYS_FILE = Variable(
    "GATEWAY_API_KEYS_FILE", "none", "a file of further API keys, one per line or comma-separated"
)
ADMIN_KEYS = Variable(
    "GATEWAY_ADMIN_KEYS",
    "none: the audit API refuses, `/metrics` is open",
    "keys for the audit page, its API and `/metrics` (`Authorization: Bearer` or `X-Gateway-Key`)",
)
ADMIN_KEYS_FILE = Variable("GATEWAY_ADMIN_KEYS_FILE", "none", "a file of further admin keys")
METRICS_DIR = Variable(
    "PROMETHEUS_MULTIPROC_DIR",
    "set by `serve --workers N` (`DATA_DIR/metrics-PORT`, cleared at start and exit)",
    "where worker processes keep their metrics so that every scrape sums them all",
)

AUDIT_URL = Variable(
    "GATEWAY_AUDIT_URL",
    "none: the audit chain is in files only",
    "`postgresql://...`: every replica's chain also in PostgreSQL, append-only; the audit page and `gateway audit --audit-url` read them all",
)
AUDIT_ROTATE_MB = Variable(
    "GATEWAY_AUDIT_ROTATE_MB",
    "64",
    "start a new segment of the audit chain when the current one reaches this size",
)
AUDIT_ROTATE_HOURS = Variable(
    "GATEWAY_AUDIT_ROTATE_HOURS",
    "24",
    "start a new segment of the audit chain when the current one is this old",
)
AUDIT_RETENTION_DAYS = Variable(
    "GATEWAY_AUDIT_RETENTION_DAYS",
    "none: segments are kept",
    "delete rotated audit segments whose newest record is older than this (recorded in the chain first)",
)

VARIABLES = (
    POLICY, DATA_DIR, VAULT_URL, UPSTREAM, PUBLIC_URL, INSTANCE, TOKEN_KEY, VAULT_KEYS, AUDIT_KEY,
    API_KEYS, API_KEYS_FILE, ADMIN_KEYS, ADMIN_KEYS_FILE, METRICS_DIR, AUDIT_URL, AUDIT_ROTATE_MB,
    AUDIT_ROTATE_HOURS, AUDIT_RETENTION_DAYS,
)  # fmt: skip

DEFAULT_POLICY = Path("policies/default.yaml")
DEFAULT_DATA_DIR = Path("gateway-data")


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the policy, the data and the vault are, and the keys given by environment."""

    policy_path: Path
    data_dir: Path
    vault_url: str | None = None  # None: the SQLite file in the data directory
    upstream: str | None = None  # None: the policy's
    public_url: str | None = None  # None: the origin each caller used
    instance: str | None = None  # None: the host name
    token_key: str | None = field(default=None, repr=False)
    vault_keys: str | None = field(default=None, repr=False)
    audit_key: str | None = field(default=None, repr=False)
    api_keys: str = field(default="", repr=False)
    api_keys_file: str | None = None
    admin_keys: str = field(default="", repr=False)
    admin_keys_file: str | None = None
    metrics_dir: Path | None = None
    audit_url: str | None = field(default=None, repr=False)  # may hold a password
    # As given; checked when a gateway is built (Blueprint.build).
    audit_rotate_mb: str | None = None
    audit_rotate_hours: str | None = None
    audit_retention_days: str | None = None  # None: rotated segments are kept
    # The whole environment, for the secrets a policy names by variable.
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_environ(
        cls,
        environ: Mapping[str, str],
        *,
        policy: str | None = None,
        data_dir: str | None = None,
        vault_url: str | None = None,
        upstream: str | None = None,
    ) -> Settings:
        """Options win over environment variables, which win over defaults."""

        def get(variable: Variable) -> str | None:
            return environ.get(variable.name) or None

        metrics_dir = get(METRICS_DIR)
        return cls(
            policy_path=Path(policy or get(POLICY) or DEFAULT_POLICY),
            data_dir=Path(data_dir or get(DATA_DIR) or DEFAULT_DATA_DIR),
            vault_url=vault_url or get(VAULT_URL),
            upstream=upstream or get(UPSTREAM),
            public_url=(get(PUBLIC_URL) or "").rstrip("/") or None,
            instance=get(INSTANCE),
            token_key=get(TOKEN_KEY),
            vault_keys=get(VAULT_KEYS),
            audit_key=get(AUDIT_KEY),
            api_keys=get(API_KEYS) or "",
            api_keys_file=get(API_KEYS_FILE),
            admin_keys=get(ADMIN_KEYS) or "",
            admin_keys_file=get(ADMIN_KEYS_FILE),
            metrics_dir=Path(metrics_dir) if metrics_dir else None,
            audit_url=get(AUDIT_URL),
            audit_rotate_mb=get(AUDIT_ROTATE_MB),
            audit_rotate_hours=get(AUDIT_ROTATE_HOURS),
            audit_retention_days=get(AUDIT_RETENTION_DAYS),
            environ=dict(environ),
        )

    @property
    def vault_path(self) -> Path:
        return self.data_dir / "vault.sqlite3"

    def for_workers(self) -> dict[str, str]:
        """The variables that rebuild these settings in a worker process (``serve --workers``)."""
        values = {POLICY.name: str(self.policy_path), DATA_DIR.name: str(self.data_dir)}
        if self.vault_url:
            values[VAULT_URL.name] = self.vault_url
        if self.upstream:
            values[UPSTREAM.name] = self.upstream
        if self.public_url:
            values[PUBLIC_URL.name] = self.public_url
        if self.audit_url:
            values[AUDIT_URL.name] = self.audit_url
        return values


def markdown_table() -> str:
    """The README's Configuration table."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{v.name}` | {v.default} | {v.meaning} |" for v in VARIABLES]
    return "\n".join(rows) + "\n"
