"""The vendor's links to itself come back pointing at the gateway, and nothing else changes."""

from __future__ import annotations

import json

import pytest

from gateway.server.links import Links

LINKS = Links.of(
    ["**.url", "**.next_page", "links.next"],
    ["https://acme.zendesk.com", "http://127.0.0.1:9999/"],
    None,
)
PUBLIC = "https://gateway.acme.internal"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://acme.zendesk.com/api/v2/tickets/1.json", f"{PUBLIC}/api/v2/tickets/1.json"),
        ("HTTPS://ACME.zendesk.com/x", f"{PUBLIC}/x"),  # origins compare without case
        ("http://127.0.0.1:9999/api?page=2", f"{PUBLIC}/api?page=2"),  # an --upstream override
        ("https://acme.zendesk.com.evil.example/x", "https://acme.zendesk.com.evil.example/x"),
        ("https://acme.zendesk.comx/", "https://acme.zendesk.comx/"),
        ("https://other.example/x", "https://other.example/x"),
    ],
)
def test_only_the_vendors_origin_is_replaced(value: str, expected: str) -> None:
    assert LINKS.url(value, PUBLIC) == expected


def test_only_link_fields_are_rewritten() -> None:
    answer = json.dumps(
        {
            "tickets": [
                {
                    "url": "https://acme.zendesk.com/api/v2/tickets/1.json",
                    # A customer quoting a link is their data: left as written.
                    "description": "see https://acme.zendesk.com/hc/articles/1",
                }
            ],
            "next_page": "https://acme.zendesk.com/api/v2/tickets.json?page=2",
            "links": {"next": "https://acme.zendesk.com/api/v2/tickets.json?c=1"},
        }
    )
    # As some servers write it: slashes escaped in the JSON text.
    answer = answer.replace("https://acme.zendesk.com/api/v2/tickets.json?c=1",
                            "https:\\/\\/acme.zendesk.com\\/api\\/v2\\/tickets.json?c=1")  # fmt: skip
    out = json.loads(LINKS.json(answer, PUBLIC, 64))
    assert out["tickets"][0]["url"] == f"{PUBLIC}/api/v2/tickets/1.json"
    assert out["tickets"][0]["description"] == "see https://acme.zendesk.com/hc/articles/1"
    assert out["next_page"] == f"{PUBLIC}/api/v2/tickets.json?page=2"
    assert out["links"]["next"] == f"{PUBLIC}/api/v2/tickets.json?c=1"  # escaped slashes too


def test_link_and_location_headers() -> None:
    headers = [
        ("Link", '<https://acme.zendesk.com/api/v2/tickets?page=2>; rel="next", '
                 '<https://cdn.example/x>; rel="preload"'),
        ("Location", "https://acme.zendesk.com/api/v2/tickets/9"),
        ("X-Other", "https://acme.zendesk.com/keep"),
    ]  # fmt: skip
    out = dict(LINKS.headers(headers, PUBLIC))
    assert out["Link"] == (
        f'<{PUBLIC}/api/v2/tickets?page=2>; rel="next", <https://cdn.example/x>; rel="preload"'
    )
    assert out["Location"] == f"{PUBLIC}/api/v2/tickets/9"
    assert out["X-Other"] == "https://acme.zendesk.com/keep"


def test_not_json_is_left_alone() -> None:
    assert LINKS.json("{broken", PUBLIC, 64) == "{broken"
