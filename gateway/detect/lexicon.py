"""Category words in other languages: one lexicon per language, read word by word.

The rules in ``categories.yaml`` are English phrases in their context. Customers
also write in their own languages, wholly or a sentence or a word at a time
("Sou diabético tipo 2", "docked the huelga days", "ich bin bei ver.di
organisiert"). Measured on text by hands that never saw the rules, such
sentences were most of what the rules missed, and a round of phrases written
from one set of tickets reached no further than those tickets. A lexicon is
knowledge instead: each file in ``data/lexicon`` holds one language's words for
the eight categories, written from general knowledge of the language for every
language at once, not from tickets (``data/SOURCES.md``).

A language's file lists:

* ``said``: phrases that are the category about a person on their own ("tengo
  cáncer", "me diagnosticaron"): score 0.9, tier ``certain``;
* ``words``: words that are the category when the sentence is about someone
  ("quimioterapia", "sindicato"): 0.8, tier ``strong``, only when a personal
  word of that language ("mi", "soy", "hija") is in the sentence, at most
  ``NEAR_WORDS`` words away. Not English personal words: in an English
  sentence ("stuck in the huelga", "my Kirchenaustritt appointment slots") a
  foreign word is a name or a topic far more often than the writer's own
  category;
* ``borrowed``: words its speakers keep when they write English, because they
  name a legal status or a role English has no word for ("I have a
  Vorstrafe", "my husband has a fodlænke", "I am hovedtillitsvalgt"; not an
  event, a place or an organisation, which English text names as news):
  0.8, ``strong``, when a personal word of the language is near, or one of
  English ("I", "my", "we", "husband") among the four words before it, in a
  sentence of any language;
* ``function``: frequent words of the language that English does not have; a
  phrase of one word, or of words English has too ("instant", "aid", "may
  cancer"), counts only with ``FUNCTION_WORDS`` of them near it;
* ``not_before``, ``not_after`` and ``not_with``, for the language and for each
  category: the words right before or after a phrase, or anywhere near it in
  its sentence, that make it a product, a place, a pet's or a figure of speech
  ("tiras para diabéticos", "syndicat de copropriété", "mi perro", "casi").

A phrase with a capital after the sentence's first word is a name ("soy
Cristiano Méndez", "Via Roma") in a language that writes its nouns in lower
case; ``nouns_capitalised: true`` says a language does not (German), and
``peoples_capitalised: true`` that it writes its peoples with a capital ("jsem
Rom"), which a said phrase may then hold ("soy Maya" is a name in Spanish).
A word an entry writes with a capital is a name the language writes so
("afiliado a Comisiones Obreras", "creo en Dios"): that word may carry one
mid-sentence, as may a short word in a list of acronyms ("alla Fiom").

A phrase is words in a row: ``a/b`` is either word, ``stem*`` any word
beginning with the stem (four letters at least), ``_`` any one word, ``#``
any number ("mi hijo de # años"; for a child, under ``ADULT``, unless the
phrase holds one of the language's ``units_under_a_year`` next to it: "mi
bebé de 20 meses"). Case and
accents are ignored on both sides (``diabetico`` matches "Diabético"), and
apostrophes and hyphens split words as spaces do ("j'ai" is "j ai"), except
that ``accents_matter: true`` (Vietnamese) keeps the accents of a sentence
typed with them: there "giao ly" (deliver a glass) is not "giáo lý"
(catechism), while a sentence typed plain matches either way.
How an entry compiles to a phrase is ``lexicon_entries.py``; how the text
around a phrase reads (sentences, names, codes, quotes) ``lexicon_context.py``.
Every language's phrases share one index, keyed by a phrase's first word, its
first two words when the second is written out ("je suis", not every "je"
phrase), or its stem's first four letters: a word costs three dictionary
lookups whatever the number of languages, and the phrases found there are
tried one by one.
"""

from __future__ import annotations

import bisect
import functools
import importlib.resources
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import regex
import yaml

