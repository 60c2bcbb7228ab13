"""python-freshdesk, unchanged, through the gateway (issue 14).

Every route of ``policies/freshdesk.yaml`` through the client's own methods:
what the stand-in vendor received holds no planted value, and what the
client hands back holds every value, byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from freshdesk.api import API
from freshdesk.v2.errors import FreshdeskAccessDenied
from freshdesk.v2.models import Ticket

from tests.clients import Loopback, assert_vendor_saw_no, gateway_serving, vendor_saw
from tests.gateways import ENVIRON
from tests.servers import Server

pytestmark = pytest.mark.slow  # real servers on loopback

ROOT = Path(__file__).resolve().parent.parent
FRESHDESK = "https://acme.freshdesk.com"
JANE = {"name": "Jane Doe", "email": "jane.doe@example.com", "phone": "+1 (415) 555-0132"}
DESCRIPTION = (
    "<div>Hi, this is Jane Doe (jane.doe@example.com, +1 (415) 555-0132).</div>"
    "<div>Order ORD-48213 arrived broken; error E-5012.</div>"
)


@pytest.fixture(scope="module")
def gateway(standin: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("freshdesk")
    with gateway_serving("freshdesk", standin, directory, FRESHDESK) as server:
        yield server


@pytest.fixture(scope="module")
def freshdesk(gateway: Server) -> API:
    api = API("acme.freshdesk.com", "unused-api-key")
    # The client keeps its own session; only its transport is pointed at the gateway.
    api._session.mount(FRESHDESK, Loopback(FRESHDESK, gateway.url))
    return api


@pytest.fixture(scope="module")
def jane_ticket(freshdesk: API) -> Ticket:
    return freshdesk.tickets.create_ticket(
        "Broken router", email=JANE["email"], name=JANE["name"], phone=JANE["phone"],
        description=DESCRIPTION, priority=3,
    )  # fmt: skip


def test_create_then_view_with_its_requester(
    freshdesk: API, jane_ticket: Ticket, standin: Server
) -> None:
    assert jane_ticket.description == DESCRIPTION
    assert_vendor_saw_no(standin, *JANE.values())
    sent = next(r for r in vendor_saw(standin) if r["path"] == "/api/v2/tickets")
    assert "ORD-48213" in sent["body"]
    shown = freshdesk.tickets.get_ticket(jane_ticket.id, "requester")
    assert shown.description == DESCRIPTION
    assert (shown.requester["name"], shown.requester["email"]) == (JANE["name"], JANE["email"])


def test_list_and_filter_tickets(freshdesk: API, jane_ticket: Ticket, standin: Server) -> None:
    listed = {t.id: t.description for t in freshdesk.tickets.list_tickets(filter_name=None)}
    assert listed[jane_ticket.id] == DESCRIPTION
    mine = freshdesk.tickets.list_tickets(filter_name=None, email=JANE["email"])
    assert [t.id for t in mine] == [jane_ticket.id]
    high = {t.id: t.description for t in freshdesk.tickets.filter_tickets("priority:3")}
    assert high[jane_ticket.id] == DESCRIPTION
    assert_vendor_saw_no(standin, *JANE.values())


def test_update_and_delete(freshdesk: API, standin: Server) -> None:
    ticket = freshdesk.tickets.create_ticket(
        "Duplicate", email=JANE["email"], description="Jane Doe again", priority=1
    )
    updated = freshdesk.tickets.update_ticket(ticket.id, description="Jane Doe, merged")
    assert updated.description == "Jane Doe, merged"
    freshdesk.tickets.delete_ticket(ticket.id)
    assert ticket.id not in {t.id for t in freshdesk.tickets.list_tickets(filter_name=None)}
    assert_vendor_saw_no(standin, *JANE.values())


def test_replies_notes_and_conversations(
    freshdesk: API, jane_ticket: Ticket, standin: Server
) -> None:
    reply = "<p>Dear Jane Doe, a new router ships today for ORD-48213.</p>"
    note = "<p>Called Jane Doe on +1 (415) 555-0132, no answer.</p>"
    assert freshdesk.comments.create_reply(jane_ticket.id, reply).body == reply
    assert freshdesk.comments.create_note(jane_ticket.id, note).body == note
    bodies = [c.body for c in freshdesk.comments.list_comments(jane_ticket.id)]
    assert bodies == [reply, note]
    assert_vendor_saw_no(standin, *JANE.values())


def test_contacts(freshdesk: API, standin: Server) -> None:
    ann = {"name": "Ann Lee", "email": "ann.lee@example.com", "phone": "+44 20 7946 0958"}
    created = freshdesk.contacts.create_contact(**ann)
    assert (created.name, created.email, created.phone) == tuple(ann.values())
    shown = freshdesk.contacts.get_contact(created.id)
    assert shown.email == ann["email"]
    updated = freshdesk.contacts.update_contact(created.id, job_title="Ann Lee's assistant")
    assert updated.job_title == "Ann Lee's assistant"
    (listed,) = freshdesk.contacts.list_contacts(email=ann["email"])
    assert (listed.id, listed.name) == (created.id, ann["name"])
    # The filter's quotes are query syntax, never part of the value.
    (found,) = freshdesk.contacts.filter_contacts(f"email:'{ann['email']}'")
    assert (found.id, found.email) == (created.id, ann["email"])
    assert ann["name"] in {c.name for c in freshdesk.contacts.list_contacts()}
    assert_vendor_saw_no(standin, *ann.values())


def test_companies(freshdesk: API, standin: Server) -> None:
    created = freshdesk.companies.create_company(
        name="Doe Family Bakery", description="Owner: Jane Doe, +1 (415) 555-0132"
    )
    assert created.description == "Owner: Jane Doe, +1 (415) 555-0132"
    assert freshdesk.companies.get_company(created.id).description == created.description
    updated = freshdesk.companies.update_company(created.id, note="Jane Doe pays by card")
    assert updated.note == "Jane Doe pays by card"
    assert created.id in {c.id for c in freshdesk.companies.list_companies()}
    freshdesk.companies.delete_company(created.id)
    assert_vendor_saw_no(standin, *JANE.values())


def test_a_refused_route_is_the_clients_typed_error_with_the_gateway_code(
    freshdesk: API,
) -> None:
    with pytest.raises(FreshdeskAccessDenied) as refused:
        freshdesk.groups.list_groups()
    assert "route_not_allowed" in str(refused.value)


def test_an_automation_webhook_is_checked_restored_and_forwarded(
    gateway: Server, jane_ticket: Ticket, standin: Server
) -> None:
    sent = json.loads(
        next(r for r in vendor_saw(standin) if r["path"] == "/api/v2/tickets")["body"]
    )
    token = sent["email"]
    delivery: dict[str, Any] = {
        "freshdesk_webhook": {
            "ticket_id": jane_ticket.id,
            "ticket_latest_public_comment": f"Agent wrote to {token}",
        }
    }
    url = f"{gateway.url}/webhooks/freshdesk"
    wrong = requests.post(url, json=delivery, auth=("freshdesk", "guess"), timeout=30)
    assert (wrong.status_code, wrong.json()["errors"][0]["code"]) == (
        401,
        "webhook_signature_invalid",
    )
    # The rule's username and password, as Freshdesk sends them.
    secret = {"authorization": ENVIRON["FRESHDESK_WEBHOOK_SECRET"]}
    answer = requests.post(url, json=delivery, headers=secret, timeout=30)
    assert answer.status_code == 200, answer.text
    forwarded = [r for r in vendor_saw(standin) if r["path"] == "/internal/freshdesk-events"]
    assert f"Agent wrote to {JANE['email']}" in forwarded[-1]["body"]
    replayed = requests.post(url, json=delivery, headers=secret, timeout=30)
    assert replayed.status_code == 409
