"""Requests built to slip personal data past the gateway, over real HTTP on loopback.

Each case below was found by attacking a running gateway: a byte order mark,
numbers, double encoding, invisible characters, markup that browsers and
parsers read differently, and the parts of a request that are not its body.
Each must either reach the vendor with every planted value replaced, or be
refused with a JSON error that quotes none of them.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.gateways import (
    PLANTED,
    GatewayFactory,
    assert_nothing_planted_reached,
    error_code,
    forget,
    received,
)
from tests.servers import Server, serving

pytestmark = pytest.mark.slow  # real servers on loopback, or subprocesses

COMMENT = (
    "Hi I am Jane Doe, call +1 (415) 555-0132 or jane.doe@example.com, card 4111 1111 1111 1111"
)


def post_ticket(
    zendesk: Server, body: bytes, content_type: str = "application/json"
) -> httpx.Response:
    return httpx.post(
        f"{zendesk.url}/api/v2/tickets.json", content=body, headers={"content-type": content_type}
    )


def assert_refused_cleanly(answer: httpx.Response, code: str) -> None:
    assert error_code(answer) == code
    for value in [*PLANTED, "jane.doe", "Jane"]:
        assert value not in answer.text


def test_a_byte_order_mark_does_not_stop_redaction(zendesk: Server, standin: Server) -> None:
    forget(standin)
    body = json.dumps({"ticket": {"subject": "x {{{", "comment": {"body": COMMENT}}})
    for text in (body, json.dumps(json.loads(body), indent=2)):
        answer = post_ticket(zendesk, ("\ufeff" + text).encode())
        assert answer.status_code == 201, answer.text
    assert len(received(standin)) == 2
    assert_nothing_planted_reached(standin)


def test_long_numbers_in_scanned_fields_are_scanned(zendesk: Server, standin: Server) -> None:
    forget(standin)
    body = {"ticket": {"comment": {"body": "please call me"},
                       "custom_fields": [{"id": 7, "value": 4111111111111111}, {"id": 8, "value": 48213}]}}  # fmt: skip
    assert post_ticket(zendesk, json.dumps(body).encode()).status_code == 201
    sent = json.loads(received(standin)[0]["body"])["ticket"]["custom_fields"]
    assert sent[0] == {"id": 7, "value": "************1111"}  # masked, as a string
    assert sent[1] == {"id": 8, "value": 48213}  # short numbers stay numbers


def test_duplicate_keys_are_refused(zendesk: Server, standin: Server) -> None:
    forget(standin)
    body = b'{"ticket": {"requester": {"email": "a@example.com"}, "requester": {"email": "jane.doe@example.com"}}}'
    assert_refused_cleanly(post_ticket(zendesk, body), "duplicate_json_key")
    assert received(standin) == []


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/tickets/%252e%252e%252f%252e%252e%252fadmin%252fsecrets.json",
        "/api/v2/tickets/%5C..%5C..%5Cusers%5C5.json",
        "/api/v2/tickets/1%2F..%2F..%2Fadmin.json",
    ],
)
def test_ambiguous_paths_are_refused(zendesk: Server, standin: Server, path: str) -> None:
    forget(standin)
    answer = raw_request(
        zendesk, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    assert b" 400 " in answer.split(b"\r\n", 1)[0]
    assert b'"invalid_path"' in answer
    assert received(standin) == []


def test_personal_data_in_the_path_is_replaced(zendesk: Server, standin: Server) -> None:
    forget(standin)
    answer = httpx.get(f"{zendesk.url}/api/v2/users/jane.doe@example.com.json")
    assert answer.status_code == 200
    assert "/api/v2/users/EMAIL-" in received(standin)[0]["path"]
    assert_nothing_planted_reached(standin)
    # ...and the audit log records the scope taken from it as a digest.
    log = "".join(p.read_text() for p in zendesk.app.gateway.audit.path.parent.glob("*.jsonl"))  # type: ignore[attr-defined]
    assert "jane.doe" not in log


def test_every_query_parameter_and_header_is_scanned(zendesk: Server, standin: Server) -> None:
    forget(standin)
    answer = httpx.get(
        f"{zendesk.url}/api/v2/tickets/1001.json?note=jane.doe@example.com&x=1;query=Jane+Doe&jane.doe@example.com",
        headers={"X-Note": "call Jane Doe on +1 (415) 555-0132", "Referer": "https://x.example/?u=jane.doe@example.com"},
    )  # fmt: skip
    assert answer.status_code == 200
    seen = received(standin)[0]
    assert "EMAIL-" in seen["query"]
    assert "PERSON-" in seen["headers"]["x-note"]
    assert_nothing_planted_reached(standin)


@pytest.mark.parametrize(
    "comment",
    [
        "card 4\ufe0f111 1111 1111 1111 ok",
        "card 4111\ufe0f1111\ufe0f1111\ufe0f1111 ok",
        "card 4\U000e01ef111 1111 1111 1111 ok",
        "call +1 (415\ufe0f) 555-0132 ok",
        "mail jane.doe@example.com\u0301 ok",
    ],
)
def test_invisible_characters_do_not_hide_values(
    zendesk: Server, standin: Server, comment: str
) -> None:
    forget(standin)
    body = {"ticket": {"comment": {"body": comment}}}
    assert post_ticket(zendesk, json.dumps(body, ensure_ascii=False).encode()).status_code == 201
    sent = json.loads(received(standin)[0]["body"])["ticket"]["comment"]["body"]
    digits = [c for c in re.sub(r"[A-Z]+-[0-9A-Z]{8}", "", sent) if c.isdigit()]
    assert len(digits) <= 4, sent  # a masked card keeps its last four, nothing more
    assert "jane" not in sent


@pytest.mark.parametrize(
    "html",
    [
        "<p>Hello</p><!-->Customer: Jane Doe, jane.doe@example.com, +1 (415) 555-0132<!-- -->",
        "<p>Hello</p><? x >Customer: Jane Doe, jane.doe@example.com?>",
        "<p>Hello</p><![CDATA[ x >Customer: Jane Doe, jane.doe@example.com]]>",
        '<p>Hello</p><script>var who = "Jane Doe, jane.doe@example.com";</script>',
        '<img src="https://x.example/track?email=jane.doe@example.com">',
    ],
)
def test_html_a_browser_shows_is_scanned(generic: Server, standin: Server, html: str) -> None:
    forget(standin)
    answer = httpx.post(
        f"{generic.url}/notes",
        content=html,
        headers={"content-type": "text/html", "x-gateway-scope": "t-9"},
    )
    assert answer.status_code == 200
    assert_nothing_planted_reached(standin)


def test_forms_and_multipart_leave_nothing_unread(generic: Server, standin: Server) -> None:
    forget(standin)
    scope = {"x-gateway-scope": "t-9"}
    form = httpx.post(f"{generic.url}/form", content="jane.doe%40example.com&a=1",
                      headers={**scope, "content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert form.status_code == 200
    boundary = "XyZ"
    body = (
        b"Jane Doe, jane.doe@example.com\r\n--XyZ\r\n"
        b'Content-Disposition: form-data; name="jane.doe@example.com"\r\n\r\nhello\r\n'
        b"--XyZ--\r\nJane Doe epilogue"
    )
    multipart = httpx.post(f"{generic.url}/form", content=body,
                           headers={**scope, "content-type": f"multipart/form-data; boundary={boundary}"})  # fmt: skip
    assert multipart.status_code == 200
    assert_nothing_planted_reached(standin)
    for headers, code in [
        (b"Content-Type: text/plain; charset=utf-16-le", "unsupported_charset"),
        (b"Content-Transfer-Encoding: base64", "unsupported_content_encoding"),
    ]:
        part = (
            b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n'
            + headers
            + b"\r\n\r\nSmFuZQ==\r\n--XyZ--\r\n"
        )
        answer = httpx.post(f"{generic.url}/form", content=part,
                            headers={**scope, "content-type": "multipart/form-data; boundary=XyZ"})  # fmt: skip
        assert_refused_cleanly(answer, code)


def test_a_wrong_charset_label_cannot_smuggle_text(generic: Server, standin: Server) -> None:
    forget(standin)
    text = "Hi, I am Jane Doe, jane.doe@example.com!"  # an even number of bytes
    answer = httpx.post(f"{generic.url}/notes", content=text.encode(),
                        headers={"content-type": "text/plain; charset=utf-16-le", "x-gateway-scope": "t-9"})  # fmt: skip
    assert answer.status_code == 200
    seen = received(standin)[0]
    # What was scanned is what was sent: the UTF-16 reading of those bytes, as UTF-8.
    assert seen["headers"]["content-type"] == "text/plain; charset=utf-8"
    assert seen["body"] == text.encode().decode("utf-16-le")


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"content-type": "text/plain; charset=jane.doe@example.com"}, "unsupported_charset"),
        ({"content-type": "application/jane.doe@example.com"}, "route_not_allowed"),
        (
            {"content-type": "text/plain", "content-encoding": "jane.doe@example.com"},
            "unsupported_content_encoding",
        ),
    ],
)
def test_errors_do_not_quote_the_request(
    generic: Server, standin: Server, headers: dict[str, str], code: str
) -> None:
    forget(standin)
    answer = httpx.post(
        f"{generic.url}/notes", content=b"hello", headers={**headers, "x-gateway-scope": "t-9"}
    )
    assert_refused_cleanly(answer, code)
    assert received(standin) == []


def raw_request(server: Server, data: bytes) -> bytes:
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


# A vendor that answers badly, one way per path.
BOMB = gzip.compress(b"\0" * 70_000_000)


async def odd_vendor(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    path = scope["path"]
    if path.endswith("/charset"):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain; charset=x-no-such-charset")]})  # fmt: skip
        await send({"type": "http.response.body", "body": b"hello"})
    elif path.endswith("/bomb"):
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain"), (b"content-encoding", b"gzip")]})  # fmt: skip
        for start in range(0, len(BOMB), 16384):
            await send({"type": "http.response.body", "body": BOMB[start : start + 16384], "more_body": True})  # fmt: skip
        await send({"type": "http.response.body", "body": b""})
    else:  # a ticket created, in JSON with a byte order mark
        await send({"type": "http.response.start", "status": 201,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": '\ufeff{"ticket": {"id": 77}}'.encode()})


@pytest.fixture(scope="module")
def odd(make_gateway: GatewayFactory) -> Iterator[Server]:
    with serving(odd_vendor) as vendor:
        yield make_gateway("generic-json.yaml", upstream=vendor.url)


def test_an_unreadable_answer_is_not_released(odd: Server) -> None:
    answer = httpx.get(f"{odd.url}/x/charset", headers={"x-gateway-scope": "t-1"})
    assert answer.status_code == 502
    assert error_code(answer) == "upstream_invalid_response"


def test_a_stream_that_breaks_is_cut_off_and_audited(
    odd: Server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # uvicorn's own logger does not propagate to the root: listen to it directly.
    server_log = logging.getLogger("uvicorn.error")
    server_log.addHandler(caplog.handler)
    try:
        with pytest.raises(httpx.RemoteProtocolError):  # the caller sees a broken body
            httpx.get(f"{odd.url}/x/bomb", headers={"x-gateway-scope": "t-1"}, timeout=60)
    finally:
        server_log.removeHandler(caplog.handler)
    assert "Exception in ASGI application" not in caplog.text
    assert "Traceback" not in caplog.text
    assert "the answer's stream was cut off (upstream_body_too_large)" in caplog.text
    log = odd.app.gateway.audit.path.read_text()  # type: ignore[attr-defined]
    assert '"outcome":"cut_off"' in log.replace(" ", "")


def test_a_byte_order_mark_in_an_answer_is_read(make_gateway: GatewayFactory) -> None:
    with serving(odd_vendor) as vendor:
        gateway = make_gateway(upstream=vendor.url)
        answer = httpx.post(
            f"{gateway.url}/api/v2/tickets.json", json={"ticket": {"comment": {"body": "hi"}}}
        )
        assert answer.status_code == 201
        assert answer.json() == {"ticket": {"id": 77}}
