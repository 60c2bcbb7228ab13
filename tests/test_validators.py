from __future__ import annotations

import pytest

from gateway.detect import validators


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("4111 1111 1111 1111", True),  # Visa test number
        ("4111-1111-1111-1112", False),  # Luhn fails
        ("4532-1234-5678-9012", False),  # the fake-looking one Presidio rejects too
        ("6250941006528599", True),  # UnionPay 16
        ("6212345678901232", True),  # Luhn-valid UnionPay prefix
        ("0000000000000000", False),  # all one digit
        ("41111111111", False),  # too short
    ],
)
def test_card(text: str, accepted: bool) -> None:
    assert (validators.card(text) is not None) is accepted


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
        ("000-12-3456", None),  # area 000
        ("666-12-3456", None),  # area 666
        ("912-12-3456", None),  # area 9xx
        ("123-00-4567", None),  # group 00
        ("123-45-0000", None),  # serial 0000
        ("078-05-1120", None),  # the Woolworth wallet number
    ],
)
def test_ssn(text: str, score: float | None) -> None:
    assert validators.us_ssn(text) == score


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("AB 12 34 56 C", True),
        ("AB123456C", True),
        ("GB 12 34 56 C", False),
        ("DA 12 34 56 C", False),
        ("AB 12 34 56 E", False),
    ],
)
def test_nino(text: str, accepted: bool) -> None:
    assert (validators.uk_nino(text) is not None) is accepted


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
