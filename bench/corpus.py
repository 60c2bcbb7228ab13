"""A seeded, labelled corpus of support tickets for the quality and speed benchmarks.

Each ticket is built from sentence templates with placeholders. A placeholder is
filled with a generated value and its span is recorded, so every ticket comes
with exact labels:

* ``pii``: personal data that must not reach the vendor, by entity type;
* ``controls``: values the vendor's agents need (order numbers, amounts,
  products, error codes, versions, dates...) that must survive untouched.

Values come from Faker in several locales (names from twelve of them), phone
numbers in US, UK and international formats, valid card, IBAN, SSN and NINO
specimens, UK sort codes and account numbers, and about one value in six is
obfuscated the way customers and copy-paste do it: ``[at]``/``dot`` emails,
zero-width characters, full-width digits, non-breaking spaces and Unicode
dashes.

Third-party shapes as well: addresses from Faker's own street tables (every
USPS suffix, UK flats, eleven European locales' street lines and postcodes,
US military mail); phone numbers libphonenumber rejects, after phone words
(reserved ranges, a digit missing, other countries' local numbers, impossible
area codes); pasted secrets (cloud, GitHub, Slack, Stripe keys, JWTs,
passwords). Controls include log timestamps and products named by brand and
model ("Dyson V15"). ``html()`` renders a ticket as a helpdesk's HTML body.

    python -m bench.corpus --count 3 --seed 7     # print three tickets with labels
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import phonenumbers
from faker import Faker

NAME_LOCALES = [
    "en_US", "en_GB", "en_IN", "en_IE", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL",
    "pt_BR", "sv_SE",
]  # fmt: skip
COMPANY = "Acme"
SUPPORT_EMAIL = "support@acme.com"
PRODUCTS = [
    "Acme Cloud Pro", "Acme Router X2", "Acme Smart Thermostat", "Acme Sync", "Acme Vault Backup",
    "Acme Home Hub", "Acme Mesh Wi-Fi", "Acme Desk Lamp",
]  # fmt: skip
PLANS = ["Business Plus", "Starter", "Premium Annual", "Family Plan", "Enterprise Tier"]
ERRORS = [
    "ERR_CONN_RESET", "E1042", "0x80070005", "HTTP 502", "error 403", "SYNC_TIMEOUT",
    "code 4012", "ERR-PAYMENT-DECLINED", "E_AUTH_EXPIRED", "error code 0xC0000005",
]  # fmt: skip
STREET_WORDS = [
    "Oak", "Maple", "Elm", "Cedar", "Pine", "Baker", "High", "Church", "Station", "Park", "Mill",
    "Victoria", "King", "Queen", "Washington", "Lincoln", "Jefferson", "Lake", "Hill", "River",
    "Spring", "Willow", "Chestnut", "Highland", "Sunset", "Meadow", "Forest", "Orchard",
    "Harbor", "Bridge", "Market", "Union", "Grove", "Albert", "Windsor", "Cherry", "Walnut",
]  # fmt: skip
# Common street suffixes, roughly by frequency (USPS and Royal Mail usage).
STREET_SUFFIXES = [
    ("Street", 20), ("St", 8), ("Avenue", 10), ("Ave", 5), ("Road", 12), ("Rd", 4), ("Lane", 6),
    ("Drive", 7), ("Dr", 3), ("Court", 3), ("Place", 3), ("Boulevard", 2), ("Blvd", 1),
    ("Way", 4), ("Close", 2), ("Crescent", 2), ("Terrace", 1), ("Circle", 1), ("Parkway", 1),
    ("Square", 1), ("Gardens", 1), ("Pike", 1), ("Trail", 1), ("Row", 1), ("Mews", 1),
]  # fmt: skip
US_CITIES = [
    ("Springfield", "IL"), ("Austin", "TX"), ("Portland", "OR"), ("Denver", "CO"),
    ("Columbus", "OH"), ("Raleigh", "NC"), ("San Jose", "CA"), ("Madison", "WI"),
]  # fmt: skip
UK_CITIES = ["London", "Manchester", "Leeds", "Bristol", "Glasgow", "Cardiff", "York"]
EUROPEAN_LOCALES = [
    "de_DE", "nl_NL", "sv_SE", "fr_FR", "es_ES", "it_IT", "pl_PL", "da_DK", "no_NO", "de_CH", "fi_FI",
]  # fmt: skip
# Products named by brand and model: several brands are surnames too.
MODELS = [
    "Dyson V15", "Galaxy S23 Ultra", "iPhone 15 Pro", "Pixel 8", "ThinkPad X1 Carbon",
    "Miele W1", "Bosch Series 6", "Philips Hue Go", "Dell XPS 13", "HP LaserJet M404",
    "Sonos Era 100", "Kindle Paperwhite", "Nest Cam", "Garmin Forerunner 265", "Roborock S8",
]  # fmt: skip
IBAN_COUNTRIES = {"GB": "WEST", "DE": "", "FR": "", "NL": "ABNA", "ES": "", "IT": "X"}


@dataclass(frozen=True)
class Span:
    kind: str  # entity name for PII, control kind for controls
    start: int
    end: int
    value: str


@dataclass
class Ticket:
    id: str
    text: str
    pii: list[Span] = field(default_factory=list)
    controls: list[Span] = field(default_factory=list)


class Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.pii: list[Span] = []
        self.controls: list[Span] = []

    def add(self, text: str, kind: str | None = None, is_pii: bool = False) -> None:
        if kind is not None:
            span = Span(kind, self.length, self.length + len(text), text)
            (self.pii if is_pii else self.controls).append(span)
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for position, char in enumerate(reversed(body)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return body + str((10 - total % 10) % 10)


def _iban(country: str, rng: random.Random) -> str:
    lengths = {"GB": 22, "DE": 22, "FR": 27, "NL": 18, "ES": 24, "IT": 27}
    bank = IBAN_COUNTRIES[country]
    bban = bank + "".join(
        rng.choice(string.digits) for _ in range(lengths[country] - 4 - len(bank))
    )
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


class Values:
    """Generators for one ticket's persona and for controls."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        self.rng = rng
        self.fakers = {loc: Faker(loc) for loc in dict.fromkeys(NAME_LOCALES + EUROPEAN_LOCALES)}
        for offset, faker in enumerate(self.fakers.values()):
            faker.seed_instance(seed * 100 + offset)
        self.us = self.fakers["en_US"]
        self.gb = self.fakers["en_GB"]

    # --- persona -----------------------------------------------------------
    def name(self) -> tuple[str, str]:
        faker = self.fakers[self.rng.choice(NAME_LOCALES)]
        first = faker.first_name().split()[0]
        last = faker.last_name()
        return first, last

    def email(self, first: str, last: str) -> str:
        ascii_first = _ascii(first).lower() or "user"
        ascii_last = _ascii(last).lower() or "name"
        local = self.rng.choice(
            [
                f"{ascii_first}.{ascii_last}",
                f"{ascii_first}{ascii_last}{self.rng.randint(1, 99)}",
                f"{ascii_first[0]}{ascii_last}",
                f"{ascii_first}_{ascii_last}",
                f"{ascii_last}.{ascii_first}",
            ]
        )
        domain = self.rng.choice(
            ["gmail.com", "outlook.com", "yahoo.co.uk", "hotmail.com", "proton.me", "icloud.com",
             "web.de", "orange.fr", "example.org", "mail.com", "company.co.uk", "fastmail.fm"]
        )  # fmt: skip
        return f"{local}@{domain}"

    def phone(self) -> str:
        kind = self.rng.choice(["us", "us", "us", "uk", "uk", "intl"])
        if kind == "us":
            number = self._valid(
                lambda: (
                    "+1"
                    + str(self.rng.choice([212, 312, 415, 512, 617, 206, 303, 646, 702, 919]))
                    + str(self.rng.randint(200, 999))
                    + f"{self.rng.randint(0, 9999):04d}"
                )
            )
            national = phonenumbers.national_significant_number(number)
            a, e, n = national[:3], national[3:6], national[6:]
            fmt = self.rng.choice(
                [f"({a}) {e}-{n}", f"{a}-{e}-{n}", f"{a}.{e}.{n}", f"+1 {a} {e} {n}", f"+1-{a}-{e}-{n}",
                 f"1-{a}-{e}-{n}", f"{a} {e} {n}", f"+1 ({a}) {e}-{n}"]
            )  # fmt: skip
            if self.rng.random() < 0.15:
                fmt += self.rng.choice(
                    [f" x{self.rng.randint(10, 999)}", f" ext. {self.rng.randint(10, 9999)}"]
                )
            return fmt
        if kind == "uk":
            mobile = self.rng.random() < 0.5
            number = self._valid(
                lambda: (
                    "+447" + str(self.rng.randint(400, 999)) + f"{self.rng.randint(0, 999999):06d}"
                    if mobile
                    else "+4420"
                    + str(self.rng.randint(3, 8))
                    + f"{self.rng.randint(0, 9999999):07d}"
                )
            )
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            intl = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            return self.rng.choice([national, intl, intl.replace("+44 ", "+44 (0)")])
        _region, prefix = self.rng.choice(
            [("DE", "+4930"), ("FR", "+331"), ("IN", "+9198"), ("AU", "+612"), ("IE", "+3531")]
        )
        number = self._valid(lambda: prefix + f"{self.rng.randint(0, 99999999):08d}")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)

    def phone_odd(self) -> str:
        """A number libphonenumber rejects, as people write them."""
        rng = self.rng
        kind = rng.choice(["reserved_uk", "reserved_us", "short", "local", "area"])
        if kind == "reserved_uk":  # Ofcom's ranges for drama
            return rng.choice(
                [f"07700 900{rng.randint(0, 999):03d}", f"020 7946 0{rng.randint(0, 999):03d}"]
            )
        if kind == "reserved_us":
            return f"({rng.choice([212, 415, 617])}) 555-01{rng.randint(0, 99):02d}"
        if kind == "short":  # one digit missing
            value = self.phone().split(" x")[0].split(" ext")[0]
            digits = [i for i, c in enumerate(value) if c.isdigit()]
            drop = rng.choice(digits[len(digits) // 2 :])
            return value[:drop] + value[drop + 1 :]
        if kind == "local":  # other countries' local numbers
            return str(self.fakers[rng.choice(["de_CH", "da_DK", "fi_FI", "no_NO"])].phone_number())
        area = rng.choice([rng.randint(100, 199), rng.randint(0, 99)])  # impossible area codes
        return f"({area:03d}){rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"

    def secret(self) -> str:
        rng = self.rng
        upper = string.ascii_uppercase + string.digits
        mixed = string.ascii_letters + string.digits

        def pick(alphabet: str, length: int) -> str:
            return "".join(rng.choice(alphabet) for _ in range(length))

        return rng.choice(
            [
                "AKIA" + pick(upper, 16),
                "ghp_" + pick(mixed, 36),
                f"xoxb-{rng.randint(10**10, 10**11)}-{rng.randint(10**11, 10**12)}-{pick(mixed, 24)}",
                "sk_live_" + pick(mixed, 24),
                "glpat-" + pick(mixed, 20),
                "eyJhbGciOiJIUzI1NiJ9.eyJ" + pick(mixed, 37) + "." + pick(mixed, 43),
            ]
        )

    def password(self) -> str:
        return str(self.us.password(length=self.rng.randint(10, 16)))

    def _valid(self, make: Callable[[], str]) -> phonenumbers.PhoneNumber:
        for _ in range(200):
            number = phonenumbers.parse(make(), None)
            if phonenumbers.is_valid_number(number):
                return number
        raise RuntimeError("could not generate a valid phone number")

    def card(self) -> str:
        prefix, length = self.rng.choice(
            [("4", 16), ("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15),
             ("6011", 16), ("4", 19), ("62", 19), ("35", 16)]
        )  # fmt: skip
        digits = _luhn_complete(prefix, length, self.rng)
        if length == 15:
            groups = [digits[:4], digits[4:10], digits[10:]]
        else:
            groups = [digits[i : i + 4] for i in range(0, length, 4)]
        separator = self.rng.choice([" ", " ", "-", "", ".", "  "])
        return separator.join(groups)

    def iban(self) -> str:
        value = _iban(self.rng.choice(list(IBAN_COUNTRIES)), self.rng)
        if self.rng.random() < 0.6:
            value = " ".join(value[i : i + 4] for i in range(0, len(value), 4))
        return value

    def ssn(self) -> str:
        while True:
            area = self.rng.randint(1, 899)
            if area != 666:
                break
        group, serial = self.rng.randint(1, 99), self.rng.randint(1, 9999)
        return f"{area:03d}-{group:02d}-{serial:04d}"

    def nino(self) -> str:
        first = self.rng.choice("ABCEGHJKLMNOPRSTWXYZ")
        second = self.rng.choice("ABCEGHJKLMNPRSTWXYZ")
        if first + second in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}:
            first, second = "A", "B"
        digits = [f"{self.rng.randint(0, 99):02d}" for _ in range(3)]
        suffix = self.rng.choice("ABCD")
        return self.rng.choice(
            [
                f"{first}{second} {' '.join(digits)} {suffix}",
                f"{first}{second}{''.join(digits)}{suffix}",
            ]
        )

    def ip(self) -> str:
        if self.rng.random() < 0.2:
            return self.us.ipv6()
        return self.us.ipv4_public()

    def address(self) -> tuple[str, str | None]:
        """A street line with what closes it; the UK postcode apart, if any."""
        rng, us = self.rng, self.us
        shape = rng.random()
        if shape < 0.3:  # Faker's US streets: every USPS suffix
            street = f"{us.building_number()} {us.street_name()}"
            if rng.random() < 0.2:
                street += f", {us.secondary_address()}"
            return f"{street}, {us.city()}, {us.state_abbr()} {us.zipcode()}", None
        if shape < 0.42:  # UK: flats and numbered streets, then a postcode
            return str(self.gb.street_address()), self.postcode()
        if shape < 0.66:  # European street lines, postcode and town
            faker = self.fakers[rng.choice(EUROPEAN_LOCALES)]
            return f"{faker.street_address()}, {faker.postcode()} {faker.city()}", None
        if shape < 0.74:  # US military and diplomatic mail
            return rng.choice([us.military_apo(), us.military_dpo()]) + (
                f", {rng.choice(['APO', 'FPO', 'DPO'])} {rng.choice(['AA', 'AE', 'AP'])} {us.zipcode()}"
            ), None
        return self._short_list_address()

    def _short_list_address(self) -> tuple[str, str | None]:
        number = str(self.rng.randint(1, 9999))
        if self.rng.random() < 0.1:
            number += self.rng.choice("ABC")
        words = self.rng.choice(STREET_WORDS)
        if self.rng.random() < 0.25:
            words = (
                f"{self.rng.choice(STREET_WORDS)} {words}"
                if self.rng.random() < 0.5
                else f"{self.us.last_name()}"
            )
        suffix = self.rng.choices([s for s, _ in STREET_SUFFIXES], [w for _, w in STREET_SUFFIXES])[
            0
        ]
        street = f"{number} {words} {suffix}"
        if self.rng.random() < 0.5:
            city, state = self.rng.choice(US_CITIES)
            if self.rng.random() < 0.2:
                street += f", Apt {self.rng.randint(1, 40)}"
            return f"{street}, {city}, {state} {self.rng.randint(10000, 99999)}", None
        return street, self.postcode()

    def postcode(self) -> str:
        return str(self.gb.postcode())

    def dob(self) -> str:
        year, month, day = (
            self.rng.randint(1940, 2005),
            self.rng.randint(1, 12),
            self.rng.randint(1, 28),
        )
        month_name = ["January", "February", "March", "April", "May", "June", "July", "August",
                      "September", "October", "November", "December"][month - 1]  # fmt: skip
        return self.rng.choice(
            [f"{month:02d}/{day:02d}/{year}", f"{day:02d}/{month:02d}/{year}", f"{year}-{month:02d}-{day:02d}",
             f"{day} {month_name} {year}", f"{month_name} {day}, {year}", f"{day}.{month}.{year}"]
        )  # fmt: skip

    def passport(self) -> str:
        return self.rng.choice(
            [str(self.rng.randint(100000000, 999999999)),
             self.rng.choice(string.ascii_uppercase) + str(self.rng.randint(1000000, 9999999)),
             "".join(self.rng.choice(string.ascii_uppercase) for _ in range(2)) + str(self.rng.randint(1000000, 9999999))]
        )  # fmt: skip

    def license(self) -> str:
        return self.rng.choice(
            [f"{self.rng.choice(string.ascii_uppercase)}{self.rng.randint(100, 999)}-{self.rng.randint(1000, 9999)}-{self.rng.randint(1000, 9999)}",
             f"{self.rng.choice(string.ascii_uppercase)}{self.rng.randint(1000000, 9999999)}",
             _ascii(self.us.last_name()).upper()[:5].ljust(5, "9") + f"{self.rng.randint(100000, 999999)}" + "".join(self.rng.choice(string.ascii_uppercase) for _ in range(2)) + "9IJ"]
        )  # fmt: skip

    def sort_code(self) -> str:
        separator = self.rng.choice(["-", "-", " ", ""])
        return separator.join(f"{self.rng.randint(0, 99):02d}" for _ in range(3))

    def account(self) -> str:
        # UK accounts have 8 digits; a few are written in two groups of four.
        number = f"{self.rng.randint(10_000_000, 99_999_999)}"
        return number if self.rng.random() < 0.8 else f"{number[:4]} {number[4:]}"

    # --- controls ----------------------------------------------------------
    def control(self, kind: str) -> str:
        rng = self.rng
        if kind == "order":
            return rng.choice(
                [
                    f"ORD-{rng.randint(10000, 99999)}",
                    f"#{rng.randint(100000, 999999)}",
                    f"A{rng.randint(1000000, 9999999)}",
                    f"ORD{rng.randint(1000000, 9999999)}",
                ]
            )
        if kind == "amount":
            return rng.choice(
                [
                    f"${rng.randint(5, 2000)}.{rng.randint(0, 99):02d}",
                    f"£{rng.randint(5, 900)}.00",
                    f"€{rng.randint(1, 9)},{rng.randint(100, 999)}.00",
                    f"USD {rng.randint(10, 500)}",
                    f"{rng.randint(2, 99)}.99 EUR",
                ]
            )
        if kind == "product":
            return rng.choice(PRODUCTS)
        if kind == "plan":
            return rng.choice(PLANS)
        if kind == "error":
            return rng.choice(ERRORS)
        if kind == "version":
            return rng.choice(
                [
                    f"v{rng.randint(1, 12)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
                    f"{rng.randint(1, 5)}.{rng.randint(0, 9)}.{rng.randint(0, 30)}",
                    f"build {rng.randint(10, 99)}.0.{rng.randint(10000, 22999)}",
                ]
            )
        if kind == "date":
            return rng.choice(
                [
                    f"March {rng.randint(1, 28)}",
                    f"{rng.randint(1, 28)} June",
                    f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "last Tuesday",
                    f"{rng.randint(1, 28)}/{rng.randint(1, 12)}",
                ]
            )
        if kind == "tracking":
            return rng.choice(
                [
                    f"1Z{rng.randint(100, 999)}AA1{rng.randint(10**11, 10**12 - 1)}",
                    f"TBA{rng.randint(10**11, 10**12 - 1)}",
                    f"RR{rng.randint(10**8, 10**9 - 1)}GB",
                ]
            )
        if kind == "sku":
            return f"SKU-{rng.randint(10000, 99999)}-{rng.choice(['BL', 'WH', 'RD', 'XL'])}"
        if kind == "invoice":
            return f"INV-{rng.randint(2023, 2026)}-{rng.randint(1, 99999):05d}"
        if kind == "ticket":
            return f"#{rng.randint(10000, 99999)}"
        if kind == "time":
            return rng.choice(
                [
                    f"{rng.randint(1, 12)}:{rng.choice(['00', '15', '30', '45'])} {rng.choice(['AM', 'PM'])}",
                    f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
                ]
            )
        if kind == "timestamp":
            return rng.choice(
                [
                    f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}",
                    f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}Z",
                    f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2025 {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
                ]
            )
        if kind == "model":
            return rng.choice(MODELS)
        if kind == "company":
            return COMPANY
        if kind == "support_email":
            return SUPPORT_EMAIL
        raise ValueError(kind)


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and c.isalpha())


