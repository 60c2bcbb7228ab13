from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import PolicyError
from gateway.policy import load_policy, parse_policy
from gateway.policy.paths import compile_path
from gateway.policy.routes_table import markdown_routes

ROOT = Path(__file__).resolve().parent.parent
BASE = "version: 1\ntenant: acme\nvendor: zendesk\n"


@pytest.mark.parametrize("path", sorted((ROOT / "policies").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_policies_load(path: Path) -> None:
    assert load_policy(path).tenant


@pytest.mark.parametrize(
    ("text", "field", "problem"),
    [
        ("version: 2\ntenant: acme\nvendor: x\n", "version", "1"),  # unknown version
        ("version: 1\nvendor: x\n", "tenant", "required"),  # missing field
        (BASE + "tenantt: x\n", "tenantt", "unknown key (a typo?)"),  # typo
        (
            BASE + "entities:\n  CREDIT_CARD: {action: hide}\n",
            "entities.CREDIT_CARD.action",
            "'token', 'mask'",
        ),
        (
            BASE + "entities:\n  NOT_AN_ENTITY: {action: token}\n",
            "entities.NOT_AN_ENTITY",
            "unknown entity",
        ),
        (
            BASE + "entities:\n  PERSON: {threshold: 2}\n",
            "entities.PERSON.threshold",
            "less than or equal",
        ),
        (BASE + "detection:\n  phone_regions: [XX]\n", "detection.phone_regions", "XX"),
        (
            BASE + "detection:\n  allow_patterns: ['(']\n",
            "detection.allow_patterns",
            "regular expression",
        ),
        (BASE + "tokens:\n  ttl: forever\n", "tokens.ttl", "duration"),
        (BASE + "json:\n  passthrough: ['a..b']\n", "json.passthrough", "field path"),
        (
            BASE + "json:\n  entities: {requester.name: NOPE}\n",
            "json.entities.requester.name",
            "unknown entity",
        ),
        (
            BASE
            + "recognizers:\n  - {name: x, entity: CUSTOMER_ID, patterns: [{regex: '[unclosed'}]}\n",
            "recognizers[0].patterns[0].regex",
            "regular expression",
        ),
        (
            BASE
            + "recognizers:\n  - {name: x, entity: CUSTOMER_ID, validator: nope, patterns: [{regex: 'a'}]}\n",
            "recognizers[0].validator",
            "unknown validator",
        ),
        (
            BASE
            + "recognizers:\n  - {name: x, entity: CUSTOMER_ID, label: EMAIL, patterns: [{regex: 'a'}]}\n",
            "recognizers",
            "share the token label",
        ),
        (
            BASE + "categories:\n  medical: {action: block}\n",
            "categories.medical",
            "health",  # the message lists the known categories
        ),
        (
            BASE + "categories:\n  health: {action: hide}\n",
            "categories.health.action",
            "'block', 'token' or 'allow'",
        ),
        (
            BASE + "categories:\n  health: {threshold: 1.5}\n",
            "categories.health.threshold",
            "less than or equal",
        ),
        (
            BASE + "entities:\n  HEALTH: {action: block}\n",
            "entities.HEALTH",
            "set its rule under categories.health",
        ),
        (  # a route that diverts, in a policy that blocks nothing
            BASE
            + "routes:\n  - name: r\n    path: /x\n"
            + "    divert_to: {url: 'http://q', secret: {env: S}}\n",
            "routes[0].divert_to",
            "nothing blocks on this route",
        ),
        (
            BASE
            + "categories: {health: {}}\nroutes:\n  - name: r\n    path: /x\n"
            + "    divert_to: {url: 'ftp://q', secret: {env: S}}\n",
            "routes[0].divert_to.url",
            "http",
        ),
        (  # a route that opts out of the categories, in a policy that blocks only those
            BASE
            + "categories: {health: {}}\nroutes:\n  - name: r\n    path: /x\n"
            + "    categories: false\n    divert_to: {url: 'http://q', secret: {env: S}}\n",
            "routes[0].divert_to",
            "nothing blocks on this route",
        ),
        (
            BASE
            + "categories: {health: {}}\nroutes:\n  - name: r\n    path: /x\n"
            + "    divert_to: {url: 'https://u:p@q/in', secret: {env: S}}\n",
            "routes[0].divert_to.url",
            "no credentials",
        ),
        (
            BASE + "recognizers:\n  - {name: x, entity: HEALTH, patterns: [{regex: 'a'}]}\n",
            "recognizers[0].entity",
            "sensitive category health",
        ),
        (BASE + "tenant: again\n", "line 4", "duplicate key"),  # duplicate keys are refused
        (BASE + "entities: [unclosed\n", "line", "YAML syntax"),
        ("- just\n- a list\n", "", "mapping"),
    ],
)
def test_errors_name_the_file_and_field(text: str, field: str, problem: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text.encode(), "policies/broken.yaml")
    message = str(caught.value)
    assert message.startswith("policies/broken.yaml")
    assert field in message
    assert problem in message
    assert "Value error" not in message  # pydantic's wording stays out of it


def test_missing_file_and_bad_encoding(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")
    (tmp_path / "latin1.yaml").write_bytes(b"tenant: caf\xe9\n")
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(tmp_path / "latin1.yaml")


def test_defaults_and_derived_values() -> None:
    policy = parse_policy((BASE + "tokens:\n  ttl: 90d\n").encode(), "p.yaml")
    assert policy.rule("PERSON").action == "token"  # unlisted entities are tokenized
    assert policy.document.tokens.ttl == 90 * 86400
    assert policy.labels["EMAIL"] == "EMAIL_ADDRESS"
    assert len(policy.digest) == 64


def test_category_and_block_rules() -> None:
    text = (
        BASE
        + "categories:\n  health: {}\n  legal: {action: token, threshold: 0.9}\n"
        + "  religion: {action: allow}\n"
        + "entities:\n  US_SSN: {action: block, threshold: 0.8}\n  PERSON: {action: allow}\n"
    )
    policy = parse_policy(text.encode(), "p.yaml")
    assert policy.category_rule("health").action == "block"  # block is the default action
    assert policy.category_rule("health").threshold == 0.7
    assert policy.category_rule("children").action == "allow"  # not named: allowed
    assert policy.categories == ("health", "legal")  # what the classifier looks for
    assert policy.rule("PERSON").action == "keep"  # "allow" is another spelling of keep
    assert policy.entity_blocks("US_SSN", 0.85)
    assert not policy.entity_blocks("US_SSN", 0.6)
    assert not policy.entity_blocks("PERSON", 1.0)
    assert policy.blocks
    assert policy.labels["LEGAL"] == "LEGAL_MATTER"  # tokenized evidence restores by its label
    assert "HEALTH" not in policy.labels  # a blocked category mints no tokens


def test_custom_recognizer_gets_a_label() -> None:
    policy = parse_policy(
        (
            BASE
            + "recognizers:\n  - {name: ids, entity: CUSTOMER_ID, patterns: [{regex: 'AC-\\d{6}'}]}\n"
        ).encode(),
        "p.yaml",
    )
    assert policy.label_for("CUSTOMER_ID") == "CUSTOMERID"


@pytest.mark.parametrize(
    ("pattern", "path", "params"),
    [
        ("/api/v2/tickets/{id}[.json]", "/api/v2/tickets/1001.json", {"id": "1001"}),
        ("/api/v2/tickets/{id}[.json]", "/api/v2/tickets/1001", {"id": "1001"}),
        ("/api/v2/tickets/{id}[.json]", "/api/v2/tickets/1001/comments", None),
        ("/api/v2/search[.json]", "/api/v2/search.jsonx", None),
        ("/files/{rest:path}", "/files/a/b.json", {"rest": "a/b.json"}),
    ],
)
def test_path_patterns_take_optional_text(
    pattern: str, path: str, params: dict[str, str] | None
) -> None:
    found = compile_path(pattern).match(path)
    assert (found.groupdict() if found else None) == params


@pytest.mark.parametrize("pattern", ["/a/[x", "/a/x]", "/a/{id", "/a/[{id}]"])
def test_malformed_path_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="parameters"):
        compile_path(pattern)


@pytest.mark.parametrize("profile", ["zendesk", "freshdesk", "openai-compatible"])
def test_the_readme_lists_every_route_of_the_shipped_profiles(profile: str) -> None:
    table = markdown_routes(load_policy(ROOT / "policies" / f"{profile}.yaml").document.routes)
    readme = (ROOT / "README.md").read_text()
    assert table in readme, f"README route table for {profile}; expected:\n{table}"
