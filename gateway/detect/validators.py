"""Checksums and structural checks: confidence that an identifier is what it looks like.

Each validator takes the matched text and returns a score that replaces the
pattern's, ``True`` to keep the pattern's score, or ``None`` to reject the
match. A score below the policy threshold means "only with context".

Validity raises confidence; it is not a gate. A number that cannot be issued
(an SSN with area 9xx, a NINO with a reserved prefix, a card number with one
digit mistyped) is still the customer's claim of an identity or a card when
it is typed where one belongs: it gets a low score that the identifier's
context words ("SSN:", "card number") lift over the threshold. Only shapes
that cannot be the identifier at all are rejected.

Validators are referred to by name from recognizer definitions (YAML), so the
registry at the bottom is the list of names a policy may use.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

import regex
from spacy.lang.en.stop_words import STOP_WORDS as _STOP_WORDS

from gateway.detect import wordlists

_DIGITS = re.compile(r"\d")
_ALNUM = re.compile(r"[0-9A-Za-z]")

Validator = Callable[[str], float | bool | None]


def digits_of(text: str) -> str:
    return "".join(_DIGITS.findall(text))


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# Issuer prefixes (IIN ranges) of the networks a support desk sees.
_CARD_PREFIXES = re.compile(
    r"^(?:4"  # Visa
    r"|5[1-5]|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)"  # Mastercard
    r"|3[47]"  # American Express
    r"|6(?:011|5|4[4-9]|22)"  # Discover, UnionPay co-branded
    r"|35(?:2[89]|[3-8]\d)"  # JCB
    r"|3(?:0[0-5]|[68])"  # Diners Club
    r"|62|81"  # UnionPay
    r"|50|5[6-9]|6\d"  # Maestro
    r")"
)


# Maestro also issues 12-digit numbers (ISO/IEC 7812 allows 12 to 19).
_MAESTRO = re.compile(r"^(?:50|5[6-9]|6\d)")


def card(text: str) -> float | None:
    """0.95 a Luhn-valid number of a card network; 0.3 Luhn-valid without a known
    issuer; 0.2 card-long but failing Luhn (a mistyped card): the last two only
    with card context."""
    digits = digits_of(text)
    if not 12 <= len(digits) <= 19 or len(set(digits)) == 1:
        return None
    if luhn_ok(digits):
        issued = _CARD_PREFIXES.match(digits) if len(digits) >= 13 else _MAESTRO.match(digits)
        return 0.95 if issued else 0.3
    return 0.2


def is_card(text: str) -> bool:
    """A number that is a card whatever its context: Luhn-valid with an issuer's prefix."""
    score = card(text)
    return score is not None and score >= 0.9


# IBAN lengths by country (ISO 13616 registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


def iban_ok(compact: str) -> bool:
    """``compact`` is upper case without separators."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in rearranged)
    return int(number) % 97 == 1


def iban(text: str) -> float | None:
    compact = "".join(_ALNUM.findall(text)).upper()
    return 1.0 if iban_ok(compact) else None


def us_ssn(text: str) -> float | None:
    """0.85 dashed, 0.4 undashed; a number the SSA never issues (area 000, 666 or
    9xx, group 00, serial 0000, a published specimen) 0.3 dashed, 0.2 undashed:
    with "SSN" near it, it is still the customer's claim of one."""
    digits = digits_of(text)
    if len(digits) != 9:
        return None
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    issuable = not (
        area in {"000", "666"}
        or area >= "900"
        or group == "00"
        or serial == "0000"
        or digits in {"078051120", "219099999", "123456789"}  # published or placeholders
    )
    if "-" in text:
        return 0.85 if issuable else 0.3
    return 0.4 if issuable else 0.2


