"""Restore: find tokens in what comes back from a vendor and put the values back.

Tokens come back changed in ways a string search would miss, and
:class:`TokenFinder` matches them with a grammar instead:

* re-cased by the vendor or retyped by an agent (``person-7k3mq9xw``), with
  Crockford's O/0 and I/L/1 forgiven;
* split by a line wrap or an email soft break (``PERSON-\\n7K3MQ9XW``,
  ``PERSON-7K3=\\r\\nMQ9XW``, also with ``> `` quote markers);
* the hyphen escaped as HTML (``&#45;``, ``&#x2d;``), URL (``%2D``) or JSON
  (``\\u002d``), or turned into a Unicode dash by a rich-text editor.

When the hyphen came escaped, the value is put back escaped the same way, so
the surrounding document stays well-formed. Tokens that are unknown, fail
their check character, belong to another tenant or scope, were purged or have
expired are left exactly as they are and reported.

Finding tokens never raises, whatever the input: it is a regex over ``str``.
"""

from __future__ import annotations

import html
import json
import urllib.parse
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

import regex

from gateway.outcomes import Status
from gateway.tokens import BODY_CHARS, Token, canonical_body, has_valid_check
from gateway.vault import Resolution, Vault

Encoding = Literal["plain", "html", "url", "json", "form"]
# A soft line break inside a token: CRLF or LF, an email QP "=" before it, and
# indentation or "> " quote markers after it.
_BREAK = r"(?:=?\r?\n[ \t]*(?:>[ \t]*)*)?"
_SEPARATORS: dict[Encoding, str] = {
    "plain": r"-|[\u2010-\u2015\u2212]",
    "html": r"&#0*45;|&#[xX]0*2[dD];|&hyphen;|&dash;|&minus;",
    "url": r"%2[dD]",
    "json": r"\\u002[dD]",
}


@dataclass(frozen=True, slots=True)
class Found:
    """A token-shaped string at ``text[start:end]``; ``token`` is ``None`` if its check fails."""

    start: int
    end: int
    token: Token | None
    written: str  # LABEL-BODY as found (upper case, breaks removed), for reports
    encoding: Encoding = "plain"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What restore did with one token-shaped string. Holds no values."""

    token: str
    status: Status
    entity: str | None = None
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class Restored:
    text: str = field(repr=False)
    outcomes: tuple[Outcome, ...] = ()

    @property
    def restored(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "restored")


class TokenFinder:
    """Finds tokens with the given labels (one finder per policy)."""

    def __init__(self, labels: Collection[str]) -> None:
        self.labels = frozenset(label.upper() for label in labels)
        spelled = sorted(
            (_BREAK.join(regex.escape(c) for c in label) for label in self.labels),
            key=len,
            reverse=True,
        )
        separators = "|".join(f"(?P<{name}>{pattern})" for name, pattern in _SEPARATORS.items())
        body = _BREAK.join(["[0-9A-Za-z]"] * BODY_CHARS)
        # No word boundaries: two values side by side ("Jane Doe456-78-9012")
        # become two tokens glued together, and both must still be found. A
        # token-shaped string inside a longer word is harmless: it has to pass
        # the check character and exist in the vault to be restored.
        self.pattern = regex.compile(
            rf"(?P<label>{'|'.join(spelled)}){_BREAK}(?:{separators}){_BREAK}(?P<body>{body})",
            flags=regex.IGNORECASE,
        )

    def find(self, text: str) -> list[Found]:
        found = []
        for match in self.pattern.finditer(text):
            label = _squeeze(match.group("label")).upper()
            written = _squeeze(match.group("body")).upper()
            body = canonical_body(written)
            encoding: Encoding = next(
                (name for name in _SEPARATORS if match.group(name) is not None), "plain"
            )
            token = Token(label, body) if body is not None and has_valid_check(body) else None
            found.append(Found(match.start(), match.end(), token, f"{label}-{written}", encoding))
        return found

    def might_contain(self, text: str) -> bool:
        """Cheap pre-check: can ``text`` hold a token at all?"""
        return bool(self.pattern.search(text))


def _squeeze(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def encode_as(value: str, encoding: Encoding, context: Encoding = "plain") -> str:
    """Escape ``value`` the way the token it replaces was escaped, inside a document
    of kind ``context`` (a token in a JSON string, an HTML page or plain text)."""
    if encoding == "plain":
        encoding = context
    if encoding == "html":
        escaped = html.escape(value, quote=True)
    elif encoding == "url":
        escaped = urllib.parse.quote(value, safe="")
    elif encoding == "form":  # application/x-www-form-urlencoded: spaces as "+"
        escaped = urllib.parse.quote_plus(value, safe="")
    elif encoding == "json":
        escaped = json.dumps(value, ensure_ascii=encoding != context)[1:-1]
    else:
        escaped = value
    if context == "json" and encoding in ("html",):
        escaped = json.dumps(escaped, ensure_ascii=False)[1:-1]
    return escaped


Resolutions = dict[Token, Resolution]


class Restorer:
    """Restores tokens in text for one tenant, within the scopes a caller allows."""

    def __init__(self, vault: Vault, tenant: str, entities: Mapping[str, str]) -> None:
        """``entities`` maps each token label of the policy to its entity name."""
        self.vault = vault
        self.tenant = tenant
        self.entities = dict(entities)
        self.finder = TokenFinder(entities)

    async def restore(
        self, text: str, scopes: Collection[str] | None, context: Encoding = "plain"
    ) -> Restored:
        """Replace every token of an allowed scope in ``text``; report every token seen."""
        return (await self.restore_many([text], scopes, context))[0]

    async def restore_many(
        self,
        texts: list[str],
        scopes: Collection[str] | None,
        context: Encoding = "plain",
        cache: Resolutions | None = None,
    ) -> list[Restored]:
        """Like :meth:`restore` for several strings, with one vault lookup for all of them.

        ``cache`` keeps resolutions between calls (a stream restores piece by piece).
        """
        found = [self.finder.find(text) for text in texts]
        resolutions = await self.resolve(
            [f.token for items in found for f in items if f.token], scopes, cache
        )
        return [
            apply(text, items, resolutions, context)
            for text, items in zip(texts, found, strict=True)
        ]

    async def resolve(
        self, tokens: list[Token], scopes: Collection[str] | None, cache: Resolutions | None = None
    ) -> Resolutions:
        known = cache if cache is not None else {}
        missing = [t for t in dict.fromkeys(tokens) if t not in known]
        if missing:
            known.update(await self.vault.resolve(self.tenant, missing, self.entities, scopes))
        return known


def apply(
    text: str, items: list[Found], resolutions: Resolutions, context: Encoding = "plain"
) -> Restored:
    """Put the values of restorable ``items`` (found in ``text``) in place of their tokens."""
    if not items:
        return Restored(text)
    pieces: list[str] = []
    outcomes: list[Outcome] = []
    position = 0
    for item in items:
        if item.token is None:
            outcomes.append(Outcome(item.written, "invalid"))
            continue
        resolution = resolutions[item.token]
        outcomes.append(
            Outcome(str(item.token), resolution.status, resolution.entity, resolution.scope)
        )
        if resolution.status == "restored" and resolution.value is not None:
            pieces.append(text[position : item.start])
            pieces.append(encode_as(resolution.value, item.encoding, context))
            position = item.end
    pieces.append(text[position:])
    return Restored("".join(pieces), tuple(outcomes))
