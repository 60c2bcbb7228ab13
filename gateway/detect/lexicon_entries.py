"""A lexicon entry as its file writes it, and the phrase it compiles to.

An entry is words in a row (``lexicon.py`` says what each language's lists
mean): ``a/b`` is either word, ``stem*`` any word beginning with the stem,
``_`` any one word, ``#`` any number. Each word becomes a ``Slot``; an
entry becomes one ``Phrase`` per way its alternatives split into words.
Words are compared folded (``fold``: lower case, no accents, one character
for one), and as written (``marked``) where a language's accents matter.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import regex

from gateway.detect.namelists import is_personal_name

STEM_KEY = 4
# Letters in a word that may be an acronym written with one capital ("Fiom", "Cgil").
ACRONYM = 4
# A word: a run of letters or of digits; apostrophes, hyphens and the rest split words.
WORD = regex.compile(r"[^\W\d_]+|\d+")
NUMBER = "#"

Kind = Literal["said", "words", "borrowed"]


@dataclass(frozen=True, slots=True)
class Slot:
    """One word of a phrase: one of ``words``, a word beginning with one of ``stems``, any
    word, or any number."""

    words: frozenset[str]
    stems: tuple[str, ...]
    any_word: bool = False
    number: bool = False
    # The same words and stems in lower case with their accents, for a language whose
    # accents tell words apart ("bị can", accused, is not "bị cạn", run down).
    marked: frozenset[str] = frozenset()
    marked_stems: tuple[str, ...] = ()
    # The words and stems (folded) the entry writes with a capital: a name the language
    # writes so ("afiliado a Comisiones Obreras"), not a person's name mid-sentence.
    capitalised: frozenset[str] = frozenset()
    capitalised_stems: tuple[str, ...] = ()
    # A list of acronyms ("cgil/cisl/uil/fiom"): three words or more of up to four letters.
    acronyms: bool = False

    def fits(self, word: str) -> bool:
        if self.number:
            return word.isdigit()
        return self.any_word or word in self.words or word.startswith(self.stems)

    def fits_marked(self, word: str) -> bool:
        """``word`` as written, accents and all (lower case, NFC)."""
        if self.number or self.any_word:
            return True
        return word in self.marked or word.startswith(self.marked_stems)

    def names(self, word: str) -> bool:
        """``word`` (folded) is one the entry writes with a capital, a name the language
        writes so ("Comisiones Obreras"), or a short one, most often an acronym written as
        a word in a list of them ("alla Fiom"): not a person's name mid-sentence."""
        if word in self.capitalised or word.startswith(self.capitalised_stems):
            return True
        return self.acronyms and len(word) <= ACRONYM and not is_personal_name(word)


@dataclass(frozen=True, slots=True)
class Phrase:
    slots: tuple[Slot, ...]
    category: str
    kind: Kind
    language: str
    entry: str


# Letters with no accent to drop that people type plain all the same ("zwiazek", "kizim").
_PLAIN = {"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t"}


