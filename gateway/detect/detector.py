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

Built without an NER engine (``ner=None``) it finds names by pattern only:
greetings, sign-offs, signatures, known fields. Tests use that to run the
whole redaction path in milliseconds; the gateway always loads the NER.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import regex
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer
from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine, NoOpNlpEngine
from spacy.tokens import Doc
from spacy.vocab import Vocab

from gateway.detect import Detection, Group, KnownValue
from gateway.detect.budget import budget
from gateway.detect.gazetteer import Gazetteer, NameRecognizer
from gateway.detect.identifiers import (
    GatewayCardRecognizer,
    GatewayEmailRecognizer,
    GatewayIbanRecognizer,
    GatewayPhoneRecognizer,
)
from gateway.detect.intervals import Spans
from gateway.detect.nlp import WindowedSpacyNlpEngine
from gateway.detect.normalize import NormalizedText, normalize
from gateway.detect.recognizers import RegexRecognizer, TermsRecognizer, load_builtins
from gateway.detect.spans import (
    HONORIFICS,
    PIECEWISE,
    copy_result,
    drop_parts,
    extend_name,
    join_names,
    resolve_overlaps,
    strip_piece,
    tidy_person,
)
from gateway.detect.validators import ROLE_MAILBOXES, person_name
from gateway.errors import DetectionError
from gateway.policy import Policy
from gateway.policy.entities import CATEGORY_ENTITIES

_NAME_PART = re.compile(r"[^\W\d_][\w'’-]*[^\W\d_]")
_EMAIL_NAME_PART = re.compile(r"[A-Za-z]{3,}")
NER_SCORE = 0.85  # Presidio's default for spaCy entities
WARM_UP = "Hi, I'm Jane Doe (jane.doe@example.com, +1 415 555 0132). Order ORD-48213."


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

    def __init__(
        self,
        policy: Policy,
        ner: WindowedSpacyNlpEngine | None,
        names: Gazetteer | None = None,
    ) -> None:
        """``ner``: a loaded engine for names, ``None`` for patterns only; ``names``: the
        name lists (``Gazetteer.load()``), ``None`` to go without them."""
        settings = policy.document.detection
        self.policy = policy
        self.timeout = settings.regex_timeout_ms / 1000
        self.ner = ner
        # Patterns run without NLP artifacts: the NER runs later, only where needed.
        engine: NlpEngine = (
            ner if ner is not None else NoOpNlpEngine([{"lang_code": "en", "model_name": "none"}])
        )
        vocab = ner.pipeline.vocab if ner is not None else Vocab()
        self.no_nlp = NlpArtifacts([], Doc(vocab, words=[]), [], [], engine, "en")
        recognizers = [
            GatewayCardRecognizer(self.timeout),
            GatewayPhoneRecognizer(settings.phone_regions, self.timeout),
            GatewayEmailRecognizer(self.timeout),
            GatewayIbanRecognizer(self.timeout),
        ]
        builtins = load_builtins()
        configs = builtins.configs + list(policy.document.recognizers)
        recognizers += [RegexRecognizer(c, self.timeout, builtins) for c in configs]
        if names is not None:
            recognizers.append(NameRecognizer(names, self.timeout))
        for entity, rule in policy.document.entities.items():
            if rule.deny:
                recognizers.append(
                    TermsRecognizer(f"deny_{entity.lower()}", entity, rule.deny, 1.0, self.timeout)
                )
        categories = {e.name for e in CATEGORY_ENTITIES.values()}  # found by the category rules
        enabled = {
            e
            for e in policy.entity_types
            if policy.rule(e).action != "keep" and e not in categories
        }
        self.recognizers = [r for r in recognizers if r.supported_entities[0] in enabled]
        self.analyzer = AnalyzerEngine(
            registry=RecognizerRegistry(recognizers=self.recognizers, supported_languages=["en"]),
            nlp_engine=engine,
            supported_languages=["en"],
            context_aware_enhancer=_WindowContext(),
        )
        self.thresholds: dict[str, float] = {}
        for entity in enabled:
            rule = policy.rule(entity)
            threshold = settings.score_threshold if rule.threshold is None else rule.threshold
            if rule.action == "block":
                # Its threshold is where it blocks; below it, down to the
                # policy's, it is still found (and tokenized, never sent in clear).
                threshold = min(threshold, settings.score_threshold)
            self.thresholds[entity] = threshold
        # Entities whose replacement shows nothing of the value: a part of
        # one (a postcode in an address) needs no replacement of its own.
        self.hides = frozenset(
            e
            for e in enabled
            if policy.rule(e).action in ("token", "drop", "block")
            or (policy.rule(e).action == "mask" and policy.rule(e).keep_last == 0)
        )
        self.allow_terms = {a.casefold() for a in settings.allow}
        self.allow = TermsRecognizer("allow", "ALLOW", settings.allow, 1.0, self.timeout)
        self.allow_patterns = [regex.compile(p) for p in settings.allow_patterns]

    def warm_up(self) -> None:
        """Pay the first call's costs now, at start-up, not in a request's time budget.

        spaCy's first call allocates its buffers (about 290 ms), and the first
        use of each pattern warms the regex engine's caches; the public suffix
        list is read when the email recognizer is built.
        """
        if self.ner is not None:
            self.ner.find_names([WARM_UP], [[]])
        self.detect([WARM_UP])

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
        if "PERSON" in self.thresholds and self.ner is not None:
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
            spans = self.ner.find_names([norm.text for norm, _ in flat], explained)
            for (norm, results), found_names in zip(flat, spans, strict=True):
                names = [self._ner_result(start, end) for start, end in found_names]
                results.extend(self._clean(norm.text, names))
        if "PERSON" in self.thresholds:
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
                piece = copy_result(result, start, end)
                if piece.entity_type == "PERSON":
                    if not tidy_person(text, piece):
                        continue
                    # The gazetteer chose its own ends; a spread name is a whole name already.
                    if _recognizer(piece) not in ("person_by_gazetteer", "name_propagation"):
                        extend_name(text, piece, allowed)
                whole = (start, end) == (result.start, result.end)
                if not whole and piece.entity_type not in PIECEWISE:
                    continue  # a partly allow-listed number is not one
                if not whole and not strip_piece(text, piece):
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
        kept = drop_parts(results, self.hides)
        for result in join_names(norm.text, resolve_overlaps(kept)):
            start, end = norm.to_original(result.start, result.end)
            if end > start:
                detections.append(
                    Detection(result.entity_type, start, end, result.score, _recognizer(result))
                )
        return detections


def _recognizer(result: RecognizerResult) -> str:
    name = (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY)
    return name if isinstance(name, str) else "unknown"


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
            if part.lower() not in HONORIFICS and person_name(part) is not None:
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
