"""Co-sourcing end to end: zenpy files a health ticket; it lands in the company's queue, not Zendesk's.

Three servers on loopback: the stand-in Zendesk, the company's own in-house
queue (which checks the gateway's signature as a real receiver would), and
``policies/zendesk.yaml`` served by the gateway. Then a security team's view:
``gateway audit query --outcome diverted`` finds the ticket by its category,
and the chain verifies.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from zenpy import Zenpy
from zenpy.lib.api_objects import Comment, Ticket, User
from zenpy.lib.exception import APIException

from tests.clients import gateway_serving, session_to, vendor_saw
from tests.gateways import ENVIRON
from tests.servers import Server, serving
from tests.test_cli import gateway as run_gateway
from tests.test_cli import text

pytestmark = pytest.mark.slow  # real servers on loopback

ZENDESK = "https://acme.zendesk.com"
SECRET = ENVIRON["GATEWAY_FORWARD_SECRET"].encode()
HEALTH = "I'm diabetic and the pump failed again; my dialysis is on Monday."


class Queue:
    """The company's in-house queue: it takes only what the gateway signed."""

    def __init__(self) -> None:
        self.tickets: list[dict[str, Any]] = []
        self.refused = 0

    def app(self) -> Starlette:
        async def take(request: Request) -> JSONResponse:
            body = await request.body()
            parts = dict(p.split("=", 1) for p in request.headers["x-gateway-signature"].split(","))
            expected = hmac.digest(SECRET, f"{parts['t']}.".encode() + body, "sha256").hex()
            if not hmac.compare_digest(expected, parts["v1"]):
                self.refused += 1
                return JSONResponse({"error": "bad signature"}, status_code=401)
            self.tickets.append(json.loads(body))
            return JSONResponse({"queued": True}, status_code=202)

        return Starlette(routes=[Route("/queue", take, methods=["POST"])])


@pytest.fixture(scope="module")
def queue() -> Iterator[tuple[Queue, Server]]:
    taken = Queue()
    with serving(taken.app()) as server:
        yield taken, server


@pytest.fixture(scope="module")
def gateway(
    standin: Server, queue: tuple[Queue, Server], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("in-house")
    in_house = f"{queue[1].url}/queue"
    with gateway_serving(
        "zendesk",
        standin,
        directory,
        ZENDESK,
        edit=lambda t: t.replace("http://127.0.0.1:9000/in-house", in_house),
    ) as server:
        server.directory = directory  # type: ignore[attr-defined]
        yield server


def test_a_health_ticket_reaches_the_in_house_queue_and_not_the_vendor(
    gateway: Server, standin: Server, queue: tuple[Queue, Server]
) -> None:
    taken, _ = queue
    zenpy = Zenpy(
        subdomain="acme",
        email="agent@acme.com",
        token="unused",
        session=session_to(ZENDESK, gateway),
    )
    before = len(vendor_saw(standin))
    jane = User(name="Jane Doe", email="jane.doe@example.com")
    with pytest.raises(APIException) as refused:
        zenpy.tickets.create(Ticket(subject="Pump", comment=Comment(body=HEALTH), requester=jane))
    # zenpy raises Zendesk's own error, carrying the gateway's code and the category.
    error = json.loads(str(refused.value))
    assert error["error"] == "content_diverted"
    assert error["details"]["categories"] == ["health"]
    assert "diabetic" not in str(refused.value)
    # The vendor got nothing at all; the queue got the ticket as written, signed.
    assert vendor_saw(standin)[before:] == []
    assert taken.refused == 0
    (ticket,) = taken.tickets
    assert ticket["body"]["ticket"]["comment"]["body"] == HEALTH
    assert ticket["body"]["ticket"]["requester"]["email"] == "jane.doe@example.com"
    # Two rules ("diabetic", "dialysis") and the model's window: counts, never words.
    assert ticket["categories"] == {"health": 3}
    # An ordinary ticket still goes to the vendor, tokenized.
    audit = zenpy.tickets.create(
        Ticket(
            subject="Router",
            comment=Comment(body="Order ORD-48213 arrived broken."),
            requester=jane,
        )
    )
    assert audit.ticket.id
    assert len(taken.tickets) == 1


def test_the_security_team_finds_it_in_the_trail(gateway: Server) -> None:
    data = gateway.directory / "data"  # type: ignore[attr-defined]
    diverted = run_gateway("audit", "query", "--outcome", "diverted", data_dir=data)
    out, err = text(diverted)
    assert diverted.returncode == 0, err
    (row,) = [line for line in out.splitlines() if "request_blocked" in line]
    for expected in ("create_ticket", "diverted", "health:3"):
        assert expected in row
    blocked = run_gateway("audit", "query", "--outcome", "blocked", data_dir=data)
    assert "request_blocked" not in text(blocked)[0]  # this one was diverted, not dropped
    verified = run_gateway("audit", "verify", data_dir=data)
    assert verified.returncode == 0, text(verified)
    for chain in (data / "audit").glob("*.log.jsonl"):
        trail = chain.read_text()
        assert "diabetic" not in trail
        assert "dialysis" not in trail
