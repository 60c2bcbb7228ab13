"""Streamed restore: any chunking of the vendor's stream restores exactly, nothing is buffered
beyond a bounded tail, and a token split across SSE events is restored too."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gateway.redact.redactor import EntityField, Redactor
from gateway.restore.restorer import Restorer
from gateway.restore.streaming import MAX_HOLD, SseStream, TextStream, restore_chunks

pytestmark = pytest.mark.anyio
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


async def tokens_for(redactor: Redactor, *values: str) -> list[str]:
    redaction = await redactor.redact("T-1", [], [EntityField("PERSON", v) for v in values])
    return [f.text for f in redaction.fields]


async def chunks_of(data: bytes, cuts: list[int]) -> AsyncIterator[bytes]:
    position = 0
    for cut in sorted(set(cuts)):
        if 0 < cut < len(data):
            yield data[position:cut]
            position = cut
    yield data[position:]


@SETTINGS
@given(cuts=st.lists(st.integers(0, 200), max_size=30), filler=st.text(max_size=40))
@example(cuts=list(range(200)), filler="")  # one byte per chunk
async def test_any_chunking_restores_exactly(
    redactor: Redactor, restorer: Restorer, cuts: list[int], filler: str
) -> None:
    jane, bob = await tokens_for(redactor, "Jane Doe", "Bob Ünsworth")
    original = f"Dear Jane Doe, {filler} and Bob Ünsworth; ticket ORD-1"
    sent = f"Dear {jane}, {filler} and {bob}; ticket ORD-1".encode()
    stream = TextStream(restorer, {"T-1"})
    out = b"".join(
        [chunk async for chunk in restore_chunks(chunks_of(sent, cuts), stream, "utf-8")]
    )
    assert out.decode() == original


async def test_the_tail_held_back_is_bounded(restorer: Restorer) -> None:
    stream = TextStream(restorer, {"T-1"})
    released = await stream.feed("x" * 10_000 + "PERSON-7K3M")  # may still become a token
    assert released == "x" * 10_000
    released = await stream.feed("y" * (MAX_HOLD + 10))  # can no longer be one
    assert released.startswith("PERSON-7K3M")
    assert len(await stream.close()) <= MAX_HOLD


async def test_invalid_utf8_passes_through(restorer: Restorer) -> None:
    data = b"ok \xff\xfe bytes"

    async def one() -> AsyncIterator[bytes]:
        yield data

    out = b"".join([c async for c in restore_chunks(one(), TextStream(restorer, {"T-1"}), "utf-8")])
    assert out == data


def sse(events: list[dict[str, Any]]) -> bytes:
    return "".join(f"data: {json.dumps(e)}\n\n" for e in events).encode() + b"data: [DONE]\n\n"


@SETTINGS
@given(size=st.integers(1, 9), cuts=st.lists(st.integers(0, 2000), max_size=20))
async def test_tokens_split_across_events(
    redactor: Redactor, restorer: Restorer, size: int, cuts: list[int]
) -> None:
    (jane,) = await tokens_for(redactor, "Jane Doe")
    answer = f"Hello {jane}, your order ORD-48213 shipped. Bye {jane}!"
    pieces = [answer[i : i + size] for i in range(0, len(answer), size)]
    events = [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    stream = SseStream(restorer, {"T-1"}, ["choices.*.delta.content"], 1_000_000)
    out = b"".join([c async for c in stream.restore(chunks_of(sse(events), cuts))]).decode()
    content = "".join(
        json.loads(line[6:])["choices"][0]["delta"].get("content", "")
        for line in out.splitlines()
        if line.startswith("data: {")
    )
    assert content == "Hello Jane Doe, your order ORD-48213 shipped. Bye Jane Doe!"
    assert out.rstrip().endswith("data: [DONE]")


async def test_a_held_tail_goes_out_before_done(redactor: Redactor, restorer: Restorer) -> None:
    (jane,) = await tokens_for(redactor, "Jane Doe")
    events: list[dict[str, Any]] = [
        {"choices": [{"index": 0, "delta": {"content": "Bye " + jane[:5]}}]},
        {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]},
    ]
    stream = SseStream(restorer, {"T-1"}, ["choices.*.delta.content"], 1_000_000)

    async def one() -> AsyncIterator[bytes]:
        yield sse(events)

    out = b"".join([c async for c in stream.restore(one())]).decode()
    content = "".join(
        json.loads(line[6:])["choices"][0]["delta"].get("content", "")
        for line in out.splitlines()
        if line.startswith("data: {")
    )
    assert content == "Bye " + jane[:5]  # not a token after all: released untouched
    assert out.index(jane[:5]) < out.index("[DONE]")


async def test_items_are_texts_of_their_own_and_done_releases_each(
    redactor: Redactor, restorer: Restorer
) -> None:
    """The Responses API streams several items: a tail held in one (a token cut at its
    end) goes out before that item's ".done" event, never into the next item."""
    (jane,) = await tokens_for(redactor, "Jane Doe")
    head, tail = jane[:7], jane[7:]
    events: list[dict[str, Any]] = [
        {"type": "response.output_text.delta", "item_id": "msg_1", "content_index": 0,
         "delta": "Hello " + head},
        {"type": "response.output_text.delta", "item_id": "msg_1", "content_index": 0,
         "delta": tail + " PERS"},
        {"type": "response.output_text.done", "item_id": "msg_1", "content_index": 0,
         "text": f"Hello {jane} PERS"},
        {"type": "response.function_call_arguments.delta", "item_id": "fc_1", "delta": "{}"},
    ]  # fmt: skip
    stream = SseStream(restorer, {"T-1"}, ["delta"], 1_000_000, keys=["item_id", "content_index"])

    async def one() -> AsyncIterator[bytes]:
        yield "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()

    out = b"".join([c async for c in stream.restore(one())]).decode()
    seen = [json.loads(line[6:]) for line in out.splitlines() if line.startswith("data: {")]
    text = [e for e in seen if e["type"] == "response.output_text.delta"]
    done = next(i for i, e in enumerate(seen) if e["type"].endswith(".done"))
    assert "".join(e["delta"] for e in text) == "Hello Jane Doe PERS"
    assert all(seen.index(e) < done for e in text)  # released before .done
    assert seen[-1]["delta"] == "{}"  # the next item got nothing of the first
    assert "event: response.output_text.delta\ndata:" in out  # the released event is named
