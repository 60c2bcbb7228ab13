"""End to end over real HTTP on loopback: caller -> gateway -> stand-in vendor -> gateway -> caller.

The stand-in records every request it receives; no planted value may be in any
of them. Responses must come back restored byte for byte, however the vendor
mangles the tokens (HTML-escaped, re-cased, wrapped, streamed one byte at a time).
"""

from __future__ import annotations

import gzip
import hmac
import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.gateways import (
    ENVIRON,
    PLANTED,
    TICKET,
    GatewayFactory,
    assert_nothing_planted_reached,
    error_code,
    forget,
    received,
    zendesk_delivery,
)
from tests.servers import Server

pytestmark = pytest.mark.slow  # real servers on loopback, or subprocesses


def test_health(zendesk: Server) -> None:
    answer = httpx.get(f"{zendesk.url}/healthz")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_ticket_round_trip(zendesk: Server, standin: Server) -> None:
    forget(standin)
    answer = httpx.post(f"{zendesk.url}/api/v2/tickets.json", json=TICKET)
    assert answer.status_code == 201
    assert len(answer.headers.get_list("date")) == 1  # the vendor's and the server's were both sent
    back = answer.json()["ticket"]
    # The Zendesk policy masks cards and drops SSNs: those never come back.
    expected = TICKET["ticket"]["comment"]["body"].replace(
        "4111 1111 1111 1111", "**** **** **** 1111"
    )
    assert back["description"] == expected.replace("456-78-9012", "[SSN]")
    user = httpx.get(f"{zendesk.url}/api/v2/users/{back['requester_id']}.json").json()["user"]
    assert {k: user[k] for k in ("name", "email")} == TICKET["ticket"]["requester"]
    assert_nothing_planted_reached(standin)
    sent = json.loads(received(standin)[0]["body"])["ticket"]
    assert "ORD-48213" in sent["comment"]["body"]  # what agents need survives
    assert sent["priority"] == "urgent"
    assert sent["requester"]["email"].startswith("EMAIL-")
    assert received(standin)[0]["headers"]["authorization"] == ENVIRON["ZENDESK_AUTHORIZATION"]


def test_later_requests_about_the_ticket_restore_in_its_scope(
    zendesk: Server, standin: Server
) -> None:
    created = httpx.post(f"{zendesk.url}/api/v2/tickets.json", json=TICKET).json()["ticket"]
    fetched = httpx.get(f"{zendesk.url}/api/v2/tickets/{created['id']}.json?include=users")
    assert "I'm Jane Doe" in fetched.json()["ticket"]["description"]
    assert fetched.json()["users"][0]["name"] == "Jane Doe"


def test_out_of_scope_tokens_are_not_restored(zendesk: Server, standin: Server) -> None:
    forget(standin)
    jane = httpx.post(f"{zendesk.url}/api/v2/tickets.json", json=TICKET).json()["ticket"]
    jane_token = json.loads(received(standin)[0]["body"])["ticket"]["requester"]["email"]
    other = {
        "ticket": {
            "subject": "Hello",
            "requester": {"name": "Max Power", "email": "max.power@example.net"},
            "comment": {"body": "Hi"},
        }
    }
    max_ticket = httpx.post(f"{zendesk.url}/api/v2/tickets.json", json=other).json()["ticket"]
    # A vendor agent pastes Jane's token into Max's ticket.
    reply = {"ticket": {"comment": {"body": f"As discussed with {jane_token}"}}}
    answer = httpx.put(f"{zendesk.url}/api/v2/tickets/{max_ticket['id']}.json", json=reply)
    assert answer.status_code == 200
    assert jane_token in answer.text
    assert "jane.doe@example.com" not in answer.text
    # In Jane's own ticket the same token restores.
    mine = httpx.put(f"{zendesk.url}/api/v2/tickets/{jane['id']}.json", json=reply).json()
    assert "jane.doe@example.com" in mine["audit"]["events"][0]["body"]


def test_search_query_is_redacted_and_results_restored(zendesk: Server, standin: Server) -> None:
    httpx.post(f"{zendesk.url}/api/v2/tickets.json", json=TICKET)
    forget(standin)
    answer = httpx.get(
        f"{zendesk.url}/api/v2/search.json", params={"query": "requester:jane.doe@example.com"}
    )
    assert answer.status_code == 200
    assert "jane.doe@example.com" not in received(standin)[0]["query"]
    assert answer.json()["count"] >= 1  # the token the vendor stored was searched for
    assert "I'm Jane Doe" in answer.json()["results"][0]["description"]


