"""Lists and exports restore record by record, each in the scope its own id names."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gateway.formats.jsontext import JsonText
from gateway.policy import RecordScope
from gateway.restore.records import split_records
from tests.conftest import AppFactory
from tests.gateways import TICKET

pytestmark = pytest.mark.anyio


def rule(**fields: Any) -> RecordScope:
    return RecordScope.model_validate(fields)


def test_records_are_found_with_their_ids_kinds_and_aliases() -> None:
    document = JsonText.parse(
        json.dumps(
            {
                "results": [
                    {"id": 7, "result_type": "ticket", "subject": "a", "requester_id": 70},
                    {"id": 8, "result_type": "user", "name": "b"},
                ],
                "next_page": "https://vendor.example/page/2",
            }
        ),
        64,
    )
    records, outside = split_records(
        document,
        [rule(path="results.*", kind="ticket", kind_field="result_type",
              aliases=[{"field": "requester_id", "kind": "user"}])],
    )  # fmt: skip
    assert [(r.kind, r.id) for r in records] == [("ticket", "7"), ("user", "8")]
    assert records[0].aliases == [("user", "70")]
    assert [s.value for s in records[0].strings] == ["ticket", "a"]
    assert [s.value for s in outside] == ["https://vendor.example/page/2"]


async def test_a_token_pasted_into_another_record_is_not_restored(
    make_app: AppFactory,
) -> None:
    """A vendor agent copies Jane's token into Max's ticket; a list of both tickets
    restores Jane's in hers, and leaves it a token in Max's."""
    gateway = make_app()
    max_ticket = {
        "ticket": {
            "subject": "Hello",
            "requester": {"name": "Max Power", "email": "max.power@example.net"},
            "comment": {"body": "Hi from Max"},
        }
    }
    async with gateway.client() as client:
        jane = (await client.post("/api/v2/tickets.json", json=TICKET)).json()["ticket"]
        other = (await client.post("/api/v2/tickets.json", json=max_ticket)).json()["ticket"]
        sent = json.loads((await gateway.vendor.received())[0]["body"])
        token = sent["ticket"]["requester"]["email"]
        # The vendor's side: an agent edits Max's ticket directly.
        await gateway.vendor.client.put(
            f"/api/v2/tickets/{other['id']}.json",
            json={"ticket": {"subject": f"Same person as {token}?"}},
        )
        listed = (await client.get("/api/v2/tickets.json")).json()["tickets"]
    by_id = {t["id"]: t for t in listed}
    assert "I'm Jane Doe" in by_id[jane["id"]]["description"]
    assert by_id[other["id"]]["subject"] == f"Same person as {token}?"