# --- obfuscation -------------------------------------------------------------
_ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]


def obfuscate(entity: str, value: str, rng: random.Random) -> str:
    if entity == "EMAIL_ADDRESS":
        local, domain = value.split("@")
        choice = rng.choice(["brackets", "parens", "words", "zero_width", "fullwidth_at"])
        if choice == "brackets":
            return f"{local} [at] {domain.replace('.', ' [dot] ')}"
        if choice == "parens":
            return f"{local}(at){domain}"
        if choice == "words":
            return f"{local.replace('.', ' dot ')} at {domain.replace('.', ' dot ')}"
        if choice == "fullwidth_at":
            return f"{local}\uff20{domain}"
        return _insert_invisible(value, rng)
    if entity in {"PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE"}:
        choice = rng.choice(["fullwidth", "nbsp", "dash", "zero_width", "arabic_indic"])
        if choice == "fullwidth":
            return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in value)
        if choice == "arabic_indic":
            return "".join(chr(0x0660 + int(c)) if c.isdigit() else c for c in value)
        if choice == "nbsp":
            return value.replace(" ", "\u00a0")
        if choice == "dash":
            return (
                value.replace("-", "\u2013").replace(" ", "\u2013")
                if entity != "IBAN_CODE"
                else value.replace(" ", "\u00a0")
            )
        return _insert_invisible(value, rng)
    if entity == "PERSON":
        return _insert_invisible(value, rng) if rng.random() < 0.5 else value.replace(" ", "\u00a0")
    return value


