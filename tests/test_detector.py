"""What the detector finds, and what it must leave alone. Uses the real spaCy pipeline."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest

from gateway.detect import KnownValue
from gateway.detect.detector import PresidioDetector
from gateway.errors import DetectionError
from gateway.policy import Policy
from tests.conftest import PolicyFactory


def found(
    detector: PresidioDetector, text: str, known: list[KnownValue] | None = None
) -> set[tuple[str, str]]:
    return {(d.entity, text[d.start : d.end]) for d in detector.detect([text], known or [])[0]}


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        # Cards: 13-19 digits, any separators, Luhn-checked.
        ("card 4111 1111 1111 1111 exp 12/27", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("card 4111-1111-1111-1111", "CREDIT_CARD", "4111-1111-1111-1111"),
        ("card 4111.1111.1111.1111", "CREDIT_CARD", "4111.1111.1111.1111"),
        ("pay with 4111111111111111 please", "CREDIT_CARD", "4111111111111111"),
        ("amex 3782 822463 10005", "CREDIT_CARD", "3782 822463 10005"),
        ("unionpay 6250 9410 0652 8599 exp 12/27", "CREDIT_CARD", "6250 9410 0652 8599"),
        ("visa 4000 0000 0000 0000 006", "CREDIT_CARD", "4000 0000 0000 0000 006"),  # 19 digits
        (
            "card 4111\u00a01111\u00a01111\u00a01111",
            "CREDIT_CARD",
            "4111\u00a01111\u00a01111\u00a01111",
        ),
        (
            "card 4111\u20131111\u20131111\u20131111",
            "CREDIT_CARD",
            "4111\u20131111\u20131111\u20131111",
        ),
        (
            "card ４１１１ １１１１ １１１１ １１１１",
            "CREDIT_CARD",
            "４１１１ １１１１ １１１１ １１１１",
        ),
        # IBAN, grouped, compact, lower case.
        ("IBAN GB82 WEST 1234 5698 7654 32 thanks", "IBAN_CODE", "GB82 WEST 1234 5698 7654 32"),
        ("iban de89370400440532013000", "IBAN_CODE", "de89370400440532013000"),
        # SSN and NINO.
        ("SSN 456-78-9012", "US_SSN", "456-78-9012"),
        ("my social security number is 456 78 9012", "US_SSN", "456 78 9012"),
        ("NI number AB 12 34 56 C", "UK_NINO", "AB 12 34 56 C"),
        # Phones: US, UK, international, extensions, dotted, obfuscated digits.
        ("call +1 (415) 555-0132", "PHONE_NUMBER", "+1 (415) 555-0132"),
        ("call +1-415-555-0132", "PHONE_NUMBER", "+1-415-555-0132"),
        ("call 415.555.0132 now", "PHONE_NUMBER", "415.555.0132"),
        ("call 415-555-0132 ext. 204", "PHONE_NUMBER", "415-555-0132 ext. 204"),
        ("call 415-555-0132 x12", "PHONE_NUMBER", "415-555-0132 x12"),
        ("ring me on 020 7946 0958", "PHONE_NUMBER", "020 7946 0958"),
        ("mobile 07911 123456", "PHONE_NUMBER", "07911 123456"),
        ("+44 (0)20 7946 0958 is the office", "PHONE_NUMBER", "+44 (0)20 7946 0958"),
        ("call me on 4155550132", "PHONE_NUMBER", "4155550132"),
        ("Tel +49 30 901820", "PHONE_NUMBER", "+49 30 901820"),
        # Emails, also obfuscated.
        ("mail jane.doe@example.com", "EMAIL_ADDRESS", "jane.doe@example.com"),
        ("mail jane [at] example [dot] com", "EMAIL_ADDRESS", "jane [at] example [dot] com"),
        ("mail jane(at)example.com", "EMAIL_ADDRESS", "jane(at)example.com"),
        ("mail jane\u200b.doe@example.com", "EMAIL_ADDRESS", "jane\u200b.doe@example.com"),
        # IPs.
        ("login from 203.0.113.7.", "IP_ADDRESS", "203.0.113.7"),
        ("from 2001:db8:85a3::8a2e:370:7334 today", "IP_ADDRESS", "2001:db8:85a3::8a2e:370:7334"),
        # Addresses and postcodes.
        (
            "ship to 221B Baker Street, London NW1 6XE",
            "STREET_ADDRESS",
            "221B Baker Street, London NW1 6XE",
        ),
        (
            "ship to 1234 Elm Street, Springfield, IL 62704 please",
            "STREET_ADDRESS",
            "1234 Elm Street, Springfield, IL 62704",
        ),
        (
            "Send it to 500 Oak Avenue\nAustin, TX 78701 by Friday",
            "STREET_ADDRESS",
            "500 Oak Avenue\nAustin, TX 78701",
        ),
        ("please ship to Portland, OR 97201.", "STREET_ADDRESS", "Portland, OR 97201"),
        ("my postcode is SW1A 1AA", "UK_POSTCODE", "SW1A 1AA"),
        ("send it to P.O. Box 4412", "STREET_ADDRESS", "P.O. Box 4412"),
        # Dates of birth only with a birth context.
        ("I was born on 12/04/1985", "DATE_OF_BIRTH", "12/04/1985"),
        ("DOB: 1985-04-12", "DATE_OF_BIRTH", "1985-04-12"),
        ("date of birth 12 April 1985", "DATE_OF_BIRTH", "12 April 1985"),
        # Documents with context.
        ("my passport number is 923456781", "PASSPORT", "923456781"),
        ("driver's license D123-4567-8901", "DRIVER_LICENSE", "D123-4567-8901"),
        # Names: NER and context.
        ("Hi, my name is Jane Doe and my order is late.", "PERSON", "Jane Doe"),
        ("Thanks,\nMarta Kowalczyk", "PERSON", "Marta Kowalczyk"),
        ("Dear Mr. Okonkwo,", "PERSON", "Okonkwo"),
        ("Thanks for the help\n\u2014 Sam", "PERSON", "Sam"),
        # Quoted names: the small model misses most of them with the quotes on.
        ('The customer "Jane Doe" called.', "PERSON", "Jane Doe"),
        ('She said "Jane Doe" called.', "PERSON", "Jane Doe"),
        ("Ticket from 'Jane Doe'.", "PERSON", "Jane Doe"),
        ("[Jane Doe] called about ORD-48213", "PERSON", "Jane Doe"),  # the NER takes "Jane"
        ("\u201cJane Doe\u201d called us.", "PERSON", "Jane Doe"),
        (
            "Will check.\n-- Priya Raghunathan\n\nOn Monday, Acme wrote:\n> hi",
            "PERSON",
            "Priya Raghunathan",
        ),
        ("From: Ana Fogaça <ana@example.org>", "PERSON", "Ana Fogaça"),
        ("my name is jan lundström and i need help", "PERSON", "jan lundström"),
        ("Customer Sven van Limburg called about it", "PERSON", "Sven van Limburg"),
        # Bank details, only after bank words.
        ("Sort code 20-45-77, account number 41104392.", "BANK_ACCOUNT", "20-45-77"),
        ("Sort code 20-45-77, account number 41104392.", "BANK_ACCOUNT", "41104392"),
        ("Account number: 4110 4392, sort code 204577", "BANK_ACCOUNT", "4110 4392"),
        ("please pay it into a/c no 41104392", "BANK_ACCOUNT", "41104392"),
        ("routing number 021000021, acct # 000123456789", "BANK_ACCOUNT", "000123456789"),
        ("Bank details: 20-45-77 41104392", "BANK_ACCOUNT", "41104392"),
        # "account" alone is not enough, but the number right before a sort code is the account.
        ("I paid from my account 87038027, sort code 85-92-83.", "BANK_ACCOUNT", "87038027"),
        ("from account 8703 8027 (sort code 859283)", "BANK_ACCOUNT", "8703 8027"),
        # A card after bank words is still a card (masked as one), not pieces of accounts.
        ("account number 4111 1111 1111 1111", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("account number 4111111111111111", "CREDIT_CARD", "4111111111111111"),
        ("account number: 3782 822463 10005", "CREDIT_CARD", "3782 822463 10005"),
    ],
)
def test_finds(detector: PresidioDetector, text: str, entity: str, value: str) -> None:
    assert (entity, value) in found(detector, text)


@pytest.mark.parametrize(
    "text",
    [
        "Order ORD-48213 was charged $129.99 on March 3.",
        "Error 0x80070005 after updating to v2.3.1 (build 10.0.19045).",
        "Tracking 1Z999AA10123456784 shows delivered at 10:30 AM.",
        "Invoice INV-2024-00123 for the Acme Cloud Pro Business Plus plan.",
        "Ticket #48213 mentions SKU-88213-BL and error code E1042.",
        "Delivery was due on 2025-03-15, I was charged €1,299.00.",
        "Please escalate ERR_CONN_RESET to support@acme.com, thanks.",
        "The RR147621994GB parcel is 12 GB.",
        "Version 1.2.3.4 of the firmware.",
        "Steps so far:\n- Reset\n- Refund",
        "Plan: Business, CA 2024 edition; Build 12345, IN 50000 units.",
        "Result: Timeout, OK 20000 ms. Plan: Enterprise, PA 12000 seats.",
        "I tried:\n- Chrome\n- Firefox",
        "Order 12345678 was refunded to my account on 12-05-24.",
        "Order 12345678, sort code pending.",
    ],
)
def test_leaves_what_agents_need(detector: PresidioDetector, text: str) -> None:
    assert found(detector, text) == set()


def test_bank_context_reaches_the_account_not_the_order_after_it(
    detector: PresidioDetector,
) -> None:
    text = "A/C 41104392, order 55512345, case 20457712."  # all within the context window
    assert found(detector, text) == {("BANK_ACCOUNT", "41104392")}


def test_an_address_with_its_postcode_is_one_value(detector: PresidioDetector) -> None:
    text = "Flat 2, 10 Baker Street\nLondon NW1 6XE"  # no context word to help the address
    assert found(detector, text) == {("STREET_ADDRESS", text)}


def test_birth_context_is_required(detector: PresidioDetector) -> None:
    assert found(detector, "The delivery date is 12/04/2025.") == set()


def test_birth_context_does_not_reach_a_version_after_the_date(
    detector: PresidioDetector,
) -> None:
    text = "My date of birth is 1947-07-01. Firmware 4.5.14 on my hub."  # within 32 characters
    assert found(detector, text) == {("DATE_OF_BIRTH", "1947-07-01")}


def test_known_values_are_found_in_free_text(detector: PresidioDetector) -> None:
    text = "please ask zq for the details"  # nothing a detector would call a name
    assert ("PERSON", "zq") in found(detector, text, [KnownValue("PERSON", "zq")])


def test_names_found_once_are_found_everywhere(detector: PresidioDetector) -> None:
    texts = ["My name is Priya Raghunathan.", "Regards, Priya", "raghunathan is in lower case"]
    results = detector.detect(texts)
    assert ("PERSON", "Priya") in {(d.entity, texts[1][d.start : d.end]) for d in results[1]}


def test_allow_list_and_deny_list(
    make_policy: PolicyFactory, make_detector: Callable[[Policy], PresidioDetector]
) -> None:
    detector = make_detector(make_policy(
        "version: 1\ntenant: acme\nvendor: t\ndetection:\n  allow: [Grace Hopper, helpdesk@acme.com]\n"
        "entities:\n  PERSON: {deny: [Project Bluebird]}\n"
    ))  # fmt: skip
    text = "Grace Hopper from helpdesk@acme.com asked about Project Bluebird."
    assert found(detector, text) == {("PERSON", "Project Bluebird")}


def test_an_allow_listed_city_leaves_the_street_masked(
    make_policy: PolicyFactory, make_detector: Callable[[Policy], PresidioDetector]
) -> None:
    detector = make_detector(make_policy(
        "version: 1\ntenant: acme\nvendor: t\ndetection:\n  allow: [London, Austin]\n"
    ))  # fmt: skip
    values = {v for _, v in found(detector, "Send it to Flat 2, 10 Oak Road\nLondon NW1 6XE")}
    assert values == {"Flat 2, 10 Oak Road", "NW1 6XE"}
    assert ("STREET_ADDRESS", "500 Oak Avenue") in found(
        detector, "Ship to 500 Oak Avenue\nAustin, TX 78701"
    )


def test_a_postcode_keeps_its_token_when_the_address_mask_shows_characters(
    make_policy: PolicyFactory, make_detector: Callable[[Policy], PresidioDetector]
) -> None:
    detector = make_detector(make_policy(
        "version: 1\ntenant: acme\nvendor: t\nentities:\n  STREET_ADDRESS: {action: mask, keep_last: 4}\n"
    ))  # fmt: skip
    entities = {e for e, _ in found(detector, "Post it to 10 Oak Road, London NW1 6XE thanks")}
    assert "UK_POSTCODE" in entities  # not left to the address mask's last four


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a city-shaped run with no end
        ("A." * 10_000 + ", Z", []),
        # real matches between long runs
        (
            ("A." * 2_500 + ", Z\nship to Austin, TX 78701\n") * 10,
            [("STREET_ADDRESS", "Austin, TX 78701")] * 10,
        ),
        # a signature, then whitespace (not the end of the message: not a
        # signature, but the name lists know Sam wherever it is)
        ("Thanks\n-- Sam" + " " * 30_000 + "x", [("PERSON", "Sam")]),
        ("- " + "A-" * 40_000, []),
    ],
)
def test_pathological_text_is_scanned_within_a_tight_budget(
    make_policy: PolicyFactory,
    make_detector: Callable[[Policy], PresidioDetector],
    text: str,
    expected: list[tuple[str, str]],
) -> None:
    """Each of these took minutes before the patterns were anchored. With the
    default budget of 1 s per 100,000 characters, a pattern that backtracks
    fails the detection (``DetectionError``); a linear one finishes in tens of
    milliseconds and finds exactly what is there. (The budget is wall time: at
    100 ms, and on 2026-12-04's slower host at 500 ms, the test failed in
    full-suite runs; the slowest pattern here takes about 200 ms alone.)"""
    detector = make_detector(
        make_policy("version: 1\ntenant: acme\nvendor: t\ndetection:\n  regex_timeout_ms: 1000\n")
    )
    detector.warm_up()
    found_here = [(d.entity, text[d.start : d.end]) for d in detector.detect([text])[0]]
    assert found_here == expected


def test_thresholds_and_keep(
    make_policy: PolicyFactory, make_detector: Callable[[Policy], PresidioDetector]
) -> None:
    detector = make_detector(make_policy(
        "version: 1\ntenant: acme\nvendor: t\nentities:\n  PHONE_NUMBER: {action: keep}\n  PERSON: {threshold: 0.99}\n"
    ))  # fmt: skip
    assert found(detector, "Call Jane Doe on +1 (415) 555-0132") == set()


def test_custom_recognizer_with_context(
    make_policy: PolicyFactory, make_detector: Callable[[Policy], PresidioDetector]
) -> None:
    detector = make_detector(make_policy(
        "version: 1\ntenant: acme\nvendor: t\nrecognizers:\n"
        "  - name: loyalty\n    entity: LOYALTY_ID\n    label: LOYALTY\n"
        "    patterns: [{regex: '\\bLY\\d{6}\\b', score: 0.3}]\n    context: [loyalty, member]\n"
    ))  # fmt: skip
    assert found(detector, "code LY123456") == set()  # 0.3 is below the threshold
    assert found(detector, "my loyalty card LY123456") == {("LOYALTY_ID", "LY123456")}


def test_regex_timeout_fails_closed(
    make_policy: PolicyFactory, make_detector: Callable[[Policy], PresidioDetector]
) -> None:
    detector = make_detector(make_policy(
        "version: 1\ntenant: acme\nvendor: t\ndetection:\n  regex_timeout_ms: 50\nrecognizers:\n"
        "  - name: evil\n    entity: EVIL\n    patterns: [{regex: '(a|aa)+$', score: 0.9}]\n"
    ))  # fmt: skip
    with pytest.raises(DetectionError, match="TimeoutError") as caught:
        detector.detect(["a" * 40 + "!"])
    assert "aaaa" not in str(caught.value)


def test_no_network_is_touched(detector: PresidioDetector, monkeypatch: pytest.MonkeyPatch) -> None:
    """Emails go through tldextract with its bundled suffix list: nothing may connect."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("detection tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    assert ("EMAIL_ADDRESS", "someone@example.co.uk") in found(
        detector, "mail someone@example.co.uk"
    )


def test_offsets_point_at_the_original_text(detector: PresidioDetector) -> None:
    text = "Ｊａｎｅ: call ０７９１１ １２３４５６ or jane\u200b@example.com"
    for detection in detector.detect([text])[0]:
        assert (
            text[detection.start : detection.end].strip() == text[detection.start : detection.end]
        )
    assert ("PHONE_NUMBER", "０７９１１ １２３４５６") in found(detector, text)
