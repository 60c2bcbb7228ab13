"""Names people have, and words everyone uses: the lists that name detection leans on.

spaCy's small English model misses names it has not seen (Tuomo, Sulimat),
takes many for organisations (Lukas, Sonoka Miki), and needs a sentence
around a name. Census and civil-registry lists (``data/SOURCES.md``) know
59,000 first names and 148,000 surnames from several countries; an English
word list knows which capitalised words are also ordinary words ("Will",
"Grace", "Chase") and so need more than their capital letter to be a name.

:class:`NameRecognizer` finds, in any text:

* a first name with a surname or an unknown word after it, middle initials
  allowed (``Lydia Reid``, ``Jakob S Jørgensen``, ``Anne-Lise Frederiksen``);
* a capitalised word, an initial and another (``Liberal A Aranda``);
* a first name on its own that is not also an ordinary word, a month or a
  country (``Tuomo``, ``Teresa``; not ``May`` or ``Jordan``);
* every capitalised word of a comma list that holds such a name
  ("They had 6: Sulimat, Brian, ...").

Loading the lists takes a few hundred milliseconds: it is done once, when the
detector is built, and the lists are shared by every detector of a process
that is handed them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import regex
from presidio_analyzer import RecognizerResult

from gateway.detect import wordlists
from gateway.detect.budget import budget
from gateway.detect.normalize import without_accents
from gateway.detect.recognizers import Context, GatewayRecognizer
from gateway.detect.spans import MODEL_AFTER

# Capitalised words (any script), and single-letter initials.
_TOKEN = regex.compile(
    r"(?<![\w'’-])(?:\p{Lu}\.|\p{Lu}[\p{L}\p{M}]*+(?:['’-]\p{L}[\p{L}\p{M}]*+)*+)(?![\w'’-])"
)
# Words a capitalised name is never: calendar words, greetings, ticket and bank
# vocabulary, function words that some registries hold as names ("My", "To"),
# and languages ("English" is also a first name).
NEVER_NAMES = frozenset(
    """
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday christmas easter god
    hi hello hey dear thanks thank regards best cheers sincerely team support customer
    service order account ticket case invoice payment refund billing product subject re fw
    fwd the mr mrs ms miss dr prof sir madam iban bic swift ssn pin vat
    a an and as at but by for from he her his i if in is it its me my no not of on or our
    she so than that their them then they this to up us we what when who why with you your
    english french german spanish italian portuguese dutch polish russian chinese japanese
    korean arabic hindi swedish norwegian danish finnish greek turkish hebrew
    america europe asia africa
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# A word right after a name that makes the whole an organisation.
_ORG_AFTER = regex.compile(
    r"[ \t]+(?:Inc|Ltd|LLC|LLP|PLC|Corp|Corporation|Company|Co|GmbH|AG|SA|SAS|BV|NV|AB|AS|Oy|"
    r"Group|Holdings|Limited|Foundation|University|Bank|Labs|Technologies|Systems)\b"
)


@dataclass(frozen=True, slots=True)
class Gazetteer:
    first: frozenset[str]
    last: frozenset[str]
    common: frozenset[str]  # ordinary English words (lower case)
    places: frozenset[str]  # countries: capitalised, never a person on their own
    streets: frozenset[str]  # street abbreviations no one is named: "St", "Rd", "Pkwy"

    @classmethod
    def load(cls, places: Sequence[str] = (), streets: Sequence[str] = ()) -> Gazetteer:
        read = wordlists.read
        first, last, common = read("first"), read("last"), read("common")
        abbreviations = {s.casefold() for s in streets} - first - last - common
        return cls(
            first, last, common, frozenset(p.casefold() for p in places), frozenset(abbreviations)
        )

    def __repr__(self) -> str:
        return f"Gazetteer({len(self.first)} first names, {len(self.last)} surnames)"

    def is_first(self, word: str) -> bool:
        folded = word.casefold()
        return folded in self.first or (
            not folded.isascii() and without_accents(folded) in self.first
        )

    def is_last(self, word: str) -> bool:
        folded = word.casefold()
        return folded in self.last or (
            not folded.isascii() and without_accents(folded) in self.last
        )

    def is_ordinary(self, word: str) -> bool:
        """An everyday word or a calendar or greeting word: capitalised, it may be no name."""
        folded = word.casefold()
        return folded in self.common or folded in NEVER_NAMES or folded in self.places

    def is_name_word(self, word: str) -> bool:
        """A word a name can be made of: a known name, or a word no dictionary has."""
        folded = word.casefold()
        return (self.is_first(word) or self.is_last(word) or not self.is_ordinary(word)) and (
            folded not in NEVER_NAMES and folded not in self.streets
        )


_PARTICLES = regex.compile(
    r"[ \t](?:(?:van|von|de|der|den|da|di|du|del|della|dos|das|le|la|ten|ter|bin|ibn|al|el)[ \t]){1,2}"
)


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    text: str
    loud: bool  # on a line without lower-case letters: "CAN I SPEAK TO A REAL PERSON"

    @property
    def initial(self) -> bool:
        return len(self.text.rstrip(".")) == 1