def _insert_invisible(value: str, rng: random.Random) -> str:
    if len(value) < 3:
        return value
    position = rng.randint(1, len(value) - 1)
    return value[:position] + rng.choice(_ZERO_WIDTH) + value[position:]


# --- templates ---------------------------------------------------------------
# {full} {first} {last} {email} {phone} {card} {iban} {ssn} {nino} {ip} {address}
# {postcode} {dob} {passport} {license} {sort_code} {account}: personal data
# {order} {amount} {product} {plan} {error} {version} {date} {tracking} {sku}
# {invoice} {ticket} {time} {company} {support_email}: controls
# {phone_odd} {secret} {password} {timestamp} {model}: third-party shapes (see above)
OPENERS = [
    "Hi,\n\n", "Hello {company} Support,\n\n", "Hi team,\n\n", "Dear Sir or Madam,\n\n", "Hey there,\n\n",
    "Hello,\n\n", "Good morning,\n\n", "", "To whom it may concern,\n\n", "Hi {company} team,\n\n",
]  # fmt: skip
INTRODUCTIONS = [
    "My name is {full} and I have a problem with order {order}. ",
    "This is {full}, I bought a {product} on {date}. ",
    "I'm writing about my {plan} subscription. ",
    "I am {full}, customer since {date}. ",
    "",
    "",
    "my name is {full_lower} and i need help. ",
    "I'm contacting you on behalf of my husband {full}. ",
]  # fmt: skip
BODIES = [
    "I was charged {amount} twice for {product} on invoice {invoice}. The card ending in the number {card} was used both times.",
    "My card {card} was declined with {error} when I tried to renew the {plan} plan.",
    "Please refund {amount} to my IBAN {iban}, the account is in my name.",
    "Since updating to {version} the app shows {error} every time I log in.",
    "The {product} keeps disconnecting. Router logs show connections from {ip} at {time}.",
    "Order {order} was supposed to arrive on {date} but tracking {tracking} has not moved.",
    "Please ship the replacement to {address} instead.",
    "You can reach me at {phone} after {time}.",
    "Call me on {phone} or email {email} if you need anything else.",
    "For verification my SSN is {ssn} and my date of birth is {dob}.",
    "My national insurance number is {nino}, as your form asked.",
    "I was born on {dob}, in case you need it for the age check.",
    "My passport number is {passport} and it expires next year.",
    "Attached is a copy of my driver's license {license} as requested.",
    "The billing address on file is {address}, can you update it?",
    "I moved recently, my new postcode is {postcode}.",
    "Our office IP is {ip}, please whitelist it for the {plan} account.",
    "I contacted {first} from your team last week about ticket {ticket} but heard nothing.",
    "My colleague {full} ({email}) also needs access to {product}.",
    "Item {sku} arrived damaged, I paid {amount} for it.",
    "The error {error} appears after step 3 of the setup guide for {product} {version}.",
    "Can you confirm the {amount} charge on {date}? I don't recognise it.",
    "I emailed {support_email} on {date} and nobody answered.",
    "My account email is {email} but I can't log in since {date}.",
    "Please cancel order {order} and refund {amount} to the card ending {card}.",
    "The invoice {invoice} lists the wrong company, it should be {full} personally.",
    "Here is my phone number again: {phone}.",
    "I tried resetting the password for {email} but the link expired after {time}.",
    "Firmware {version} on my {product} fails with {error}.",
    "My wife {full} placed order {order} using my card {card}.",
    "The delivery driver said the address {address} could not be found.",
    "Please update my phone to {phone} and remove the old one.",
    "Payment of {amount} failed with {error}; the IBAN I used was {iban}.",
    "I logged in from {ip} and got locked out with {error}.",
    "Customer {full} called about ticket {ticket} regarding {product}.",
    "Please refund {amount} by bank transfer: sort code {sort_code}, account number {account}.",
    "My bank details are a/c no. {account}, sort code {sort_code}, in my own name.",
    "I paid {amount} from my account {account}, sort code {sort_code}, for invoice {invoice}.",
    "The refund of {amount} reached my account on {date}, thanks.",
    "My old number {phone_odd} no longer works, call me on {phone} instead.",
    "If I don't answer, try my landline {phone_odd} after {time}.",
    "Text me at {phone_odd} when the courier is close.",
    "Error logged at {timestamp}: {error} on the {model}.",
    "I also own a {model} and it shows the same {error} since {timestamp}.",
    "Your agent asked for our API key, here it is: {secret}",
    "The integration fails with the token {secret} since version {version}.",
    "My password is {password} if you need to log in and check.",
]  # fmt: skip
CLOSINGS = [
    "\n\nThanks,\n{first}", "\n\nBest regards,\n{full}", "\n\nCheers,\n{first}", "\n\nKind regards,\n{full}",
    "\n\nThank you!\n{full}", "\n\nThanks, {first}", "\n\nRegards,\n{full_upper}", "\n\nSent from my iPhone",
    "\n\nBest,\n{first} {last}", "\n\n{full}",
]  # fmt: skip
SIGNATURES = [
    "\n{full}\nTel: {phone}\n{email}",
    "\nMobile: {phone}",
    "\n{address}\n{phone}",
    "\nPhone: {phone} | Email: {email}",
    "\n--\n{full}\n{phone}",
]  # fmt: skip
QUOTES = [
    "\n\nOn {date}, {company} Support <{support_email}> wrote:\n> Hi {first},\n> Thanks for reaching out about order {order}.\n> Could you confirm the email on the account?",
    "\n\n-----Original Message-----\nFrom: {full} <{email}>\nSent: {date}\nSubject: Re: ticket {ticket}\n\nStill waiting on the refund of {amount}.",
]  # fmt: skip
HEADERS = [
    "Subject: Problem with order {order}\nFrom: {full} <{email}>\n\n",
    "Subject: Refund request for {product}\n\n",
    "Subject: {error} when logging in\n\n",
]  # fmt: skip

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
PII_SLOTS = {
    "full": "PERSON", "first": "PERSON", "last": "PERSON", "full_lower": "PERSON", "full_upper": "PERSON",
    "email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER", "card": "CREDIT_CARD", "iban": "IBAN_CODE",
    "ssn": "US_SSN", "nino": "UK_NINO", "ip": "IP_ADDRESS", "address": "STREET_ADDRESS",
    "postcode": "UK_POSTCODE", "dob": "DATE_OF_BIRTH", "passport": "PASSPORT", "license": "DRIVER_LICENSE",
    "sort_code": "BANK_ACCOUNT", "account": "BANK_ACCOUNT", "phone_odd": "PHONE_NUMBER",
    "secret": "SECRET", "password": "SECRET",
}  # fmt: skip
OBFUSCATION_RATE = 0.16