@pytest.mark.parametrize("mode", ["", "html-escape", "lower", "wrap", "one-byte"])
def test_restored_responses_equal_the_original_bytes(
    generic: Server, standin: Server, mode: str
) -> None:
    forget(standin)
    body = json.dumps(
        {"note": "Jane Doe wrote from jane.doe@example.com, phone +1 (415) 555-0132.", "id": 7},
        indent=1,
    ).encode()
    answer = httpx.post(
        f"{generic.url}/echo",
        content=body,
        headers={
            "content-type": "application/json",
            "x-standin-mode": mode,
            "x-gateway-scope": "ticket-42",
        },
    )
    assert answer.status_code == 200
    assert answer.content == body
    assert_nothing_planted_reached(standin)


def test_text_and_html_bodies(generic: Server, standin: Server) -> None:
    page = b'<p>Contact <a href="mailto:jane.doe@example.com">Jane Doe</a> &amp; co.</p>'
    answer = httpx.post(
        f"{generic.url}/echo",
        content=page,
        headers={"content-type": "text/html", "x-gateway-scope": "t-1"},
    )
    assert answer.content == page
    text = b"Hi, I'm Jane Doe, call +1 (415) 555-0132."
    answer = httpx.post(
        f"{generic.url}/echo",
        content=text,
        headers={"content-type": "text/plain", "x-gateway-scope": "t-1"},
    )
    assert answer.content == text
    assert_nothing_planted_reached(standin)


def test_forms_multipart_and_gzip(generic: Server, standin: Server) -> None:
    forget(standin)
    form = "name=Jane+Doe&email=jane.doe%40example.com&order=ORD-48213"
    answer = httpx.post(
        f"{generic.url}/echo",
        content=form,
        headers={"content-type": "application/x-www-form-urlencoded", "x-gateway-scope": "t-2"},
    )
    assert answer.status_code == 200
    assert "ORD-48213" in received(standin)[0]["body"]
    assert answer.text == form
    multipart = httpx.post(
        f"{generic.url}/echo",
        files={"comment": (None, "Jane Doe here")},
        headers={"x-gateway-scope": "t-2"},
    )
    assert multipart.status_code == 200
    assert "Jane Doe here" in multipart.text
    refused = httpx.post(
        f"{generic.url}/echo",
        files={"scan": ("id.png", b"\x89PNG", "image/png")},
        headers={"x-gateway-scope": "t-2"},
    )
    assert error_code(refused) == "attachment_refused"
    packed = gzip.compress(json.dumps({"note": "jane.doe@example.com"}).encode())
    zipped = httpx.post(
        f"{generic.url}/echo",
        content=packed,
        headers={
            "content-type": "application/json",
            "content-encoding": "gzip",
            "x-gateway-scope": "t-2",
        },
    )
    assert zipped.json() == {"note": "jane.doe@example.com"}
    assert_nothing_planted_reached(standin)


def test_streamed_chat_restores_tokens_split_across_events(
    make_gateway: GatewayFactory, standin: Server
) -> None:
    gateway = make_gateway("openai-compatible.yaml")
    forget(standin)
    message = "My name is Jane Doe, email jane.doe@example.com, order ORD-48213."
    chat = {"model": "m", "stream": True, "messages": [{"role": "user", "content": message}]}
    content = ""
    with httpx.stream(
        "POST",
        f"{gateway.url}/v1/chat/completions",
        json=chat,
        headers={"x-gateway-scope": "conv-1", "x-standin-delta": "2"},
    ) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        for line in answer.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                delta = json.loads(line[6:])["choices"][0]["delta"]
                content += delta.get("content", "")
    assert content == f"You wrote: {message}"
    assert_nothing_planted_reached(standin)
    sent = json.loads(received(standin)[0]["body"])
    assert sent["model"] == "m"


def vendor_requester(standin: Server, ticket_id: int) -> dict[str, Any]:
    """The ticket's requester as the vendor stored them: tokens only."""
    shown = httpx.get(f"{standin.url}/api/v2/tickets/{ticket_id}.json?include=users").json()
    return shown["users"][0]  # type: ignore[no-any-return]