class _Fold(dict[int, str]):
    """``str.translate`` table, filled as characters come: lower case, no accents, one for one."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char.lower() in _PLAIN:
            self[code] = _PLAIN[char.lower()]
            return self[code]
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        ).lower()
        folded = bare if len(bare) == 1 else char.lower() if len(char.lower()) == 1 else char
        if len(self) < _FOLD_KEPT:  # a text of every code point must not grow it without end
            self[code] = folded
        return folded


_FOLD_KEPT = 8192
_FOLD = _Fold()


def fold(text: str) -> str:
    """Lower case without accents, as long as ``text``: offsets hold."""
    return text.translate(_FOLD)


def phrases(
    entry: str, category: str, kind: Kind, code: str, accents: bool = False
) -> Iterator[Phrase]:
    """An entry's phrases: one per way its alternatives split into words ("j'ai/il a").

    Alternatives of one length share a run of slots, word by word ("tengo/padezco" is one
    slot; "j'ai/il a" two, {j, il} then {ai, a}), so an entry with many alternatives stays
    a few phrases: the runs also admit mixtures ("il ai") that no text holds.
    """
    shapes: list[list[tuple[Slot, ...]]] = []  # per part of the entry: its runs of slots
    for part in entry.split():
        if accents and "*" in part:  # the tone mark moves last in ``marked``: no prefix
            raise ValueError(f"lexicon {code}: {entry!r}: no stems where accents matter")
        if part in ("_", NUMBER):
            shapes.append([(_slot(Written(part, part), entry, code),)])
            continue
        by_length: dict[int, list[list[Written]]] = {}
        for alternative in part.split("/"):
            if words := _split(alternative, accents):
                by_length.setdefault(len(words), []).append(words)
        shapes.append(
            [
                tuple(_merged([words[i] for words in group], entry, code) for i in range(length))
                for length, group in sorted(by_length.items())
            ]
        )
    for choice in itertools.product(*shapes):
        slots = tuple(slot for run in choice for slot in run)
        if not slots or slots[0].any_word:
            raise ValueError(f"lexicon {code}: {entry!r} must begin with a word")
        if all(slot.any_word or slot.number for slot in slots):
            raise ValueError(f"lexicon {code}: {entry!r} needs a word")
        yield Phrase(slots, category, kind, code, entry)


@dataclass(frozen=True, slots=True)
class Written:
    """A word of an entry: folded, as written (lower case, accents kept), with a capital."""

    folded: str
    marked: str
    capital: bool = False


def _merged(words: Sequence[Written], entry: str, code: str) -> Slot:
    """One slot for several words in the same place ("tengo/padezco", "diabétic*/obes*")."""
    slots = [_slot(word, entry, code) for word in words]
    return Slot(
        frozenset(w for s in slots for w in s.words),
        tuple(stem for s in slots for stem in s.stems),
        marked=frozenset(w for s in slots for w in s.marked),
        marked_stems=tuple(stem for s in slots for stem in s.marked_stems),
        capitalised=frozenset(w for s in slots for w in s.capitalised),
        capitalised_stems=tuple(stem for s in slots for stem in s.capitalised_stems),
        acronyms=sum(len(w) <= ACRONYM for s in slots for w in s.words) >= 3,
    )


def _split(alternative: str, accents: bool = False) -> list[Written]:
    """An alternative's words, split as the text is ("j'ai" -> j, ai), a trailing * kept;
    as written too (``marked``) only where ``accents`` matter: it is a third of the load."""
    bare = alternative.rstrip("*")
    found = list(WORD.finditer(fold(bare)))
    words = []
    for n, m in enumerate(found):
        tail = "*" if n == len(found) - 1 and alternative.endswith("*") else ""
        as_written = marked(bare[m.start() : m.end()]) if accents else m.group()
        words.append(Written(m.group() + tail, as_written + tail, bare[m.start()].isupper()))
    return words


# Vietnamese tone marks, which old and new spellings place on different vowels
# ("hoà"/"hòa", "khoẻ"/"khỏe", "thuỷ"/"thủy"): moved to the end of a word to compare.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def marked(word: str) -> str:
    """A word in lower case with its accents, its tone mark last ("Hoà", "hòa" -> one)."""
    parts = unicodedata.normalize("NFD", word.lower())
    tones = "".join(sorted(c for c in parts if c in _TONES))
    return unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES)) + tones


def _slot(written: Written, entry: str, code: str) -> Slot:
    word, as_written = written.folded, written.marked
    if word == "_":
        return Slot(frozenset(), (), any_word=True)
    if word == NUMBER:
        return Slot(frozenset({NUMBER}), (), number=True)
    if word.endswith("*"):
        stem = word[:-1]
        if len(stem) < STEM_KEY:
            raise ValueError(f"lexicon {code}: {entry!r}: a stem needs {STEM_KEY} letters")
        names = (stem,) if written.capital else ()
        return Slot(frozenset(), (stem,), marked_stems=(as_written[:-1],), capitalised_stems=names)
    names_word = frozenset({word}) if written.capital else frozenset()
    return Slot(frozenset({word}), (), marked=frozenset({as_written}), capitalised=names_word)
