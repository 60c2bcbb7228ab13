"""Body formats: HTML, compression, multipart, routing, webhook signatures, scopes."""

from __future__ import annotations

import base64
import gzip
import hmac
import zlib

import pytest

from gateway.errors import InputError, WebhookError
from gateway.formats.compression import decompress
from gateway.formats.multipart import parse, rebuild
from gateway.keys.crypto import Key, Secret, TokenHasher
from gateway.policy import WebhookSignature, parse_policy
from gateway.policy.paths import compile_path
from gateway.server.routing import Router
from gateway.server.webhooks import expected_signature, forward_signature, verify


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (gzip.compress(b"hello"), "gzip"),
        (zlib.compress(b"hello"), "deflate"),
        (zlib.compress(b"hello")[2:-4], "deflate"),
        (b"hello", "identity"),
    ],
)
def test_decompress(data: bytes, encoding: str) -> None:
    assert decompress(data, encoding, 100) == b"hello"


def test_gzip_members_and_bombs() -> None:
    assert decompress(gzip.compress(b"a") + gzip.compress(b"b"), "gzip", 10) == b"ab"
    bomb = gzip.compress(b"\0" * 10_000_000)
    with pytest.raises(InputError) as caught:
        decompress(bomb, "gzip", 1_000_000)
    assert caught.value.code == "decompressed_too_large"
    with pytest.raises(InputError, match="truncated"):
        decompress(gzip.compress(b"hello")[:-8], "gzip", 100)
    with pytest.raises(InputError) as unknown:
        decompress(b"x", "br", 100)
    assert unknown.value.code == "unsupported_content_encoding"


def test_multipart_round_trip() -> None:
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="comment"\r\n\r\nJane Doe here\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n'
        b"--XyZ--\r\n"
    )
    parsed = parse(b"preamble\r\n" + body + b"epilogue", "multipart/form-data; boundary=XyZ")
    assert [(p.name, p.is_file, p.text) for p in parsed.parts] == [
        ("comment", False, "Jane Doe here"),
        ("file", True, None),
    ]
    assert parsed.parts[0].headers(b"preamble\r\n" + body) == (
        'Content-Disposition: form-data; name="comment"'
    )
    comment = parsed.parts[0]
    # Preamble and epilogue are dropped; the rest is kept byte for byte.
    assert rebuild(
        b"preamble\r\n" + body + b"epilogue",
        parsed,
        {(comment.start, comment.end): b"PERSON-1 here"},
    ) == body.replace(b"Jane Doe here", b"PERSON-1 here")
    with pytest.raises(InputError):
        parse(b"--XyZ\r\nbroken", "multipart/form-data; boundary=XyZ")
    with pytest.raises(InputError):
        parse(body, "multipart/form-data")


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        (b"Content-Type: text/plain; charset=utf-16-le", "unsupported_charset"),
        (b"Content-Transfer-Encoding: base64", "unsupported_content_encoding"),
    ],
)
def test_multipart_text_parts_must_be_plain_utf8(headers: bytes, code: str) -> None:
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="jane@example.com"\r\n'
        + headers
        + b"\r\n\r\nSmFuZQ==\r\n--XyZ--\r\n"
    )
    with pytest.raises(InputError) as caught:
        parse(body, "multipart/form-data; boundary=XyZ")
    assert caught.value.code == code
    assert "jane" not in caught.value.message


def test_paths_and_routes() -> None:
    assert compile_path("/api/v2/tickets/{ticket_id}.json").match("/api/v2/tickets/12.json")
    assert not compile_path("/api/v2/tickets/{ticket_id}.json").match("/api/v2/tickets/1/2.json")
    assert compile_path("/files/{rest:path}").match("/files/a/b/c")
    with pytest.raises(ValueError, match="twice"):
        compile_path("/{a}/{a}")
    policy = parse_policy(
        b"version: 1\ntenant: t\nvendor: v\nroutes:\n  - {name: a, methods: [POST], path: /x, content_types: [application/json]}\n  - {name: b, path: '/y/{id}'}\ndefault_route: b\n",
        "p.yaml",
    )
    router = Router(policy.document.routes, policy.document.default_route)
    match = router.match("POST", "/x", "application/json")
    assert match is not None
    assert match.route.name == "a"
    other = router.match("POST", "/x", "text/plain")  # wrong type: the default route
    assert other is not None
    assert other.route.name == "b"
    param = router.match("GET", "/y/7", None)
    assert param is not None
    assert param.params == {"id": "7"}


SECRET = Secret(b"whsec-test")
CONFIG = WebhookSignature(scheme="zendesk", secret={"env": "X"}, tolerance_s=300)


def test_webhook_signatures() -> None:
    body = b'{"ticket": 1}'
    stamp = "2026-11-23T12:00:00Z"
    signature = base64.b64encode(
        hmac.digest(b"whsec-test", stamp.encode() + body, "sha256")
    ).decode()
    assert expected_signature("zendesk", SECRET, stamp, body) == signature
    headers = {
        "x-zendesk-webhook-signature": signature,
        "x-zendesk-webhook-signature-timestamp": stamp,
    }
    now = 1_795_435_200.0  # 2026-11-23T12:00:00Z
    assert len(verify(CONFIG, SECRET, headers, body, now)) == 64
    for changed, code in [
        ({**headers, "x-zendesk-webhook-signature": "AAAA"}, "webhook_signature_invalid"),
        ({"x-zendesk-webhook-signature": signature}, "webhook_signature_missing"),
        (
            {**headers, "x-zendesk-webhook-signature-timestamp": "yesterday"},
            "webhook_timestamp_invalid",
        ),
    ]:
        with pytest.raises(WebhookError) as caught:
            verify(CONFIG, SECRET, changed, body, now)
        assert caught.value.code == code
    with pytest.raises(WebhookError) as stale:
        verify(CONFIG, SECRET, headers, body, now + 301)
    assert stale.value.code == "webhook_stale"
    with pytest.raises(WebhookError):
        verify(CONFIG, SECRET, headers, body + b" ", now)  # the body changed
    assert forward_signature(SECRET, body, 1).startswith("t=1,v1=")


def test_scope_digests_hide_the_value() -> None:
    hasher = TokenHasher(Key("t", Secret(b"k" * 32)))
    digest = hasher.scope_digest("customer", "jane@example.com")
    assert digest == hasher.scope_digest("customer", "jane@example.com")
    assert "jane" not in digest
    assert digest != hasher.scope_digest("ticket", "jane@example.com")
