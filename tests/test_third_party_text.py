"""Ticket text this project did not write: the shapes that leaked, and the useful text
that was destroyed, when the gateway met other people's tickets (issue 12).

Every case runs the detector the gateway runs (patterns, name lists, spaCy's
NER). A value counts as found only if each of its letters and digits is inside
a detection, as in ``bench/quality.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from gateway.detect import Detection
from gateway.detect.detector import PresidioDetector
from gateway.policy import Policy, load_policy
from gateway.vault import Vault
from tests.conftest import ROOT, AppFactory, redact_parts


def detections(detector: PresidioDetector, text: str) -> list[Detection]:
    return detector.detect([text])[0]


def hidden(detector: PresidioDetector, text: str, value: str) -> set[str]:
    """The entities covering every letter and digit of ``value`` (empty: some of it leaked)."""
    start = text.index(value)
    found = detections(detector, text)
    for offset, char in enumerate(value, start):
        if char.isalnum() and not any(d.start <= offset < d.end for d in found):
            return set()
    return {d.entity for d in found if d.start < start + len(value) and start < d.end}


# US and UK streets whose suffix was outside the old short list, and the suffixes
# seen leaking; addresses of other countries; military mail.
ADDRESSES = [
    "3405 Shawn Light, Jasonstad, WV 82535",
    "86655 Holly Center, Lake Hannahfort, MO 92114",
    "199 Baxter Parkways, Lake Davidville, IL 48022",
    "Flat 7, Barker Fields, Newtonfurt, EN0 2RR",
    "Heirstraat 134, Gdańsk",
    "Torvvägen 34",
    "PSC 5125, Box 6746, APO AP 05310",
] + [
    f"{number} Wilson {suffix}, Port Anna, TX 7{number % 10000:04d}"
    for number, suffix in enumerate(
        [
            "Tunnel",
            "Mount",
            "Springs",
            "Locks",
            "Extensions",
            "Mall",
            "Forge",
            "Shoal",
            "Courts",
            "Centers",
            "Vista",
            "Skyway",
            "Mountains",
            "Forest",
            "Unions",
            "Garden",
            "Common",
            "Rapids",
            "Lake",
            "Greens",
            "Brooks",
            "Squares",
        ],
        start=101,
    )
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_addresses_are_found_whole(detector: PresidioDetector, address: str) -> None:
    text = f"Please ship the replacement to {address}.\nThanks"
    assert hidden(detector, text, address) == {"STREET_ADDRESS"}


@pytest.mark.parametrize(
    "phone",
    [
        "07700 900123",  # a reserved UK range
        "020 7946 045",  # a digit missing
        "212.885.255",
        "026 848 14 90",  # other countries' local numbers
        "+41 47 421 23 09",
        "(894)134-3524",  # an impossible area code
    ],
)
def test_numbers_libphonenumber_rejects_are_phones_after_phone_words(
    detector: PresidioDetector, phone: str
) -> None:
    text = f"You can call me at {phone} after five."
    assert hidden(detector, text, phone) == {"PHONE_NUMBER"}


@pytest.mark.parametrize(
    "text",
    [
        "Error logged at 2024-10-30 11:35:39 in the phone app",
        "Phone app crashed at 2024-10-30T11:35:39Z, and again on 30/10/2024",
        "Please call me about invoice 2024 1187 2231 today",
        "Call me back regarding order 410065 7731 please",
        "Phone support said version 10.2.3.4567 fixes it",
        "Phone: Galaxy S23 Ultra, model SM-S918B, build 2302 4411 09",
    ],
)
def test_timestamps_dates_versions_and_ids_are_never_phones(
    detector: PresidioDetector, text: str
) -> None:
    assert [d.entity for d in detections(detector, text) if d.entity == "PHONE_NUMBER"] == []


@pytest.mark.parametrize(
    ("text", "value", "entity"),
    [
        ("My SSN 987-35-0754 was rejected", "987-35-0754", "US_SSN"),  # area 9xx
        ("SSN: 000-12-3456", "000-12-3456", "US_SSN"),
        ("social security number 666-12-3456", "666-12-3456", "US_SSN"),
        ("Pay with 502006181759 please", "502006181759", "CREDIT_CARD"),  # 12-digit Maestro
        ("card number 4111 1111 1111 1112", "4111 1111 1111 1112", "CREDIT_CARD"),  # mistyped
    ],
)
def test_identifiers_in_context_whatever_their_validity(
    detector: PresidioDetector, text: str, value: str, entity: str
) -> None:
    assert hidden(detector, text, value) == {entity}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("we need to add Lydia Reid as guardian", ["Lydia Reid"]),
        ("please forward it to the assistant to Burak Bolink", ["Burak Bolink"]),
        ("Maybe it's under Jakob S Jørgensen", ["Jakob S Jørgensen"]),
        ("A tribute to Christine M. Hertzog, who retired", ["Christine M. Hertzog"]),
        ("They had 6: Sulimat, Brian, Tuomo, Lisa, Ahmed and Keiko.",
         ["Sulimat", "Brian", "Tuomo", "Lisa", "Ahmed", "Keiko"]),
        ("Czcibor Borkowski will join the call", ["Czcibor Borkowski"]),
        ("Sofía is very reliable.", ["Sofía"]),
        ("Mark: You saved my life!\nCarol: Remember me?", ["Mark", "Carol"]),
    ],
)  # fmt: skip
def test_names_beyond_the_ner(detector: PresidioDetector, text: str, names: list[str]) -> None:
    for name in names:
        assert hidden(detector, text, name) == {"PERSON"}, name


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Order NW-410065 for the Dyson V15 arrived broken", "Dyson V15"),
        ("Deliver to the front desk. IBAN and date of birth attached.", "Deliver"),
        ("My IBAN is GB82 WEST 1234 5698 7654 32", "IBAN"),
        ("CAN I SPEAK TO A REAL PERSON?!", "SPEAK TO A REAL PERSON"),
        ("WHAT DO I PRESS NEXT", "PRESS NEXT"),
        ("I studied English at night school", "English"),
        ("During 1977 the plant doubled in size", "During 1977"),
        ("The Princess Royal opened the new depot", "Princess Royal"),
    ],
)
def test_useful_text_is_not_a_person_or_an_address(
    detector: PresidioDetector, text: str, kept: str
) -> None:
    start = text.index(kept)
    touched = [
        d
        for d in detections(detector, text)
        if d.start < start + len(kept)
        and start < d.end
        and d.entity in ("PERSON", "STREET_ADDRESS")
    ]
    assert touched == []


@pytest.mark.parametrize(
    "secret",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "xoxb-2048-1234567890-abcdefABCDEF123456",
    ],
)
def test_secrets_are_found(detector: PresidioDetector, secret: str) -> None:
    text = f"here is my key {secret} if that helps"
    assert hidden(detector, text, secret) == {"SECRET"}


def test_every_shipped_policy_drops_secrets() -> None:
    for path in sorted((ROOT / "policies").glob("*.yaml")):
        assert load_policy(path).rule("SECRET").action == "drop", path.name


pytestmark = pytest.mark.anyio


async def redact_json(policy: Policy, detector: PresidioDetector, vault: Vault, doc: object) -> str:
    body = json.dumps(doc).encode()
    return (await redact_parts(policy, detector, vault, body, "application/json")).body.decode()


async def test_html_in_json_is_read_as_html(detector: PresidioDetector, vault: Vault) -> None:
    policy = load_policy(ROOT / "policies" / "freshdesk.yaml")
    doc = {
        "description": "<p>Dear Jane Doe, your order ships today.</p>"
        "<p>Thanks,<br>Margaret Okonkwo</p><p>Thanks, Margaret Okonkwo</p>"
    }
    out = json.loads(await redact_json(policy, detector, vault, doc))["description"]
    assert "Jane" not in out
    assert "Okonkwo" not in out
    assert "Margaret" not in out
    assert out.startswith("<p>Dear PERSON-")
    assert out.endswith("</p>")
    assert out.count("<p>") == out.count("</p>") == 3
    assert "<br>PERSON-" in out


def ticket(number: int, name: str) -> dict[str, object]:
    return {
        "subject": f"Order ORD-{number:05d}",
        "comment": {
            "body": f"Hi, my name is {name}. Deliver to Suite {number % 90 + 1}. "
            f"IBAN and date of birth are on file. Thanks, {name.split()[0]}"
        },
    }


async def test_in_a_bulk_document_names_stay_in_their_record(
    policy: Policy, detector: PresidioDetector, vault: Vault
) -> None:
    """300 tickets in one import: ordinary words never become names, and a name
    learnt in one record is looked for again only in that record."""
    names = ["Zorblat Quenn", "Imre Vastag", "Odile Marchetti"]
    tickets = [ticket(i, names[i % 3]) for i in range(300)]
    # Record 1 mentions the first record's customer's first name as a word of its own.
    tickets[1]["comment"] = {"body": "Zorblat is the name of the warehouse robot."}
    for doc in ({"tickets": tickets}, tickets):
        out = json.loads(await redact_json(policy, detector, vault, doc))
        records = out["tickets"] if isinstance(out, dict) else out
        assert len(records) == 300
        for number, record in enumerate(records):
            body = record["comment"]["body"]
            if number == 1:
                assert body == "Zorblat is the name of the warehouse robot."
                continue
            assert not any(part in body for name in names for part in name.split())
            assert "Deliver" in body
            assert "IBAN" in body
            assert "date of birth" in body
            assert record["subject"] == f"Order ORD-{number:05d}"
    # The same two texts in one ticket: the name spreads within it, as it should.
    single = {"a": tickets[0]["comment"], "b": tickets[1]["comment"]}
    out = json.loads(await redact_json(policy, detector, vault, single))
    assert "Zorblat" not in out["b"]["body"]


async def test_a_freshdesk_reply_in_html_reaches_the_vendor_without_names(
    make_app: AppFactory, make_detector: Callable[[Policy], PresidioDetector]
) -> None:
    detector = make_detector(load_policy(ROOT / "policies" / "freshdesk.yaml"))
    gateway = make_app(
        "freshdesk.yaml",
        detector=detector,
        environ={"FRESHDESK_AUTHORIZATION": "Basic dGVzdDpY"},
    )
    body = "<p>Dear Jane Doe, your order ships today.</p><p>Thanks, Margaret Okonkwo</p>"
    ticket = {"email": "jane.doe@example.com", "subject": "Order", "description": "Hi"}
    async with gateway.client() as client:
        created = (await client.post("/api/v2/tickets", json=ticket)).json()
        answer = await client.post(f"/api/v2/tickets/{created['id']}/reply", json={"body": body})
    assert answer.status_code < 300, answer.text
    sent = (await gateway.vendor.received())[1:]
    out = json.dumps(sent)
    assert "Jane" not in out
    assert "Okonkwo" not in out
    assert "<p>Thanks, PERSON-" in out  # the closing tag is markup, left alone
    assert answer.json()["body"] == body  # the vendor's echo, restored