from gateway.detect.lexicon_context import (
    ENGLISH_BEFORE,
    ENGLISH_NOT_AFTER,
    ENGLISH_PERSONAL,
    aside,
    cited,
    english_person,
    inside_identifier,
    joined,
    mid_sentence,
    title_case,
    typed_with_accents,
)
from gateway.detect.lexicon_entries import (
    NUMBER,
    STEM_KEY,
    WORD,
    Kind,
    Phrase,
    Slot,
    fold,
    marked,
    phrases,
)
from gateway.detect.wordlists import is_ordinary
from gateway.policy.schema import CATEGORY_NAMES

SAID_SCORE = 0.9
WORDS_SCORE = 0.8
# How far from a phrase, in words of its sentence, a personal or a function word counts.
NEAR_WORDS = 12
# Two of a language's own words near a phrase say the sentence is in it: one
# short word ("a", "de", "si") is shared by too many languages.
FUNCTION_WORDS = 2
ADULT = 18
# How often, in words, ``find`` looks at the clock.
_CLOCK_EVERY = 64
# A sentence ends at a full stop not inside a word ("ver.di"), "!", "?" or a line break.
_SENTENCE_END = regex.compile(r"[.!?](?!\w)|\n")

_FIELDS = frozenset(
    {
        "language",
        "nouns_capitalised",
        "peoples_capitalised",
        "units_under_a_year",
        "accents_matter",
        "function",
        "personal",
        "not_before",
        "not_after",
        "not_with",
        "categories",
    }
)
_KINDS: tuple[Kind, ...] = ("said", "words", "borrowed")
_CATEGORY_FIELDS = frozenset({*_KINDS, "not_before", "not_after", "not_with"})


@dataclass(frozen=True, slots=True)
class LexiconHit:
    """``text[start:end]`` is a category's phrase in ``language``: ``entry`` in its file."""

    category: str
    start: int
    end: int
    score: float
    tier: Literal["certain", "strong"]
    language: str
    entry: str


@dataclass(frozen=True, slots=True)
class _Vetoes:
    """Words that rule a phrase out: right before it, right after it, or near it in its sentence."""

    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    near: frozenset[str] = frozenset()

    def rule_out(self, before: str | None, after: str | None, near: set[str]) -> bool:
        return before in self.before or after in self.after or not self.near.isdisjoint(near)


@dataclass(frozen=True, slots=True)
class _Language:
    code: str
    function: frozenset[str]
    personal: frozenset[str]
    vetoes: _Vetoes
    category_vetoes: Mapping[str, _Vetoes]
    nouns_capitalised: bool
    peoples_capitalised: bool
    # Months, weeks, days: the number before one is not an age in years.
    short_units: frozenset[str] = frozenset()
    # A word written with accents must match them; one typed plain matches either way.
    accents_matter: bool = False


