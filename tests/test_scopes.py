"""Scopes without sockets: where an exchange's scope comes from, and what may be kept in clear."""

from __future__ import annotations

import pytest

from gateway.detect import Detection
from gateway.formats.jsontext import JsonText
from gateway.keys.crypto import Key, Secret, TokenHasher
from gateway.policy import Policy, ScopeAlias, ScopeConfig
from gateway.redact.redactor import Plan
from gateway.redact.scopes import RequestView, Scopes, is_scope_id
from gateway.vault.memory import MemoryBackend

pytestmark = pytest.mark.anyio
HASHER = TokenHasher(Key("t1", Secret(b"t" * 32)))
NO_PLAN = Plan([], [], 0)


def view(
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    query: str = "",
    body: str | None = None,
) -> RequestView:
    document = JsonText.parse(body, 64) if body is not None else None
    return RequestView(headers or {}, params or {}, query, document, None)


def config(source: str, name: str, kind: str = "customer", **more: object) -> ScopeConfig:
    return ScopeConfig.model_validate({"kind": kind, "from": source, "name": name, **more})


@pytest.fixture
def scopes(policy: Policy) -> Scopes:
    return Scopes(policy, HASHER, MemoryBackend())


@pytest.mark.parametrize(
    ("value", "hashed", "readable"),
    [
        ("1001", False, True),  # a helpdesk's numeric id stays readable
        ("cust-1234", False, True),  # with a short prefix too
        ("7f3a2c8e-1b2d-4c5e-9f60-123456789abc", False, True),  # a UUID
        ("jane.doe@example.com", False, False),  # told "an id", shaped like an email: hashed
        ("1001", True, False),  # hashed when the route says so
    ],
)
def test_what_a_scope_may_keep_in_clear(
    scopes: Scopes, value: str, hashed: bool, readable: bool
) -> None:
    scope = scopes.identify("ticket", value, hashed)
    assert (scope == f"ticket:{value}") is readable
    assert value not in scope or readable
    assert is_scope_id(scope)


def test_the_same_value_hashes_the_same_however_it_is_written(scopes: Scopes) -> None:
    a = scopes.identify("customer", "Jane.Doe@Example.com", True, "EMAIL_ADDRESS")
    b = scopes.identify("customer", "jane.doe@example.com", True, "EMAIL_ADDRESS")
    assert a == b


@pytest.mark.parametrize(("a", "b"), [("CUST-A", "cust-A"), ("CUST-1", "cust-1"), ("Jane", "jane")])
def test_ids_are_compared_exactly_whether_kept_or_hashed(scopes: Scopes, a: str, b: str) -> None:
    """One rule (issue 13): hashed ids were case-folded and kept ones were not."""
    assert scopes.identify("customer", a, False) != scopes.identify("customer", b, False)
    assert scopes.identify("customer", a, True) != scopes.identify("customer", b, True)
    assert scopes.identify("customer", f" {a} ", True) == scopes.identify("customer", a, True)


async def test_scope_from_each_source(scopes: Scopes) -> None:
    cases = [
        (config("header", "X-Customer", hash=False), view(headers={"x-customer": "42"}), "customer:42"),
        (config("path", "ticket_id", kind="ticket"), view(params={"ticket_id": "1001"}), "ticket:1001"),
        (config("query", "id", hash=False), view(query="id=77&x=1"), "customer:77"),
        (config("body", "ticket.id", kind="ticket", hash=False),
         view(body='{"ticket": {"id": 5}}'), "ticket:5"),
    ]  # fmt: skip
    for scope_config, request, expected in cases:
        chosen = await scopes.choose(scope_config, request, NO_PLAN)
        assert (chosen.scope, chosen.source) == (expected, expected)


