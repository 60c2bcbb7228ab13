"""The index of word openings: which category terms can begin at a word.

A single alternation of a thousand terms tries every one at every word
start; looked up by a word's first three characters (``"dia"``, ``"my "``,
``"i'm"``), a word start tries only the few terms that can begin there. The
index is built once per category (``index``) by asking the regex engine which
prefixes could still become a match, and read per word (``opening``).

Building it takes seconds for the shipped rules, at every start of every
process, so the package ships it built (``data/categories-index.json.gz``,
written by ``python -m gateway.detect.category_rules``): a category's stored
index is used only while its terms, as the index reads them, hash to the
digest stored with it; otherwise it is built again (see ``digest``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import string
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TypeAlias

import regex

from gateway.detect import namelists


def openings_only(pattern: str, openings: Mapping[str, str]) -> str:
    """``pattern`` as the index reads it: each list in it (``\\L<...>``, see namelists.py)
    as one of its names' first three characters and then any text on the line, and every
    part in any case. The index only asks how a match can begin: a trie of thousands of
    names takes the ``regex`` parser a third of a second, and asking for each case of an
    opening ("HIV", "hIv", ...) took half the index's time. A term may open with a list
    ("{CONDITION}"): it is tried only at words that begin like one of its names; a
    case-sensitive term ("(?-i:PrEP)") is also tried at "prep", where it fails."""
    anycase = pattern.replace("(?-i:", "(?:")
    return namelists.PLACEHOLDER.sub(lambda m: f"(?:{openings[m.group(1)]})[^\\n]*?", anycase)


_ALPHABET = string.ascii_lowercase + string.digits + " '-&./,+("
_KNOWN = frozenset(_ALPHABET)


def opening(chars: str) -> str:
    """The index key of a word's first characters: three, or only the first when one of
    the others is outside the alphabet the index was built on ("sámi", "my" at the end)."""
    chars = "".join(" " if c.isspace() else c for c in chars)
    if len(chars) == 3 and chars[1] in _KNOWN and chars[2] in _KNOWN:
        return chars
    return chars[:1]


def _possible(pattern: regex.Pattern[str], opening: str) -> bool:
    """Whether a match of ``pattern`` (in any case: see ``openings_only``) can begin
    with ``opening``."""
    # A term may open with a look-behind ("(?<=\\()yes, two women"): it needs
    # the characters before the word, so ask with each a term may look for.
    before = _LOOKED_BEHIND if "(?<=" in pattern.pattern else ("",)
    return any(pattern.match(b + opening, pos=len(b), partial=True) for b in before)


_LOOKED_BEHIND = ("", " ", "\n", "(", "'", '"', "\u201c", "\u2018", ". ", ": ", "-", "/")


def index(patterns: Sequence[regex.Pattern[str]]) -> dict[str, tuple[int, ...]]:
    """Which terms can start with each word opening of three characters (``"dia"``,
    ``"my "``, ``"i'm"``), and of one (``"d"``: for openings with other characters),
    found by asking the regex engine which prefixes could still become a match (a
    partial match). A single alternation of a hundred terms tried every one at every
    word start: 3.6 ms per kilobyte of text here."""
    found: dict[str, list[int]] = {}
    for number, pattern in enumerate(patterns):
        for first in string.ascii_lowercase + string.digits:
            if not _possible(pattern, first):
                continue
            found.setdefault(first, []).append(number)
            for second in _ALPHABET:
                if not _possible(pattern, first + second):
                    continue
                for third in _ALPHABET:
                    if _possible(pattern, first + second + third):
                        found.setdefault(first + second + third, []).append(number)
    return {key: tuple(sorted(set(numbers))) for key, numbers in found.items()}


Index: TypeAlias = Mapping[str, tuple[int, ...]]

# Part of every digest: bump it when ``index`` or ``openings_only`` would build a
# different index from the same terms, and every stored index is built again.
ALGORITHM = "2"


def digest(patterns: Sequence[str]) -> str:
    """What an index depends on: the terms as ``openings_only`` wrote them, in order."""
    text = "\x00".join([ALGORITHM, *patterns])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read(path: Path) -> dict[str, tuple[str, Index]]:
    """Stored indexes by category: ``(digest, index)``. A file that cannot be read is no
    stored index at all (each category builds its own), never an error."""
    try:
        document = json.loads(gzip.decompress(path.read_bytes()))
        return {
            name: (str(entry["sha256"]), {k: tuple(v) for k, v in entry["index"].items()})
            for name, entry in document["categories"].items()
        }
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def write(path: Path, indexes: Mapping[str, tuple[str, Index]]) -> None:
    """Store indexes by category, byte for byte the same for the same indexes."""
    document = {
        "format": 1,
        "categories": {
            name: {"sha256": sha, "index": {k: list(v) for k, v in sorted(index.items())}}
            for name, (sha, index) in sorted(indexes.items())
        },
    }
    text = json.dumps(document, separators=(",", ":"), sort_keys=True)
    path.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