class Lexicon:
    """Every language's phrases, indexed by how they begin. Pure and thread-safe."""

    def __init__(self, languages: Mapping[str, Mapping[str, Any]]) -> None:
        self.languages: dict[str, _Language] = {}
        # Phrases by their first word; those whose second word is one of a few written out,
        # by both ("je" opens hundreds of French phrases, "je suis" a few dozen).
        self._exact: dict[str, list[Phrase]] = {}
        self._pairs: dict[tuple[str, str], list[Phrase]] = {}
        self._stems: dict[str, list[Phrase]] = {}
        for code, document in languages.items():
            self._add(code, document)

    @classmethod
    def load(cls) -> Lexicon:
        """The shipped lexicon (``data/lexicon``), read once per process."""
        return _shipped()

    def find(
        self, text: str, categories: Iterable[str] | None = None, timeout: float | None = None
    ) -> list[LexiconHit]:
        """Each category's phrases in ``text``, by start; ``TimeoutError`` past ``timeout``
        seconds (a text made of one phrase's first words, repeated, tries every phrase at
        every word).

        The classifier normalises the text first (``normalize.py``): accents written as
        combining marks are folded only after that.
        """
        wanted = frozenset(CATEGORY_NAMES if categories is None else categories)
        deadline = None if timeout is None else time.monotonic() + timeout
        folded = fold(text)
        words = [(m.start(), m.end(), m.group()) for m in WORD.finditer(folded)]
        if not words:
            return []
        ends = [m.end() for m in _SENTENCE_END.finditer(folded)]
        sentence_of = [bisect.bisect_right(ends, start) for start, _, _ in words]
        hits: list[LexiconHit] = []
        covered: dict[str, int] = {}  # category -> end of its last hit
        accented: dict[int, bool] = {}  # sentence -> typed with accents, as first asked
        for index, (start, _, word) in enumerate(words):
            if deadline is not None and index % _CLOCK_EVERY == 0 and time.monotonic() > deadline:
                raise TimeoutError
            following = words[index + 1][2] if index + 1 < len(words) else ""
            # The best phrase here, by category: said before words, then the longest, then
            # by entry, so that the order phrases are tried in never changes a hit.
            best: dict[str, tuple[float, int, str, Phrase]] = {}
            for phrase in self._candidates(word, following):
                if phrase.category not in wanted or start < covered.get(phrase.category, 0):
                    continue
                last = _match(phrase, words, sentence_of, index)
                if last is None:
                    continue
                score = SAID_SCORE if phrase.kind == "said" else WORDS_SCORE
                rank = (score, last, phrase.entry)
                if phrase.category in best and rank <= best[phrase.category][:3]:
                    continue
                if self._holds(phrase, text, folded, words, sentence_of, index, last, accented):
                    best[phrase.category] = (*rank, phrase)
            for category, (score, last, _, phrase) in best.items():
                end = words[last][1]
                tier: Literal["certain", "strong"] = "certain" if score == SAID_SCORE else "strong"
                hits.append(
                    LexiconHit(category, start, end, score, tier, phrase.language, phrase.entry)
                )
                covered[category] = end
        return hits

    def _candidates(self, word: str, following: str) -> Iterator[Phrase]:
        if word.isdigit():  # a number written out in an entry ("3f"), or any number
            yield from self._exact.get(word, ())
            yield from self._pairs.get((word, following), ())
            word = NUMBER
        yield from self._exact.get(word, ())
        yield from self._pairs.get((word, following), ())
        if len(word) >= STEM_KEY and word != NUMBER:
            yield from self._stems.get(word[:STEM_KEY], ())

    def _holds(
        self,
        phrase: Phrase,
        text: str,
        folded: str,
        words: Sequence[tuple[int, int, str]],
        sentence_of: Sequence[int],
        first: int,
        last: int,
        accented: dict[int, bool],
    ) -> bool:
        """The phrase's context: not part of a code, no veto next to it, a person and a language."""
        language = self.languages[phrase.language]
        start, end = words[first][0], words[last][1]
        if inside_identifier(text, start, end) or not all(
            joined(folded[words[i][1] : words[i + 1][0]], apostrophe=True)
            or (
                phrase.slots[i + 1 - first].number
                and aside(folded[words[i][1] : words[i + 1][0]], phrase.slots[i - first].any_word)
            )
            for i in range(first, last)
        ):
            return False
        sentence = sentence_of[first]
        # The words right before and after, when only spaces or a hyphen part them from the
        # phrase ("Diabetes-Socken"; but "Bom dia, sou diabético": "dia" is not before "sou").
        before = (
            words[first - 1][2]
            if first > 0 and joined(folded[words[first - 1][1] : start])
            else None
        )
        after = (
            words[last + 1][2]
            if last + 1 < len(words) and joined(folded[end : words[last + 1][0]])
            else None
        )
        near = range(max(0, first - NEAR_WORDS), min(len(words), last + 1 + NEAR_WORDS))
        others = {
            words[i][2] for i in near if sentence_of[i] == sentence and not first <= i <= last
        }
        category_vetoes = language.category_vetoes.get(phrase.category)
        if language.vetoes.rule_out(before, after, others) or (
            category_vetoes is not None and category_vetoes.rule_out(before, after, others)
        ):
            return False
        # One word alone ("halal", "huelga", "Kirchenaustritt" in an English sentence), or
        # words English has too ("instant", "aid"), count only in a sentence of the language:
        # in another they are a name, a label or a topic far more often.
        # A borrowed word is the exception, in any sentence, unless English has it too.
        matched = [w for _, _, w in words[first : last + 1]]
        alone = len(matched) == 1 and phrase.kind != "borrowed"
        if (alone or all(map(is_ordinary, matched))) and len(
            language.function.intersection(others)
        ) < FUNCTION_WORDS:
            return False
        if cited(text, start, end):
            return False
        # Where accents tell words apart, a sentence typed with them is read with them
        # ("giao ly", deliver a glass, is not "giáo lý", catechism); one typed plain is not.
        if language.accents_matter:
            if sentence not in accented:
                accented[sentence] = typed_with_accents(text, words, sentence_of, sentence)
            if accented[sentence]:
                written = (marked(text[words[i][0] : words[i][1]]) for i in range(first, last + 1))
                if not all(map(Slot.fits_marked, phrase.slots, written)):
                    return False
        # A child is under 18: "meine Tochter, 34" is an adult's mother writing; "mi bebé
        # de 20 meses" (or in Swahili "miezi 20") is not, when the phrase holds the unit.
        if phrase.category == "children" and any(
            words[i][2].isdigit()
            and _adult(words[i][2])
            and not {words[j][2] for j in (i - 1, i + 1) if first <= j <= last}
            & language.short_units
            for i in range(first, last + 1)
        ):
            return False
        # A word of the language with a capital mid-sentence is a name ("Via Roma",
        # "soy Cristiano Méndez"), unless the language capitalises its nouns.
        # Where a language writes peoples with a capital ("jsem Rom"), not in a said phrase;
        # where it does not, "soy Maya" is a name.
        people = language.peoples_capitalised and phrase.category == "ethnic_origin"
        people = people and phrase.kind == "said"
        # English capitalises a borrowed word ("my husband has a Fodlænke").
        if (
            not language.nouns_capitalised
            and not people
            and phrase.kind != "borrowed"
            and any(
                title_case(text, words[i][0])
                and mid_sentence(folded, words[i][0])
                and not slot.names(words[i][2])
                and not slot.any_word  # "_" is any word, a name too ("donka Sofia, 7 let")
                for slot, i in zip(phrase.slots, range(first, last + 1), strict=True)
            )
        ):
            return False
        if phrase.kind == "said" or not language.personal.isdisjoint(others):
            return True
        # A borrowed word in English: the writer or a relative just before it ("I have a
        # Vorstrafe", "my husband has an enkelband"), and no English title after it.
        if phrase.kind != "borrowed" or after in ENGLISH_NOT_AFTER:
            return False
        return any(
            sentence_of[i] == sentence
            and (words[i][2] in ENGLISH_PERSONAL or english_person(text, words, i))
            for i in range(max(0, first - ENGLISH_BEFORE), first)
        )

    def _add(self, code: str, document: Mapping[str, Any]) -> None:
        def words(fields: Mapping[str, Any], field: str) -> frozenset[str]:
            # Single words only: "na temat" or "m'a" split would make "na" a veto and "a" a
            # personal word.
            found = set()
            for entry in _strings(fields.get(field), f"{code}: {field}"):
                parts = WORD.findall(fold(entry))
                if len(parts) == 1:
                    found.add(parts[0])
            return frozenset(found)

        def vetoes(fields: Mapping[str, Any]) -> _Vetoes:
            return _Vetoes(
                words(fields, "not_before"), words(fields, "not_after"), words(fields, "not_with")
            )

        if not isinstance(document, Mapping):
            raise ValueError(f"lexicon {code}: the file must be a mapping of fields")
        unknown = set(document) - _FIELDS
        if unknown:
            raise ValueError(f"lexicon {code}: unknown field {sorted(unknown)[0]!r}")
        categories = document.get("categories") or {}
        if not isinstance(categories, Mapping) or not all(
            isinstance(lists, Mapping) for lists in categories.values()
        ):
            raise ValueError(f"lexicon {code}: categories must map each category to its lists")
        for category, lists in categories.items():
            if category not in CATEGORY_NAMES:
                raise ValueError(f"lexicon {code}: unknown category {category!r}")
            if set(lists) - _CATEGORY_FIELDS:
                field = sorted(set(lists) - _CATEGORY_FIELDS)[0]
                raise ValueError(f"lexicon {code}: categories.{category}: unknown field {field!r}")
        # A function word that English has too ("die", "den") says nothing of the language.
        self.languages[code] = _Language(
            code,
            frozenset(w for w in words(document, "function") if len(w) > 1 and not is_ordinary(w)),
            # A letter alone ("m", "a") is too often something else to put a person in a sentence.
            frozenset(w for w in words(document, "personal") if len(w) > 1),
            vetoes(document),
            {name: vetoes(lists) for name, lists in categories.items()},
            bool(document.get("nouns_capitalised")),
            bool(document.get("peoples_capitalised")),
            words(document, "units_under_a_year"),
            bool(document.get("accents_matter")),
        )
        accents = self.languages[code].accents_matter
        for category, lists in categories.items():
            for kind in _KINDS:
                where = f"{code}: categories.{category}.{kind}"
                for entry in _strings(lists.get(kind), where):
                    for phrase in phrases(entry, category, kind, code, accents):
                        self._index(phrase)

    def _index(self, phrase: Phrase) -> None:
        first = phrase.slots[0]
        second = phrase.slots[1] if len(phrase.slots) > 1 else None
        literal = second is not None and not (second.stems or second.any_word or second.number)
        for word in first.words:
            if literal and second is not None:
                for then in second.words:
                    self._pairs.setdefault((word, then), []).append(phrase)
            else:
                self._exact.setdefault(word, []).append(phrase)
        for stem in first.stems:
            self._stems.setdefault(stem[:STEM_KEY], []).append(phrase)


