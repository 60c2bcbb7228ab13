"""Secrets the gateway holds: internal API keys, the vendor's credentials, webhook secrets.

They come from environment variables or files (``policy.SecretSource``), never
from a policy file, and live in :class:`~gateway.crypto.Secret` wrappers so
that no ``repr`` or log line can show them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from pathlib import Path

from gateway.errors import ConfigError
from gateway.keys.crypto import Secret
from gateway.policy import PolicyDocument, SecretSource, secret_sources


def read_secret(source: SecretSource, environ: Mapping[str, str], what: str) -> Secret:
    if source.env is not None:
        value = environ.get(source.env, "")
        if not value:
            raise ConfigError(f"{what}: the environment variable {source.env} is not set")
        return Secret(value.encode())
    assert source.file is not None
    try:
        value = Path(source.file).read_text("utf-8").strip()
    except OSError as exc:
        raise ConfigError(f"{what}: cannot read {source.file} ({exc.strerror})") from None
    if not value:
        raise ConfigError(f"{what}: {source.file} is empty")
    return Secret(value.encode())


class ApiKeys:
    """Keys internal callers present in ``X-Gateway-Key``, compared in constant time."""

    def __init__(self, keys: list[Secret]) -> None:
        # Hashing first makes every comparison the same length.
        self._digests = [hashlib.sha256(k.reveal()).digest() for k in keys]

    @classmethod
    def parse(cls, raw: str, file: str | None, variable: str) -> ApiKeys:
        """Keys from ``raw`` (comma-separated, from ``variable``) and the lines of ``file``."""
        if file:
            try:
                raw += "," + Path(file).read_text("utf-8")
            except OSError as exc:
                raise ConfigError(f"{variable}_FILE: cannot read {file} ({exc.strerror})") from None
        keys = [k.strip() for k in raw.replace("\n", ",").split(",") if k.strip()]
        short = [k for k in keys if len(k) < 16]
        if short:
            raise ConfigError(f"{variable}: API keys must be at least 16 characters long")
        return cls([Secret(k.encode()) for k in keys])

    @property
    def configured(self) -> bool:
        return bool(self._digests)

    def accepts(self, presented: str | None) -> bool:
        if not presented:
            return False
        digest = hashlib.sha256(presented.encode()).digest()
        matched = False
        for known in self._digests:
            matched |= hmac.compare_digest(digest, known)
        return matched

    def __repr__(self) -> str:
        return f"ApiKeys({len(self._digests)} keys)"


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The admin key a caller presents: ``Authorization: Bearer <key>`` or ``X-Gateway-Key``.

    The same two ways on every admin path (/metrics, the audit page's data).
    Proxied requests take ``X-Gateway-Key`` only: their ``Authorization`` is
    the vendor's business.
    """
    header = headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return headers.get("x-gateway-key")


def missing_secrets(document: PolicyDocument, environ: Mapping[str, str]) -> list[str]:
    """What ``serve`` would lack, all of it at once: "field: VAR is not set"."""
    missing = []
    for where, source in secret_sources(document):
        if source.env is not None and not environ.get(source.env):
            missing.append(f"{where}: {source.env} is not set")
        elif source.file is not None and not Path(source.file).exists():
            missing.append(f"{where}: {source.file} does not exist")
    return missing