def generate(count: int, seed: int) -> list[Ticket]:
    rng = random.Random(seed)
    values = Values(rng, seed)
    return [_ticket(f"T{seed}-{i:05d}", rng, values) for i in range(count)]


def _ticket(ticket_id: str, rng: random.Random, values: Values) -> Ticket:
    first, last = values.name()
    persona: dict[str, str] = {
        "first": first,
        "last": last,
        "full": f"{first} {last}",
        "full_lower": f"{first} {last}".lower(),
        "full_upper": f"{first} {last}".upper(),
        "email": values.email(first, last),
        "phone": values.phone(),
    }
    template = ""
    if rng.random() < 0.25:
        template += rng.choice(HEADERS)
    template += rng.choice(OPENERS) + rng.choice(INTRODUCTIONS)
    template += " ".join(rng.sample(BODIES, rng.randint(3, 6)))
    template += rng.choice(CLOSINGS)
    if rng.random() < 0.45:
        template += rng.choice(SIGNATURES)
    if rng.random() < 0.2:
        template += rng.choice(QUOTES)
    builder = Builder()
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        builder.add(template[position : match.start()])
        _fill(builder, match.group(1), persona, rng, values)
        position = match.end()
    builder.add(template[position:])
    return Ticket(ticket_id, builder.text(), builder.pii, builder.controls)


