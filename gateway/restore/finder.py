"""Finding tokens in what comes back from a vendor, with a grammar, not a string search.

Tokens come back changed in ways a string search would miss:

* re-cased by the vendor or retyped by an agent (``person-7k3mq9xw``), with
  Crockford's O/0 and I/L/1 forgiven;
* split by a line wrap or an email soft break (``PERSON-\\n7K3MQ9XW``,
  ``PERSON-7K3=\\r\\nMQ9XW``, also with ``> `` quote markers);
* the hyphen escaped as HTML (``&#45;``, ``&#x2d;``), URL (``%2D``) or JSON
  (``\\u002d``), or turned into a Unicode dash by a rich-text editor.

Finding tokens never raises, whatever the input: it is a regex over ``str``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import regex

from gateway.formats.media import Encoding
from gateway.vault.tokens import BODY_CHARS, Token, canonical_body, has_valid_check

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
