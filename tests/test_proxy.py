"""One exchange, in process: routes, limits and failures decide what reaches the vendor.

No sockets: the gateway app is driven through httpx's ASGI transport, the
stand-in vendor answers in process, the vault is in memory, and names are
found by pattern (the NER is tested in ``test_detector``). The same paths over
real loopback HTTP are in ``test_http`` and ``test_hostile`` (slow).
"""

from __future__ import annotations

import errno
import gzip
import json
import urllib.parse
from typing import Any

import httpx
import pytest

from gateway.errors import UpstreamError
from gateway.server.upstream import UpstreamResponse
from gateway.vault.memory import MemoryBackend
from tests.conftest import AppFactory
from tests.gateways import PLANTED, TICKET, error_code

pytestmark = pytest.mark.anyio


def assert_clean(*texts: str) -> None:
    for text in texts:
        for value in PLANTED:
            assert value not in text, f"{value!r} leaked"


def full_disk(*args: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def audit_records(app: Any) -> list[dict[str, Any]]:
    directory = app.blueprint.audit_dir
    return [
        json.loads(line)["event"]
        for path in directory.glob("*.log.jsonl")
        for line in path.read_text().splitlines()
    ]


async def test_a_ticket_goes_out_tokenized_and_comes_back_restored(make_app: AppFactory) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        answer = await client.post("/api/v2/tickets.json", json=TICKET)
        kinds = [e["type"] for e in audit_records(gateway.app)]
        # Zendesk answers with the requester's id: the user it made restores through it.
        requester_id = answer.json()["ticket"]["requester_id"]
        user = (await client.get(f"/api/v2/users/{requester_id}.json")).json()["user"]
    assert {k: user[k] for k in ("name", "email")} == TICKET["ticket"]["requester"]
    assert answer.status_code == 201
    sent = (await gateway.vendor.received())[:1]
    assert_clean(json.dumps(sent))
    assert "ORD-48213" in sent[0]["body"]  # what the agent needs survives
    back = answer.json()["ticket"]
    body = TICKET["ticket"]["comment"]["body"]
    expected = body.replace("4111 1111 1111 1111", "**** **** **** 1111")
    assert back["description"] == expected.replace("456-78-9012", "[SSN]")
    assert kinds == ["chain_opened", "policy_loaded", "request_redacted", "response_restored"]
    assert_clean(json.dumps(audit_records(gateway.app)))


async def test_a_later_request_about_the_ticket_restores_in_its_scope(
    make_app: AppFactory,
) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        created = (await client.post("/api/v2/tickets.json", json=TICKET)).json()["ticket"]
        shown = await client.get(f"/api/v2/tickets/{created['id']}.json?include=users")
    (requester,) = shown.json()["users"]
    assert {k: requester[k] for k in ("name", "email")} == TICKET["ticket"]["requester"]
    assert "ORD-48213" in shown.json()["ticket"]["description"]
    restored = [e for e in audit_records(gateway.app) if e["type"] == "response_restored"]
    assert restored[0]["aliases"] == [f"ticket:{created['id']}", f"user:{created['requester_id']}"]
    assert restored[1]["scope"] == restored[0]["scope"]  # reached through the alias
    assert restored[1]["scope_source"] == f"ticket:{created['id']}"


@pytest.mark.parametrize(
    ("method", "path", "content", "headers", "code", "status"),
    [
        # no route of the policy allows it
        ("GET", "/api/v2/macros.json", b"", {}, "route_not_allowed", 403),
        # an encoded slash would route differently at the vendor
        ("GET", "/api/v2/tickets/1%2F..%2Fusers.json", b"", {}, "invalid_path", 400),
        ("POST", "/api/v2/tickets.json", b'{"ticket": ', {}, "invalid_json", 400),
        ("POST", "/api/v2/tickets.json", b'{"a": 1, "a": 2}', {}, "duplicate_json_key", 400),
        ("POST", "/api/v2/tickets.json", b"[" * 100 + b"]" * 100, {}, "json_too_deep", 400),
        ("POST", "/api/v2/tickets.json", b"\xff\xfe", {}, "invalid_encoding", 400),
        # a compressed body that is not gzip
        (
            "POST",
            "/api/v2/tickets.json",
            b"not gzip",
            {"content-encoding": "gzip"},
            "invalid_compression",
            400,
        ),
        (
            "POST",
            "/api/v2/tickets.json",
            b"{}",
            {"content-encoding": "br"},
            "unsupported_content_encoding",
            415,
        ),
        # a gzip bomb: 2 MB of zeros from a few kilobytes
        (
            "POST",
            "/api/v2/tickets.json",
            gzip.compress(b"0" * 9_000_000),
            {"content-encoding": "gzip"},
            "decompressed_too_large",
            413,
        ),
    ],
)
async def test_what_cannot_be_read_is_refused_and_nothing_is_forwarded(
    make_app: AppFactory,
    method: str,
    path: str,
    content: bytes,
    headers: dict[str, str],
    code: str,
    status: int,
) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        answer = await client.request(
            method,
            path,
            content=content,
            headers={"content-type": "application/json", **headers},
        )
    assert (answer.status_code, error_code(answer)) == (status, code)
    assert answer.headers["x-request-id"] == answer.json()["request_id"]  # Zendesk's shape
    assert await gateway.vendor.received() == []
    refused = [e for e in audit_records(gateway.app) if e["type"] == "request_refused"]
    assert [(e["reason"], e["status"]) for e in refused] == [(code, status)]


async def test_a_body_over_the_limit_is_refused(make_app: AppFactory) -> None:
    gateway = make_app(edit=lambda t: t.replace("max_body_bytes: 1048576", "max_body_bytes: 2048"))
    async with gateway.client() as client:
        answer = await client.post("/api/v2/tickets.json", json={"note": "x" * 4000})
    assert (answer.status_code, error_code(answer)) == (413, "body_too_large")
    assert await gateway.vendor.received() == []


async def test_api_keys_are_required_when_set(make_app: AppFactory) -> None:
    key = "k" * 24
    gateway = make_app(environ={"GATEWAY_API_KEYS": key})
    async with gateway.client() as client:
        missing = await client.post("/api/v2/tickets.json", json=TICKET)
        wrong = await client.post(
            "/api/v2/tickets.json", json=TICKET, headers={"x-gateway-key": "k" * 23 + "x"}
        )
        right = await client.post(
            "/api/v2/tickets.json", json=TICKET, headers={"x-gateway-key": key}
        )
    assert [missing.status_code, wrong.status_code, right.status_code] == [401, 401, 201]
    sent = await gateway.vendor.received()
    assert len(sent) == 1
    assert "x-gateway-key" not in sent[0]["headers"]
    assert sent[0]["headers"]["authorization"].startswith("Basic ")  # the vendor's credentials


async def test_nothing_is_forwarded_when_detection_the_vault_or_the_audit_log_fails(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        running = gateway.app.gateway
        assert running is not None

        def broken(*args: object) -> object:
            raise RuntimeError("Jane Doe broke it")

        with monkeypatch.context() as patch:
            patch.setattr(running.core.detector, "_detect", broken)
            detection = await client.post("/api/v2/tickets.json", json=TICKET)
        assert isinstance(running.core.vault.backend, MemoryBackend)
        running.core.vault.backend.closed = True
        vault = await client.post("/api/v2/tickets.json", json=TICKET)
        health = await client.get("/healthz")
        running.core.vault.backend.closed = False
        with monkeypatch.context() as patch:  # a full disk: every write and probe fails
            patch.setattr("gateway.audit.files.append", full_disk)
            patch.setattr("gateway.audit.files.probe", full_disk)
            audit = await client.post("/api/v2/tickets.json", json=TICKET)
            unhealthy = await client.get("/healthz")
    assert (detection.status_code, error_code(detection)) == (503, "detection_failed")
    assert (vault.status_code, error_code(vault)) == (503, "vault_unavailable")
    assert health.status_code == 503
    assert (audit.status_code, error_code(audit)) == (503, "audit_unavailable")
    assert unhealthy.json() == {"status": "unhealthy", "reason": "audit_unavailable"}
    assert await gateway.vendor.received() == []
    assert_clean(detection.text, vault.text, audit.text)


async def test_before_start_up_every_request_is_not_ready(make_app: AppFactory) -> None:
    gateway = make_app()
    transport = httpx.ASGITransport(app=gateway.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        answer = await client.post("/api/v2/tickets.json", json=TICKET)
        health = await client.get("/healthz")
    assert (answer.status_code, error_code(answer)) == (503, "not_ready")
    assert (health.status_code, health.json()) == (503, {"status": "starting"})
    assert await gateway.vendor.received() == []


async def test_a_redirect_is_not_followed(make_app: AppFactory) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        answer = await client.post(
            "/api/v2/tickets.json", json=TICKET, headers={"x-standin-mode": "redirect"}
        )
    assert (answer.status_code, error_code(answer)) == (502, "upstream_redirect")
    assert "evil.example" not in answer.text


class Unreachable:
    """A transport whose vendor never answers."""

    async def send(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None
    ) -> UpstreamResponse:
        raise UpstreamError("upstream_unreachable", "the vendor could not be reached (Refused)")

    async def close(self) -> None:
        pass


async def test_an_unreachable_vendor_is_a_502_and_is_audited(make_app: AppFactory) -> None:
    gateway = make_app(transport=Unreachable())
    async with gateway.client() as client:
        answer = await client.post("/api/v2/tickets.json", json=TICKET)
    assert (answer.status_code, error_code(answer)) == (502, "upstream_unreachable")
    events = audit_records(gateway.app)
    assert [e["type"] for e in events][-2:] == ["request_redacted", "request_refused"]
    # Redacted and audited, then refused: nothing came back, so it is an outbound refusal.
    assert (events[-1]["reason"], events[-1]["direction"]) == ("upstream_unreachable", "outbound")


async def test_personal_data_in_the_path_query_and_headers_is_replaced(
    make_app: AppFactory,
) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        await client.get(
            "/api/v2/users/jane.doe@example.com.json",
            params={"note": "call +1 (415) 555-0132"},
            headers={"x-customer": "Jane Doe <jane.doe@example.com>"},
        )
    (sent,) = await gateway.vendor.received()
    assert_clean(json.dumps(sent))
    assert sent["path"].startswith("/api/v2/users/EMAIL-")
    assert "PHONE-" in sent["query"]
    assert "EMAIL-" in sent["headers"]["x-customer"]


async def test_a_bug_answers_without_details(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = make_app()
    async with gateway.client() as client:
        running = gateway.app.gateway
        assert running is not None

        async def buggy(*args: object, **kwargs: object) -> object:
            raise KeyError("Jane Doe")

        monkeypatch.setattr(running.scopes, "choose", buggy)
        answer = await client.post("/api/v2/tickets.json", json=TICKET)
    assert (answer.status_code, error_code(answer)) == (500, "internal_error")
    assert answer.json()["description"] == "the gateway failed; nothing was sent to the vendor"
    assert_clean(answer.text)
    assert await gateway.vendor.received() == []


async def test_answer_headers_keep_repeats_and_drop_hop_by_hop(make_app: AppFactory) -> None:
    """Buffered answers were rebuilt as a dict: a second Set-Cookie was lost (issue 14)."""
    gateway = make_app()
    async with gateway.client() as client:
        cookies = await client.post(
            "/api/v2/tickets.json", json=TICKET, headers={"x-standin-mode": "cookies"}
        )
        hops = await client.post(
            "/api/v2/tickets.json", json=TICKET, headers={"x-standin-mode": "hop-by-hop"}
        )
    assert cookies.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert "ORD-48213" in cookies.json()["ticket"]["description"]
    for name in ("connection", "x-hop", "keep-alive", "date"):  # the server adds its own Date
        assert name not in hops.headers


async def test_a_user_search_carries_the_token_the_user_was_stored_with(
    make_app: AppFactory,
) -> None:
    """users/search.json was taken for the user route with id "search", and the email
    was tokenized in another scope than the user's (issue 14)."""
    gateway = make_app()
    user = {"user": {"name": "Jane Doe", "email": "jane.doe@example.com"}}
    async with gateway.client() as client:
        await client.post("/api/v2/users.json", json=user)
        found = await client.get(
            "/api/v2/users/search.json", params={"query": "jane.doe@example.com"}
        )
    assert found.status_code == 200
    created, searched = await gateway.vendor.received()
    stored = json.loads(created["body"])["user"]["email"]
    assert stored.startswith("EMAIL-")
    assert searched["query"] == f"query={stored}"


async def test_a_freshdesk_filter_keeps_its_quotes_and_the_contact_token(
    make_app: AppFactory,
) -> None:
    """`email:'jane.doe@example.com'` went out as `email:EMAIL-...'`: the quote was taken
    into the value, and the token differed from the contact's (issue 14)."""
    gateway = make_app("freshdesk.yaml", environ={"FRESHDESK_AUTHORIZATION": "Basic dGVzdDpY"})
    contact = {"name": "Jane Doe", "email": "jane.doe@example.com"}
    async with gateway.client() as client:
        await client.post("/api/v2/contacts", json=contact)
        await client.get(
            "/api/v2/search/contacts", params={"query": "\"email:'jane.doe@example.com'\""}
        )
    created, searched = await gateway.vendor.received()
    stored = json.loads(created["body"])["email"]
    assert urllib.parse.unquote_plus(searched["query"]) == f"query=\"email:'{stored}'\""


@pytest.mark.parametrize(
    ("profile", "environ", "path", "expected"),
    [
        ("zendesk.yaml", {}, "/api/v2/macros.json",
         {"error": "route_not_allowed", "description": str}),
        ("freshdesk.yaml", {"FRESHDESK_AUTHORIZATION": "Basic dGVzdDpY"}, "/api/v2/groups",
         {"description": str, "errors": [{"field": "", "code": "route_not_allowed", "message": str}]}),
        ("openai-compatible.yaml", {"AI_VENDOR_AUTHORIZATION": "Bearer sk-test"}, "/v1/files",
         {"error": {"message": str, "type": "permission_error", "code": "route_not_allowed",
                    "param": None}}),
    ],
)  # fmt: skip
async def test_refusals_come_in_the_vendors_own_shape(
    make_app: AppFactory, profile: str, environ: dict[str, str], path: str, expected: Any
) -> None:
    """python-freshdesk showed only "Freshdesk Request Failed" for the gateway's own shape
    (issue 14): each profile answers in its vendor's, the gateway's code inside."""
    gateway = make_app(profile, environ=environ)
    async with gateway.client() as client:
        answer = await client.get(path)
    assert answer.status_code == 403
    assert shaped_like(answer.json(), expected)


def shaped_like(value: Any, expected: Any) -> bool:
    if expected is str:
        return isinstance(value, str) and bool(value)
    if isinstance(expected, dict):
        return (
            isinstance(value, dict)
            and set(expected) <= set(value)
            and all(shaped_like(value[k], v) for k, v in expected.items())
        )
    if isinstance(expected, list):
        return isinstance(value, list) and all(
            shaped_like(v, e) for v, e in zip(value, expected, strict=True)
        )
    return bool(value == expected)
