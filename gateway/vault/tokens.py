"""The token format.

A token looks like ``PERSON-7K3MQ9XW``: an entity label, a hyphen, and eight
characters of Crockford base32 (digits and upper-case letters without I, L, O
and U)::

    PERSON-7K3MQ 9X W
    label  family var check

* **family** (5 chars) comes from an HMAC of (tenant, scope, entity, normalised
  value): the same person, email or phone gets the same family everywhere in a
  scope, however it is written.
* **variant** (2 chars) comes from the HMAC of the exact surface form, so that
  ``Jane@Example.com`` and ``jane@example.com`` share a family but restore to
  their own spelling, byte for byte.
* **check** is a Luhn mod 32 character over the seven before it: a mistyped or
  truncated token is recognised as invalid instead of looked up.

Why this alphabet and shape: letters, digits and one hyphen are left alone by
JSON and HTML escaping, Markdown, Liquid/Handlebars (no braces), URL encoding
of unreserved characters and email line wrapping (no spaces); Crockford base32
is case-insensitive and forgives O/0 and I/L/1 when an agent retypes a token.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from gateway.keys.crypto import TokenHasher

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Crockford's decoding rules for characters an agent may type by mistake.
_VALUE.update({"O": 0, "I": 1, "L": 1})
FAMILY_CHARS = 5
VARIANT_CHARS = 2
BODY_CHARS = FAMILY_CHARS + VARIANT_CHARS + 1
MAX_COLLISION_RETRIES = 16


@dataclass(frozen=True, slots=True)
class Token:
    label: str
    body: str  # canonical: upper case, check character included

    def __str__(self) -> str:
        return f"{self.label}-{self.body}"

    @property
    def family(self) -> str:
        return self.body[:FAMILY_CHARS]


def _encode(digest: bytes, chars: int) -> str:
    number = int.from_bytes(digest[:8], "big")
    out = []
    for _ in range(chars):
        out.append(ALPHABET[number & 31])
        number >>= 5
    return "".join(out)


def check_char(payload: str) -> str:
    """Luhn mod 32 check character for ``payload`` (canonical characters only)."""
    factor = 2
    total = 0
    for char in reversed(payload):
        addend = factor * _VALUE[char]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def canonical_body(text: str) -> str | None:
    """Upper-case ``text`` and apply Crockford's substitutions; ``None`` if not base32."""
    upper = text.upper()
    if len(upper) != BODY_CHARS or any(c not in _VALUE for c in upper):
        return None
    return "".join(ALPHABET[_VALUE[c]] for c in upper)


def has_valid_check(body: str) -> bool:
    """True when ``body`` (canonical) ends with the right check character."""
    return check_char(body[:-1]) == body[-1]


def candidate_tokens(
    hasher: TokenHasher,
    *,
    tenant: str,
    scope: str,
    entity: str,
    label: str,
    normalized: str,
    surface: str,
) -> Iterator[Token]:
    """Yield the tokens to try for one value, in order.

    The first is what every gateway process mints for this value; the next ones
    are only used when the vault already holds the previous candidate for a
    different value (a digest collision), which every process resolves the same
    way because the vault is the arbiter.
    """
    for attempt in range(MAX_COLLISION_RETRIES):
        counter = str(attempt)
        family = _encode(
            hasher.token_digest(("family", tenant, scope, entity, normalized, counter)),
            FAMILY_CHARS,
        )
        variant = _encode(
            hasher.token_digest(("variant", tenant, scope, entity, surface, counter)),
            VARIANT_CHARS,
        )
        payload = family + variant
        yield Token(label, payload + check_char(payload))
