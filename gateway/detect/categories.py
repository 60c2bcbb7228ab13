"""Sensitive categories: what a ticket is *about*, not who it names.

A ticket about a customer's cancer treatment is not fit to leave the company
once its name is tokenized. This module finds the GDPR special categories and
other high-risk content in text (:data:`~gateway.policy.schema.CATEGORY_NAMES`)
so that a policy can block such a ticket, divert it in-house, or tokenize the
evidence.

The method is curated terms read in their context, kept as data in
``categories.yaml``; the file's header explains the scoring. In short: a
phrase that is the category on its own scores 0.9 (``diagnosed with``,
``subject access request``); a word scores 0.6 or 0.4 alone and 0.35 more in
a personal frame (``I'm diabetic``, ``my lawyer``), and vetoes rule out the
near misses (``insulin pump order``, ``health check``, ``legal entity``,
``credit union``, ``Church Road``). Rules come first because every decision
is explained by the rule that made it, a policy author can read and extend
the terms, and they cost about 3 ms per ticket (README, "Through the
server"). Three finders join them: other languages' phrases
(``lexicon.py``, 28 languages, read with the rules' tiers), and for what no
phrase carries, same-sex couples read from names (``couples.py``) and a
small shipped classifier (``category_model.py``, tier ``model``), which
never overturns a near miss the rules vetoed in the same window.
``bench/categories.py`` measures them all, with and without the model.

    >>> classifier = CategoryClassifier.load(model=False)  # the rules alone
    >>> [(h.category, h.tier) for h in classifier.classify("I'm diabetic and the pump failed")]
    [('health', 'strong')]
    >>> classifier.classify("Where is my insulin pump order?")
    []

Detections carry the category, a score, and the evidence span: offsets into
the original text, never the text.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import regex

from gateway.detect import category_rules, word_openings
from gateway.detect.budget import budget
from gateway.detect.category_model import CategoryModel
from gateway.detect.category_rules import TIERS, Category, Rules, Tier, Vetoes
from gateway.detect.couples import SameSexCouples
from gateway.detect.lexicon import Lexicon
from gateway.detect.normalize import NormalizedText, normalize
from gateway.errors import DetectionError
from gateway.policy.schema import CATEGORY_NAMES

FRAME_BOOST = 0.35
# How far around a word its context is read, within its sentence.
LEFT_CHARS = 80
RIGHT_CHARS = 60
NEAR_LEFT = 50
NEAR_RIGHT = 30
_SENTENCE_END = regex.compile(r"[.!?\n]")
# A word's first character; after an apostrophe only when it opens a quote ('sick leave').
_WORD_START = regex.compile(r"(?<!\w)(?<!\w')\w")
# A capitalised word after another word (not opening the sentence, not after
# a comma) and not one that people capitalise mid-sentence: a name.
_AFTER_NAME = regex.compile(
    r"\w\s+(?!(?:My|The|Our|Your|His|Her|Their|This|That|These|Those|We|He|She|They|It|An"
    r"|Hi|Hello|Hey|Dear|Please|Thanks|Thank|And|But|So|Since|As|Being|Because|When|After"
    r"|Before|If|Also|Now|Just|Still|Only|Very|Really|Mr|Mrs|Ms|Dr|Im)\b)[A-Z][a-z]+\s+\Z"
)
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


@dataclass(frozen=True, slots=True)
class CategoryHit:
    """Evidence of a category: ``text[start:end]`` of the original text."""

    category: str
    start: int
    end: int
    score: float
    tier: Tier


class CategoryClassifier:
    """Finds sensitive categories in text. Pure and thread-safe; build once per policy."""

    def __init__(
        self,
        categories: Sequence[Category],
        personal: regex.Pattern[str],
        vetoes: Vetoes,
        timeout_s: float = 1.0,
        model: CategoryModel | None = None,
        couples: SameSexCouples | None = None,
        lexicon: Lexicon | None = None,
    ) -> None:
        self.categories = tuple(categories)
        self.model = model
        self.couples = couples
        self.lexicon = lexicon
        self.personal = personal
        self.vetoes = vetoes
        self.timeout = timeout_s
        # The (category, term) pairs to try at a word, each category's terms in tier order.
        self.openings = word_openings.Openings([c.index for c in self.categories])

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    @classmethod
    def load(
        cls, names: Iterable[str] | None = None, timeout_ms: int = 1000, model: bool = True
    ) -> CategoryClassifier:
        """The shipped rules, and the shipped model unless ``model`` is false, for ``names``
        only (default: every category)."""
        wanted = CATEGORY_NAMES if names is None else tuple(names)
        return _shipped(wanted, timeout_ms, model)

    @classmethod
    def from_rules(
        cls,
        document: Mapping[str, Any],
        names: Iterable[str] | None = None,
        timeout_ms: int = 1000,
        model: CategoryModel | None = None,
    ) -> CategoryClassifier:
        return _classifier(Rules(document), names, timeout_ms, model)

    def classify(self, text: str) -> list[CategoryHit]:
        """Every category found in ``text``, by start; raises ``DetectionError`` on a timeout."""
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str]) -> list[list[CategoryHit]]:
        """``classify`` for each text; the model reads them all in one batch."""
        found: list[list[CategoryHit]] = []
        read: list[tuple[int, NormalizedText, dict[str, list[tuple[int, int]]]]] = []
        for number, text in enumerate(texts):
            if not text or not text.strip():
                found.append([])
                continue
            normalized = normalize(text)
            hits, ruled_out = self._rules(normalized)
            found.append(hits)
            read.append((number, normalized, ruled_out))
        if self.model is not None and read:
            batch = [(normalized.text, ruled_out) for _, normalized, ruled_out in read]
            for (number, normalized, _), model_hits in zip(
                read, self.model.hits_many(batch), strict=True
            ):
                for hit in model_hits:
                    start, end = normalized.to_original(hit.start, hit.end)
                    found[number].append(CategoryHit(hit.category, start, end, hit.score, "model"))
        for hits in found:
            hits.sort(key=lambda h: (h.start, h.category))
        return found

    def _rules(
        self, normalized: NormalizedText
    ) -> tuple[list[CategoryHit], dict[str, list[tuple[int, int]]]]:
        """The rules', the couples finder's and the lexicon's hits, and each category's vetoed spans."""
        folded = normalized.text.translate(_APOSTROPHES)
        limit = budget(self.timeout, folded)
        hits: list[CategoryHit] = []
        ruled_out: dict[str, list[tuple[int, int]]] = {}  # category -> vetoed spans, by start
        try:
            self._scan(normalized, folded, limit, hits, ruled_out)
            couples = self.couples.find(folded, limit) if self.couples is not None else []
            lexicon = self.lexicon.find(folded, self.names, limit) if self.lexicon else []
        except TimeoutError:
            raise DetectionError("the category rules ran past their time budget") from None
        for couple in couples:
            start, end = normalized.to_original(couple.start, couple.end)
            hits.append(CategoryHit("sexual_orientation", start, end, 0.9, "certain"))
        for found in lexicon:
            start, end = normalized.to_original(found.start, found.end)
            hits.append(CategoryHit(found.category, start, end, found.score, found.tier))
        return hits, ruled_out

    def _scan(
        self,
        normalized: NormalizedText,
        folded: str,
        limit: float,
        hits: list[CategoryHit],
        ruled_out: dict[str, list[tuple[int, int]]],
    ) -> None:
        """Fill ``hits``, and ``ruled_out`` with each category's vetoed terms (spans, by start)."""
        # One category's hits do not overlap: inside a hit, a later term of the
        # same category only raises it (a certain phrase inside a loose match).
        resume = [0] * len(self.categories)
        covering: dict[int, int] = {}  # category -> index in hits of the hit that set resume
        deadline = time.monotonic() + limit
        for word in _WORD_START.finditer(folded, timeout=limit):
            if time.monotonic() > deadline:
                raise TimeoutError
            position = word.start()
            judged: set[int] = set()  # categories with a hit at this position
            for category_number, term_number in self.openings.at(folded, position):
                if category_number in judged:
                    continue
                inside = position < resume[category_number]
                if inside and hits[covering[category_number]].tier == "certain":
                    continue
                category = self.categories[category_number]
                match = category.terms[term_number].match(folded, position)
                if match is None:
                    continue
                hit = self._judge(category, term_number, folded, match.span(), limit)
                if hit is None:
                    ruled_out.setdefault(category.name, []).append(match.span())
                    continue  # ruled out: a narrower term of the category may still hold
                judged.add(category_number)
                start, end = normalized.to_original(hit.start, hit.end)
                if inside:
                    outer = hits[covering[category_number]]
                    if hit.score <= outer.score:
                        continue
                    start, end = outer.start, max(outer.end, end)
                    hits[covering[category_number]] = CategoryHit(
                        hit.category, start, end, hit.score, hit.tier
                    )
                else:
                    covering[category_number] = len(hits)
                    hits.append(CategoryHit(hit.category, start, end, hit.score, hit.tier))
                resume[category_number] = max(resume[category_number], match.end())

    def _judge(
        self, category: Category, term_number: int, text: str, span: tuple[int, int], limit: float
    ) -> CategoryHit | None:
        term = category.term_rules[term_number]
        start, end = span
        if _inside_identifier(text, start, end):
            return None
        # A name ("Union Pacific", 'Gay Street'), for words that are not the
        # category on their own; peoples are written capitalised in pairs
        # ("Turkish Cypriot").
        if (
            term.tier != "certain"
            and category.name != "ethnic_origin"
            and (_brand(text, start, end) or _quoted_title(text, start, end))
        ):
            return None
        left, right = _context(text, start, end)
        vetoes = self.vetoes
        if vetoes.after_any is not None and vetoes.after_any.match(right, timeout=limit):
            return None
        if (_quoted(text, start, end) and not _CALLED.search(left)) or (
            term.tier != "certain"
            and vetoes.organisation_before is not None
            and vetoes.organisation_after is not None
            and vetoes.organisation_before.search(left, timeout=limit)
            and vetoes.organisation_after.match(right, timeout=limit)
        ):
            return None
        if term.veto_before_name and _AFTER_NAME.search(left):
            return None
        for veto in (term.veto_before, category.veto_before):
            if veto is not None and veto.search(left, timeout=limit):
                return None
        vetoes_after = [term.veto_after, category.veto_after]
        if term.tier != "certain":
            vetoes_after.append(vetoes.after_all)
        for veto in vetoes_after:
            if veto is not None and veto.match(right, timeout=limit):
                return None
        if self._about_an_animal(category, left, right, limit):
            return None
        boost = 0.0
        if (category.frames is not None and category.frames.search(left, timeout=limit)) or (
            category.after is not None and category.after.match(right, timeout=limit)
        ):
            boost = FRAME_BOOST
        elif category.personal_boost and (
            (near := category.near or self.personal).search(left[-NEAR_LEFT:], timeout=limit)
            or near.search(right[:NEAR_RIGHT], timeout=limit)
        ):
            boost = category.personal_boost
        score = round(min(0.99, TIERS[term.tier] + boost), 2)
        return CategoryHit(category.name, start, end, score, term.tier)

    def _about_an_animal(self, category: Category, left: str, right: str, limit: float) -> bool:
        """The sentence is about an animal, not a person: the vet or a pet business named
        before the hit with no person or new clause between ("our cat, vet visit for a UTI";
        not "the vet for his follow-up because I was in hospital", "Vet reminders come at
        6am; with the long COVID fatigue"), or an animal right after it ("a 2 yr old tabby")."""
        if category.veto_within is not None:
            named = list(category.veto_within.finditer(left, timeout=limit))
            if named:
                between = left[named[-1].end() :]
                if not (";" in between or ":" in between) and not self.personal.search(
                    between, timeout=limit
                ):
                    return True
        after = category.veto_within_after
        return after is not None and after.match(right, timeout=limit) is not None


