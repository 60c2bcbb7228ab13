from __future__ import annotations

import pytest

from gateway.detect import validators


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("4111 1111 1111 1111", 0.95),  # Visa test number
        ("6250941006528599", 0.95),  # UnionPay 16
        ("6212345678901232", 0.95),  # Luhn-valid UnionPay prefix
        ("502006181759", 0.95),  # a 12-digit Maestro
        ("4111-1111-1111-1112", 0.2),  # Luhn fails: a mistyped card, with card context only
        ("4532-1234-5678-9012", 0.2),  # the fake-looking one Presidio rejects outright
        ("0000000000000000", None),  # all one digit
        ("41111111111", None),  # too short for any card
    ],
)
def test_card(text: str, score: float | None) -> None:
    assert validators.card(text) == score


def test_card_without_known_issuer_needs_context() -> None:
    assert validators.card("9111111111111110") == 0.3  # Luhn-valid, no network issues 9


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("GB82 WEST 1234 5698 7654 32", True),
        ("gb82west12345698765432", True),  # lower case, compact
        ("DE89 3704 0044 0532 0130 00", True),
        ("GB82 WEST 1234 5698 7654 33", False),  # checksum
        ("GB82 WEST 1234 5698 7654", False),  # length for GB
    ],
)
def test_iban(text: str, accepted: bool) -> None:
    assert (validators.iban(text) is not None) is accepted


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("456-78-9012", 0.85),  # dashed: strong
        ("456 78 9012", 0.4),  # needs context
        # Numbers the SSA never issues: low, so that only "SSN" near them masks them.
        ("000-12-3456", 0.3),  # area 000
        ("666-12-3456", 0.3),  # area 666
        ("987-35-0754", 0.3),  # area 9xx
        ("123-00-4567", 0.3),  # group 00
        ("123-45-0000", 0.3),  # serial 0000
        ("078-05-1120", 0.3),  # the Woolworth wallet number
        ("987 35 0754", 0.2),  # undashed and never issued
    ],
)
def test_ssn(text: str, score: float | None) -> None:
    assert validators.us_ssn(text) == score


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("AB 12 34 56 C", 0.85),
        ("AB123456C", 0.85),
        ("GB 12 34 56 C", 0.3),  # a prefix HMRC never allocates: with context only
        ("DA 12 34 56 C", 0.3),
        ("AB 12 34 56 E", None),  # not the shape of a NINO
    ],
)
def test_nino(text: str, accepted: float | None) -> None:
    assert validators.uk_nino(text) == accepted


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("203.0.113.7", True),
        ("2001:db8::1", True),
        ("127.0.0.1", False),
        ("::", False),
        ("12:30", False),
        ("999.1.1.1", False),
    ],
)
def test_ip(text: str, accepted: bool) -> None:
    assert (validators.ip_address(text) is not None) is accepted


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("Jane Doe", True),
        ("Brian Day", True),  # a surname that is also a word
        ("April Miller", True),
        ("Customer Service", False),
        ("Best Regards", False),
        ("Thank You", False),
        ("EUR", False),  # acronym
        ("there", False),
    ],
)
def test_person_name(text: str, accepted: bool) -> None:
    assert (validators.person_name(text) is not None) is accepted


def test_every_validator_a_policy_may_name_exists() -> None:
    from gateway.detect.validators import VALIDATORS
    from gateway.policy.schema import VALIDATOR_NAMES

    assert set(VALIDATOR_NAMES) == set(VALIDATORS)


@pytest.mark.parametrize(
    ("text", "ok"),
    [("Heirstraat 134", True), ("Torvvägen 34, Malmö", True), ("During 1977", False),
     ("Spring 2024", False)],
)  # fmt: skip
def test_a_street_by_its_ending_is_no_english_word(text: str, ok: bool) -> None:
    from gateway.detect.validators import foreign_street

    assert (foreign_street(text) is True) is ok
