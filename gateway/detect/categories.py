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
the terms, and they cost well under a millisecond per ticket. Two finders
join them for what no phrase carries: same-sex couples read from names
(``couples.py``) and a small shipped classifier (``category_model.py``,
tier ``model``), which never overturns a near miss the rules vetoed in the
same window. ``bench/categories.py`` measures all three, with and without
the model.

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
import importlib.resources
import itertools
import re
import string
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import regex
import yaml

from gateway.detect import namelists
from gateway.detect.budget import budget
from gateway.detect.category_model import CategoryModel
from gateway.detect.couples import SameSexCouples
from gateway.detect.normalize import NormalizedText, normalize
from gateway.errors import DetectionError
from gateway.policy.schema import CATEGORY_NAMES

# "model": the shipped classifier (category_model.py), not a rule.
Tier = Literal["certain", "strong", "weak", "model"]
TIERS: Mapping[Tier, float] = {"certain": 0.9, "strong": 0.6, "weak": 0.4}
FRAME_BOOST = 0.35
# How far around a word its context is read, within its sentence.
LEFT_CHARS = 80
RIGHT_CHARS = 60
NEAR_LEFT = 50
NEAR_RIGHT = 30
_FLAGS = regex.IGNORECASE | regex.VERSION0
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


@dataclass(frozen=True, slots=True)
class _Term:
    tier: Tier
    veto_before: regex.Pattern[str] | None
    veto_after: regex.Pattern[str] | None
    # After a capitalised word inside the sentence, the term is a surname
    # ("Elaine English", "Vincent White"), not what it names.
    veto_before_name: bool = False


@dataclass(frozen=True, slots=True)
class _Category:
    name: str
    terms: tuple[re.Pattern[str], ...]  # in tier order: certain, strong, weak
    index: Mapping[str, tuple[int, ...]]  # a word's opening (see _index) -> terms
    term_rules: tuple[_Term, ...]
    frames: regex.Pattern[str] | None
    after: regex.Pattern[str] | None
    veto_before: regex.Pattern[str] | None
    veto_after: regex.Pattern[str] | None
    personal_boost: float
    near: regex.Pattern[str] | None  # the words that earn personal_boost (default: personal)