# What someone was called, quoted ('called me "sudaca"'), is said, not mentioned.
_CALLED = regex.compile(
    r"\bcall(?:ed|ing|s)?\s+(?:me|us|him|her|them|my\s+\w+)\s+(?:an?\s+)?[\"“]?\Z"
)

_JOINERS = frozenset("@._/-=")


def _inside_identifier(text: str, start: int, end: int) -> bool:
    """Part of an email, a URL, a file or a code ("sue.m@...", "/health/", "legal_name")."""
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    following = text[end + 1] if end + 1 < len(text) else ""
    return (before in _JOINERS and before != "-") or (
        after in _JOINERS and following.isalnum() and after != "-"
    )


# "Union Pacific", "Probation Period training", "Subpoena Sports Bar": a
# capitalised term inside a sentence followed by a capitalised word is a name.
# Not when that word makes an institution ("Financial Ombudsman Service").
_CAPITALISED_NEXT = regex.compile(
    r"\s+(?!(?:Service|Office|Bureau|Association|Society|Union|Church|Council|Court|Commission"
    r"|Authority|Party|Trust|Centre|Center|Hospital|Clinic|Board|Tribunal|Department|Agency"
    r"|Advice|Federation|Congress|Workers|Officers|Group|Team|Unit|Prison|Police|Act|Acts"
    r"|Practices|Regulation|Regulations|Law)\b)[A-Z][a-z]"
)
_SENTENCE_START = regex.compile(r"(?:\A|[.!?:;\n\"'(\[]|^)\s*\Z")


