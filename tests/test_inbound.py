"""The vendor's answer on its way back, in process: restored, audited, then released.

Answers come from the stand-in vendor or from a scripted transport, so every
shape the gateway must handle can be produced exactly (an unknown charset, a
stream that breaks half-way). Loopback streaming is in ``test_http`` (slow).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from gateway.errors import StreamAborted, UpstreamError
from gateway.server.upstream import UpstreamResponse
from tests.conftest import AppFactory
from tests.gateways import error_code

pytestmark = pytest.mark.anyio
SCOPE = {"x-gateway-scope": "T-1"}
NOTE = "Please call Jane Doe at +1 (415) 555-0132 or jane.doe@example.com about ORD-48213."


def events(app: Any) -> list[dict[str, Any]]:
    return [
        json.loads(line)["event"]
        for path in app.blueprint.audit_dir.glob("*.log.jsonl")
        for line in path.read_text().splitlines()
    ]


@pytest.mark.parametrize(
    "mode",
    [
        "",  # echoed as sent
        "html-escape",  # the hyphen as &#45;
        "lower",  # retyped by an agent
        "wrap",  # wrapped at the hyphen
        "one-byte",  # a chunked answer, one byte per chunk
    ],
)
async def test_an_echoed_answer_comes_back_as_the_caller_sent_it(
    make_app: AppFactory, mode: str
) -> None:
    gateway = make_app("generic-json.yaml")
    body = json.dumps({"note": NOTE}, indent=2).encode()
    async with gateway.client() as client:
        answer = await client.post(
            "/notes",
            content=body,
            headers={**SCOPE, "content-type": "application/json", "x-standin-mode": mode},
        )
    (sent,) = await gateway.vendor.received()
    assert "Jane Doe" not in sent["body"]
    assert json.loads(answer.content)["note"] == NOTE


async def test_the_answer_is_byte_for_byte_the_request_it_echoes(make_app: AppFactory) -> None:
    gateway = make_app("generic-json.yaml")
    body = b'{ "a" : "Jane Doe (jane.doe@example.com)",\n  "n": 1.50e3, "e": "caf\\u00e9" }'
    async with gateway.client() as client:
        answer = await client.post(
            "/echo", content=body, headers={**SCOPE, "content-type": "application/json"}
        )
    assert answer.content.replace("café".encode(), b"caf\\u00e9") == body


async def test_a_token_of_another_scope_stays_a_token(make_app: AppFactory) -> None:
    gateway = make_app("generic-json.yaml")
    async with gateway.client() as client:
        first = await client.post("/notes", json={"note": NOTE}, headers={"x-gateway-scope": "A"})
        (sent,) = await gateway.vendor.received()
        token = next(w for w in json.loads(sent["body"])["note"].split() if w.startswith("EMAIL-"))
        other = await client.post(
            "/notes", json={"note": f"from {token}"}, headers={"x-gateway-scope": "B"}
        )
    assert "jane.doe@example.com" in first.text
    assert other.json()["note"] == f"from {token}"  # not restored across scopes
    restored = [e for e in events(gateway.app) if e["type"] == "response_restored"]
    assert restored[-1]["counts"] == {"out_of_scope": 1}


async def test_a_streamed_chat_restores_tokens_split_across_events(make_app: AppFactory) -> None:
    gateway = make_app("openai-compatible.yaml")
    request = {
        "model": "m",
        "stream": True,
        "messages": [{"role": "user", "content": "I am Jane Doe, jane.doe@example.com"}],
    }
    async with gateway.client() as client:
        answer = await client.post(
            "/v1/chat/completions", json=request, headers={**SCOPE, "x-standin-delta": "2"}
        )
    assert answer.headers["content-type"].startswith("text/event-stream")
    content = "".join(
        json.loads(line[6:])["choices"][0]["delta"].get("content", "")
        for line in answer.text.splitlines()
        if line.startswith("data: {")
    )
    assert content == "You wrote: I am Jane Doe, jane.doe@example.com"
    assert answer.text.rstrip().endswith("data: [DONE]")
    streamed = [e for e in events(gateway.app) if e["type"] == "stream_restored"]
    assert streamed[0]["counts"] == {"restored": 2}


class Scripted:
    """A vendor that answers with exactly the given status, headers and body chunks."""

    def __init__(
        self, status: int, headers: dict[str, str], chunks: Sequence[bytes], fail: bool = False
    ) -> None:
        self.status, self.headers, self.chunks, self.fail = status, headers, chunks, fail

    async def send(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None
    ) -> UpstreamResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for chunk in self.chunks:
                yield chunk
            if self.fail:
                raise UpstreamError("upstream_unreachable", "the vendor's answer broke off")

        headers_out = CIMultiDictProxy(CIMultiDict(self.headers))
        return UpstreamResponse(self.status, headers_out, chunks(), lambda: None)

    async def close(self) -> None:
        pass


async def test_an_answer_in_an_unknown_charset_is_not_released(make_app: AppFactory) -> None:
    vendor = Scripted(200, {"content-type": "text/plain; charset=x-klingon", "content-length": "4"}, [b"EMAI"])  # fmt: skip
    gateway = make_app("generic-json.yaml", transport=vendor)
    async with gateway.client() as client:
        answer = await client.post("/notes", json={"note": NOTE}, headers=SCOPE)
    assert (answer.status_code, error_code(answer)) == (
        502,
        "upstream_invalid_response",
    )


async def test_a_stream_that_breaks_is_cut_off_and_audited(make_app: AppFactory) -> None:
    # No length: restored as a stream; the vendor breaks off after the first chunk.
    vendor = Scripted(200, {"content-type": "text/plain"}, [b"hello " * 10], fail=True)
    gateway = make_app("generic-json.yaml", transport=vendor)
    async with gateway.client() as client:
        with pytest.raises(StreamAborted):
            await client.post("/notes", json={"note": NOTE}, headers=SCOPE)
    cut = [e for e in events(gateway.app) if e.get("outcome") == "cut_off"]
    assert [(e["type"], e["reason"]) for e in cut] == [("stream_restored", "upstream_unreachable")]


async def test_media_that_cannot_hold_tokens_pass_through(make_app: AppFactory) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    vendor = Scripted(200, {"content-type": "image/png", "content-length": str(len(png))}, [png])
    gateway = make_app("generic-json.yaml", transport=vendor)
    async with gateway.client() as client:
        answer = await client.get("/logo.png", headers=SCOPE)
    assert answer.content == png


class EchoInLatin1:
    """A vendor that answers the note it was sent as Latin-1 text."""

    async def send(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None
    ) -> UpstreamResponse:
        note = json.loads(body or b"{}")["note"].encode("latin-1")
        fields = {"content-type": "text/plain; charset=latin-1", "content-length": str(len(note))}

        async def chunks() -> AsyncIterator[bytes]:
            yield note

        return UpstreamResponse(200, CIMultiDictProxy(CIMultiDict(fields)), chunks(), lambda: None)

    async def close(self) -> None:
        pass


async def test_a_restored_value_the_charset_cannot_hold_makes_the_answer_utf8(
    make_app: AppFactory,
) -> None:
    gateway = make_app("generic-json.yaml", transport=EchoInLatin1())
    async with gateway.client() as client:
        answer = await client.post(
            "/notes", json={"note": "Thanks, Łukasz Żółkiewski"}, headers=SCOPE
        )
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.content.decode("utf-8") == "Thanks, Łukasz Żółkiewski"