def _match(
    phrase: Phrase,
    words: Sequence[tuple[int, int, str]],
    sentence_of: Sequence[int],
    first: int,
) -> int | None:
    """The index of the phrase's last word when it begins at ``first``, in one sentence."""
    last = first + len(phrase.slots) - 1
    if last >= len(words) or sentence_of[last] != sentence_of[first]:
        return None
    for offset, slot in enumerate(phrase.slots):
        if not slot.fits(words[first + offset][2]):
            return None
    return last


def _adult(number: str) -> bool:
    digits = number.lstrip("0")
    return len(digits) > 2 or int(digits or "0") >= ADULT


# libyaml's loader where it is built (a second, not a tenth, for 28 files); safe either way.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_languages() -> dict[str, Any]:
    """The shipped files, by language code; ``ValueError`` naming a file that is not YAML."""
    folder = importlib.resources.files("gateway.detect").joinpath("data/lexicon")
    documents: dict[str, Any] = {}
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if item.name.endswith(".yaml"):
            try:
                document = yaml.load(item.read_text("utf-8"), Loader=_LOADER)
            except yaml.YAMLError as error:
                raise ValueError(f"gateway/detect/data/lexicon/{item.name}: {error}") from None
            documents[item.name.removesuffix(".yaml")] = document
    return documents


def _strings(value: Any, where: str) -> list[str]:
    """A list of strings, or nothing; ``ValueError`` naming the field otherwise."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ValueError(f"lexicon {where}: expected a list of words or phrases")
    return [str(v) for v in value]


@functools.cache
def _shipped() -> Lexicon:
    return Lexicon(read_languages())