def _brand(text: str, start: int, end: int) -> bool:
    if not (text[start].isupper() and text[start + 1 : start + 2].islower()):
        return False
    if _SENTENCE_START.search(text[max(0, start - 20) : start]) or _title_case_line(text, start):
        return False
    return _CAPITALISED_NEXT.match(text, end) is not None


def _title_case_line(text: str, at: int) -> bool:
    """A subject line or a heading ("Refund For Chemotherapy Wig Order"): capitals say nothing."""
    # The line around the term, at most a heading's worth each side: a body of
    # one long line must not be read whole for every capitalised word in it.
    floor = max(0, at - _HEADING_CHARS)
    newline = text.rfind("\n", floor, at)
    line_start = newline + 1 if newline >= 0 else floor
    line_end = text.find("\n", at, at + _HEADING_CHARS)
    words = _LETTER_WORD.findall(
        text[line_start : line_end if line_end >= 0 else at + _HEADING_CHARS]
    )
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= 0.7 * len(words)


def _quoted(text: str, start: int, end: int) -> bool:
    """A word quoted as a word ("arrested" the pipeline), not used."""
    if start == 0 or end >= len(text) or any(c.isspace() for c in text[start:end]):
        return False  # a quoted phrase ("men seeking men") is still said
    return text[start - 1] in '"“' and text[end] in '"”'