_NINO = re.compile(r"^([A-Z]{2})\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]$")
_NINO_BAD_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def uk_nino(text: str) -> float | None:
    """0.85 upper case, 0.4 otherwise; a prefix HMRC never allocates 0.3: with
    "national insurance" near it, it is still the customer's claim of one."""
    match = _NINO.match(text.upper())
    if not match:
        return None
    prefix = match.group(1)
    if prefix in _NINO_BAD_PREFIXES or prefix[0] in "DFIQUV" or prefix[1] in "DFIOQUV":
        return 0.3
    return 0.85 if text.isupper() else 0.4


def ip_address(text: str) -> float | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6 and text.count(":") < 2:
        return None
    # Loopback and unspecified addresses say nothing about a person.
    if address.is_loopback or address.is_unspecified:
        return None
    return 0.9 if address.version == 4 else 0.95


_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}  # fmt: skip
_NUMBERS = re.compile(r"\d+")
_WORDS = re.compile(r"[A-Za-z]+")


def birth_date(text: str) -> float | None:
    """A plausible calendar date with a four-digit year from 1900 on, or a two-digit year."""
    numbers = [int(n) for n in _NUMBERS.findall(text)]
    months = [_MONTHS[w.lower()] for w in _WORDS.findall(text) if w.lower() in _MONTHS]
    years = [n for n in numbers if 1900 <= n <= 2099]
    small = [n for n in numbers if 1 <= n <= 31]
    if months and (years or len(numbers) == 1) and small:
        return 0.85
    plausible = years or all(n <= 99 for n in numbers)
    if len(numbers) == 3 and plausible and any(1 <= n <= 12 for n in numbers):
        return 0.85
    return None


# Years a birth date has and a ticket's own dates rarely do: a customer born in
# 2005 is 21 in 2026, and tickets date their orders and errors in recent years.
BIRTH_YEARS = range(1900, 2006)


def birth_year(text: str) -> float | None:
    """A real calendar date whose four-digit year is a plausible birth year."""
    if birth_date(text) is None:
        return None
    numbers = [int(n) for n in _NUMBERS.findall(text)]
    if not any(n in BIRTH_YEARS for n in numbers):
        return None
    small = [n for n in numbers if n not in BIRTH_YEARS]
    if any(n > 31 or n == 0 for n in small):
        return None
    return True


_WORD_BEFORE_NUMBER = regex.compile(r"(\p{L}[\p{L}'’-]*)\.?[ \t]+\d")


def foreign_street(text: str) -> bool | None:
    """A street named by its ending ("Heirstraat 134"), not an English word that
    happens to share it ("During 1977", "Spring 2024")."""
    match = _WORD_BEFORE_NUMBER.search(text)
    if match is None or wordlists.is_ordinary(match.group(1)):
        return None
    return True


# Capitalised words that open or close messages but are not names.
_NOT_NAMES = frozenset(
    [
        "team",
        "support",
        "there",
        "all",
        "everyone",
        "everybody",
        "folks",
        "guys",
        "sir",
        "madam",
        "customer",
        "customers",
        "service",
        "thanks",
        "thank",
        "regards",
        "hello",
        "hi",
        "hey",
        "dear",
        "order",
        "account",
        "sorry",
        "yes",
        "no",
        "ok",
        "okay",
        "help",
        "urgent",
        "issue",
        "problem",
        "invoice",
        "billing",
        "refund",
        "payment",
        "product",
        "app",
        "admin",
        "agent",
        "manager",
        "user",
        "client",
        "friend",
        "world",
        "morning",
        "afternoon",
        "evening",
        "day",
        "today",
        "tomorrow",
        "yesterday",
        "week",
        "month",
        "year",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "september",
        "october",
        "november",
        "december",
        "best",
        "kind",
        "warm",
        "cheers",
        "sincerely",
        "writing",
        "following",
        "reaching",
        "contacting",
        "just",
        "still",
        "really",
        "very",
        "glad",
        "happy",
        "sure",
        "afraid",
        "here",
        "not",
        "new",
        "old",
        "sent",
        "from",
        "subject",
        "re",
        "fwd",
        "fw",
        "hope",
        "update",
        "ticket",
        "case",
        "request",
        "item",
        "email",
        "e-mail",
        "tel",
        "phone",
        "mobile",
        "fax",
    ]
)


