"""The openai SDK, unchanged, through the gateway (issue 14).

Chat completions, the Responses API, legacy completions (each plain and
streamed, tool calls included), embeddings, moderations and the model list,
through the SDK's own methods with ``base_url`` pointed at the gateway. The
stand-in answers "You wrote: <the last user message>", or calls the first
tool with ``{"text": <that message>}``; the SDK must get that back byte for
byte while the vendor saw only tokens. Deltas are two characters long, so
every token arrives split across events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai import OpenAI

from tests.clients import assert_vendor_saw_no, gateway_serving, vendor_saw
from tests.servers import Server

pytestmark = pytest.mark.slow  # real servers on loopback

ROOT = Path(__file__).resolve().parent.parent
SAID = "I'm Jane Doe, jane.doe@example.com, +1 (415) 555-0132. Where is order ORD-48213?"
SPLIT = {"X-Standin-Delta": "2"}
TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "lookup_order",
            # A tool description quoting a customer: its strings are scanned.
            "description": "Orders of jane.doe@example.com (card 4111 1111 1111 1111).",
            "parameters": {
                "type": "object",
                "properties": {"text": {"type": "string", "description": "what Jane Doe asked"}},
                "required": ["text"],
            },
        },
    }
]


@pytest.fixture(scope="module")
def gateway(standin: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("openai")
    with gateway_serving("openai-compatible", standin, directory) as server:
        yield server


@pytest.fixture(scope="module")
def client(gateway: Server) -> OpenAI:
    return OpenAI(base_url=f"{gateway.url}/v1", api_key="sk-company-side", max_retries=0)


def test_chat_completion(client: OpenAI, standin: Server) -> None:
    answer = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": SAID}],
        extra_headers={"X-Gateway-Scope": "conversation-1"},
    )
    assert answer.choices[0].message.content == f"You wrote: {SAID}"
    assert_vendor_saw_no(standin)
    assert "ORD-48213" in vendor_saw(standin)[-1]["body"]


def test_streamed_chat_with_a_tool_call(client: OpenAI, standin: Server) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": SAID}],
        tools=TOOLS,
        tool_choice="required",
        stream=True,
        extra_headers={**SPLIT, "X-Gateway-Scope": "conversation-2"},
    )
    arguments = "".join(
        call.function.arguments or ""
        for chunk in stream
        for choice in chunk.choices
        for call in choice.delta.tool_calls or []
        if call.function
    )
    assert json.loads(arguments) == {"text": SAID}
    assert arguments == json.dumps({"text": SAID})  # byte for byte
    sent = json.loads(vendor_saw(standin)[-1]["body"])
    tool = sent["tools"][0]["function"]
    assert tool["name"] == "lookup_order"  # the schema's structure is the company's own
    assert tool["parameters"]["required"] == ["text"]
    assert "jane.doe@example.com" not in tool["description"]
    assert "4111" not in json.dumps(sent)
    assert_vendor_saw_no(standin)


def test_streamed_chat_text(client: OpenAI) -> None:
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": SAID}],
        stream=True,
        extra_headers={**SPLIT, "X-Gateway-Scope": "conversation-3"},
    )
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == f"You wrote: {SAID}"


def test_responses(client: OpenAI, standin: Server) -> None:
    answer = client.responses.create(
        model="gpt-4o-mini", input=SAID, extra_headers={"X-Gateway-Scope": "conversation-4"}
    )
    assert answer.output_text == f"You wrote: {SAID}"
    assert_vendor_saw_no(standin)


def test_streamed_responses_text(client: OpenAI) -> None:
    """The answer ends in what could still become a token ("EMAIL"): held back, and
    released before the text's ".done" event, not after the whole stream."""
    said = f"{SAID} Reply by EMAIL"
    deltas, done, completed = [], "", ""
    with client.responses.create(
        model="gpt-4o-mini",
        input=[{"role": "user", "content": [{"type": "input_text", "text": said}]}],
        stream=True,
        extra_headers={**SPLIT, "X-Gateway-Scope": "conversation-5"},
    ) as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                deltas.append(event.delta)
            elif event.type == "response.output_text.done":
                done = event.text
                assert "".join(deltas) == done, "every held-back tail went out before .done"
            elif event.type == "response.completed":
                completed = event.response.output_text
    assert "".join(deltas) == done == completed == f"You wrote: {said}"
    assert len(deltas) > 40


