"""Keeping tickets in-house, in process: blocked, diverted signed, audited, counted, never leaked.

The stand-in vendor doubles as the company's in-house queue: what reaches
``/internal/in-house`` is the company's, what reaches ``/api/...`` the vendor's.
The same path over real HTTP with zenpy is in ``test_client_zendesk``.
"""

from __future__ import annotations

import copy
import hmac
import json
from typing import Any

import pytest

from gateway.errors import UpstreamError
from gateway.server.upstream import UpstreamResponse
from tests.asgi import AsgiVendor
from tests.conftest import AppFactory
from tests.gateways import ENVIRON, PLANTED, TICKET, error_code
from tests.test_proxy import audit_records, full_disk

pytestmark = pytest.mark.anyio
# A canary: words that must never appear in an error, an audit record or a metric.
HEALTH = "I'm diabetic and the Zebulon pump failed after my dialysis"


def health_ticket() -> dict[str, Any]:
    ticket = copy.deepcopy(TICKET)
    ticket["ticket"]["comment"]["body"] = f"Hi, Jane Doe here. {HEALTH}. Order ORD-48213."
    return ticket


def vendor_api(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["path"].startswith("/api/")]


def in_house(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["path"] == "/internal/in-house"]


def assert_no_text(*texts: str) -> None:
    for text in texts:
        for word in ("diabetic", "dialysis", "Zebulon pump", *PLANTED):
            assert word not in text, f"{word!r} leaked"


async def test_a_health_ticket_reaches_the_in_house_queue_and_not_the_vendor(
    make_app: AppFactory,
) -> None:
    gateway = make_app()
    ticket = health_ticket()
    async with gateway.client() as client:
        answer = await client.post("/api/v2/tickets.json", json=ticket)
        metrics = (await client.get("/metrics")).text
    records = await gateway.vendor.received()
    assert vendor_api(records) == []
    (delivered,) = in_house(records)
    envelope = json.loads(delivered["body"])
    assert envelope["body"] == ticket  # the ticket as the company sent it, values and all
    assert envelope["categories"] == {"health": 3}
    assert (envelope["route"], envelope["method"], envelope["path"]) == (
        "create_ticket",
        "POST",
        "/api/v2/tickets.json",
    )
    assert envelope["request_id"] == answer.headers["x-request-id"]
    # Signed like a forwarded webhook: t=<unix>,v1=<HMAC-SHA256 of "<t>." + body>.
    stamp, digest = (
        p.split("=", 1)[1] for p in delivered["headers"]["x-gateway-signature"].split(",")
    )
    key = ENVIRON["GATEWAY_FORWARD_SECRET"].encode()
    expected = hmac.digest(key, f"{stamp}.".encode() + delivered["body"].encode(), "sha256").hex()
    assert digest == expected
    # The caller: Zendesk's error shape, the gateway's code, the categories by name.
    assert answer.status_code == 403
    assert answer.headers["x-gateway-outcome"] == "diverted"
    body = answer.json()
    assert body["error"] == "content_diverted"
    assert body["details"] == {"categories": ["health"], "entities": []}
    (event,) = [e for e in audit_records(gateway.app) if e["type"] == "request_blocked"]
    assert event["outcome"] == "diverted"
    assert event["reason"] == "content_diverted"
    assert event["categories"] == {"health": 3}
    assert event["scope"].startswith("customer:")  # whose ticket, as a keyed digest
    assert event["divert_to"] == "http://vendor/internal/in-house"
    assert (
        'gateway_requests_blocked_total{outcome="diverted",reason="health",route="create_ticket"} 1.0'
        in metrics
    )
    assert_no_text(answer.text, json.dumps(audit_records(gateway.app)), metrics)


async def test_an_ordinary_ticket_still_goes_to_the_vendor(make_app: AppFactory) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        answer = await client.post("/api/v2/tickets.json", json=TICKET)
    assert answer.status_code == 201, answer.text
    records = await gateway.vendor.received()
    assert len(vendor_api(records)) == 1
    assert in_house(records) == []


async def test_a_route_without_divert_to_refuses_and_delivers_nowhere(
    make_app: AppFactory,
) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        created = (await client.post("/api/v2/tickets.json", json=TICKET)).json()["ticket"]
        reply = {"request": {"comment": {"body": "My lawyer will be in touch about this."}}}
        answer = await client.put(f"/api/v2/requests/{created['id']}.json", json=reply)
    assert (answer.status_code, error_code(answer)) == (403, "content_blocked")
    assert answer.headers["x-gateway-outcome"] == "blocked"
    assert answer.json()["details"]["categories"] == ["legal"]
    records = await gateway.vendor.received()
    assert [r["method"] for r in vendor_api(records)] == ["POST"]  # only the first ticket
    assert in_house(records) == []
    (event,) = [e for e in audit_records(gateway.app) if e["type"] == "request_blocked"]
    assert (event["outcome"], event["reason"]) == ("blocked", "content_blocked")


class InHouseDown(AsgiVendor):
    """The vendor answers; the company's in-house queue cannot be reached."""

    async def send(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None
    ) -> UpstreamResponse:
        if url.endswith("/in-house"):
            raise UpstreamError("upstream_unreachable", "connection refused")
        return await super().send(method, url, headers, body)