def test_webhooks(zendesk: Server, standin: Server) -> None:
    created = httpx.post(f"{zendesk.url}/api/v2/tickets.json", json=TICKET).json()["ticket"]
    forget(standin)
    token = vendor_requester(standin, created["id"])["email"]
    body = json.dumps(
        {"ticket": {"id": created["id"], "latest_comment": f"Agent: we emailed {token}"}}
    ).encode()
    secret = ENVIRON["ZENDESK_WEBHOOK_SECRET"]
    headers = zendesk_delivery(body, secret)
    forget(standin)
    ok = httpx.post(f"{zendesk.url}/webhooks/zendesk", content=body, headers=headers)
    assert ok.status_code == 200, ok.text
    forwarded = received(standin)[0]
    assert forwarded["path"] == "/internal/zendesk-events"
    assert "jane.doe@example.com" in forwarded["body"]
    stamp, digest = (
        p.split("=", 1)[1] for p in forwarded["headers"]["x-gateway-signature"].split(",")
    )
    expected = hmac.digest(
        ENVIRON["GATEWAY_FORWARD_SECRET"].encode(),
        f"{stamp}.".encode() + forwarded["body"].encode(),
        "sha256",
    ).hex()
    assert digest == expected
    # The same delivery again is a replay.
    assert (
        httpx.post(f"{zendesk.url}/webhooks/zendesk", content=body, headers=headers).status_code
        == 409
    )
    # A wrong signature and a stale timestamp are refused; nothing is forwarded.
    forget(standin)
    bad = zendesk_delivery(body, "not-the-secret")
    refused = httpx.post(f"{zendesk.url}/webhooks/zendesk", content=body, headers=bad)
    assert error_code(refused) == "webhook_signature_invalid"
    stale = zendesk_delivery(body, secret, datetime(2020, 1, 1, tzinfo=UTC))
    answer = httpx.post(f"{zendesk.url}/webhooks/zendesk", content=body, headers=stale)
    assert (answer.status_code, error_code(answer)) == (401, "webhook_stale")
    assert received(standin) == []


def test_webhook_from_another_ticket_does_not_restore(zendesk: Server, standin: Server) -> None:
    created = httpx.post(f"{zendesk.url}/api/v2/tickets.json", json=TICKET).json()["ticket"]
    token = vendor_requester(standin, created["id"])["email"]
    body = json.dumps({"ticket": {"id": 999999, "latest_comment": f"see {token}"}}).encode()
    forget(standin)
    answer = httpx.post(
        f"{zendesk.url}/webhooks/zendesk",
        content=body,
        headers=zendesk_delivery(body, ENVIRON["ZENDESK_WEBHOOK_SECRET"]),
    )
    assert answer.status_code == 200
    assert token in received(standin)[0]["body"]


@pytest.mark.parametrize(
    ("path", "content", "headers", "code", "status"),
    [
        (
            "/api/v2/tickets.json",
            b"{not json",
            {"content-type": "application/json"},
            "invalid_json",
            400,
        ),
        (
            "/api/v2/tickets.json",
            b'{"ticket": {"subject": "caf\xe9"}}',
            {"content-type": "application/json"},
            "invalid_encoding",
            400,
        ),
        (
            "/api/v2/tickets.json",
            b"[" * 70 + b"]" * 70,
            {"content-type": "application/json"},
            "json_too_deep",
            400,
        ),
        (
            "/api/v2/tickets.json",
            b"x" * 2_000_000,
            {"content-type": "application/json"},
            "body_too_large",
            413,
        ),
        (
            "/api/v2/tickets.json",
            gzip.compress(b" " * 50_000_000),
            {"content-type": "application/json", "content-encoding": "gzip"},
            "decompressed_too_large",
            413,
        ),
        (
            "/api/v2/tickets.json",
            b"\x1f\x8b garbage",
            {"content-type": "application/json", "content-encoding": "gzip"},
            "invalid_compression",
            400,
        ),
        (
            "/api/v2/tickets.json",
            b"%PDF-1.4",
            {"content-type": "application/pdf"},
            "route_not_allowed",
            403,
        ),
        ("/api/v2/admin/everything.json", b"", {}, "route_not_allowed", 403),
        ("/api/v2/../secret.json", b"", {}, "route_not_allowed", 403),
    ],
)
def test_bad_requests_forward_nothing(
    zendesk: Server,
    standin: Server,
    path: str,
    content: bytes,
    headers: dict[str, str],
    code: str,
    status: int,
) -> None:
    forget(standin)
    answer = httpx.request("POST", f"{zendesk.url}{path}", content=content, headers=headers)
    assert answer.status_code == status
    assert error_code(answer) == code
    assert received(standin) == []


