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

from collections.abc import Callable, Collection
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


_ESCAPE_BEFORE = regex.compile(r"(?:%[0-9A-Fa-f]{2}|\\[A-Za-z]|\\u[0-9A-Fa-f]{4})$")
# The end of another token's body: two values side by side come back as two
# tokens glued together ("PERSON-7K3MQ9XWSSN-...").
_TOKEN_BEFORE = regex.compile(r"(?:-|[\u2010-\u2015\u2212]|;|%2[dD]|\\u002[dD])[0-9A-Za-z]{8}$")


@dataclass(frozen=True, slots=True)
class Candidate:
    found: Found
    breaks: int  # line breaks inside it


class TokenFinder:
    """Finds tokens with the given labels (one finder per policy).

    The grammar: a label of the policy, in one case (``PERSON``, ``person``,
    ``Person``); a hyphen as written, escaped or
    dashed; eight body characters. A soft line break may fall anywhere in it,
    but a break cannot join two tokens: a body whose next line starts with a
    label and a hyphen is not one. Inside a word (see :func:`_starts_word`)
    only a token whose check character holds counts: a value glued to a word
    is replaced in place ("A456-78-9012" -> "ASSN-..."), but "VIP-77" is no
    token. Where candidates overlap, one the vault knows wins (a fragment
    passes the check one time in 32), then one whose check holds, then one
    with fewer breaks, then the first: :meth:`candidates` finds them all,
    :meth:`choose` settles overlaps once the vault has been asked.
    """

    def __init__(self, labels: Collection[str]) -> None:
        self.labels = frozenset(label.upper() for label in labels)
        spelled = sorted(
            (_BREAK.join(regex.escape(c) for c in label) for label in self.labels),
            key=len,
            reverse=True,
        )
        separators = "|".join(f"(?P<{name}>{pattern})" for name, pattern in _SEPARATORS.items())
        body = _BREAK.join(["[0-9A-Za-z]"] * BODY_CHARS)
        self.pattern = regex.compile(
            rf"(?P<label>{'|'.join(spelled)}){_BREAK}(?:{separators}){_BREAK}(?P<body>{body})",
            flags=regex.IGNORECASE,
        )
        plain = sorted((regex.escape(label) for label in self.labels), key=len, reverse=True)
        self._label_ahead = regex.compile(
            rf"(?:{'|'.join(plain)})(?:{'|'.join(_SEPARATORS.values())})", flags=regex.IGNORECASE
        )

    def find(self, text: str) -> list[Found]:
        """The tokens of ``text``, without asking the vault (see :meth:`choose`)."""
        return self.choose(self.candidates(text))

    def candidates(self, text: str) -> list[Candidate]:
        """Every token-shaped string of ``text``, overlapping ones included."""
        candidates: list[Candidate] = []
        for match in self.pattern.finditer(text, overlapped=True):
            label_written = _squeeze(match.group("label"))
            if not (label_written.isupper() or label_written.islower() or label_written.istitle()):
                continue  # "Ip", "pErSoN": a word, not a re-cased token
            if self._straddles(text, match):
                continue
            label = label_written.upper()
            written = _squeeze(match.group("body")).upper()
            body = canonical_body(written)
            encoding: Encoding = next(
                (name for name in _SEPARATORS if match.group(name) is not None), "plain"
            )
            token = Token(label, body) if body is not None and has_valid_check(body) else None
            if token is None and not _starts_word(text, match.start(), label_written):
                continue  # inside a word ("VIP-77..."), only a token whose check holds counts
            found = Found(match.start(), match.end(), token, f"{label}-{written}", encoding)
            candidates.append(Candidate(found, match.group().count("\n")))
        return candidates

    @staticmethod
    def choose(
        candidates: list[Candidate], known: Callable[[Token], bool] = lambda token: False
    ) -> list[Found]:
        """Non-overlapping tokens: known to the vault, then valid, then fewer breaks, first."""

        def rank(c: Candidate) -> tuple[bool, bool, int, int]:
            token = c.found.token
            return (token is None or not known(token), token is None, c.breaks, c.found.start)

        chosen: list[Found] = []
        for candidate in sorted(candidates, key=rank):
            found = candidate.found
            if all(found.end <= other.start or other.end <= found.start for other in chosen):
                chosen.append(found)
        return sorted(chosen, key=lambda f: f.start)

    def _straddles(self, text: str, match: regex.Match[str]) -> bool:
        """Whether a line break inside the body starts another token's label."""
        start, end = match.span("body")
        position = text.find("\n", start, end)
        while position >= 0:
            resume = position + 1
            while resume < end and text[resume] in " \t>":
                resume += 1
            if self._label_ahead.match(text, resume):
                return True
            position = text.find("\n", position + 1, end)
        return False

    def might_contain(self, text: str) -> bool:
        """Cheap pre-check: can ``text`` hold a token at all?"""
        return bool(self.pattern.search(text))


def _starts_word(text: str, start: int, label: str) -> bool:
    """Whether a label at ``start`` begins a word: an upper-case label does not
    follow an upper-case letter, nor a re-cased one any letter, unless an escape
    ("%3APERSON-", "\\nPERSON-") or another token ends there."""
    if start == 0:
        return True
    before = text[start - 1]
    joined = before.isupper() if label.isupper() else before.isalpha()
    if not joined:
        return True
    head = text[max(0, start - 12) : start]
    return bool(_ESCAPE_BEFORE.search(head) or _TOKEN_BEFORE.search(head))


def _squeeze(text: str) -> str:
    return "".join(c for c in text if c.isalnum())
