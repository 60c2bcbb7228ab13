"""The one module that handles key material.

Three kinds of key, never mixed:

* the **token key** derives tokens and value fingerprints (HMAC-SHA256). It is
  versioned but not rotated by ``gateway keys rotate``: a new token key would
  give every value a new token.
* the **vault keys** encrypt values at rest (AES-256-GCM). The newest one
  encrypts; every one still decrypts (MultiFernet's rule), so rotation never
  strands an old token.
* sub-keys for separate purposes are derived with HKDF and a purpose label, so
  the same secret never serves two purposes directly.

Every decryption failure raises the same opaque :class:`CryptoError`: a
caller learns that a record could not be opened, not why.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gateway.errors import CryptoError

KEY_BYTES = 32
NONCE_BYTES = 12


class Secret:
    """Key bytes that never show up in a ``repr``, a log line or a traceback."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(hashlib.sha256(self._value).digest())


@dataclass(frozen=True, slots=True)
class Key:
    """A secret with the id under which records and files refer to it."""

    key_id: str
    secret: Secret

    @classmethod
    def generate(cls, key_id: str) -> Key:
        return cls(key_id, Secret(os.urandom(KEY_BYTES)))


def derive(secret: Secret, purpose: str) -> bytes:
    """Derive a 32-byte sub-key of ``secret`` for one named purpose (HKDF-SHA256)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode())
    return hkdf.derive(secret.reveal())


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    """HMAC-SHA256, computed while holding the GIL.

    Not ``hmac.digest``: that one releases the GIL on every call, and in a
    gateway process whose detection thread is busy, taking it back waits up to
    a switch interval (5 ms). Measured with a busy thread: 1.6 ms per call for
    ``hmac.digest``, 4 µs for this; the event loop made a dozen such calls per
    request.
    """
    return hmac.new(key, data, hashlib.sha256).digest()


def encode_parts(parts: Iterable[str | bytes]) -> bytes:
    """Length-prefix each part so that ("ab", "c") and ("a", "bc") never collide."""
    out = bytearray()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        out += struct.pack(">I", len(data))
        out += data
    return bytes(out)


class TokenHasher:
    """Keyed digests behind tokens and value fingerprints.

    Two gateway processes holding the same token key compute the same digests,
    which is what lets them mint the same token for the same value without
    talking to each other.
    """

    def __init__(self, token_key: Key) -> None:
        self.key_id = token_key.key_id
        self._token = derive(token_key.secret, "gateway/token/v1")
        self._fingerprint = derive(token_key.secret, "gateway/fingerprint/v1")
        self._scope = derive(token_key.secret, "gateway/scope/v1")

    def token_digest(self, parts: Iterable[str | bytes]) -> bytes:
        return hmac_sha256(self._token, encode_parts(parts))

    def scope_digest(self, kind: str, value: str) -> str:
        """A stable, non-reversible id for a scope taken from personal data (a customer's email)."""
        return hmac_sha256(self._scope, encode_parts((kind, value))).hex()[:24]

    def fingerprint(self, parts: Iterable[str | bytes]) -> bytes:
        """Identify a stored value without decrypting it (collision and idempotency checks)."""
        return hmac_sha256(self._fingerprint, encode_parts(parts))

    def __repr__(self) -> str:
        return f"TokenHasher(key_id={self.key_id!r})"


@dataclass(frozen=True, slots=True)
class Sealed:
    """A value encrypted under ``key_id``: nonce followed by ciphertext and tag."""

    key_id: str
    blob: bytes


class Cipher:
    """AES-256-GCM over vault values, with a key list: newest encrypts, all decrypt.

    ``aad`` binds a ciphertext to its row (token, tenant, scope, entity), so a
    ciphertext copied into another row does not decrypt.
    """

    def __init__(self, keys: Iterable[Key]) -> None:
        ordered = list(keys)
        if not ordered:
            raise ValueError("a cipher needs at least one key")
        self.active_key_id = ordered[0].key_id
        self._aead = {
            k.key_id: AESGCM(derive(k.secret, "gateway/vault/aes-256-gcm")) for k in ordered
        }

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._aead)

    def encrypt(self, plaintext: str, aad: bytes) -> Sealed:
        # A random 96-bit nonce per record; rotate keys long before 2**32 records.
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[self.active_key_id].encrypt(
            nonce, plaintext.encode("utf-8", "surrogatepass"), aad
        )
        return Sealed(self.active_key_id, nonce + sealed)

    def decrypt(self, sealed: Sealed, aad: bytes) -> str:
        aead = self._aead.get(sealed.key_id)
        if aead is None or len(sealed.blob) <= NONCE_BYTES:
            raise CryptoError()
        try:
            plain = aead.decrypt(sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:], aad)
        except InvalidTag:
            raise CryptoError() from None
        return plain.decode("utf-8", "surrogatepass")

    def __repr__(self) -> str:
        return f"Cipher(active={self.active_key_id!r}, keys={self.key_ids!r})"
