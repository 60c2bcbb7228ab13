"""The project's own pattern recognizers, written as Presidio ``EntityRecognizer`` classes.

They differ from Presidio's stock pattern recognizers in three ways that matter
for a gateway:

* a regex timeout raises instead of skipping the pattern (Presidio logs and
  carries on, which lets the text through unredacted);
* context is looked up in a character window of the normalised text, so it
  works without a lemmatizer in the spaCy pipeline;
* validators may reject a match or set its score (see ``validators.py``).

Pattern recognizers are data: ``recognizers.yaml`` for the built-in ones and a
policy's ``recognizers:`` list for its own, both parsed as
:class:`~gateway.policy.RecognizerConfig`. Identifiers that need code (cards,
phones, emails, IBANs) are in ``identifiers``.
"""

from __future__ import annotations

import importlib.resources
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import regex
import yaml
from presidio_analyzer import LocalRecognizer, RecognizerResult

from gateway.detect import validators
from gateway.detect.budget import budget
from gateway.detect.intervals import Spans
from gateway.policy import RecognizerConfig

CONTEXT_BEFORE = 48
CONTEXT_AFTER = 16
VETO_BEFORE = 16


@dataclass(frozen=True, slots=True)
class Builtins:
    """The contents of ``recognizers.yaml``: regex macros and recognizer configs."""

    macros: dict[str, str]
    configs: list[RecognizerConfig]
    lists: dict[str, list[str]]

    def expand(self, pattern: str) -> str:
        """Replace ``%NAME%``-style macros (macros may use macros) in ``pattern``."""
        for _ in range(5):
            expanded = _MACRO.sub(lambda m: self.macros.get(m.group(1), m.group(0)), pattern)
            if expanded == pattern:
                break
            pattern = expanded
        return pattern


_MACRO = regex.compile(r"%([A-Z_]+)%")


def load_builtins() -> Builtins:
    text = (
        importlib.resources.files("gateway.detect").joinpath("recognizers.yaml").read_text("utf-8")
    )
    document = yaml.safe_load(text)
    macros = dict(document["macros"])
    lists = {name: [str(w) for w in words] for name, words in document.get("lists", {}).items()}
    for name, words in lists.items():
        macros[name.upper()] = alternation(words)
    return Builtins(
        macros=macros,
        configs=[RecognizerConfig.model_validate(item) for item in document["recognizers"]],
        lists=lists,
    )


def alternation(words: Iterable[str]) -> str:
    """A regex matching any of ``words`` literally, longest first (so "Street" beats "St")."""
    ordered = sorted({str(w) for w in words}, key=lambda w: (-len(w), w))
    return "(?:" + "|".join(regex.escape(w) for w in ordered) + ")"


def _words_pattern(words: Iterable[str], case_sensitive: bool = False) -> re.Pattern[str] | None:
    """An alternation of literal words, longest first, bounded by non-word characters.

    Compiled with the standard ``re``: literals alone cannot backtrack
    catastrophically, and ``re`` compiles these per-request patterns several
    times faster than ``regex``.
    """
    fold = (lambda w: w) if case_sensitive else str.lower
    alternatives = sorted({fold(w.strip()) for w in words if w.strip()}, key=len, reverse=True)
    if not alternatives:
        return None
    body = "|".join(re.escape(w) for w in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", 0 if case_sensitive else re.IGNORECASE)


def _prefilter(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern, re.IGNORECASE) if pattern else None


_SENTENCE_END = re.compile(r"[.!?;](?:\s)|\n")


@dataclass(frozen=True, slots=True)
class Context:
    """Words that, near a match, make it more likely to be the entity (or, as a
    veto, less). A veto looks only inside the match's own sentence: in "a problem
    with order #409016. Text me at 0160 0338", "order" says nothing of the phone."""

    pattern: re.Pattern[str] | None
    timeout: float
    before: int = CONTEXT_BEFORE
    after: int = CONTEXT_AFTER
    sentence: bool = False  # look back only to the start of the match's sentence

    @classmethod
    def of(
        cls,
        words: Iterable[str],
        timeout: float,
        before: int = CONTEXT_BEFORE,
        after: int = CONTEXT_AFTER,
        sentence: bool = False,
    ) -> Context:
        return cls(_words_pattern(words), timeout, before, after, sentence)

    def anywhere(self, text: str) -> bool:
        return self.pattern is not None and self.pattern.search(text) is not None

    def near(self, text: str, start: int, end: int) -> bool:
        if self.pattern is None:
            return False
        before = text[max(0, start - self.before) : start]
        if self.sentence:
            before = _SENTENCE_END.split(before)[-1]
        after = text[end : end + self.after]
        return bool(self.pattern.search(before) or self.pattern.search(after))


def candidates(
    pattern: regex.Pattern[str],
    text: str,
    timeout: float,
    accept: Callable[[regex.Match[str]], bool],
) -> None:
    """Scan ``text`` with ``pattern``; after a rejected match, look again one character later.

    ``finditer`` would resume after the rejected match and miss a real one that
    overlaps it: "me at jane.doe@example.com" first matches "me at jane.doe",
    which is not an email, and the address itself would never be seen.
    """
    position = 0
    # One budget for the whole scan: a fresh one per search would let a text
    # that places a real match after each slow stretch run without end.
    deadline = time.monotonic() + budget(timeout, text)
    while position <= len(text):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("regex budget spent")
        match = pattern.search(text, position, timeout=remaining)
        if match is None:
            return
        position = max(match.end(), match.start() + 1) if accept(match) else match.start() + 1


class GatewayRecognizer(LocalRecognizer):
    """Base: one entity, context by character window, results tagged with our name."""

    name: str

    def __init__(self, name: str, entity: str, context: Context) -> None:
        super().__init__(supported_entities=[entity], name=name, supported_language="en")
        self.entity = entity
        self.window_context = context

    def load(self) -> None:
        """Nothing to load: everything is compiled in ``__init__``."""

    def result(self, start: int, end: int, score: float) -> RecognizerResult:
        return RecognizerResult(
            entity_type=self.entity,
            start=start,
            end=end,
            score=min(score, 1.0),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            },
        )

    def scored(
        self, text: str, start: int, end: int, score: float, boost: float, required: bool
    ) -> RecognizerResult | None:
        if self.window_context.near(text, start, end):
            score += boost
        elif required:
            return None
        return self.result(start, end, score)