# Local parts of shared mailboxes: "sales@" says nothing about a person's name.
ROLE_MAILBOXES = frozenset(
    [
        "info",
        "sales",
        "noreply",
        "contact",
        "enquiries",
        "inquiries",
        "accounts",
        "office",
        "mail",
        "webmaster",
        "help",
        "careers",
        "jobs",
        "hr",
        "marketing",
        "press",
        "news",
        "orders",
        "hello",
        "notifications",
        "alerts",
        "reply",
        "billing",
        "support",
        "admin",
        "team",
        "service",
        "services",
        "postmaster",
        "abuse",
        "security",
        "privacy",
        "legal",
    ]
)


def person_name(text: str) -> bool | None:
    """Reject captures that are greeting words, weekdays and the like, not names.

    One word must be neither a stop word nor ticket vocabulary, nor a short
    acronym ("EUR", "SSN"). A longer capture must not start with ticket
    vocabulary and must not be all stop words: "Brian Day" and "Will Smith"
    are names, "Customer Service" and "Best Regards" are not.
    """
    words = [w.strip(".'’-").lower() for w in text.split()]
    if not words or not all(words) or words[0] in _NOT_NAMES:
        return None
    if all(w in _STOP_WORDS or w in _NOT_NAMES for w in words):
        return None
    if len(words) == 1 and (words[0] in _STOP_WORDS or (text.isupper() and len(text) <= 3)):
        return None
    return True


def has_digit(text: str) -> bool | None:
    return True if any(c.isdigit() for c in text) else None


def bank_account(text: str) -> bool | None:
    # "Account number 4111111111111111" is a card: leave it to the card
    # recognizer, whose action (mask, keep the last four) is the card's.
    return None if is_card(text) else True


# Words after "password is" that say something about it rather than give it.
_NOT_SECRETS = frozenset(
    """not incorrect wrong invalid expired reset required correct the my a an too still being
    been changed forgotten forgot missing empty blank same different working locked weak strong
    set sent needed protected manager field policy hint null none n/a yes no true false it this
    that your his her our their of for in on at to and or but when if now new old please again
    saved stored updated shown displayed accepted rejected case sensitive""".split()  # noqa: SIM905 - a word list reads better as text
)
_PLACEHOLDER = re.compile(
    r"[*xX#.•·_-]+|<[^<>]*>|\{\{?[^{}]*\}\}?|\$\{[^{}]*\}|\$[A-Z_]+|%[A-Z_]+%|\[[^\[\]]*\]"
)


def secret_value(text: str) -> bool | None:
    """A secret's value, not a word about it ("is not working") or a placeholder
    (``********``, ``<password>``, ``${TOKEN}``, a documentation key of all x)."""
    value = text.strip().strip("\"'`“”‘’").rstrip(".!?")
    if len(value) < 4 or value.lower() in _NOT_SECRETS or _PLACEHOLDER.fullmatch(value):
        return None
    # The key after its prefix ("sk_test_" + "xxxxxxxx"), where there is one.
    tail = value.rsplit("_", 1)[-1]
    body = tail if len(tail) >= 8 else value
    if len(set(body)) <= 2:  # sk_test_xxxxxxxx, 0000000000: examples and blanks
        return None
    return True


VALIDATORS: dict[str, Validator] = {
    "card": card,
    "iban": iban,
    "us_ssn": us_ssn,
    "uk_nino": uk_nino,
    "ip_address": ip_address,
    "birth_date": birth_date,
    "has_digit": has_digit,
    "bank_account": bank_account,
    "person_name": person_name,
    "secret_value": secret_value,
    "birth_year": birth_year,
    "foreign_street": foreign_street,
    "luhn": lambda text: 1.0 if luhn_ok(digits_of(text)) and digits_of(text) else None,
}