class CategoryClassifier:
    """Finds sensitive categories in text. Pure and thread-safe; build once per policy."""

    def __init__(
        self,
        categories: Sequence[_Category],
        personal: regex.Pattern[str],
        vetoes: _Vetoes,
        timeout_s: float = 1.0,
        model: CategoryModel | None = None,
        couples: SameSexCouples | None = None,
    ) -> None:
        self.categories = tuple(categories)
        self.model = model
        self.couples = couples
        self.personal = personal
        self.vetoes = vetoes
        self.timeout = timeout_s
        # A word's opening (see _index) -> (category, term) pairs to try there,
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
        macros = {k: str(v) for k, v in document.get("macros", {}).items()}
        # A list's pattern goes in last: the macros above may use it ("{UNION_LIST}").
        lists = {k: _name_list(k, v) for k, v in document.get("lists", {}).items()}
        macros |= {k: found.pattern for k, found in lists.items()}
        tries = {key: trie for found in lists.values() for key, trie in found.tries.items()}
        openings = {key: o for found in lists.values() for key, o in found.openings.items()}
        rules = document["categories"]
        unknown = set(rules) - set(CATEGORY_NAMES)
        if unknown:
            raise ValueError(f"categories.yaml: unknown categories {sorted(unknown)}")
        wanted = CATEGORY_NAMES if names is None else tuple(names)
        categories = [_category(name, rules[name], macros, tries, openings) for name in wanted]

        def optional(key: str) -> list[str]:
            return [document[key]] if key in document else []

        vetoes = _Vetoes(
            after_all=_after(optional("veto_after_all"), macros),
            after_any=_after(optional("veto_after_any"), macros),
            organisation_before=_before(optional("organisation_before"), macros),
            organisation_after=_after(optional("organisation_after"), macros),
        )
        return cls(
            categories,
            regex.compile(_expand(document["personal"], macros), _FLAGS),
            vetoes,
            timeout_ms / 1000,
            model,
            SameSexCouples.load() if "sexual_orientation" in wanted else None,
        )

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
        """The rules' and the couples finder's hits, and each category's vetoed spans."""
        folded = normalized.text.translate(_APOSTROPHES)
        limit = budget(self.timeout, folded)
        hits: list[CategoryHit] = []
        ruled_out: dict[str, list[tuple[int, int]]] = {}  # category -> vetoed spans, by start
        try:
            self._scan(normalized, folded, limit, hits, ruled_out)
            couples = self.couples.find(folded, limit) if self.couples is not None else []
        except TimeoutError:
            raise DetectionError("the category rules ran past their time budget") from None
        for couple in couples:
            start, end = normalized.to_original(couple.start, couple.end)
            hits.append(CategoryHit("sexual_orientation", start, end, 0.9, "certain"))
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
            # Lowered per word: lowering a whole text can change its length ("İ").
            opening = _opening(folded[position : position + 3].lower())
            judged: set[int] = set()  # categories with a hit at this position
            for category_number, term_number in self.openings.get(opening, ()):
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
        self, category: _Category, term_number: int, text: str, span: tuple[int, int], limit: float
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
        if _quoted(text, start, end) or (
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


@dataclass(frozen=True, slots=True)
class _Vetoes:
    """Rules that apply to every category (the header of categories.yaml)."""

    after_all: regex.Pattern[str] | None  # words and weak words only: a product, a setting
    after_any: regex.Pattern[str] | None  # any term: the name of a show, a game
    organisation_before: regex.Pattern[str] | None  # "we're a law firm": both must match
    organisation_after: regex.Pattern[str] | None


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


@functools.lru_cache(maxsize=8)
def _shipped(names: tuple[str, ...], timeout_ms: int, model: bool) -> CategoryClassifier:
    # Compiling the rules and their index takes seconds (the name lists' tries
    # among them); the result is immutable, so every app built in one process
    # (tests build hundreds, a reload builds another) shares it. Nothing is
    # built until first asked.
    text = (
        importlib.resources.files("gateway.detect").joinpath("categories.yaml").read_text("utf-8")
    )
    shipped_model = CategoryModel.load(names) if model else None
    return CategoryClassifier.from_rules(yaml.safe_load(text), names, timeout_ms, shipped_model)


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
    return regex.compile(rf"\s*[\"”']?\s*(?:{body})", _FLAGS)


def _frames(patterns: Sequence[str], macros: Mapping[str, str]) -> regex.Pattern[str] | None:
    """A frame ends just before the word, with at most two words between."""
    if not patterns:
        return None
    body = "|".join(f"(?:{_expand(p, macros)})" for p in patterns)
    return regex.compile(rf"(?:{body})[\s,]+(?:[\w'-]+[\s,]+){{0,2}}\Z", _FLAGS)


def _category(
    name: str,
    rules: Mapping[str, Any],
    macros: Mapping[str, str],
    tries: Mapping[str, str],
    openings: Mapping[str, str],
) -> _Category:
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
                    # Words (not whole phrases) after a capitalised word are
                    # surnames unless the rule says otherwise.
                    bool(spec.get("veto_before_name", tier != "certain")),
                )
            )
    try:
        patterns = [f"(?:{p})(?!\\w)" for p in patterns]
        # For the index, a list is how its names begin (see _openings_only); for
        # matching, its trie.
        compiled = tuple(regex.compile(_openings_only(p, openings), _FLAGS) for p in patterns)
        # Matched with the standard ``re`` (about a fifth of ``regex``'s cost per
        # call, and a ticket makes a thousand calls), which has no time limit of
        # its own: the scan checks its deadline at every word, and the shipped
        # terms are anchored and bounded (tests/test_categories.py runs every
        # one against backtracking bait), so no single match runs long.
        fast = tuple(
            re.compile(_NAMED_LIST.sub(lambda m: tries[m.group(1)], p), re.IGNORECASE)
            for p in patterns
        )
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
            near=regex.compile(_expand(rules["near"], macros), _FLAGS) if "near" in rules else None,
        )
    except (regex.error, re.error) as exc:
        raise ValueError(f"categories.yaml: {name}: {exc}") from None


