"""The entity types the gateway knows out of the box, and how each one is normalised.

Names follow Presidio's where Presidio has the entity (``EMAIL_ADDRESS``,
``PHONE_NUMBER``...), so that policies read the same as Presidio configs. The
label is the human-readable part of a token.

The normaliser decides when two spellings are the same value (same token
family): ``+1 415 555 0132`` and ``(415) 555-0132`` are one phone number.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers

_SPACES = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def _text(value: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", value)).strip().casefold()


def _alnum(value: str) -> str:
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", value)).upper()


def _email(value: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", value)).casefold()


def _phone(value: str) -> str:
    folded = unicodedata.normalize("NFKC", value)
    for region in ("US", "GB"):
        try:
            number = phonenumbers.parse(folded, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if number.extension:
                formatted += f"x{number.extension}"
            return str(formatted)
    return _alnum(folded)


def _ip(value: str) -> str:
    try:
        return ipaddress.ip_address(value.strip()).compressed
    except ValueError:
        return _text(value)


Normalizer = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class EntityType:
    name: str
    label: str
    normalize: Normalizer = _text


BUILTIN: dict[str, EntityType] = {
    e.name: e
    for e in (
        EntityType("PERSON", "PERSON"),
        EntityType("EMAIL_ADDRESS", "EMAIL", _email),
        EntityType("PHONE_NUMBER", "PHONE", _phone),
        EntityType("CREDIT_CARD", "CARD", _alnum),
        EntityType("IBAN_CODE", "IBAN", _alnum),
        EntityType("US_SSN", "SSN", _alnum),
        EntityType("UK_NINO", "NINO", _alnum),
        EntityType("IP_ADDRESS", "IP", _ip),
        EntityType("STREET_ADDRESS", "ADDRESS"),
        EntityType("UK_POSTCODE", "POSTCODE", _alnum),
        EntityType("DATE_OF_BIRTH", "DOB"),
        EntityType("PASSPORT", "PASSPORT", _alnum),
        EntityType("DRIVER_LICENSE", "LICENSE", _alnum),
        EntityType("BANK_ACCOUNT", "BANK", _alnum),
        EntityType("SECRET", "SECRET"),
    )
}


# The entity each sensitive category's evidence is tokenized as (``categories:
# {health: {action: token}}``): "I'm [HEALTH-7K3MQ9XW]" on the vendor's side.
CATEGORY_ENTITIES: dict[str, EntityType] = {
    category: EntityType(name, label)
    for category, name, label in (
        ("health", "HEALTH", "HEALTH"),
        ("religion", "RELIGION", "RELIGION"),
        ("sexual_orientation", "SEXUAL_ORIENTATION", "ORIENTATION"),
        ("trade_union", "TRADE_UNION", "UNION"),
        ("ethnic_origin", "ETHNIC_ORIGIN", "ETHNICITY"),
        ("criminal_record", "CRIMINAL_RECORD", "CRIMINAL"),
        ("children", "CHILDREN", "CHILD"),
        ("legal", "LEGAL_MATTER", "LEGAL"),
    )
}


def custom_entity(name: str, label: str) -> EntityType:
    """An entity declared by a policy's own recognizer; values normalise as text."""
    return EntityType(name, label)
