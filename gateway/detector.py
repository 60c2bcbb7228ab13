"""Finding personal data: Presidio's ``AnalyzerEngine`` over the project's recognizers.

One call handles every free-text field of one request (a ticket's subject,
body, HTML body...), so that:

* spaCy runs once over all of them, batched;
* a name found in one field is found again in the others (``Jane Doe`` in the
  requester field makes ``Jane`` in "Thanks, Jane" a name too);
* values the caller already knows (a ``requester.email`` field declared as an
  email) are found wherever they are repeated in free text.

What it returns is plain data: entity, original offsets, score and the
recognizer's name. The detector never sees tokens, keys or the vault.

Any failure inside, including a regex timeout, raises :class:`DetectionError`;
callers must then forward nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import regex
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.tokens import Doc

from gateway.errors import DetectionError
from gateway.intervals import Spans
from gateway.nlp import WindowedSpacyNlpEngine
from gateway.normalize import NormalizedText, normalize
from gateway.policy import Policy
from gateway.recognizers import (
    GatewayCardRecognizer,
    GatewayEmailRecognizer,
    GatewayIbanRecognizer,
    GatewayPhoneRecognizer,
    RegexRecognizer,
    TermsRecognizer,
    budget,
    load_builtins,
)
from gateway.validators import ROLE_MAILBOXES, person_name

logger = logging.getLogger(__name__)

_NAME_PART = re.compile(r"[^\W\d_][\w'’-]*[^\W\d_]")
_EMAIL_NAME_PART = re.compile(r"[A-Za-z]{3,}")
_HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir"}
_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "da",
    "di",
    "du",
    "del",
    "della",
    "la",
    "le",
    "dos",
    "das",
}
_WORD = re.compile(r"\S+")
NER_SCORE = 0.85  # Presidio's default for spaCy entities
_TRIM = " \t\r\n.,;:!?\"'()[]{}<>"


@dataclass(frozen=True, slots=True)
class Detection:
    """One piece of personal data: ``text[start:end]`` of the *original* text."""

    entity: str
    start: int
    end: int
    score: float
    recognizer: str


@dataclass(frozen=True, slots=True)
class KnownValue:
    """A value the caller knows to be an entity (a field declared in the policy)."""

    entity: str
    value: str = field(repr=False)


Group = tuple[Sequence[str], Sequence[KnownValue]]


class Detector(Protocol):
    def detect(
        self, texts: Sequence[str], known: Sequence[KnownValue] = ()
    ) -> list[list[Detection]]:
        """Find entities in each of ``texts``; one list of detections per text, by start."""
        ...

    def detect_many(self, groups: Sequence[Group]) -> list[list[list[Detection]]]:
        """:meth:`detect` for several independent requests at once."""
        ...


class _WindowContext(ContextAwareEnhancer):
    """Context is applied by each recognizer on a character window (``recognizers.Context``).

    Presidio's default enhancer would apply it a second time, on lemmas this
    pipeline does not produce, and deep-copies every result to do so.
    """

    def __init__(self) -> None:
        super().__init__(0.0, 0.0, 0, 0)

    def enhance_using_context(
        self, text: str, raw_results: list[RecognizerResult], *args: object, **kwargs: object
    ) -> list[RecognizerResult]:
        return raw_results


class PresidioDetector:
    """The gateway's detector: built once per policy, then used for every request."""

    def __init__(self, policy: Policy, nlp_engine: WindowedSpacyNlpEngine | None = None) -> None:
        settings = policy.document.detection
        self.policy = policy
        self.timeout = settings.regex_timeout_ms / 1000
        self.nlp_engine = nlp_engine or WindowedSpacyNlpEngine(settings.model)
        if not self.nlp_engine.is_loaded():
            self.nlp_engine.load()
        self.no_nlp = NlpArtifacts(
            [], Doc(self.nlp_engine.pipeline.vocab, words=[]), [], [], self.nlp_engine, "en"
        )
        recognizers = [
            GatewayCardRecognizer(self.timeout),
            GatewayPhoneRecognizer(settings.phone_regions, self.timeout),
            GatewayEmailRecognizer(self.timeout),
            GatewayIbanRecognizer(self.timeout),
        ]
        builtins = load_builtins()
        configs = builtins.configs + list(policy.document.recognizers)
        recognizers += [RegexRecognizer(c, self.timeout, builtins) for c in configs]
        for entity, rule in policy.document.entities.items():
            if rule.deny:
                recognizers.append(
                    TermsRecognizer(f"deny_{entity.lower()}", entity, rule.deny, 1.0, self.timeout)
                )
        enabled = {e for e in policy.entity_types if policy.rule(e).action != "keep"}
        self.recognizers = [r for r in recognizers if r.supported_entities[0] in enabled]
        self.analyzer = AnalyzerEngine(
            registry=RecognizerRegistry(recognizers=self.recognizers, supported_languages=["en"]),
            nlp_engine=self.nlp_engine,
            supported_languages=["en"],
            context_aware_enhancer=_WindowContext(),
        )
        self.thresholds: dict[str, float] = {}
        for entity in enabled:
            threshold = policy.rule(entity).threshold
            self.thresholds[entity] = settings.score_threshold if threshold is None else threshold
        # Entities whose replacement shows nothing of the value: a part of
        # one (a postcode in an address) needs no replacement of its own.
        self.hides = frozenset(
            e
            for e in enabled
            if policy.rule(e).action in ("token", "drop")
            or (policy.rule(e).action == "mask" and policy.rule(e).keep_last == 0)
        )
        self.allow_terms = {a.casefold() for a in settings.allow}
        self.allow = TermsRecognizer("allow", "ALLOW", settings.allow, 1.0, self.timeout)
        self.allow_patterns = [regex.compile(p) for p in settings.allow_patterns]

    def detect(
        self, texts: Sequence[str], known: Sequence[KnownValue] = ()
    ) -> list[list[Detection]]:
        return self.detect_many([(texts, known)])[0]

    def detect_many(self, groups: Sequence[Group]) -> list[list[list[Detection]]]:
        """Detect in several requests at once (one NER pass for all of them).

        Each group is one request's texts and known values; names found in a
        request are looked for again in that request only.
        """
        try:
            return self._detect(groups)
        except DetectionError:
            raise
        # The fail-closed boundary: whatever broke inside Presidio, spaCy or a
        # regex (a timeout included), the caller must learn that detection did
        # not happen, and no text may be forwarded. The message names the
        # exception type only: exception texts can quote the input.
        except Exception as exc:  # noqa: BLE001
            raise DetectionError(f"the detector failed ({type(exc).__name__})") from None

    def _detect(self, groups: Sequence[Group]) -> list[list[list[Detection]]]:
        normalized = [[normalize(t) for t in texts] for texts, _ in groups]
        # 1. Patterns, known values and deny lists.
        found: list[list[list[RecognizerResult]]] = []
        for norms, (_, known) in zip(normalized, groups, strict=True):
            ad_hoc = _known_value_recognizers(known, self.timeout) or None
            found.append([self._patterns(norm.text, ad_hoc) for norm in norms])
        if "PERSON" in self.thresholds:
            # 2. The NER where capitalised words are still unexplained, all requests at once.
            flat = [
                (norm, results)
                for norms, group in zip(normalized, found, strict=True)
                for norm, results in zip(norms, group, strict=True)
            ]
            explained = [
                [(r.start, r.end) for r in results] + list(self._allowed_spans(norm.text))
                for norm, results in flat
            ]
            spans = self.nlp_engine.find_names([norm.text for norm, _ in flat], explained)
            for (norm, results), found_names in zip(flat, spans, strict=True):
                names = [self._ner_result(start, end) for start, end in found_names]
                results.extend(self._clean(norm.text, names))
            # 3. Every name found in a request, and its parts, wherever else they appear in it.
            for norms, group, (_, known) in zip(normalized, found, groups, strict=True):
                spread = _name_recognizer(
                    norms, group, known, self.thresholds["PERSON"], self.timeout
                )
                if spread is not None:
                    for norm, results in zip(norms, group, strict=True):
                        more = spread.analyze(norm.text, ["PERSON"])
                        results.extend(self._clean(norm.text, more))
        return [
            [self._finish(norm, results) for norm, results in zip(norms, group, strict=True)]
            for norms, group in zip(normalized, found, strict=True)
        ]

    def _ner_result(self, start: int, end: int) -> RecognizerResult:
        return RecognizerResult(
            entity_type="PERSON",
            start=start,
            end=end,
            score=NER_SCORE,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: "spacy_ner",
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: "spacy_ner",
            },
        )

    def _patterns(self, text: str, ad_hoc: list[EntityRecognizer] | None) -> list[RecognizerResult]:
        results = self.analyzer.analyze(
            text=text,
            language="en",
            nlp_artifacts=self.no_nlp,
            ad_hoc_recognizers=ad_hoc,
            score_threshold=0.01,
        )
        return self._clean(text, [r for r in results if r.entity_type in self.thresholds])

    def _clean(self, text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
        """Drop what is below threshold or allow-listed; tidy the edges of names.

        Allow-listed text is cut out of any detection that overlaps it ("a Acme
        Cloud Pro" tagged as a person loses "Acme Cloud Pro"); what is left must
        still look like its entity.
        """
        allowed = Spans(self._allowed_spans(text))
        kept = []
        for result in results:
            if result.score < self.thresholds[result.entity_type]:
                continue
            for start, end in allowed.uncovered(result.start, result.end):
                piece = _result(result, start, end)
                if piece.entity_type == "PERSON":
                    if not _tidy_person(text, piece):
                        continue
                    _extend_name(text, piece, allowed)
                whole = (start, end) == (result.start, result.end)
                if not whole and piece.entity_type not in _PIECEWISE:
                    continue  # a partly allow-listed number is not one
                if not whole and not _strip_piece(text, piece):
                    continue
                if text[piece.start : piece.end].casefold() in self.allow_terms:
                    continue
                kept.append(piece)
        return kept

    def _allowed_spans(self, text: str) -> Iterable[tuple[int, int]]:
        yield from self.allow.spans(text)
        for pattern in self.allow_patterns:
            for match in pattern.finditer(text, timeout=budget(self.timeout, text)):
                yield match.span()

    def _finish(self, norm: NormalizedText, results: list[RecognizerResult]) -> list[Detection]:
        detections = []
        kept = _drop_parts(results, self.hides)
        for result in _join_names(norm.text, resolve_overlaps(kept)):
            start, end = norm.to_original(result.start, result.end)
            if end > start:
                recognizer = (result.recognition_metadata or {}).get(
                    RecognizerResult.RECOGNIZER_NAME_KEY, "unknown"
                )
                detections.append(
                    Detection(result.entity_type, start, end, result.score, recognizer)
                )
        return detections


def _tidy_person(text: str, result: RecognizerResult) -> bool:
    """Trim a name to its name words; False if nothing name-like is left.

    The NER often takes a neighbour along ("Customer Jane Doe", "Jane Doe\n+44",
    "Dr. Doe's"): names do not cross lines, and leading or trailing words that
    are greetings, honorifics, ticket vocabulary or contain digits are cut off.
    """
    value = text[result.start : result.end]
    line_start = result.start
    lines = value.split("\n")
    if len(lines) > 1:
        # Keep the line with the most letters.
        best = max(range(len(lines)), key=lambda i: sum(c.isalpha() for c in lines[i]))
        line_start += sum(len(line) + 1 for line in lines[:best])
        value = lines[best]
    words = [(m.start() + line_start, m.end() + line_start) for m in _WORD.finditer(value)]
    while words and not _name_word(text, *words[0]):
        words.pop(0)
    while words and not _name_word(text, *words[-1]):
        words.pop()
    if not words:
        return False
    start, end = words[0][0], words[-1][1]
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    if text[end - 2 : end] in ("'s", "’s"):
        end -= 2
    while start < end and text[start] in _TRIM:
        start += 1
    # A name is whole words: "GB" cut out of "RR147621994GB" is not one.
    if (start > 0 and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
        return False
    value = text[start:end]
    if len(value) < 2 or "@" in value:
        return False
    result.start, result.end = start, end
    return person_name(value) is not None


# A capitalised word right after a name: "Doe" when the NER took only "Jane"
# (it does in "[Jane Doe] called").
_NEXT_NAME_WORD = re.compile(r"[ \t]([A-Z][a-z]+(?:[-'’][A-Z]?[a-z]+)?)(?![\w@.'’-]*\w)")


def _extend_name(text: str, result: RecognizerResult, allowed: Spans) -> None:
    """Take up to two following surname-like words into a name: a first name
    alone still leaves the person identifiable."""
    for _ in range(2):
        match = _NEXT_NAME_WORD.match(text, result.end)
        if match is None or allowed.overlaps(*match.span(1)):
            return
        if not _name_word(text, *match.span(1)) or match.group(1).lower() in _PARTICLES:
            return
        result.end = match.end(1)


def _strip_piece(text: str, piece: RecognizerResult) -> bool:
    """Trim what an allow-listed word left at a piece's edges; False if nothing is left."""
    start, end = piece.start, piece.end
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    piece.start, piece.end = start, end
    return end - start >= 2


def _name_word(text: str, start: int, end: int) -> bool:
    word = text[start:end].strip(_TRIM)
    if not word or any(c.isdigit() for c in word) or word.lower().rstrip(".") in _HONORIFICS:
        return False
    return person_name(word) is not None or word.lower() in _PARTICLES


# Entities made of words: an allow-listed word inside one ("Acme" in a name,
# "London" in an address) is cut out and the rest is still the entity.
# Numbers are different: a card number overlapping an allowed order number
# was the order number.
_PIECEWISE = frozenset({"PERSON", "STREET_ADDRESS"})

# An entity that is part of another: inside it, it is not a value of its own.
_PART_OF = {"UK_POSTCODE": "STREET_ADDRESS"}


def _drop_parts(results: list[RecognizerResult], hides: frozenset[str]) -> list[RecognizerResult]:
    """Drop results inside a bigger one: one address, one token.

    A result inside another of its entity ("Austin, TX 78701" inside the
    address that ends with it) adds nothing. A postcode inside an address goes
    too, where the address's replacement hides all of it (a mask that keeps
    its last characters would show the postcode's). Scores alone would keep
    the inner result and cut the outer around it: two tokens run together.
    """
    kept = []
    wider: dict[str, int] = {}  # entity -> furthest end of a result starting earlier
    # Outer results first, the stronger of two equal ones first.
    for result in sorted(results, key=lambda r: (r.start, -r.end, -r.score)):
        if wider.get(result.entity_type, -1) >= result.end:
            continue
        wider[result.entity_type] = result.end
        kept.append(result)
    wholes = {
        whole: Spans((r.start, r.end) for r in kept if r.entity_type == whole and whole in hides)
        for whole in set(_PART_OF.values())
    }
    return [
        r
        for r in kept
        if r.entity_type not in _PART_OF
        or wholes[_PART_OF[r.entity_type]].uncovered(r.start, r.end)
    ]


def resolve_overlaps(results: Sequence[RecognizerResult]) -> list[RecognizerResult]:
    """Keep the strongest result where results overlap; trim the weaker to what is left.

    Strongest means highest score, then longest. A weaker result that still
    covers characters nobody else claims keeps those characters (a name that
    runs into an email keeps the name), so overlap never lets text through.
    """
    accepted: list[RecognizerResult] = []
    taken = Spans()
    order = sorted(results, key=lambda r: (-r.score, -(r.end - r.start), r.start))
    for result in order:
        for start, end in taken.uncovered(result.start, result.end):
            if end - start >= 2 or (start, end) == (result.start, result.end):
                accepted.append(_result(result, start, end))
                taken.add(start, end)
    return sorted(accepted, key=lambda r: r.start)


def _join_names(text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
    """Join names that are one space apart ("Jane" + "Doe"): one person, one token."""
    joined: list[RecognizerResult] = []
    for result in results:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.entity_type == result.entity_type == "PERSON"
            and text[previous.end : result.start] == " "
        ):
            previous.end = result.end
            previous.score = max(previous.score, result.score)
        else:
            joined.append(result)
    return joined


def _result(like: RecognizerResult, start: int, end: int) -> RecognizerResult:
    """A copy of ``like`` over another span."""
    return RecognizerResult(
        entity_type=like.entity_type,
        start=start,
        end=end,
        score=like.score,
        recognition_metadata=like.recognition_metadata,
    )


def _known_value_recognizers(known: Sequence[KnownValue], timeout: float) -> list[EntityRecognizer]:
    by_entity: dict[str, list[str]] = {}
    for item in known:
        if item.value.strip():
            by_entity.setdefault(item.entity, []).append(item.value.strip())
    return [
        TermsRecognizer(f"known_{entity.lower()}", entity, values, 1.0, timeout)
        for entity, values in by_entity.items()
    ]


def _name_recognizer(
    normalized: Sequence[NormalizedText],
    found: Sequence[Sequence[RecognizerResult]],
    known: Sequence[KnownValue],
    threshold: float | None,
    timeout: float,
) -> TermsRecognizer | None:
    """Names (and their parts) found anywhere in the request, to look for everywhere."""
    if threshold is None:
        return None
    names = [item.value for item in known if item.entity == "PERSON"]
    for norm, results in zip(normalized, found, strict=True):
        names += [norm.text[r.start : r.end] for r in results if r.entity_type == "PERSON"]
    parts = set()
    for name in names:
        for part in _NAME_PART.findall(name):
            if part.lower() not in _HONORIFICS and person_name(part) is not None:
                parts.add(part)
    # "jane.doe@example.com" suggests that "Jane" and "Doe" in the same ticket are a name.
    emails = [item.value for item in known if item.entity == "EMAIL_ADDRESS"]
    for norm, results in zip(normalized, found, strict=True):
        emails += [norm.text[r.start : r.end] for r in results if r.entity_type == "EMAIL_ADDRESS"]
    for email in emails:
        for part in _EMAIL_NAME_PART.findall(email.split("@", 1)[0]):
            if part.lower() not in ROLE_MAILBOXES and person_name(part) is not None:
                parts.add(part.capitalize())
    terms = {n.strip() for n in names if n.strip()} | parts | {p.upper() for p in parts}
    if not terms:
        return None
    return TermsRecognizer(
        "name_propagation", "PERSON", terms, max(threshold, 0.8), timeout, case_sensitive=True
    )
