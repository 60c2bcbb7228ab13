"""zenpy, Zendesk's most used Python client, unchanged, through the gateway (issue 14).

Every route of ``policies/zendesk.yaml`` is called through zenpy's own method
where it has one (side conversations have none: the same session calls them).
Each test checks both ends: what the stand-in vendor received holds no
planted value, and what zenpy hands back holds every value, byte for byte.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from zenpy import Zenpy
from zenpy.lib.api_objects import (
    Comment,
    Identity,
    Organization,
    Request,
    SatisfactionRating,
    Ticket,
    User,
)
from zenpy.lib.exception import APIException

from tests.clients import assert_vendor_saw_no, gateway_serving, session_to, vendor_saw
from tests.gateways import ENVIRON, zendesk_delivery
from tests.servers import Server

pytestmark = pytest.mark.slow  # real servers on loopback

ROOT = Path(__file__).resolve().parent.parent
ZENDESK = "https://acme.zendesk.com"
JANE = {"name": "Jane Doe", "email": "jane.doe@example.com", "phone": "+1 (415) 555-0132"}
BODY = (
    "Hi, this is Jane Doe (jane.doe@example.com, +1 (415) 555-0132). "
    "Order ORD-48213 arrived broken; error E-5012 on the Acme Router X2."
)


@pytest.fixture(scope="module")
def gateway(standin: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("zendesk")
    with gateway_serving("zendesk", standin, directory, ZENDESK) as server:
        yield server


@pytest.fixture(scope="module")
def zenpy(gateway: Server) -> Zenpy:
    return Zenpy(
        subdomain="acme",
        email="agent@acme.com",
        token="unused",
        session=session_to(ZENDESK, gateway),
    )


@pytest.fixture(scope="module")
def jane_ticket(zenpy: Zenpy) -> Ticket:
    audit = zenpy.tickets.create(
        Ticket(subject="Broken router", comment=Comment(body=BODY), requester=User(**JANE))
    )
    return audit.ticket


def test_create_ticket_then_read_it_and_its_requester(
    zenpy: Zenpy, jane_ticket: Ticket, standin: Server
) -> None:
    assert jane_ticket.description == BODY
    assert_vendor_saw_no(standin, *JANE.values())
    created = next(r for r in vendor_saw(standin) if r["path"] == "/api/v2/tickets.json")
    assert "ORD-48213" in created["body"]  # what agents need survives
    assert "Acme Router X2" in created["body"]
    requester = zenpy.users(id=jane_ticket.requester_id)
    assert (requester.name, requester.email, requester.phone) == (
        JANE["name"],
        JANE["email"],
        JANE["phone"],
    )


def test_list_show_and_show_many(zenpy: Zenpy, jane_ticket: Ticket) -> None:
    listed = {t.id: t.description for t in zenpy.tickets()}
    assert listed[jane_ticket.id] == BODY
    assert zenpy.tickets(id=jane_ticket.id).description == BODY
    (shown,) = zenpy.tickets(ids=[jane_ticket.id])
    assert shown.description == BODY


def test_pages_are_followed_through_the_gateway(
    zenpy: Zenpy, jane_ticket: Ticket, standin: Server
) -> None:
    for n in range(3):
        zenpy.tickets.create(
            Ticket(subject=f"Page {n}", comment=Comment(body=BODY), requester=User(**JANE))
        )
    before = len(vendor_saw(standin))
    pages = list(zenpy.tickets(cursor_pagination=2))
    assert len(pages) >= 4
    assert {t.description for t in pages} == {BODY}
    followed = [r for r in vendor_saw(standin)[before:] if "page%5Bafter%5D" in r["query"]]
    assert followed, "the next pages came through the gateway"


def test_bulk_import_restores_through_its_job(zenpy: Zenpy, standin: Server) -> None:
    people = [
        {"name": "Max Power", "email": "max.power@example.net"},
        {"name": "Zed Alpha", "email": "zed.alpha@example.org"},
    ]
    job = zenpy.tickets.create(
        [
            Ticket(
                subject="Import",
                comment=Comment(body=f"Old ticket from {p['name']} <{p['email']}>"),
                requester=User(**p),
            )
            for p in people
        ]
    )
    done = zenpy.job_status(id=job.id)
    assert done.status == "completed"
    ids = [result.id for result in done.results]
    assert len(ids) == 2
    for number, person in zip(ids, people, strict=True):
        ticket = zenpy.tickets(id=number)
        assert ticket.description == f"Old ticket from {person['name']} <{person['email']}>"
        # Fetching the ticket named its requester: the user restores now too.
        assert zenpy.users(id=ticket.requester_id).email == person["email"]
    assert_vendor_saw_no(standin, *(v for p in people for v in p.values()))
    updated = zenpy.job_status(
        id=zenpy.tickets.update([Ticket(id=i, status="open") for i in ids]).id
    )
    assert {r.id for r in updated.results} == set(ids)
    destroyed = zenpy.tickets.delete([Ticket(id=i) for i in ids])
    assert zenpy.job_status(id=destroyed.id).status == "completed"


def test_update_then_comments_and_audits(
    zenpy: Zenpy, jane_ticket: Ticket, standin: Server
) -> None:
    reply = "Dear Jane Doe, we sent a new Acme Router X2 for ORD-48213."
    ticket = zenpy.tickets(id=jane_ticket.id)
    ticket.comment = Comment(body=reply, public=True)
    zenpy.tickets.update(ticket)
    bodies = [c.body for c in zenpy.tickets.comments(ticket=jane_ticket.id)]
    assert bodies[:2] == [BODY, reply]
    events = [e for a in zenpy.tickets.audits(ticket=jane_ticket.id) for e in a.events]
    assert reply in [e.get("body") for e in events]
    assert_vendor_saw_no(standin, *JANE.values())


def test_tags(zenpy: Zenpy, jane_ticket: Ticket) -> None:
    zenpy.tickets.set_tags(jane_ticket.id, ["refund"])
    zenpy.tickets.add_tags(jane_ticket.id, ["vip"])
    zenpy.tickets.delete_tags(jane_ticket.id, ["refund"])
    assert list(zenpy.tickets.tags(jane_ticket.id)) == ["vip"]


def test_merge_and_delete(zenpy: Zenpy, standin: Server) -> None:
    target = zenpy.tickets.create(
        Ticket(subject="Dup", comment=Comment(body=BODY), requester=User(**JANE))
    ).ticket
    source = zenpy.tickets.create(
        Ticket(subject="Dup 2", comment=Comment(body=BODY), requester=User(**JANE))
    ).ticket
    job = zenpy.tickets.merge(target, [source.id], target_comment="Merged: Jane Doe wrote twice")
    assert zenpy.job_status(id=job.id).status == "completed"
    comments = [c.body for c in zenpy.tickets.comments(ticket=target.id)]
    assert "Merged: Jane Doe wrote twice" in comments
    zenpy.tickets.delete(source)
    with pytest.raises(APIException):
        zenpy.tickets(id=source.id)
    assert_vendor_saw_no(standin, *JANE.values())


def test_users_and_identities(zenpy: Zenpy, standin: Server) -> None:
    ann = {"name": "Ann Lee", "email": "ann.lee@example.com"}
    created = zenpy.users.create(User(**ann))
    assert (created.name, created.email) == (ann["name"], ann["email"])
    again = zenpy.users.create_or_update(User(**ann, phone="+44 20 7946 0958"))
    assert (again.id, again.phone) == (created.id, "+44 20 7946 0958")
    created.notes = "Ann Lee prefers email"
    assert zenpy.users.update(created).notes == "Ann Lee prefers email"
    (found,) = zenpy.users.search(query=ann["email"])
    assert (found.id, found.name) == (created.id, ann["name"])
    assert ann["email"] in {u.email for u in zenpy.users()}
    zenpy.users.identities.create(created, Identity(type="email", value="ann@lee.example"))
    values = {i.value for i in zenpy.users.identities(id=created.id)}
    assert values == {ann["email"], "ann@lee.example"}
    assert zenpy.users.me().email == "api@acme.com"
    assert_vendor_saw_no(standin, *ann.values(), "+44 20 7946 0958", "ann@lee.example")


def test_organizations(zenpy: Zenpy, standin: Server) -> None:
    created = zenpy.organizations.create(
        Organization(name="Doe Family Bakery", notes="Owner: Jane Doe, +1 (415) 555-0132")
    )
    assert created.notes == "Owner: Jane Doe, +1 (415) 555-0132"
    shown = zenpy.organizations(id=created.id)
    assert shown.notes == created.notes
    shown.notes = "Owner: Jane Doe"
    assert zenpy.organizations.update(shown).notes == "Owner: Jane Doe"
    assert "Owner: Jane Doe" in {o.notes for o in zenpy.organizations()}
    assert_vendor_saw_no(standin, *JANE.values())


def test_search_and_search_export_find_what_was_stored(
    zenpy: Zenpy, jane_ticket: Ticket, standin: Server
) -> None:
    found = {t.id: t.description for t in zenpy.search(JANE["email"], type="ticket")}
    assert found[jane_ticket.id] == BODY
    by_requester = [t.id for t in zenpy.search(requester=JANE["email"], type="ticket")]
    assert jane_ticket.id in by_requester
    exported = {t.id: t.description for t in zenpy.search_export("ORD-48213", type="ticket")}
    assert exported[jane_ticket.id] == BODY
    assert_vendor_saw_no(standin, *JANE.values())


def test_incremental_exports(zenpy: Zenpy, jane_ticket: Ticket) -> None:
    tickets = {t.id: t.description for t in zenpy.tickets.incremental(start_time=0)}
    assert tickets[jane_ticket.id] == BODY
    assert JANE["email"] in {u.email for u in zenpy.users.incremental(start_time=0)}
    events = list(zenpy.tickets.events(start_time=0, include="comment_events"))
    bodies = [
        c.get("body") for e in events if e.ticket_id == jane_ticket.id for c in e.child_events
    ]
    assert BODY in bodies


def test_side_conversations(
    gateway: Server, zenpy: Zenpy, jane_ticket: Ticket, standin: Server
) -> None:
    """zenpy has no side-conversation methods: its session calls the routes."""
    session = session_to(ZENDESK, gateway)
    base = f"{ZENDESK}/api/v2/tickets/{jane_ticket.id}/side_conversations"
    message: dict[str, Any] = {"subject": "Courier for Jane Doe", "body": f"Please call {JANE['phone']}.",
               "to": [{"email": "dispatch@courier.example", "name": "Dispatch"}]}  # fmt: skip
    created = session.post(base, json={"message": message}, timeout=30)
    assert created.status_code == 201, created.text
    conversation = created.json()["side_conversation"]
    assert conversation["subject"] == message["subject"]
    assert created.json()["event"]["message"]["body"] == message["body"]
    reply = session.post(
        f"{base}/{conversation['id']}/reply",
        json={"message": {"body": "Jane Doe is home after 5pm."}},
        timeout=30,
    )
    assert reply.json()["side_conversation"]["preview_text"] == "Jane Doe is home after 5pm."
    listed = session.get(base, timeout=30).json()["side_conversations"]
    assert [c["subject"] for c in listed] == [message["subject"]]
    assert_vendor_saw_no(standin, *JANE.values(), "dispatch@courier.example")


def test_satisfaction_ratings(
    gateway: Server, zenpy: Zenpy, jane_ticket: Ticket, standin: Server
) -> None:
    rating = zenpy.satisfaction_ratings.create(
        jane_ticket, SatisfactionRating(score="good", comment="Thanks! Jane Doe")
    )
    assert rating.comment == "Thanks! Jane Doe"
    assert "Thanks! Jane Doe" in {r.comment for r in zenpy.satisfaction_ratings()}
    # zenpy lists ratings but does not show one: its session does.
    shown = session_to(ZENDESK, gateway).get(
        f"{ZENDESK}/api/v2/satisfaction_ratings/{rating.id}.json", timeout=30
    )
    assert shown.json()["satisfaction_rating"]["comment"] == "Thanks! Jane Doe"
    assert_vendor_saw_no(standin, *JANE.values())


def test_requests(zenpy: Zenpy, standin: Server) -> None:
    made = zenpy.requests.create(
        Request(subject="Help", comment=Comment(body=BODY), requester=User(**JANE))
    )
    assert made.description == BODY
    assert zenpy.requests(id=made.id).description == BODY
    assert BODY in {r.description for r in zenpy.requests()}
    assert_vendor_saw_no(standin, *JANE.values())


def test_uploads_are_refused_with_a_clear_code(zenpy: Zenpy) -> None:
    with pytest.raises(APIException) as refused:
        zenpy.attachments.upload(io.BytesIO(b"Jane Doe's passport scan"), target_name="scan.png")
    assert json.loads(str(refused.value))["error"] == "unsupported_media_type"


def test_a_refused_route_is_a_zenpy_error_with_the_gateway_code(zenpy: Zenpy) -> None:
    with pytest.raises(APIException) as refused:
        list(zenpy.macros())
    assert json.loads(str(refused.value))["error"] == "route_not_allowed"


def test_an_event_subscription_webhook_is_restored_in_its_ticket(
    gateway: Server, jane_ticket: Ticket, standin: Server
) -> None:
    created = json.loads(
        next(r for r in vendor_saw(standin) if r["path"] == "/api/v2/tickets.json")["body"]
    )
    token = created["ticket"]["requester"]["email"]
    event: dict[str, Any] = {
        "type": "zen:event-type:ticket.comment_added",
        "detail": {"id": str(jane_ticket.id), "requester_id": str(jane_ticket.requester_id)},
        "event": {"comment": {"body": f"Agent: we wrote to {token}"}},
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    body = json.dumps(event).encode()
    answer = requests.post(
        f"{gateway.url}/webhooks/zendesk/events",
        data=body,
        headers=zendesk_delivery(body, ENVIRON["ZENDESK_WEBHOOK_SECRET"]),
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    forwarded = [r for r in vendor_saw(standin) if r["path"] == "/internal/zendesk-events"]
    assert f"we wrote to {JANE['email']}" in forwarded[-1]["body"]