class NameRecognizer(GatewayRecognizer):
    """People's names from the gazetteer (see the module docstring)."""

    def __init__(self, gazetteer: Gazetteer, timeout: float) -> None:
        super().__init__("person_by_gazetteer", "PERSON", Context(None, timeout))
        self.names = gazetteer
        self.timeout = timeout

    def analyze(
        self, text: str, entities: Sequence[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        words = []
        line_start, line_end, loud = 0, -1, False
        for m in _TOKEN.finditer(text, timeout=budget(self.timeout, text)):
            if m.start() > line_end:  # the first word of a line: look at that line once
                newline = text.rfind("\n", line_start, m.start())
                line_start = newline + 1 if newline >= 0 else line_start
                line_end = text.find("\n", m.end())
                line_end = len(text) if line_end < 0 else line_end
                loud = not any(c.islower() for c in text[line_start:line_end])
            words.append(_Word(m.start(), m.end(), m.group(), loud))
        results: list[RecognizerResult] = []
        index = 0
        while index < len(words):
            found = self._name_at(text, self._run(text, words, index))
            if found is None:
                index += 1
                continue
            start, end, score, count = found
            results.append(self.result(start, end, score))
            index += count
        results += self._lists(text, words, results)
        return results

    def _run(self, text: str, words: list[_Word], index: int) -> list[_Word]:
        """Capitalised words one space apart from ``words[index]`` on (four at most),
        or apart by a surname's particles ("Julian van Orleans", "Ana de la Cruz")."""
        run = [words[index]]
        while len(run) < 4 and index + len(run) < len(words):
            following = words[index + len(run)]
            between = text[run[-1].end : following.start]
            if between not in (" ", "\t") and not _PARTICLES.fullmatch(between):
                break
            run.append(following)
        return run

    def _name_at(self, text: str, run: list[_Word]) -> tuple[int, int, float, int] | None:
        """The name that starts the run, its score and how many words it took."""
        names = self.names
        first = run[0]
        if first.initial or not self._name_word(first):
            return None
        for size in range(len(run), 1, -1):  # the longest full name first
            candidate = run[:size]
            last = candidate[-1]
            if (
                last.initial
                or _ORG_AFTER.match(text, last.end)
                or MODEL_AFTER.match(text, last.end)
            ):
                continue
            inner = candidate[1:-1]
            middle_initial = any(w.initial for w in inner)
            # A first name we do not know still opens a name before a surname we do
            # ("Czcibor Borkowski"), as long as it is no word a dictionary has.
            foreign = not (names.is_ordinary(first.text) or names.is_last(first.text)) and (
                names.is_last(last.text) and not names.is_ordinary(last.text)
            )
            if not (names.is_first(first.text) or middle_initial or foreign):
                continue
            if not (names.is_last(last.text) or not names.is_ordinary(last.text)):
                continue
            if names.is_ordinary(first.text) and (
                names.is_ordinary(last.text) or not names.is_last(last.text)
            ):
                continue  # "Princess Royal", "My IBAN": an ordinary word needs a known surname
            if all(w.initial or self._name_word(w) for w in inner) and self._name_word(last):
                return first.start, last.end, 0.7, size
        word = run[0].text
        after = run[0].end
        alone = len(word) >= 3 and not word.isupper() and names.is_first(word)
        product = _ORG_AFTER.match(text, after) or MODEL_AFTER.match(text, after)
        if alone and not names.is_ordinary(word) and not product:
            return run[0].start, after, 0.6, 1
        # A speaker in a transcript: "Mark: You saved my life!" opens its own line.
        line_start = run[0].start == 0 or text[run[0].start - 1] == "\n"
        if alone and line_start and text.startswith(": ", after):
            return run[0].start, after, 0.6, 1
        return None

    def _name_word(self, word: _Word) -> bool:
        if word.loud and self.names.is_ordinary(word.text):
            return False  # shouted ordinary words: "WHAT TO PRESS NEXT"
        return self.names.is_name_word(word.text)

    def _lists(
        self, text: str, words: list[_Word], found: list[RecognizerResult]
    ) -> Iterator[RecognizerResult]:
        """In a comma list that holds a name, the other unknown capitalised words are names."""
        if not found:
            return
        starts = {r.start for r in found}
        for group in _comma_groups(text, words):
            if len(group) < 3 or not any(w.start in starts for w in group):
                continue
            for word in group:
                ordinary = self.names.is_ordinary(word.text) and not self.names.is_first(word.text)
                if word.start not in starts and not ordinary and not word.initial:
                    yield self.result(word.start, word.end, 0.6)


def _comma_groups(text: str, words: list[_Word]) -> Iterator[list[_Word]]:
    """Runs of single capitalised words separated by commas (and a final "and")."""
    group: list[_Word] = []
    for word in words:
        if group:
            between = text[group[-1].end : word.start]
            if between.strip() in (",", ", and", "and", "&", ", &") and "\n" not in between:
                group.append(word)
                continue
            yield group
        group = [word]
    if group:
        yield group