def test_streamed_responses_function_call(client: OpenAI, standin: Server) -> None:
    tools: list[Any] = [{"type": "function", **TOOLS[0]["function"]}]
    deltas, done = [], ""
    with client.responses.create(
        model="gpt-4o-mini",
        input=SAID,
        tools=tools,
        tool_choice="required",
        stream=True,
        extra_headers={**SPLIT, "X-Gateway-Scope": "conversation-6"},
    ) as stream:
        for event in stream:
            if event.type == "response.function_call_arguments.delta":
                deltas.append(event.delta)
            elif event.type == "response.function_call_arguments.done":
                done = event.arguments
    assert "".join(deltas) == done == json.dumps({"text": SAID})
    sent = json.loads(vendor_saw(standin)[-1]["body"])
    assert sent["tools"][0]["name"] == "lookup_order"
    assert_vendor_saw_no(standin)


def test_a_conversation_keeps_one_scope_without_the_header(client: OpenAI, standin: Server) -> None:
    """Turn 1 names the conversation in metadata; turn 2 only chains to turn 1's
    response: the same email gets the same token in both turns."""
    first = client.responses.create(
        model="gpt-4o-mini", input=SAID, metadata={"conversation_id": "conv-42"}
    )
    client.responses.create(
        model="gpt-4o-mini",
        input="Again: jane.doe@example.com",
        previous_response_id=first.id,
    )
    other = client.responses.create(model="gpt-4o-mini", input="Again: jane.doe@example.com")
    bodies = [json.dumps(r["body"]) for r in vendor_saw(standin)[-3:]]
    tokens = [set(re.findall(r"EMAIL-[0-9A-Z]{8}", b)) for b in bodies]
    assert tokens[0] == tokens[1]
    assert tokens[2].isdisjoint(tokens[0])  # a call with no scope gets one of its own
    assert other.output_text == "You wrote: Again: jane.doe@example.com"


def test_legacy_completions(client: OpenAI) -> None:
    answer = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt=SAID, extra_headers={"X-Gateway-Scope": "c-7"}
    )
    assert answer.choices[0].text == f"You wrote: {SAID}"
    stream = client.completions.create(
        model="gpt-3.5-turbo-instruct",
        prompt=SAID,
        stream=True,
        extra_headers={**SPLIT, "X-Gateway-Scope": "c-7"},
    )
    assert "".join(c.choices[0].text for c in stream if c.choices) == f"You wrote: {SAID}"


def test_embeddings_and_moderations(client: OpenAI, standin: Server) -> None:
    embedded = client.embeddings.create(model="text-embedding-3-small", input=[SAID, "Hello"])
    assert [e.index for e in embedded.data] == [0, 1]
    moderated = client.moderations.create(model="omni-moderation-latest", input=SAID)
    assert moderated.results[0].flagged is False
    assert_vendor_saw_no(standin)


def test_models_pass_through(client: OpenAI) -> None:
    assert "gpt-4o-mini" in {m.id for m in client.models.list()}
    assert client.models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("no-such-model")


def test_a_refused_route_is_the_sdks_typed_error_with_the_gateway_code(client: OpenAI) -> None:
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.files.list()
    assert refused.value.code == "route_not_allowed"


def test_a_health_conversation_never_reaches_the_ai_vendor(client: OpenAI, standin: Server) -> None:
    before = len(vendor_saw(standin))
    message = "I'm diabetic and my insulin pump keeps failing, what should I do?"
    with pytest.raises(openai.PermissionDeniedError) as refused:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": message}]
        )
    assert refused.value.code == "content_blocked"
    body = refused.value.body
    assert isinstance(body, dict)
    assert body["categories"] == ["health"]
    assert "diabetic" not in json.dumps(body)
    assert vendor_saw(standin)[before:] == []  # the AI vendor got nothing