def _name_list(key: str, entry: object) -> namelists.NameList:
    """A ``lists:`` entry: a file's name, or ``{file: ..., ordinary_words: true}``."""
    if isinstance(entry, str):
        return namelists.load(entry)
    if isinstance(entry, Mapping) and isinstance(entry.get("file"), str):
        return namelists.load(entry["file"], bool(entry.get("ordinary_words", False)))
    raise ValueError(f"categories.yaml: lists: {key}: expected a file name or {{file: ...}}")


def _openings_only(pattern: str, openings: Mapping[str, str]) -> str:
    """``pattern`` with each list in it (``\\L<...>``, see namelists.py) read as one of its
    names' first three characters and then any text on the line: the index only asks
    how a match can begin, and a trie of thousands of names takes the ``regex`` parser
    a third of a second. A term may open with a list ("{CONDITION}"): it is tried only
    at words that begin like one of its names."""
    return _NAMED_LIST.sub(lambda m: f"(?:{openings[m.group(1)]})[^\\n]*?", pattern)


_NAMED_LIST = re.compile(r"\\L<(\w+)>")
_ALPHABET = string.ascii_lowercase + string.digits + " '-&./,+("
_KNOWN = frozenset(_ALPHABET)


def _opening(chars: str) -> str:
    """The index key of a word's first characters: three, or only the first when one of
    the others is outside the alphabet the index was built on ("sámi", "my" at the end)."""
    chars = "".join(" " if c.isspace() else c for c in chars)
    if len(chars) == 3 and chars[1] in _KNOWN and chars[2] in _KNOWN:
        return chars
    return chars[:1]


def _possible(pattern: regex.Pattern[str], opening: str) -> bool:
    """Whether a match of ``pattern`` can begin with ``opening``, in any case it accepts."""
    variants = {opening}
    if "(?-i" in pattern.pattern:  # a case-sensitive part ("(?-i:HIV)", "(?-i:PrEP)")
        variants = {
            "".join(chars)
            for chars in itertools.product(*({c.lower(), c.upper()} for c in opening))
        }
    # A term may open with a look-behind ("(?<=\()yes, two women"): it needs
    # the characters before the word, so ask with each a term may look for.
    before = _LOOKED_BEHIND if "(?<=" in pattern.pattern else ("",)
    return any(pattern.match(b + v, pos=len(b), partial=True) for b in before for v in variants)


_LOOKED_BEHIND = ("", " ", "\n", "(", "'", '"', "\u201c", "\u2018", ". ", ": ", "-", "/")


def _index(patterns: Sequence[regex.Pattern[str]]) -> dict[str, tuple[int, ...]]:
    """Which terms can start with each word opening of three characters (``"dia"``,
    ``"my "``, ``"i'm"``), and of one (``"d"``: for openings with other characters).

    A single alternation of a hundred terms tries every one at every word
    start (3.6 ms per kilobyte of text here); looked up by a word's opening,
    a word start tries only the few terms that can begin there. The openings
    of each term are found by asking the regex engine which prefixes could
    still become a match (a partial match).
    """
    index: dict[str, list[int]] = {}
    for number, pattern in enumerate(patterns):
        for first in string.ascii_lowercase + string.digits:
            if not _possible(pattern, first):
                continue
            index.setdefault(first, []).append(number)
            for second in _ALPHABET:
                if not _possible(pattern, first + second):
                    continue
                for third in _ALPHABET:
                    if _possible(pattern, first + second + third):
                        index.setdefault(first + second + third, []).append(number)
    return {key: tuple(sorted(set(numbers))) for key, numbers in index.items()}