def _fill(
    builder: Builder, slot: str, persona: dict[str, str], rng: random.Random, values: Values
) -> None:
    entity = PII_SLOTS.get(slot)
    if entity is None:
        builder.add(values.control(slot), slot)
        return
    if slot == "full" and rng.random() < 0.4:
        # A second person in the same ticket (colleague, spouse, agent).
        first, last = values.name()
        value = f"{first} {last}"
    elif slot in persona:
        value = persona[slot]
    elif slot == "address":
        street, postcode = values.address()
        builder.add(street, entity, is_pii=True)
        if postcode:
            builder.add(f", {rng.choice(UK_CITIES)} ")
            builder.add(postcode, "UK_POSTCODE", is_pii=True)
        return
    else:
        value = getattr(values, slot)()
    if rng.random() < OBFUSCATION_RATE:
        value = obfuscate(entity, value, rng)
    builder.add(value, entity, is_pii=True)


def html(ticket: Ticket, rng: random.Random) -> tuple[Ticket, list[bool]]:
    """The ticket as a helpdesk's HTML body, with its labels moved to match.

    Paragraphs become ``<p>``, line breaks ``<br>``, ``&``/``<``/``>`` are
    escaped; some names get their surname in ``<b>`` ("Jane <b>Doe</b>"), some
    emails become ``mailto:`` links (the link's address is labelled too) and
    some controls are bold. Also returns which characters are markup: a label
    may span a tag, whose letters are not the value's.
    """
    before: dict[int, list[tuple[str, bool]]] = {}  # position -> [(text, is markup)]
    extra: list[tuple[int, str]] = []  # (position, value) of attribute copies
    for label in ticket.pii:
        if label.kind == "PERSON" and " " in label.value and rng.random() < 0.3:
            last = label.start + label.value.rindex(" ") + 1
            before.setdefault(last, []).append(("<b>", True))
            before.setdefault(label.end, []).insert(0, ("</b>", True))
        elif label.kind == "EMAIL_ADDRESS" and "@" in label.value and rng.random() < 0.3:
            before.setdefault(label.start, []).append(('<a href="mailto:', True))
            extra.append((label.start, label.value))
            before[label.start].append(('">', True))
            before.setdefault(label.end, []).insert(0, ("</a>", True))
    for control in ticket.controls:
        if rng.random() < 0.15:
            before.setdefault(control.start, []).append(("<strong>", True))
            before.setdefault(control.end, []).insert(0, ("</strong>", True))
    out: list[str] = ["<p>"]
    markup: list[bool] = [True] * 3
    index: list[int] = []  # original offset -> offset in the HTML
    attributes: list[Span] = []
    text = ticket.text
    position = 0
    while position <= len(text):
        for piece, is_markup in before.get(position, []):
            out.append(piece)
            markup += [is_markup] * len(piece)
            if piece == '<a href="mailto:':
                value = next(v for p, v in extra if p == position)
                start = sum(map(len, out))
                out.append(value)
                markup += [False] * len(value)
                attributes.append(Span("EMAIL_ADDRESS", start, start + len(value), value))
        index.append(sum(map(len, out)))
        if position == len(text):
            break
        if text.startswith("\n\n", position):
            piece, is_markup, step = "</p>\n<p>", True, 2
        elif text[position] == "\n":
            piece, is_markup, step = "<br>\n", True, 1
        else:
            char = text[position]
            piece = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}.get(char, char)
            is_markup, step = False, 1
        out.append(piece)
        markup += [is_markup] * len(piece)
        if step == 2:
            index.append(index[-1])  # the second line break of a paragraph break
        position += step
    out.append("</p>")
    markup += [True] * 4

    def moved(span: Span) -> Span:
        start, end = index[span.start], index[span.end]
        return Span(span.kind, start, end, "".join(out)[start:end])

    body = "".join(out)
    pii = [moved(label) for label in ticket.pii] + attributes
    return Ticket(ticket.id, body, pii, [moved(c) for c in ticket.controls]), markup


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Print generated tickets with their labels as JSON lines."
    )
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for ticket in generate(args.count, args.seed):
        print(json.dumps(asdict(ticket), ensure_ascii=False))


if __name__ == "__main__":
    main()
