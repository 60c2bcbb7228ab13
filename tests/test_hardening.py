"""What attacks on loopback broke (issue 13), each kept as a regression test.

In process where the attack is about content (the gateway app behind httpx's
ASGI transport, the stand-in vendor behind it); the attacks on the server
itself (slow headers, a full disk, a lost vault) are in ``test_faults``.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import AppFactory

pytestmark = pytest.mark.anyio


def ticket(body: str) -> dict[str, object]:
    return {"ticket": {"subject": "Help", "comment": {"body": body}}}


@pytest.mark.parametrize(
    ("body", "hidden"),
    [
        ("write to nul.victim\u0000@example.com please", "victim@example.com"),
        ("write to inv\u0007.victim@example.com please", "victim@example.com"),
        ("call +1 (415) 555\u0007-0132 please", "0132"),
        ("write to del\u007f.victim@example.com please", "victim@example.com"),
        ("write to nel.victim\u0085@example.com please", "victim"),
        ("write to us.victim\u001f@example.com please", "victim"),
    ],
)
async def test_control_characters_do_not_hide_values(
    make_app: AppFactory, body: str, hidden: str
) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        answer = await client.post("/api/v2/tickets.json", json=ticket(body))
    assert answer.status_code == 201
    sent = json.dumps(await gateway.vendor.received(), ensure_ascii=False)
    assert hidden not in sent
    assert "please" in sent
