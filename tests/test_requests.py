"""Redacting a whole request without sockets: every part a caller can write is scanned."""

from __future__ import annotations

import pytest

from gateway.detect.detector import PresidioDetector
from gateway.errors import InputError
from gateway.policy import Policy
from gateway.vault import Vault
from tests.conftest import redact_parts

pytestmark = pytest.mark.anyio
EMAIL = "jane.doe@example.com"


@pytest.mark.parametrize(
    ("content_type", "body", "kept"),
    [
        # JSON edited in place: spacing, key order and the number's spelling stay
        ("application/json", b'{ "note" :"mail jane.doe@example.com",  "n": 1.50 }', b'"n": 1.50 }'),
        ("text/plain", b"mail jane.doe@example.com now", b"now"),
        ("text/html", b'<p title="jane.doe@example.com">mail <b>jane.doe@example.com</b></p>',
         b"<p title="),
        ("application/x-www-form-urlencoded", b"note=mail+jane.doe%40example.com&n=1", b"&n=1"),
        ("multipart/form-data; boundary=XyZ",
         b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nmail jane.doe@example.com\r\n--XyZ--\r\n',
         b'name="note"'),
    ],
)  # fmt: skip
async def test_each_body_format_is_redacted_in_place(
    policy: Policy,
    pattern_detector: PresidioDetector,
    vault: Vault,
    content_type: str,
    body: bytes,
    kept: bytes,
) -> None:
    redacted = await redact_parts(policy, pattern_detector, vault, body, content_type)
    assert EMAIL.encode() not in redacted.body
    assert b"jane.doe%40example.com" not in redacted.body
    assert b"EMAIL-" in redacted.body
    assert kept in redacted.body
    assert all(f.replacement.entity == "EMAIL_ADDRESS" for f in redacted.found)


async def test_path_query_and_headers_are_scanned_but_protocol_headers_are_not(
    policy: Policy, pattern_detector: PresidioDetector, vault: Vault
) -> None:
    path = f"/users/{EMAIL}.json"
    redacted = await redact_parts(
        policy,
        pattern_detector,
        vault,
        b"",
        "",
        path=path,
        path_spans={"user_id": (7, 7 + len(EMAIL))},
        query=f"q={EMAIL.replace('@', '%40')}&page=2",
        headers=[
            ("x-customer", EMAIL),
            ("authorization", "Bearer secret-token"),
            ("accept", "*/*"),
        ],
    )
    assert redacted.path.startswith("/users/EMAIL-")
    assert redacted.path.endswith(".json")
    assert "EMAIL-" in redacted.query
    assert redacted.query.endswith("&page=2")
    headers = dict(redacted.headers)
    assert headers["x-customer"].startswith("EMAIL-")
    assert headers["authorization"] == "Bearer secret-token"  # credentials pass as they are
    assert sorted(f.where for f in redacted.found) == [
        "header.x-customer",
        "path.user_id",
        "query.q",
    ]


async def test_one_value_gets_one_token_across_the_request(
    policy: Policy, pattern_detector: PresidioDetector, vault: Vault
) -> None:
    redacted = await redact_parts(
        policy, pattern_detector, vault, f'{{"a": "{EMAIL}", "b": "again {EMAIL}"}}'.encode(),
        "application/json", query=f"email={EMAIL}",
    )  # fmt: skip
    assert len({f.replacement.token for f in redacted.found}) == 1
    assert len(redacted.minted) == 1


@pytest.mark.parametrize(
    ("content_type", "body", "code"),
    [
        ("application/octet-stream", b"\x00\x01", "unsupported_media_type"),
        ("text/plain; charset=x-klingon", b"hello", "unsupported_charset"),
        ("text/plain; charset=utf-8", b"\xff\xfe", "invalid_encoding"),
        ("multipart/form-data", b"--x\r\n", "invalid_multipart"),  # no boundary
        ("multipart/form-data; boundary=XyZ",
         b'--XyZ\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\nhi\r\n--XyZ--\r\n',
         "attachment_refused"),
    ],
)  # fmt: skip
async def test_what_cannot_be_read_is_refused(
    policy: Policy,
    pattern_detector: PresidioDetector,
    vault: Vault,
    content_type: str,
    body: bytes,
    code: str,
) -> None:
    with pytest.raises(InputError) as refused:
        await redact_parts(policy, pattern_detector, vault, body, content_type)
    assert refused.value.code == code
