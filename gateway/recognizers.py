"""The project's own recognizers, written as Presidio ``EntityRecognizer`` classes.

They differ from Presidio's stock pattern recognizers in three ways that matter
for a gateway:

* a regex timeout raises instead of skipping the pattern (Presidio logs and
  carries on, which lets the text through unredacted);
* context is looked up in a character window of the normalised text, so it
  works without a lemmatizer in the spaCy pipeline;
* validators may reject a match or set its score (see ``validators.py``).

Pattern recognizers are data: ``recognizers.yaml`` for the built-in ones and a
policy's ``recognizers:`` list for its own, both parsed as
:class:`~gateway.policy.RecognizerConfig`.
"""

from __future__ import annotations

import importlib.resources
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers
import regex
import yaml
from presidio_analyzer import LocalRecognizer, RecognizerResult
from tldextract import TLDExtract

from gateway import validators
from gateway.intervals import Spans
from gateway.policy import RecognizerConfig

CONTEXT_BEFORE = 48
CONTEXT_AFTER = 16
VETO_BEFORE = 16


@dataclass(frozen=True, slots=True)
class Builtins:
    """The contents of ``recognizers.yaml``: regex macros and recognizer configs."""

    macros: dict[str, str]
    configs: list[RecognizerConfig]

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
    text = importlib.resources.files("gateway").joinpath("recognizers.yaml").read_text("utf-8")
    document = yaml.safe_load(text)
    return Builtins(
        macros=dict(document["macros"]),
        configs=[RecognizerConfig.model_validate(item) for item in document["recognizers"]],
    )


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


@dataclass(frozen=True, slots=True)
class Context:
    """Words that, near a match, make it more likely to be the entity."""

    pattern: re.Pattern[str] | None
    timeout: float
    before: int = CONTEXT_BEFORE
    after: int = CONTEXT_AFTER

    @classmethod
    def of(
        cls,
        words: Iterable[str],
        timeout: float,
        before: int = CONTEXT_BEFORE,
        after: int = CONTEXT_AFTER,
    ) -> Context:
        return cls(_words_pattern(words), timeout, before, after)

    def anywhere(self, text: str) -> bool:
        return self.pattern is not None and self.pattern.search(text) is not None

    def near(self, text: str, start: int, end: int) -> bool:
        if self.pattern is None:
            return False
        before = text[max(0, start - self.before) : start]
        after = text[end : end + self.after]
        return bool(self.pattern.search(before) or self.pattern.search(after))


def budget(timeout: float, text: str) -> float:
    """A regex's time limit on ``text``: ``regex_timeout_ms`` per 100,000 characters.

    A flat limit would refuse a long but honest body (a 1 MB text takes about
    a second per pattern here); runaway backtracking outgrows any linear
    allowance long before it ends.
    """
    return timeout * max(1.0, len(text) / 100_000)


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
        self.veto = Context.of(config.veto, timeout, before=VETO_BEFORE, after=0)

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


# Runs of digits separated by single spaces, dashes or dots, at most two characters apart.
_DIGITS = re.compile(r"\d+")
_DIGIT_RUN = regex.compile(r"(?<![\w-])\d+(?:[ .\-]{1,2}\d+)*(?!\w)")
_CARD_CONTEXT = ["card", "credit", "debit", "visa", "mastercard", "amex", "discover", "cc", "pan"]


def _card_shaped(lengths: list[int]) -> bool:
    """Card numbers are written whole, in fours (the last group shorter), or
    4-6-5 / 4-6-4 (Amex, Diners). Two phone numbers side by side (3-3-4 3-3-4)
    can pass Luhn by chance, but are not shaped like a card."""
    if len(lengths) == 1:
        return True
    if lengths in ([4, 6, 5], [4, 6, 4]):
        return True
    return all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4