def test_failures_forward_nothing(
    make_gateway: GatewayFactory, standin: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = make_gateway()
    state = gateway.app.gateway  # type: ignore[attr-defined]
    forget(standin)

    # The detector fails inside (a bug, a regex timeout...).
    def broken(*args: Any) -> Any:
        raise RuntimeError("Jane Doe broke it")

    with monkeypatch.context() as patch:
        patch.setattr(state.core.detector, "_detect", broken)
        answer = httpx.post(f"{gateway.url}/api/v2/tickets.json", json=TICKET)
    assert (answer.status_code, error_code(answer)) == (503, "detection_failed")
    assert "Jane" not in answer.text
    assert received(standin) == []
    # The vault cannot write.
    vault = state.core.vault.backend
    _run_sync(vault, "PRAGMA query_only = ON")
    answer = httpx.post(f"{gateway.url}/api/v2/tickets.json", json=TICKET)
    assert (answer.status_code, error_code(answer)) == (503, "vault_unavailable")
    assert httpx.get(f"{gateway.url}/healthz").status_code == 503
    _run_sync(vault, "PRAGMA query_only = OFF")
    assert received(standin) == []
    # The audit log cannot write (its descriptor swapped for one that refuses writes).
    writable, state.audit._log = state.audit._log, os.open(os.devnull, os.O_RDONLY)
    answer = httpx.post(f"{gateway.url}/api/v2/tickets.json", json=TICKET)
    os.close(writable)
    assert (answer.status_code, error_code(answer)) == (503, "audit_unavailable")
    assert received(standin) == []
    # The health check reopens the log: the gateway recovers by itself.
    assert httpx.get(f"{gateway.url}/healthz").status_code == 200
    for value in PLANTED:
        assert value not in answer.text


def _run_sync(backend: Any, statement: str) -> None:
    backend._executor.submit(lambda: backend._connect().execute(statement)).result()


def test_upstream_down_slow_and_redirecting(make_gateway: GatewayFactory, standin: Server) -> None:
    down = make_gateway(upstream="http://127.0.0.1:9")
    answer = httpx.post(f"{down.url}/api/v2/tickets.json", json=TICKET)
    assert (answer.status_code, error_code(answer)) == (502, "upstream_unreachable")
    slow = make_gateway(
        edit=lambda text: text.replace("upstream_timeout_s: 30", "upstream_timeout_s: 1")
    )
    answer = httpx.post(
        f"{slow.url}/api/v2/tickets.json",
        json=TICKET,
        headers={"x-standin-mode": "slow"},
        timeout=30,
    )
    assert (answer.status_code, error_code(answer)) == (504, "upstream_timeout")
    answer = httpx.post(
        f"{slow.url}/api/v2/tickets.json", json=TICKET, headers={"x-standin-mode": "redirect"}
    )
    assert (answer.status_code, error_code(answer)) == (502, "upstream_redirect")
    assert "evil.example" not in answer.text


def test_api_keys(make_gateway: GatewayFactory, standin: Server) -> None:
    key = "k" * 24
    gateway = make_gateway(environ={"GATEWAY_API_KEYS": key})
    assert httpx.post(f"{gateway.url}/api/v2/tickets.json", json=TICKET).status_code == 401
    assert (
        httpx.post(
            f"{gateway.url}/api/v2/tickets.json",
            json=TICKET,
            headers={"x-gateway-key": "k" * 23 + "x"},
        ).status_code
        == 401
    )
    answer = httpx.post(
        f"{gateway.url}/api/v2/tickets.json", json=TICKET, headers={"x-gateway-key": key}
    )
    assert answer.status_code == 201
    assert "x-gateway-key" not in received(standin)[-1]["headers"]


def test_the_upstream_is_fixed(zendesk: Server, standin: Server) -> None:
    """Host headers and absolute URIs do not move the upstream: never an open proxy."""
    forget(standin)
    answer = httpx.post(
        f"{zendesk.url}/api/v2/tickets.json", json=TICKET, headers={"host": "evil.example"}
    )
    assert answer.status_code == 201
    assert received(standin)[0]["headers"]["host"].startswith("127.0.0.1")


def test_server_logs_hold_no_values(zendesk: Server, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    httpx.post(f"{zendesk.url}/api/v2/tickets.json", json=TICKET)
    httpx.post(
        f"{zendesk.url}/api/v2/tickets.json",
        content=b'{"ticket": {"subject": "Jane Doe',
        headers={"content-type": "application/json"},
    )
    httpx.get(f"{zendesk.url}/api/v2/search.json", params={"query": "jane.doe@example.com"})
    assert caplog.records  # something was logged at DEBUG
    for value in PLANTED:
        assert value not in caplog.text


def test_metrics(zendesk: Server) -> None:
    text = httpx.get(f"{zendesk.url}/metrics").text
    assert "gateway_requests_total" in text
    assert 'gateway_entities_redacted_total{entity="EMAIL_ADDRESS"}' in text
    for value in PLANTED:
        assert value not in text


def test_audit_log_holds_no_values(zendesk: Server) -> None:
    state = zendesk.app.gateway  # type: ignore[attr-defined]
    log = state.audit.path.read_text()
    assert '"type":"request_redacted"' in log
    for value in PLANTED:
        assert value not in log