async def test_when_the_queue_is_down_nothing_goes_anywhere_and_the_caller_can_retry(
    make_app: AppFactory,
) -> None:
    from gateway.testing.standin import create_standin

    vendor = InHouseDown(create_standin())
    gateway = make_app(transport=vendor)
    async with gateway.client() as client:
        answer = await client.post("/api/v2/tickets.json", json=health_ticket())
    assert (answer.status_code, error_code(answer)) == (502, "divert_failed")
    assert vendor_api(await vendor.received()) == []
    # On the record before the delivery was tried, then the failure, same request.
    attempted, failed = [e for e in audit_records(gateway.app) if e["type"] == "request_blocked"]
    assert (attempted["outcome"], attempted["reason"]) == ("diverted", "content_diverted")
    assert (failed["outcome"], failed["reason"]) == ("blocked", "divert_failed")
    assert failed["request_id"] == attempted["request_id"] == answer.headers["x-request-id"]


async def test_a_diverted_request_is_on_the_record_before_it_is_delivered(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        with monkeypatch.context() as patch:  # a full disk: every audit write fails
            patch.setattr("gateway.audit.files.append", full_disk)
            patch.setattr("gateway.audit.files.probe", full_disk)
            answer = await client.post("/api/v2/tickets.json", json=health_ticket())
    assert (answer.status_code, error_code(answer)) == (503, "audit_unavailable")
    records = await gateway.vendor.received()
    assert in_house(records) == []  # not delivered: no record could be written
    assert vendor_api(records) == []


async def test_a_body_json_reads_but_utf8_cannot_hold_is_still_diverted(
    make_app: AppFactory,
) -> None:
    gateway = make_app()
    raw = json.dumps(health_ticket()).replace("Order ORD-48213", "Order \\ud800 ORD-48213")
    async with gateway.client() as client:
        answer = await client.post(
            "/api/v2/tickets.json", content=raw, headers={"content-type": "application/json"}
        )
    assert error_code(answer) == "content_diverted", answer.text
    (delivered,) = in_house(await gateway.vendor.received())
    assert "\\ud800" in delivered["body"]


async def test_a_category_set_to_token_replaces_the_evidence_and_restores_it(
    make_app: AppFactory,
) -> None:
    gateway = make_app(edit=lambda t: t.replace("health: {action: block", "health: {action: token"))
    async with gateway.client() as client:
        answer = await client.post("/api/v2/tickets.json", json=health_ticket())
    assert answer.status_code == 201, answer.text
    (sent,) = vendor_api(await gateway.vendor.received())
    assert "diabetic" not in sent["body"]
    assert "dialysis" not in sent["body"]
    assert "HEALTH-" in sent["body"]
    assert HEALTH in answer.json()["ticket"]["description"]  # restored on the way back


async def test_an_entity_set_to_block_keeps_the_ticket_in_house(make_app: AppFactory) -> None:
    gateway = make_app(
        edit=lambda t: t.replace("US_SSN: {action: drop}", "US_SSN: {action: block}")
    )
    async with gateway.client() as client:
        answer = await client.post("/api/v2/tickets.json", json=TICKET)  # it holds an SSN
    assert (answer.status_code, error_code(answer)) == (403, "content_diverted")
    assert answer.json()["details"] == {"categories": [], "entities": ["US_SSN"]}
    assert vendor_api(await gateway.vendor.received()) == []


async def test_a_route_can_opt_out_of_the_category_rules(make_app: AppFactory) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        answer = await client.get("/api/v2/search.json", params={"query": "dialysis diabetic"})
    assert answer.status_code == 200, answer.text


async def test_openai_callers_get_openais_error_shape(make_app: AppFactory) -> None:
    gateway = make_app("openai-compatible.yaml")
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": HEALTH}]}
    async with gateway.client() as client:
        answer = await client.post("/v1/chat/completions", json=chat)
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert (error["type"], error["code"], error["categories"]) == (
        "permission_error",
        "content_blocked",
        ["health"],
    )
    assert_no_text(answer.text)


async def test_the_audit_api_and_summary_show_what_was_kept_in_house(
    make_app: AppFactory,
) -> None:
    admin = "admin-key-0123456789abcdef"
    gateway = make_app(environ={"GATEWAY_ADMIN_KEYS": admin})
    headers = {"x-gateway-key": admin}
    async with gateway.client() as client:
        await client.post("/api/v2/tickets.json", json=health_ticket())
        await client.post("/api/v2/tickets.json", json=TICKET)
        diverted = await client.get("/audit/api/events?outcome=diverted", headers=headers)
        summary = await client.get("/audit/api/summary", headers=headers)
    (event,) = diverted.json()["events"]
    assert event["event"]["categories"] == {"health": 3}
    assert summary.json()["kept_in_house"] == {"health": {"diverted": 1}}
    assert_no_text(diverted.text, summary.text)


async def test_a_tokenized_category_leaves_no_gap_around_a_value_inside_it(
    make_app: AppFactory,
) -> None:
    # The evidence ("delete ... all my data from") holds a card number: the
    # number keeps its own mask and the words around it get the category's token.
    gateway = make_app(edit=lambda t: t.replace("legal: {action: block", "legal: {action: token"))
    ticket = copy.deepcopy(TICKET)
    ticket["ticket"]["comment"]["body"] = (
        "Please delete 4111111111111111 and all my data from your systems."
    )
    async with gateway.client() as client:
        answer = await client.post("/api/v2/tickets.json", json=ticket)
    assert answer.status_code == 201, answer.text
    (sent,) = vendor_api(await gateway.vendor.received())
    body = json.loads(sent["body"])["ticket"]["comment"]["body"]
    assert "************1111" in body
    assert body.count("LEGAL-") == 2
    assert "all my data" not in body
    # The tokens come back restored; a card is masked, which no one can undo.
    restored = answer.json()["ticket"]["description"]
    assert restored == "Please delete ************1111 and all my data from your systems."
