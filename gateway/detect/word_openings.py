"""The index of word openings: which category terms can begin at a word.

A single alternation of a thousand terms tries every one at every word
start; looked up by a word's first three characters (``"dia"``, ``"my "``,
``"i'm"``), a word start tries only the few terms that can begin there. The
index is built once per category (``index``) by asking the regex engine which
prefixes could still become a match, and read per word (``Openings.at``).

A crowded opening ("my ", "the", "i'm": up to hundreds of terms) is split
again by the next two characters ("my so", "the c"): most words after "my"
can begin only a few of the terms that begin with it, and a term that opens
with a name list ("{CONDITION}") is tried only where a name begins like the
word's first five characters.

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
    as one of its names' first five characters and then any text on the line, and every
    part in any case. The index only asks how a match can begin: a trie of thousands of
    names takes the ``regex`` parser a third of a second, and asking for each case of an
    opening ("HIV", "hIv", ...) took half the index's time. A term may open with a list
    ("{CONDITION}"): it is tried only at words that begin like one of its names; a
    case-sensitive term ("(?-i:PrEP)") is also tried at "prep", where it fails.

    Negative look-arounds are left out: in any case, "(?!(?-i:UNION)\\b)union" would
    never begin with "union". Without them the index can only name more terms than
    can match, never fewer."""
    anycase = _without_negations(pattern).replace("(?-i:", "(?:")
    return namelists.PLACEHOLDER.sub(lambda m: f"(?:{openings[m.group(1)]})[^\\n]*?", anycase)


def _without_negations(pattern: str) -> str:
    """``pattern`` without its negative look-aheads and look-behinds."""
    kept: list[str] = []
    at = 0
    while at < len(pattern):
        if pattern.startswith(("(?!", "(?<!"), at):
            at = _group_end(pattern, at)
            continue
        step = _atom_end(pattern, at)
        kept.append(pattern[at:step])
        at = step
    return "".join(kept)


def _atom_end(pattern: str, at: int) -> int:
    """Past an escape, a character class or one character, from ``at``."""
    if pattern[at] == "\\":
        return at + 2
    if pattern[at] != "[":
        return at + 1
    at += 1
    if pattern.startswith("^", at):
        at += 1
    if pattern.startswith("]", at):  # a "]" first in a class is a character
        at += 1
    while at < len(pattern) and pattern[at] != "]":
        at += 2 if pattern[at] == "\\" else 1
    return at + 1


def _group_end(pattern: str, at: int) -> int:
    """Past the group that opens at ``at``."""
    depth = 0
    while at < len(pattern):
        if pattern[at] == "(":
            depth += 1
        elif pattern[at] == ")":
            depth -= 1
            if depth == 0:
                return at + 1
        at = _atom_end(pattern, at)
    raise ValueError(f"unbalanced group in {pattern!r}")


# The characters a key may hold after its first; a word followed by another ("it?",
# "is:", "e_a") is looked up by its first character alone, with every term of it.
_ALPHABET = string.ascii_lowercase + string.digits + " '-&./,+(:;!?)\"_@"
_KNOWN = frozenset(_ALPHABET)


def _key(head: str) -> str:
    """The index key of a word's first three characters, lowered and spaced (``_spaced``):
    all three, or only the first when one of the others is outside the alphabet the index
    was built on ("sámi", "my" at the end)."""
    if len(head) == 3 and head[1] in _KNOWN and head[2] in _KNOWN:
        return head
    return head[:1]


def _spaced(chars: str) -> str:
    return "".join(" " if c.isspace() else c for c in chars)


# An opening with more terms than this in one category is split by two more characters
# (1,990 term tries per bench.http ticket at 16, 1,279 at 8 with the wider alphabet).
CROWDED = 8


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
    crowded = [key for key, numbers in found.items() if len(key) == 3 and len(numbers) > CROWDED]
    for key in crowded:
        for fourth in _ALPHABET:
            possible = [n for n in found[key] if _possible(patterns[n], key + fourth)]
            for fifth in _ALPHABET if possible else ():
                five = key + fourth + fifth
                found[five] = [n for n in possible if _possible(patterns[n], five)]
    return {key: tuple(sorted(set(numbers))) for key, numbers in found.items() if numbers}


class Openings:
    """The terms to try at a word, over several categories' indexes: ``(category, term)``
    pairs, each category's terms in order (the order of ``indexes``)."""

    def __init__(self, indexes: Sequence[Index]) -> None:
        shallow: dict[str, list[tuple[int, int]]] = {}
        for number, found in enumerate(indexes):
            for key, terms in found.items():
                if len(key) <= 3:
                    shallow.setdefault(key, []).extend((number, t) for t in terms)
        # A crowded opening (in any category) is read by five characters: the terms
        # of the categories that split it, found by five, and every other category's
        # terms for its three (``rest``).
        split = {
            key: {n for n, found in enumerate(indexes) if len(found.get(key, ())) > CROWDED}
            for key in shallow
            if len(key) == 3
        }
        self.rest = {
            key: tuple(pair for pair in shallow[key] if pair[0] not in numbers)
            for key, numbers in split.items()
            if numbers
        }
        deep: dict[str, list[tuple[int, int]]] = {}
        for number, found in enumerate(indexes):
            for key, terms in found.items():
                if len(key) == 5 and number in split.get(key[:3], ()):
                    deep.setdefault(key, []).extend((number, t) for t in terms)
        self.deep = {
            key: tuple(sorted([*pairs, *self.rest[key[:3]]])) for key, pairs in deep.items()
        }
        self.shallow = {key: tuple(pairs) for key, pairs in shallow.items()}

    def at(self, text: str, position: int) -> tuple[tuple[int, int], ...]:
        """The ``(category, term)`` pairs that can begin at ``text[position]``."""
        # Lowered per word: lowering a whole text can change its length ("İ").
        head = _spaced(text[position : position + 3].lower())
        key = _key(head)
        rest = self.rest.get(key)  # only three-character keys are split
        if rest is not None:
            # Read as written: a line break where the index has a space may be what a term
            # asks for ("...\\n"), and such a word is tried with every term of its three.
            five = head + text[position + 3 : position + 5].lower()
            if len(five) == 5 and five[3] in _KNOWN and five[4] in _KNOWN:
                return self.deep.get(five, rest)
        return self.shallow.get(key, ())


Index: TypeAlias = Mapping[str, tuple[int, ...]]

# Part of every digest: bump it when ``index`` or ``openings_only`` would build a
# different index from the same terms, and every stored index is built again.
ALGORITHM = "4"


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
