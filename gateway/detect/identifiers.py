"""Recognizers for identifiers that need code, not just a pattern.

* cards: 13-19 Luhn-valid digits with any separators, trimmed to group boundaries;
* phones: candidates from one cheap regex, checked by libphonenumber;
* emails: also written out (``jane [at] example [dot] com``), with a real public suffix;
* IBANs: grouped or not, cut at the country's length, checked mod 97.

Each is a :class:`~gateway.detect.recognizers.GatewayRecognizer`: a regex
timeout raises, and context is read from a character window.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import phonenumbers
import regex
from presidio_analyzer import RecognizerResult
from tldextract import TLDExtract

from gateway.detect import validators
from gateway.detect.budget import budget
from gateway.detect.recognizers import Context, GatewayRecognizer, candidates

# Runs of digits separated by single spaces, dashes or dots, at most two characters apart.
_DIGITS = re.compile(r"\d+")
_DIGIT_RUN = regex.compile(r"(?<![\w-])\d+(?:[ .\-]{1,2}\d+)*(?!\w)")
_CARD_CONTEXT = [
    "card", "credit", "debit", "visa", "mastercard", "amex", "discover", "maestro", "cc", "pan",
]  # fmt: skip
# Words that, just before a number failing Luhn, say it is the company's own id.
_NOT_CARD = [
    "order", "invoice", "tracking", "ticket", "case", "ref", "reference", "sku", "serial",
    "imei", "iccid", "confirmation", "transaction", "receipt", "booking",
]  # fmt: skip


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
    """Card numbers: 12-19 digits with any separators, trimmed to group boundaries.

    Luhn and an issuer's prefix make a card whatever the context; a Luhn-valid
    number of no known issuer, or a card-shaped number failing Luhn (one digit
    mistyped), is a card only with card words near it, and not after an order,
    invoice or tracking word. ``4111 1111 1111 1111 12/27`` finds the card and
    leaves the expiry; a card glued to a phone number in one run is still found.
    """

    def __init__(self, timeout: float) -> None:
        super().__init__("credit_card", "CREDIT_CARD", Context.of(_CARD_CONTEXT, timeout))
        self.timeout = timeout
        self.veto = Context.of(_NOT_CARD, timeout, before=24, after=0, sentence=True)

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
            if digits >= 12:
                ends.append(j)
        best: tuple[RecognizerResult, int] | None = None
        for j in reversed(ends):  # longest first; a stronger shorter one wins
            if not _card_shaped([b - a for a, b in groups[i : j + 1]]):
                continue
            start, end = offset + groups[i][0], offset + groups[j][1]
            score = validators.card(text[start:end])
            if score is None or (score < 0.3 and self.veto.near(text, start, end)):
                continue
            found = self.scored(text, start, end, score, 0.35, required=False)
            if found is not None and (best is None or found.score > best[0].score):
                best = (found, j + 1)
        return best


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
# A date at the start of a candidate ("2024-10-30 11" of a timestamp), or a
# clock time right after one ("... 11:35:39"): timestamps are never phones.
_STARTS_WITH_DATE = regex.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4})(?!\d)"
)
_TIME_AFTER = regex.compile(r"[:.]\d{2}\b")
_THREE_PAIRS = regex.compile(r"\d\d([ .-])\d\d\1\d\d")
# North American numbers with the area code in parentheses: a phone's shape, valid or not.
_NANP_SHAPE = regex.compile(r"^\+?1?[ .-]?\(\d{3}\)[ .-]?\d{3}[ .-]?\d{4}$")
_PHONE_CONTEXT = [
    "phone", "call", "called", "calling", "tel", "telephone", "mobile", "cell", "reach",
    "text", "sms", "whatsapp", "landline", "fax", "ring", "dial", "ph", "mob", "number",
    "contact", "phone number", "mobile number", "cell number", "office", "home", "registered",
    "answering", "voicemail", "direct line", "extension", "message", "messages", "messaging",
    "texts", "texted",
]  # fmt: skip
# Words that, just before a number libphonenumber rejects, say it is an id
# ("no" and "#" say nothing alone: "mobile no.", "order no.").
_NOT_PHONE = [
    "order", "invoice", "tracking", "ticket", "case", "ref", "reference", "sku", "serial",
    "imei", "account", "acct", "model", "version", "build", "confirmation", "transaction",
    "receipt", "booking", "id", "po", "ssn", "social security", "national insurance",
    "nino", "passport", "licence", "license", "sort code", "iban", "routing", "card",
]  # fmt: skip

# Those that outweigh even a valid number right after them ("no", "#" and "id"
# do not: "mobile no. 07700 900123", "Phone #: 415 555 0132").
_ID_LABELS = [
    "order", "invoice", "tracking", "ticket", "case", "ref", "reference", "sku", "serial",
    "imei", "model", "version", "build", "confirmation", "transaction", "receipt", "booking",
]  # fmt: skip


class GatewayPhoneRecognizer(GatewayRecognizer):
    """Phone numbers, extensions included: libphonenumber for confidence, not as a gate.

    Candidates come from one cheap regex; only those are handed to
    ``phonenumbers`` (its own matcher scans the whole text and is the slowest
    part of stock Presidio). A number valid in the policy's regions, or
    written internationally, is a phone on its own. One libphonenumber
    rejects (a reserved range like 07700 900xxx, a digit missing, another
    country's local number, an impossible area code) still has a phone's
    shape: it scores low and is masked with phone words near it ("call me
    at"), unless an order, invoice or tracking word says it is an id; such a
    word right before even a valid number says so too. Timestamps, dates,
    versions and card numbers are never phones.
    """

    def __init__(self, regions: Sequence[str], timeout: float) -> None:
        self.regions = list(dict.fromkeys(regions))
        super().__init__("phone_number", "PHONE_NUMBER", Context.of(_PHONE_CONTEXT, timeout))
        self.timeout = timeout
        self.veto = Context.of(_NOT_PHONE, timeout, before=32, after=0, sentence=True)
        # Right before even a valid number, an id word makes it that id ("build 2302 4411 09").
        self.label = Context.of(_ID_LABELS, timeout, before=12, after=0, sentence=True)

    def load(self) -> None:
        """Read libphonenumber's metadata for the regions now (Presidio calls ``load`` at
        construction): it is read on first use otherwise, inside a request's regex budget."""
        for region in self.regions:
            phonenumbers.PhoneMetadata.metadata_for_region(region)
        phonenumbers.parse("+1 415 555 0132")

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
        Only prefixes with a phone's worth of digits (7 to 15) are parsed; a valid
        number is preferred to a longer one that is only phone-shaped."""
        while start < end:
            cuts = [end] + [i for i in range(end - 1, start, -1) if text[i] in " \t/"]
            cuts = [c for c in cuts if 6 <= sum(ch.isdigit() for ch in text[start:c]) <= 21]
            found = None
            for strict in (True, False):
                for cut in cuts:
                    found = self._number(text, start, cut, strict)
                    if found is not None:
                        break
                if found is not None:
                    break
            if found is None:
                # Nothing starts here; try from the next group of digits.
                next_group = _NEXT_GROUP.search(text, start, end)
                if next_group is None:
                    return
                start = next_group.end()
                continue
            results.append(found)
            start = found.end
            while start < end and not (text[start].isdigit() or text[start] in "+("):
                start += 1

    def _number(self, text: str, start: int, end: int, strict: bool) -> RecognizerResult | None:
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
        if not candidate or _TIME_AFTER.match(text, end):
            return None
        score = self._valid_score(candidate) if strict else self._shape_score(candidate)
        if score is None or (self.veto if not strict else self.label).near(text, start, end):
            return None
        return self.scored(text, start, end, score, 0.4, required=False)

    def _digits(self, candidate: str) -> str | None:
        """The number's digits (no extension), or None if it cannot be a phone at all."""
        digits = validators.digits_of(candidate.split("x")[0].split("X")[0].split("#")[0])
        # Six digits only in three pairs ("35 88 32"): the local numbers of small countries.
        short = len(digits) == 6 and _THREE_PAIRS.fullmatch(candidate) is not None
        if not (7 <= len(digits) <= 15 or short):
            return None
        if _DATE_LIKE.match(candidate) or len(set(digits)) == 1:
            return None
        if _NOT_A_PHONE.match(candidate) or _STARTS_WITH_DATE.match(candidate):
            return None
        return digits

    def _valid_score(self, candidate: str) -> float | None:
        """A number libphonenumber calls valid: 0.9 international or with an area code
        in parentheses, 0.8 written in groups, 0.45 one run of digits (context decides)."""
        if self._digits(candidate) is None:
            return None
        international = candidate.startswith(("+", "00"))
        number = self._parse(_plus(candidate), international)
        if number is None:
            return None
        if international or "(" in candidate:
            return 0.9
        groups = len(_DIGITS.findall(candidate.split("x")[0]))
        # "415 555 0132" is written like a phone; "4155550132" could be anything.
        return 0.8 if groups >= 2 else 0.45

    def _shape_score(self, candidate: str) -> float | None:
        """A number libphonenumber rejects, scored by its shape alone."""
        if self._digits(candidate) is None:
            return None
        if candidate.startswith(("+", "00")):
            return 0.6  # written as an international number: a phone
        if _NANP_SHAPE.match(candidate):
            return 0.5  # (894)134-3524: a North American phone, area code or not
        groups = len(_DIGITS.findall(candidate.split("x")[0]))
        if groups >= 2:
            return 0.35 if self._possible(candidate) else 0.3
        return 0.15

    def _possible(self, candidate: str) -> bool:
        for region in self.regions:
            try:
                if phonenumbers.is_possible_number(phonenumbers.parse(candidate, region)):
                    return True
            except phonenumbers.NumberParseException:
                continue
        return False

    def _parse(self, candidate: str, international: bool) -> phonenumbers.PhoneNumber | None:
        for region in [None] if international else self.regions:
            try:
                number = phonenumbers.parse(candidate, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return number
        return None


def _plus(candidate: str) -> str:
    return candidate.replace("00", "+", 1) if candidate.startswith("00") else candidate


_EMAIL_AT = r"(?:@|[ \t]*[\[\(\{<][ \t]*at[ \t]*[\]\)\}>][ \t]*|[ \t]+at[ \t]+)"
_EMAIL_DOT = r"(?:\.|[ \t]*[\[\(\{<][ \t]*dot[ \t]*[\]\)\}>][ \t]*|[ \t]+dot[ \t]+)"
# Possessive word runs (``++``): no separator starts with a word character, so
# giving characters back could never help a match, and not trying halves the
# scan time (measured on the benchmark corpus).
# The local part starts with a letter, digit, "+" or "%": a quote before it is
# the sentence's or the code's ("var e='a@b.com'"), not the address's. It
# starts a word (a quote or hyphen before it must not follow a letter): a
# match may not begin inside "A-A-A-...", whose every letter would be tried.
_EMAIL = regex.compile(
    rf"(?<![\w.+%])(?<!\w['-])[\w+%][\w+%'-]*+(?:{_EMAIL_DOT}[\w+%'-]++)*+{_EMAIL_AT}[\w-]++(?:{_EMAIL_DOT}[\w-]++)+(?![\w-]|\.\w)",
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
        self.suffixes = TLDExtract(suffix_list_urls=(), cache_dir=None)
        super().__init__("email_address", "EMAIL_ADDRESS", Context(None, timeout))
        self.timeout = timeout

    def load(self) -> None:
        """Read the bundled suffix list at construction (Presidio calls ``load`` then):
        tldextract would read it on first use, inside a request's regex budget."""
        self.suffixes("example.com")

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