class RegexRecognizer(GatewayRecognizer):
    """A recognizer defined by a :class:`RecognizerConfig` (YAML)."""

    def __init__(self, config: RecognizerConfig, timeout: float, builtins: Builtins) -> None:
        context = Context.of(config.context, timeout, config.context_before, config.context_after)
        super().__init__(config.name, config.entity, context)
        self.config = config
        self.timeout = timeout
        self.patterns = [
            (regex.compile(builtins.expand(p.regex)), p.score, p.group, _prefilter(p.requires))
            for p in config.patterns
        ]
        self.validate = validators.VALIDATORS[config.validator] if config.validator else None
        self.veto = Context.of(config.veto, timeout, before=VETO_BEFORE, after=0, sentence=True)

    def analyze(
        self, text: str, entities: Sequence[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        if self.config.context_required and not self.window_context.anywhere(text):
            return results  # no context word anywhere: no match can count
        for pattern, base_score, group, prefilter in self.patterns:
            if prefilter is not None and not prefilter.search(text):
                continue

            def accept(
                match: regex.Match[str], score: float = base_score, group: int | str = group
            ) -> bool:
                start, end = match.span(group)
                if start < 0 or end <= start or self.veto.near(text, start, end):
                    return False
                if self.validate is not None:
                    verdict = self.validate(text[start:end])
                    if verdict is None or verdict is False:
                        return False
                    if verdict is not True:
                        score = verdict
                found = self.scored(
                    text, start, end, score, self.config.context_boost, self.config.context_required
                )
                if found is None:
                    return False
                results.append(found)
                return True

            candidates(pattern, text, self.timeout, accept)
        return results


class TermsRecognizer(GatewayRecognizer):
    """Exact values, word-bounded, case-insensitive unless told: allow and deny lists,
    known values, names found elsewhere in a request.

    Built per request for known values, so it searches with ``str.find`` (longest
    term first) instead of compiling a regular expression each time.
    """

    def __init__(
        self,
        name: str,
        entity: str,
        terms: Iterable[str],
        score: float,
        timeout: float,
        case_sensitive: bool = False,
    ) -> None:
        super().__init__(name, entity, Context(None, timeout))
        fold = (lambda w: w) if case_sensitive else str.lower
        self.terms = sorted({fold(t.strip()) for t in terms if t.strip()}, key=len, reverse=True)
        self.case_sensitive = case_sensitive
        self.score = score
        self.timeout = timeout

    def spans(self, text: str) -> list[tuple[int, int]]:
        haystack = text if self.case_sensitive else text.lower()
        if len(haystack) != len(text):  # a rare letter whose lower case is longer (İ)
            haystack = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        taken = Spans()
        for term in self.terms:
            position = haystack.find(term)
            while position >= 0:
                end = position + len(term)
                bounded = (position == 0 or not _is_word(haystack[position - 1])) and (
                    end == len(haystack) or not _is_word(haystack[end])
                )
                if bounded and not taken.overlaps(position, end):
                    taken.add(position, end)
                position = haystack.find(term, position + 1)
        return list(taken)

    def analyze(
        self, text: str, entities: Sequence[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        return [self.result(start, end, self.score) for start, end in self.spans(text)]


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"
