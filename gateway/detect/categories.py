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
``credit union``, ``Church Road``). Why rules and not a classifier: every
decision is explained by the rule that made it, nothing has to be downloaded
or trained on text the company cannot share, a policy author can read and
extend the terms, and it costs well under a millisecond per ticket
(``bench/categories.py`` measures it, and its recall and false blocks).

    >>> classifier = CategoryClassifier.load()
    >>> [(h.category, h.tier) for h in classifier.classify("I'm diabetic and the pump failed")]
    [('health', 'strong')]
    >>> classifier.classify("Where is my insulin pump order?")
    []

Detections carry the category, a score, and the evidence span: offsets into
the original text, never the text.
"""

from __future__ import annotations

import importlib.resources
import re
import string
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import regex
import yaml

from gateway.detect.budget import budget
from gateway.detect.normalize import NormalizedText, normalize
from gateway.errors import DetectionError
from gateway.policy.schema import CATEGORY_NAMES

Tier = Literal["certain", "strong", "weak"]
TIERS: Mapping[Tier, float] = {"certain": 0.9, "strong": 0.6, "weak": 0.4}
FRAME_BOOST = 0.35
# How far around a word its context is read, within its sentence.
LEFT_CHARS = 80
RIGHT_CHARS = 60
NEAR_LEFT = 50
NEAR_RIGHT = 30
_FLAGS = regex.IGNORECASE | regex.VERSION0
_SENTENCE_END = regex.compile(r"[.!?\n]")
_WORD_START = regex.compile(r"(?<![\w'])\w")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


@dataclass(frozen=True, slots=True)
class CategoryHit:
    """Evidence of a category: ``text[start:end]`` of the original text."""

    category: str
    start: int
    end: int
    score: float
    tier: Tier


@dataclass(frozen=True, slots=True)
class _Term:
    tier: Tier
    veto_before: regex.Pattern[str] | None
    veto_after: regex.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class _Category:
    name: str
    terms: tuple[re.Pattern[str], ...]  # in tier order: certain, strong, weak
    index: Mapping[str, tuple[int, ...]]  # a word's first two characters -> terms
    term_rules: tuple[_Term, ...]
    frames: regex.Pattern[str] | None
    after: regex.Pattern[str] | None
    veto_before: regex.Pattern[str] | None
    veto_after: regex.Pattern[str] | None
    personal_boost: float


class CategoryClassifier:
    """Finds sensitive categories in text. Pure and thread-safe; build once per policy."""

    def __init__(
        self,
        categories: Sequence[_Category],
        personal: regex.Pattern[str],
        veto_after_all: regex.Pattern[str] | None,
        timeout_s: float = 1.0,
    ) -> None:
        self.categories = tuple(categories)
        self.personal = personal
        self.veto_after_all = veto_after_all
        self.timeout = timeout_s
        # A word's first two characters -> (category, term) pairs to try there,
        # each category's terms in tier order.
        openings: dict[str, list[tuple[int, int]]] = {}
        for number, category in enumerate(self.categories):
            for opening, terms in category.index.items():
                openings.setdefault(opening, []).extend((number, t) for t in terms)
        self.openings = {k: tuple(v) for k, v in openings.items()}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    @classmethod
    def load(cls, names: Iterable[str] | None = None, timeout_ms: int = 1000) -> CategoryClassifier:
        """The shipped rules, for ``names`` only (default: every category)."""
        text = (
            importlib.resources.files("gateway.detect")
            .joinpath("categories.yaml")
            .read_text("utf-8")
        )
        return cls.from_rules(yaml.safe_load(text), names, timeout_ms)

    @classmethod
    def from_rules(
        cls, document: Mapping[str, Any], names: Iterable[str] | None = None, timeout_ms: int = 1000
    ) -> CategoryClassifier:
        macros = {k: str(v) for k, v in document.get("macros", {}).items()}
        rules = document["categories"]
        unknown = set(rules) - set(CATEGORY_NAMES)
        if unknown:
            raise ValueError(f"categories.yaml: unknown categories {sorted(unknown)}")
        wanted = CATEGORY_NAMES if names is None else tuple(names)
        categories = [_category(name, rules[name], macros) for name in wanted]
        return cls(
            categories,
            regex.compile(_expand(document["personal"], macros), _FLAGS),
            _after([document["veto_after_all"]], macros) if "veto_after_all" in document else None,
            timeout_ms / 1000,
        )

    def classify(self, text: str) -> list[CategoryHit]:
        """Every category found in ``text``, by start; raises ``DetectionError`` on a timeout."""
        if not text or not text.strip():
            return []
        normalized = normalize(text)
        folded = normalized.text.translate(_APOSTROPHES)
        limit = budget(self.timeout, folded)
        hits: list[CategoryHit] = []
        try:
            self._scan(normalized, folded, limit, hits)
        except TimeoutError:
            raise DetectionError("the category rules ran past their time budget") from None
        hits.sort(key=lambda h: (h.start, h.category))
        return hits

    def _scan(
        self, normalized: NormalizedText, folded: str, limit: float, hits: list[CategoryHit]
    ) -> None:
        resume = [0] * len(self.categories)  # one category's matches do not overlap
        deadline = time.monotonic() + limit
        for word in _WORD_START.finditer(folded, timeout=limit):
            if time.monotonic() > deadline:
                raise TimeoutError
            position = word.start()
            # Lowered per word: lowering a whole text can change its length ("İ").
            opening = folded[position : position + 2].lower()
            if len(opening) == 2 and opening[1].isspace():
                opening = opening[0] + " "
            for number, term in self.openings.get(opening, ()):
                if position < resume[number]:
                    continue
                category = self.categories[number]
                match = category.terms[term].match(folded, position)
                if match is None:
                    continue
                resume[number] = match.end()
                hit = self._judge(category, term, folded, match.span(), limit)
                if hit is not None:
                    start, end = normalized.to_original(hit.start, hit.end)
                    hits.append(CategoryHit(hit.category, start, end, hit.score, hit.tier))

    def classify_many(self, texts: Sequence[str]) -> list[list[CategoryHit]]:
        return [self.classify(t) for t in texts]

    def _judge(
        self, category: _Category, number: int, text: str, span: tuple[int, int], limit: float
    ) -> CategoryHit | None:
        term = category.term_rules[number]
        start, end = span
        left, right = _context(text, start, end)
        for veto in (term.veto_before, category.veto_before):
            if veto is not None and veto.search(left, timeout=limit):
                return None
        vetoes_after = [term.veto_after, category.veto_after]
        if term.tier != "certain":
            vetoes_after.append(self.veto_after_all)
        for veto in vetoes_after:
            if veto is not None and veto.match(right, timeout=limit):
                return None
        boost = 0.0
        if (category.frames is not None and category.frames.search(left, timeout=limit)) or (
            category.after is not None and category.after.match(right, timeout=limit)
        ):
            boost = FRAME_BOOST
        elif category.personal_boost and (
            self.personal.search(left[-NEAR_LEFT:], timeout=limit)
            or self.personal.search(right[:NEAR_RIGHT], timeout=limit)
        ):
            boost = category.personal_boost
        score = round(min(0.99, TIERS[term.tier] + boost), 2)
        return CategoryHit(category.name, start, end, score, term.tier)


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


def _expand(pattern: str, macros: Mapping[str, str]) -> str:
    for name, value in macros.items():
        pattern = pattern.replace("{" + name + "}", value)
    return pattern


def _before(patterns: Sequence[str], macros: Mapping[str, str]) -> regex.Pattern[str] | None:
    if not patterns:
        return None
    body = "|".join(f"(?:{_expand(p, macros)})" for p in patterns)
    return regex.compile(rf"(?:{body})\s*\Z", _FLAGS)


def _after(patterns: Sequence[str], macros: Mapping[str, str]) -> regex.Pattern[str] | None:
    if not patterns:
        return None
    body = "|".join(f"(?:{_expand(p, macros)})" for p in patterns)
    return regex.compile(rf"\s*(?:{body})", _FLAGS)


def _frames(patterns: Sequence[str], macros: Mapping[str, str]) -> regex.Pattern[str] | None:
    """A frame ends just before the word, with at most two words between."""
    if not patterns:
        return None
    body = "|".join(f"(?:{_expand(p, macros)})" for p in patterns)
    return regex.compile(rf"(?:{body})[\s,]+(?:[\w'-]+[\s,]+){{0,2}}\Z", _FLAGS)


def _category(name: str, rules: Mapping[str, Any], macros: Mapping[str, str]) -> _Category:
    patterns: list[str] = []
    terms: list[_Term] = []
    for tier in TIERS:
        for entry in rules.get(tier) or []:
            spec = entry if isinstance(entry, dict) else {"pattern": entry}
            patterns.append(_expand(spec["pattern"], macros))
            terms.append(
                _Term(
                    tier,
                    _before(spec.get("veto_before", []), macros),
                    _after(spec.get("veto_after", []), macros),
                )
            )
    try:
        compiled = tuple(regex.compile(f"(?:{p})(?!\\w)", _FLAGS) for p in patterns)
        # Matched with the standard ``re`` (about a fifth of ``regex``'s cost per
        # call, and a ticket makes a thousand calls), which has no time limit of
        # its own: the scan checks its deadline at every word, and the shipped
        # terms are anchored and bounded (tests/test_categories.py runs every
        # one against backtracking bait), so no single match runs long.
        fast = tuple(re.compile(p.pattern, re.IGNORECASE) for p in compiled)
        return _Category(
            name=name,
            terms=fast,
            index=_index(compiled),
            term_rules=tuple(terms),
            frames=_frames(rules.get("frames", []), macros),
            after=_after(rules.get("after", []), macros),
            veto_before=_before(rules.get("veto_before", []), macros),
            veto_after=_after(rules.get("veto_after", []), macros),
            personal_boost=float(rules.get("personal_boost", 0.2)),
        )
    except (regex.error, re.error) as exc:
        raise ValueError(f"categories.yaml: {name}: {exc}") from None


_ALPHABET = string.ascii_lowercase + string.digits + " '-&./,+("


def _index(patterns: Sequence[regex.Pattern[str]]) -> dict[str, tuple[int, ...]]:
    """Which terms can start with each two-character word opening (``"di"``, ``"my"``, ``"i'"``).

    A single alternation of a hundred terms tries every one at every word
    start (3.6 ms per kilobyte of text here); looked up by a word's first two
    characters, a word start tries only the few terms that can begin there.
    The opening of each term is found by asking the regex engine which
    prefixes could still become a match (a partial match).
    """
    index: dict[str, list[int]] = {}
    for number, pattern in enumerate(patterns):
        # Case matters only to terms with a case-sensitive part ("(?-i:HIV)").
        cased = "(?-i" in pattern.pattern
        for first in string.ascii_lowercase + string.digits:
            firsts = {first, first.upper()} if cased else {first}
            if not any(pattern.match(c, partial=True) for c in firsts):
                continue
            for second in _ALPHABET:
                pair = first + second
                openings = {pair, first.upper() + second, pair.upper()} if cased else {pair}
                if any(pattern.match(o, partial=True) for o in openings):
                    index.setdefault(pair, []).append(number)
    return {key: tuple(sorted(set(numbers))) for key, numbers in index.items()}
