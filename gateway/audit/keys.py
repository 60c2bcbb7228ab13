"""Audit keys, kept apart from the vault's: an HMAC key and an Ed25519 signing key.

``<data-dir>/audit-keys.json`` (mode 0600) is created on first use unless
``GATEWAY_AUDIT_KEY`` (base64, 32 bytes) is set. The HMAC key MACs every
record and salts the value digests that let ``gateway audit lookup`` find a
value without the log holding it. The Ed25519 key signs checkpoints; its public
half (``gateway audit public-key``) is all an auditor needs to verify a log.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from gateway.config import AUDIT_KEY
from gateway.errors import ConfigError
from gateway.keys.crypto import KEY_BYTES, Secret, derive, encode_parts, hmac_sha256
from gateway.keys.keyring import ensure_data_dir

KEY_FILE = "audit-keys.json"
ENV_AUDIT_KEY = AUDIT_KEY.name
FORMAT = "redaction-gateway-audit-keys/1"


class AuditKeys:
    """The audit secret and the keys derived from it (derived once: HKDF is not free)."""

    def __init__(self, secret: Secret) -> None:
        self.secret = secret
        self._mac_key = derive(secret, "gateway/audit/record-mac/v1")
        self._value_key = derive(secret, "gateway/audit/value/v1")
        self.signing_key = Ed25519PrivateKey.from_private_bytes(
            derive(secret, "gateway/audit/ed25519/v1")
        )

    def __repr__(self) -> str:
        return f"AuditKeys(key_id={self.key_id!r})"

    def mac(self, data: bytes) -> str:
        return hmac_sha256(self._mac_key, data).hex()

    def value_digest(self, entity: str, normalized: str) -> str:
        """A keyed digest of a value: matchable by whoever holds the key, never reversible."""
        return hmac_sha256(self._value_key, encode_parts((entity, normalized))).hex()[:32]

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    def public_key_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    @property
    def key_id(self) -> str:
        raw = self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return hashlib.sha256(raw).hexdigest()[:16]


def load_audit_keys(
    data_dir: Path, encoded: str | None = None, *, create: bool = True
) -> AuditKeys:
    """The audit key from the environment or the data directory; a new one on first run.

    Commands that only read the trail pass ``create=False``: a key made up in
    the wrong directory would verify nothing and sign a key no chain matches.
    ``encoded`` is ``GATEWAY_AUDIT_KEY``, when set.
    """
    if encoded:
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise ConfigError(f"{ENV_AUDIT_KEY}: not valid base64") from None
        if len(raw) != KEY_BYTES:
            raise ConfigError(f"{ENV_AUDIT_KEY}: the key must be {KEY_BYTES} bytes")
        return AuditKeys(Secret(raw))
    path = data_dir / KEY_FILE
    if not path.exists() and not create:
        raise ConfigError(
            f"no audit key in {data_dir} ({KEY_FILE}): is --data-dir the gateway's data "
            f"directory? (or set {ENV_AUDIT_KEY})"
        )
    if not path.exists():
        ensure_data_dir(data_dir)
        document = {"format": FORMAT, "secret": base64.b64encode(os.urandom(KEY_BYTES)).decode()}
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                json.dump(document, handle)
                handle.flush()
                os.fsync(handle.fileno())
    try:
        document = json.loads(path.read_text())
        raw = base64.b64decode(document["secret"], validate=True)
    except (OSError, ValueError, KeyError, TypeError):
        raise ConfigError(f"the audit key file {path} is unreadable or malformed") from None
    if (path.stat().st_mode & 0o077) or len(raw) != KEY_BYTES:
        raise ConfigError(f"the audit key file {path} must be mode 0600 and hold a 32-byte key")
    return AuditKeys(Secret(raw))


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError("the public key is not an Ed25519 key")
    return key
