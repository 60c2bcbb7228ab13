"""What attacks on loopback broke (issue 13), each kept as a regression test.

In process where the attack is about content (the gateway app behind httpx's
ASGI transport, the stand-in vendor behind it); the attacks on the server
itself (slow headers, a full disk, a lost vault) are in ``test_faults``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from gateway.detect.detector import PresidioDetector
from gateway.errors import InputError, VaultError
from gateway.formats.request import RequestRules
from gateway.policy import Policy
from gateway.vault import Vault
from gateway.vault.memory import MemoryBackend
from tests.conftest import AppFactory, redact_parts
from tests.gateways import error_code

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


def form(disposition: str, content: str = "hello") -> bytes:
    return (
        f"--XyZ\r\nContent-Disposition: form-data; {disposition}\r\n\r\n{content}\r\n--XyZ--\r\n"
    ).encode()


@pytest.mark.parametrize(
    "disposition",
    [
        'name="f"; filename="a.txt"',
        "name=\"f\"; filename*=UTF-8''a.txt",  # RFC 5987
        'name="f"; filename*0="a"; filename*1=".txt"',  # RFC 2231 continuations
        'name="f"; filename*0*=UTF-8\'\'a; filename*1=".txt"',
    ],
)
async def test_a_file_is_a_file_however_its_name_is_written(
    policy: Policy, pattern_detector: PresidioDetector, vault: Vault, disposition: str
) -> None:
    with pytest.raises(InputError) as refused:
        await redact_body(policy, pattern_detector, vault, form(disposition))
    assert refused.value.code == "attachment_refused"


async def test_encoded_header_parameters_are_read_decoded(
    policy: Policy, pattern_detector: PresidioDetector, vault: Vault
) -> None:
    body = form("name*=UTF-8''fn.victim%40example.com", "mail fn.victim@example.com")
    sent = await redact_body(policy, pattern_detector, vault, body)
    assert b"victim" not in sent
    assert b"name*=UTF-8''EMAIL-" in sent


async def test_a_file_name_in_rfc_5987_form_is_scanned_where_files_pass(
    policy: Policy, pattern_detector: PresidioDetector, vault: Vault
) -> None:
    """filename*=UTF-8''fn.victim%40example.com reached the vendor in clear (issue 13)."""
    body = form("name=\"f\"; filename*=UTF-8''fn.victim%40example.com", "file bytes")
    rules = dataclasses.replace(RequestRules.for_route(policy, None), files="passthrough")
    content_type = "multipart/form-data; boundary=XyZ"
    redacted = await redact_parts(policy, pattern_detector, vault, body, content_type, rules=rules)
    sent = redacted.body
    assert b"victim" not in sent
    assert b"filename*=UTF-8''EMAIL-" in sent
    assert b"file bytes" in sent  # the file itself passes, as the route says


@pytest.mark.parametrize(
    ("disposition", "code"),
    [
        ("name*=KOI8-R''%C1", "unsupported_charset"),
        ("name*=UTF-8''%FF", "invalid_encoding"),
        ('name*0="a"; x="y"; name*1="b"', "invalid_multipart"),
    ],
)
async def test_header_parameters_that_cannot_be_read_are_refused(
    policy: Policy, pattern_detector: PresidioDetector, vault: Vault, disposition: str, code: str
) -> None:
    with pytest.raises(InputError) as refused:
        await redact_body(policy, pattern_detector, vault, form(disposition))
    assert refused.value.code == code


async def redact_body(
    policy: Policy, detector: PresidioDetector, vault: Vault, body: bytes
) -> bytes:
    content_type = "multipart/form-data; boundary=XyZ"
    return (await redact_parts(policy, detector, vault, body, content_type)).body


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/v2/search.json?query=%FFjane%40example.com", "invalid_encoding"),  # query
        ("/api/v2/users/%FF%FE.json", "invalid_path"),  # path
    ],
)
async def test_percent_escapes_that_are_not_utf8_are_refused(
    make_app: AppFactory, path: str, code: str
) -> None:
    """They reached the vendor as U+FFFD (issue 13)."""
    gateway = make_app()
    async with gateway.client() as client:
        answer = await client.get(path)
    assert answer.status_code == 400
    assert error_code(answer) == code
    assert await gateway.vendor.received() == []


async def test_a_script_keeps_its_quotes(make_app: AppFactory) -> None:
    gateway = make_app()
    body = "<p>Hi</p><script>var e='sc.victim@example.com'</script>"
    async with gateway.client() as client:
        await client.post("/api/v2/tickets.json", json=ticket(body))
    sent = (await gateway.vendor.received())[0]["body"]
    assert "victim" not in sent
    assert "var e='EMAIL-" in sent


@pytest.mark.parametrize("text", ["Passport-502135326", "passport#X1234567 expired"])
def test_a_passport_joined_to_its_word(pattern_detector: PresidioDetector, text: str) -> None:
    found = pattern_detector.detect([text])[0]
    assert [d.entity for d in found] == ["PASSPORT"]
    assert text[found[0].start : found[0].end].isalnum()


class Unreachable(MemoryBackend):
    """A vault that cannot be reached until ``down`` is cleared (PostgreSQL still booting)."""

    down = True

    async def check_writable(self) -> None:
        if self.down:
            raise VaultError("the vault cannot be reached")
        await super().check_writable()

    async def close(self) -> None:
        pass  # each start-up attempt reopens it


async def test_a_vault_unreachable_at_start_is_waited_for(make_app: AppFactory) -> None:
    """Start-up used to fail, and the supervisor restarted workers for ever with
    no one answering health checks (issue 13)."""
    vault = Unreachable()
    gateway = make_app(backend=vault)
    async with gateway.client() as client:
        health = await client.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "starting", "reason": "vault_unavailable"}
        refused = await client.post("/api/v2/tickets.json", json=ticket("hi"))
        assert error_code(refused) == "not_ready"
        assert await gateway.vendor.received() == []
        vault.down = False
        for _ in range(60):  # the first retry comes after a second
            if (await client.get("/healthz")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        answer = await client.post("/api/v2/tickets.json", json=ticket("hi"))
        assert answer.status_code == 201