class GatewayCardRecognizer(GatewayRecognizer):
    """Card numbers: 13-19 Luhn-valid digits with any separators, trimmed to group boundaries.

    ``4111 1111 1111 1111 12/27`` finds the card and leaves the expiry; a card
    number glued to a phone number in the same run of digits is still found.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__("credit_card", "CREDIT_CARD", Context.of(_CARD_CONTEXT, timeout))
        self.timeout = timeout

    def analyze(
        self, text: str, entities: Sequence[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = []
        for run in _DIGIT_RUN.finditer(text, timeout=budget(self.timeout, text)):
            groups = [m.span() for m in _DIGITS.finditer(run.group())]
            offset = run.start()
            i = 0
            while i < len(groups):
                found = self._longest_card(text, offset, groups, i)
                if found is None:
                    i += 1
                    continue
                results.append(found[0])
                i = found[1]
        return results

    def _longest_card(
        self, text: str, offset: int, groups: list[tuple[int, int]], i: int
    ) -> tuple[RecognizerResult, int] | None:
        digits = 0
        ends = []
        for j in range(i, min(len(groups), i + 19)):
            digits += groups[j][1] - groups[j][0]
            if digits > 19:
                break
            if digits >= 13:
                ends.append(j)
        for j in reversed(ends):
            if not _card_shaped([b - a for a, b in groups[i : j + 1]]):
                continue
            start, end = offset + groups[i][0], offset + groups[j][1]
            score = validators.card(text[start:end])
            if score is None:
                continue
            found = self.scored(text, start, end, score, 0.35, required=False)
            if found is not None:
                return found, j + 1
        return None


# A plausible phone number: optional +/00, digits with spaces, dots, dashes,
# slashes or parentheses between them, and an optional extension.
_PHONE = regex.compile(
    r"(?<![\w+.\-/])(?:\+|00)?\(?\d[\d \-.()/]{5,80}\d"
    r"(?:[ \t\-]*(?:x|ext\.?|extension|#)[ \t\-]*\d{1,6})?(?!\w|\.\d)",
    flags=regex.IGNORECASE,
)
# Shapes libphonenumber would reject anyway, ruled out before calling it (it is
# the slow part): IPv4 addresses, versions with one-digit parts, SSNs, and the
# groups of four of a card number.
_NOT_A_PHONE = re.compile(
    r"^(?:\d{1,3}(?:\.\d{1,3}){3}|\d+(?:\.\d+)*\.\d\.\d+(?:\.\d+)*|\d{3}-\d{2}-\d{4}|\d{4}(?:[ .-]{1,2}\d{4}){2,4}(?:[ .-]{1,2}\d{1,4})?)$"
)
_NEXT_GROUP = re.compile(r"[ \t/]+(?=[+(\d])")
# A card number written in groups (4-4-4-4, Amex 4-6-5): libphonenumber would
# otherwise be asked about each of its prefixes, in every region.
_GROUPED_CARD = re.compile(r"\d{4}(?:[ .-]\d{4}){2,3}(?:[ .-]\d{1,3})?|\d{4}[ .-]\d{6}[ .-]\d{4,5}")
_DATE_LIKE = regex.compile(r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$")
_PHONE_CONTEXT = [
    "phone", "call", "called", "calling", "tel", "telephone", "mobile", "cell", "reach",
    "text", "sms", "whatsapp", "landline", "fax", "ring", "dial", "ph", "mob",
]  # fmt: skip


class GatewayPhoneRecognizer(GatewayRecognizer):
    """Phone numbers validated by libphonenumber in several regions, extensions included.

    Candidates come from one cheap regex; only those are handed to
    ``phonenumbers`` (its own matcher scans the whole text and is the slowest
    part of stock Presidio).
    """

    def __init__(self, regions: Sequence[str], timeout: float) -> None:
        super().__init__("phone_number", "PHONE_NUMBER", Context.of(_PHONE_CONTEXT, timeout))
        self.regions = list(dict.fromkeys(regions))
        self.timeout = timeout

    def analyze(
        self, text: str, entities: Sequence[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        for match in _PHONE.finditer(text, timeout=budget(self.timeout, text)):
            run = match.group()
            if _GROUPED_CARD.fullmatch(run) and validators.luhn_ok(validators.digits_of(run)):
                continue
            self._numbers_in(text, match.start(), match.end(), results)
        return results

    def _numbers_in(self, text: str, start: int, end: int, results: list[RecognizerResult]) -> None:
        """Find the numbers in one candidate run: the whole run, or else the longest
        prefix ending before a space, then the rest ("415-555-0132 415-555-0199").
        Only prefixes with a phone's worth of digits (7 to 15) are parsed."""
        while start < end:
            cuts = [end] + [i for i in range(end - 1, start, -1) if text[i] in " \t/"]
            for cut in cuts:
                if not 7 <= sum(c.isdigit() for c in text[start:cut]) <= 21:  # 15 + an extension
                    continue
                found = self._number(text, start, cut)
                if found is not None:
                    results.append(found)
                    start = found.end
                    break
            else:
                # Nothing starts here; try from the next group of digits.
                next_group = _NEXT_GROUP.search(text, start, end)
                if next_group is None:
                    return
                start = next_group.end()
                continue
            while start < end and not (text[start].isdigit() or text[start] in "+("):
                start += 1

    def _number(self, text: str, start: int, end: int) -> RecognizerResult | None:
        candidate = text[start:end]
        # Trim a parenthesis that belongs to the sentence, not the number.
        while candidate and (
            candidate[-1] in " -./(\t"
            or (candidate.endswith(")") and candidate.count("(") < candidate.count(")"))
        ):
            candidate = candidate[:-1]
            end -= 1
        if candidate.startswith("(") and ")" not in candidate:
            candidate = candidate[1:]
            start += 1
        score = self._score(candidate) if candidate else None
        if score is None:
            return None
        return self.scored(text, start, end, score, 0.4, required=False)

    def _score(self, candidate: str) -> float | None:
        digits = validators.digits_of(candidate.split("x")[0].split("X")[0].split("#")[0])
        if not 7 <= len(digits) <= 15 or _DATE_LIKE.match(candidate) or len(set(digits)) == 1:
            return None
        if _NOT_A_PHONE.match(candidate):
            return None
        international = candidate.startswith(("+", "00"))
        number = self._parse(
            candidate.replace("00", "+", 1) if candidate.startswith("00") else candidate,
            international,
        )
        if number is None:
            return None
        if international or "(" in candidate:
            return 0.9
        groups = len(_DIGITS.findall(candidate.split("x")[0]))
        # "415 555 0132" is written like a phone; "4155550132" could be anything.
        return 0.8 if groups >= 2 else 0.45

    def _parse(self, candidate: str, international: bool) -> phonenumbers.PhoneNumber | None:
        for region in [None] if international else self.regions:
            try:
                number = phonenumbers.parse(candidate, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return number
        return None


_EMAIL_AT = r"(?:@|[ \t]*[\[\(\{<][ \t]*at[ \t]*[\]\)\}>][ \t]*|[ \t]+at[ \t]+)"
_EMAIL_DOT = r"(?:\.|[ \t]*[\[\(\{<][ \t]*dot[ \t]*[\]\)\}>][ \t]*|[ \t]+dot[ \t]+)"
# Possessive word runs (``++``): no separator starts with a word character, so
# giving characters back could never help a match, and not trying halves the
# scan time (measured on the benchmark corpus).
_EMAIL = regex.compile(
    rf"(?<![\w.+%'-])[\w+%'-]++(?:{_EMAIL_DOT}[\w+%'-]++)*+{_EMAIL_AT}[\w-]++(?:{_EMAIL_DOT}[\w-]++)+(?![\w-]|\.\w)",
    flags=regex.IGNORECASE,
)
_OBFUSCATED = regex.compile(r"(?i)[\[\(\{<]\s*(?:at|dot)\s*[\]\)\}>]|\s(?:at|dot)\s")
_DEOBFUSCATE_AT = regex.compile(rf"(?i){_EMAIL_AT}")
_DEOBFUSCATE_DOT = regex.compile(rf"(?i){_EMAIL_DOT}")


class GatewayEmailRecognizer(GatewayRecognizer):
    """Email addresses, also written out as ``jane [at] example [dot] com``.

    The domain must end in a real public suffix. tldextract is built with no
    suffix-list URLs and no cache directory, so it uses the snapshot it ships
    with and never touches the network.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__("email_address", "EMAIL_ADDRESS", Context(None, timeout))
        self.timeout = timeout
        self.suffixes = TLDExtract(suffix_list_urls=(), cache_dir=None)

    def analyze(
        self, text: str, entities: Sequence[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []

        def accept(match: regex.Match[str]) -> bool:
            written = match.group()
            obfuscated = "@" not in written
            canonical = _DEOBFUSCATE_AT.sub("@", written, count=1)
            canonical = _DEOBFUSCATE_DOT.sub(".", canonical)
            if canonical.count("@") != 1:
                return False
            if not self.suffixes(canonical.rsplit("@", 1)[1]).suffix:
                return False
            if obfuscated and not _OBFUSCATED.search(written):
                return False
            results.append(self.result(match.start(), match.end(), 0.75 if obfuscated else 1.0))
            return True

        candidates(_EMAIL, text, self.timeout, accept)
        return results


_IBAN_CANDIDATE = regex.compile(r"(?i)(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]){10,32}")


class GatewayIbanRecognizer(GatewayRecognizer):
    """IBANs, grouped or not, cut at the country's length and checked mod 97."""

    def __init__(self, timeout: float) -> None:
        super().__init__("iban_code", "IBAN_CODE", Context(None, timeout))
        self.timeout = timeout

    def analyze(
        self, text: str, entities: Sequence[str], nlp_artifacts: Any = None
    ) -> list[RecognizerResult]:
        results = []
        for match in _IBAN_CANDIDATE.finditer(text, timeout=budget(self.timeout, text)):
            length = validators.IBAN_LENGTHS.get(match.group()[:2].upper())
            if length is None:
                continue
            taken = 0
            end = match.start()
            for end in range(match.start(), match.end()):
                if text[end].isalnum():
                    taken += 1
                    if taken == length:
                        break
            if taken != length:
                continue
            span_end = end + 1
            if span_end < len(text) and text[span_end].isalnum():
                continue  # longer than an IBAN of this country
            if validators.iban(text[match.start() : span_end]) is not None:
                results.append(self.result(match.start(), span_end, 1.0))
        return results