def _quoted_title(text: str, start: int, end: int) -> bool:
    """Inside a short quoted title ('Gay Street', 'Felony Fries'): a name."""
    opening = _QUOTED_TITLE.search(text[max(0, start - 30) : start + 2])
    closing = _CLOSING.match(text[end : end + 30])
    if opening is None or closing is None:
        return False
    words = _LETTER_WORD.findall(opening.group() + text[start + 2 : end] + closing.group())
    return 0 < len(words) <= 4 and all(w[0].isupper() for w in words)


# An opening quote (not an apostrophe inside a word) before a capitalised word,
# with no quote between it and the term; and its closing quote after the term.
# Engravings and cake messages are the customer's own words, not names.
_QUOTED_TITLE = regex.compile(
    r"(?:^|(?<=[\s(]))['\"“‘](?!(?:Mr|Mrs|Ms|Mx|Happy|Love|To|Dear)\b)[A-Z][a-z][^'\"“”‘’\n]*\Z"
)
_CLOSING = regex.compile(r"[^'\"“”‘’\n]{0,29}['\"”’](?!\w)")
_HEADING_CHARS = 300
_LETTER_WORD = regex.compile(r"[^\W\d_][\w'-]*")


def _classifier(
    rules: Rules,
    names: Iterable[str] | None,
    timeout_ms: int,
    model: CategoryModel | None,
    lexicon: Lexicon | None = None,
) -> CategoryClassifier:
    wanted = CATEGORY_NAMES if names is None else tuple(names)
    return CategoryClassifier(
        [rules.category(name) for name in wanted],
        rules.personal,
        rules.vetoes,
        timeout_ms / 1000,
        model,
        SameSexCouples.load() if "sexual_orientation" in wanted else None,
        lexicon,
    )


@functools.cache
def _shipped_rules() -> Rules:
    # Nothing is read or compiled until first asked; then every app built in
    # one process (tests build hundreds, a reload builds another) shares it.
    return Rules(category_rules.shipped_document(), category_rules.shipped_index())


@functools.lru_cache(maxsize=8)
def _shipped(names: tuple[str, ...], timeout_ms: int, model: bool) -> CategoryClassifier:
    shipped_model = CategoryModel.load(names) if model else None
    return _classifier(_shipped_rules(), names, timeout_ms, shipped_model, Lexicon.load())


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    """The words before and after a match, within its sentence."""
    left = text[max(0, start - LEFT_CHARS) : start]
    cut = max((m.end() for m in _SENTENCE_END.finditer(left)), default=0)
    left = left[cut:]
    right = text[end : end + RIGHT_CHARS]
    stop = _SENTENCE_END.search(right)
    if stop is not None:
        right = right[: stop.start()]
    return left, right
