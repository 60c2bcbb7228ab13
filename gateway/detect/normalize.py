"""Text normalisation before detection, with a map back to the original offsets.

Obfuscated personal data hides behind Unicode: a zero-width space or a control
character inside an email, full-width or Arabic-Indic digits in a phone number,
a non-breaking space or an en dash between card groups. Detection runs on a normalised copy of the
text, and every span it finds is mapped back so that the replacement covers the
original characters, hidden ones included.

    >>> n = normalize("call ０７７００\u00a0９００１２３")
    >>> n.text
    'call 07700 900123'
    >>> n.to_original(5, 17)
    (5, 17)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters that render as nothing and are dropped outright.
_INVISIBLE = frozenset(
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c"  # Arabic letter mark
    "\u180e"  # Mongolian vowel separator
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\ufeff"  # zero-width no-break space / BOM
)
# Default-ignorable code points that are not format characters (category Cf,
# dropped below): variation selectors, Hangul fillers, Mongolian selectors.
_IGNORABLE = re.compile(
    "[\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0000-\U000e0fff]"
)
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_LINE_BREAKS = frozenset("\u2028\u2029\x0b\x0c")
# Control characters but tab, line feed and carriage return: they render as
# nothing and hide data from patterns ("inv\x07.victim@example.com", a NUL
# inside a JSON string), so they are dropped. NEL (U+0085) is dropped too: as a
# line break it would cut a value in two.
_CONTROL = r"\x00-\x08\x0e-\x1f\x7f"
_ASCII_SPECIAL = re.compile(rf"[{_CONTROL}\x0b\x0c]")
# A run of characters to fold (non-ASCII or control), with the character before
# it: a combining mark composes with the ASCII letter it follows ("e" + U+0301 -> "é").
_TO_FOLD = re.compile(rf"[\x00-\x7f]?(?:[^\x00-\x7f]|[{_CONTROL}\x0b\x0c])+")


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A normalised copy of ``original`` and, per character of it, the original span.

    ``starts`` and ``ends`` are ``None`` when the text needed no change, so the
    common all-ASCII case costs nothing.
    """

    original: str
    text: str
    starts: tuple[int, ...] | None = None
    ends: tuple[int, ...] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the half-open span ``[start, end)`` of ``text`` onto ``original``."""
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            position = self.starts[start] if start < len(self.starts) else len(self.original)
            return position, position
        return self.starts[start], self.ends[end - 1]


def _fold(cluster: str) -> str:
    """Normalise one base character with its combining marks."""
    first = cluster[0]
    if len(cluster) > 1 and first.isascii():
        # Marks stacked on an ASCII letter or digit ("m" + U+0301 in an
        # email, "4" + U+20E3 in a card) would hide it from every pattern.
        return _fold(first)
    if len(cluster) == 1:
        if first in _INVISIBLE or _IGNORABLE.match(first):
            return ""
        if first in _DASHES:
            return "-"
        if first in _LINE_BREAKS:
            return "\n"
        category = unicodedata.category(first)
        if category == "Cc" and first not in "\t\n\r":
            return ""
        if category == "Zs":
            return " "
        if category == "Nd":
            return str(unicodedata.decimal(first))
        if category == "Cf":
            return ""
    folded = unicodedata.normalize("NFKC", cluster)
    # NFKC leaves some digit scripts alone (Arabic-Indic, Devanagari...).
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.category(c) == "Nd" else c
        for c in folded
    )


def normalize(text: str) -> NormalizedText:
    """Return ``text`` normalised for detection, with its offset map."""
    if text.isascii() and not _ASCII_SPECIAL.search(text):
        return NormalizedText(text, text)
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    position = 0
    for run in _TO_FOLD.finditer(text):
        if run.start() > position:
            pieces.append(text[position : run.start()])
            starts.extend(range(position, run.start()))
            ends.extend(range(position + 1, run.start() + 1))
        _fold_run(text, run.start(), run.end(), pieces, starts, ends)
        position = run.end()
    if position < len(text):
        pieces.append(text[position:])
        starts.extend(range(position, len(text)))
        ends.extend(range(position + 1, len(text) + 1))
    return NormalizedText(text, "".join(pieces), tuple(starts), tuple(ends))


def _fold_run(
    text: str, start: int, end: int, pieces: list[str], starts: list[int], ends: list[int]
) -> None:
    index = start
    while index < end:
        cluster_end = index + 1
        while cluster_end < end and unicodedata.category(text[cluster_end])[0] == "M":
            cluster_end += 1
        folded = _fold(text[index:cluster_end])
        pieces.append(folded)
        starts.extend([index] * len(folded))
        ends.extend([cluster_end] * len(folded))
        index = cluster_end


def without_accents(word: str) -> str:
    """Without its accents: registries spell "Sofia" where a ticket spells "Sofía"."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