async def test_scope_from_the_first_entity_found(scopes: Scopes) -> None:
    text = "write to jane.doe@example.com please"
    plan = Plan([text], [[Detection("EMAIL_ADDRESS", 9, 29, 1.0, "email_address")]], 1)
    chosen = await scopes.choose(config("entity", "EMAIL_ADDRESS"), view(), plan)
    expected = scopes.identify("customer", "jane.doe@example.com", True, "EMAIL_ADDRESS")
    assert chosen.scope == expected
    assert "jane" not in chosen.scope


async def test_a_value_detection_found_is_never_kept_in_clear(scopes: Scopes) -> None:
    """A path id that is personal data (a phone number as a user id) is hashed."""
    text = "4155550132"
    plan = Plan([text], [[Detection("PHONE_NUMBER", 0, 10, 0.9, "phone_number")]], 1)
    chosen = await scopes.choose(
        config("path", "user_id", kind="user"), view(params={"user_id": text}), plan
    )
    assert text not in chosen.scope


async def test_without_a_value_an_exchange_gets_a_scope_of_its_own(scopes: Scopes) -> None:
    first = await scopes.choose(config("header", "X-Customer"), view(), NO_PLAN)
    second = await scopes.choose(None, view(), NO_PLAN)
    assert first.scope.startswith("request:")
    assert second.scope.startswith("request:")
    assert first.scope != second.scope


async def test_aliases_lead_to_the_scope_that_bound_them_first(scopes: Scopes) -> None:
    route = config(
        "body", "ticket.requester.email", aliases=[ScopeAlias(field="ticket.id", kind="ticket")]
    )
    answer = JsonText.parse('{"ticket": {"id": 1001}}', 64)
    assert await scopes.bind_aliases(route, answer, "customer:aaa", 0) == ["ticket:1001"]
    # A second answer naming the same id cannot move the ticket to another customer.
    await scopes.bind_aliases(route, answer, "customer:bbb", 1)
    chosen = await scopes.choose(
        config("path", "ticket_id", kind="ticket"), view(params={"ticket_id": "1001"}), NO_PLAN
    )
    assert (chosen.scope, chosen.source) == ("customer:aaa", "ticket:1001")


async def test_fallbacks_are_tried_in_order(scopes: Scopes) -> None:
    """Without X-Gateway-Scope, the conversation id the client already sends names the scope."""
    rule = config(
        "header", "X-Gateway-Scope", kind="conversation", hash=False,
        fallbacks=[{"from": "body", "name": "metadata.conversation_id", "hash": False},
                   {"from": "body", "name": "previous_response_id", "kind": "response", "hash": False}],
    )  # fmt: skip
    with_header = view(
        headers={"x-gateway-scope": "c-1"}, body='{"metadata": {"conversation_id": "c-2"}}'
    )
    assert (await scopes.choose(rule, with_header, NO_PLAN)).source == "conversation:c-1"
    from_body = view(body='{"metadata": {"conversation_id": "c-2"}}')
    assert (await scopes.choose(rule, from_body, NO_PLAN)).source == "conversation:c-2"
    chained = view(body='{"previous_response_id": "resp_1"}')
    assert (await scopes.choose(rule, chained, NO_PLAN)).source.startswith("response:")
    assert (await scopes.choose(rule, view(body="{}"), NO_PLAN)).source.startswith("request:")


async def test_a_request_scope_is_new_each_time_and_can_be_named_later(scopes: Scopes) -> None:
    rule = config("request", "", kind="batch", aliases=[{"field": "job_status.id", "kind": "job"}])
    first = await scopes.choose(rule, view(), NO_PLAN)
    second = await scopes.choose(rule, view(), NO_PLAN)
    assert first.scope.startswith("batch:")
    assert first.scope != second.scope
    job = JsonText.parse('{"job_status": {"id": "abc123def"}}', 64)
    (alias,) = await scopes.bind_aliases(rule, job, first.scope, 0)
    assert await scopes.canonical(alias) == first.scope


def test_a_scope_needs_a_name_unless_it_is_the_requests() -> None:
    with pytest.raises(ValueError, match="needs a 'name'"):
        config("body", "")
