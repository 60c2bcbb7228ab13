"""A stand-in OpenAI-compatible API: the shapes of OpenAI's published reference.

Chat completions and the Responses API answer with the last user message
("You wrote: ..."), streamed when asked; with ``tool_choice: "required"`` (or a
named function) they call the first tool instead, its arguments
``{"text": <the last user message>}``. Embeddings, moderations, legacy
completions and the model list answer in their shapes. ``X-Standin-Delta``
sets how many characters each streamed delta carries (default 3).
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.testing.standin.common import Record, State, events, read_json, shaped

MODELS = ["gpt-4o-mini", "text-embedding-3-small", "omni-moderation-latest"]


def text_of(content: Any) -> str:
    """A message's text: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def last_user_text(items: Any) -> str:
    if isinstance(items, str):
        return items
    for item in reversed(items if isinstance(items, list) else []):
        if isinstance(item, dict) and item.get("role") == "user":
            return text_of(item.get("content"))
    return ""


def called_tool(document: Record) -> str | None:
    """The function the request makes the model call, if it makes it call one."""
    tools = [t for t in document.get("tools") or [] if isinstance(t, dict)]
    choice = document.get("tool_choice")
    if not tools or choice in (None, "auto", "none"):
        return None
    if isinstance(choice, dict):
        named = choice.get("name") or (choice.get("function") or {}).get("name")
        if named:
            return str(named)
    first = tools[0]
    return str(first.get("name") or (first.get("function") or {}).get("name") or "tool")


def pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class OpenAI:
    def __init__(self, state: State) -> None:
        self.state = state

    def delta_size(self, request: Request) -> int:
        return max(1, int(request.headers.get("x-standin-delta", "3")))

    # -- chat completions ------------------------------------------------

    async def chat(self, request: Request) -> Response:
        document = read_json(await self.state.record(request))
        model = document.get("model", "gpt-4o-mini")
        heard = last_user_text(document.get("messages"))
        answer = f"You wrote: {heard}" if heard else "Hello"
        tool = called_tool(document)
        arguments = json.dumps({"text": heard})
        created = int(time.time())
        head = {"id": "chatcmpl-standin", "created": created, "model": model}
        usage = {"prompt_tokens": len(heard.split()), "completion_tokens": len(answer.split()),
                 "total_tokens": len(heard.split()) + len(answer.split())}  # fmt: skip
        call = {"id": "call_standin", "type": "function",
                "function": {"name": tool, "arguments": arguments}}  # fmt: skip
        if not document.get("stream"):
            message: Record = {"role": "assistant", "content": None if tool else answer, "refusal": None}  # fmt: skip
            if tool:
                message["tool_calls"] = [call]
            return shaped(request, {**head, "object": "chat.completion", "usage": usage,
                                    "choices": [{"index": 0, "message": message, "logprobs": None,
                                                 "finish_reason": "tool_calls" if tool else "stop"}]})  # fmt: skip
        chunk = {**head, "object": "chat.completion.chunk"}
        first: Record = {"role": "assistant", "content": "" if not tool else None}
        if tool:
            first["tool_calls"] = [{"index": 0, **call, "function": {"name": tool, "arguments": ""}}]  # fmt: skip
        payloads: list[tuple[str | None, Any]] = [
            (None, {**chunk, "choices": [{"index": 0, "delta": first, "finish_reason": None}]})
        ]
        for piece in pieces(arguments if tool else answer, self.delta_size(request)):
            delta = (
                {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
                if tool
                else {"content": piece}
            )
            payloads.append((None, {**chunk, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}))  # fmt: skip
        payloads.append((None, {**chunk, "choices": [{"index": 0, "delta": {},
                                "finish_reason": "tool_calls" if tool else "stop"}]}))  # fmt: skip
        payloads.append((None, "[DONE]"))
        return events(request, payloads)

    # -- the Responses API ----------------------------------------------

    async def responses(self, request: Request) -> Response:
        document = read_json(await self.state.record(request))
        model = document.get("model", "gpt-4o-mini")
        heard = last_user_text(document.get("input"))
        answer = f"You wrote: {heard}" if heard else "Hello"
        tool = called_tool(document)
        arguments = json.dumps({"text": heard})
        digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:24]
        response_id = f"resp_{digest}"
        item: Record
        if tool:
            item = {"type": "function_call", "id": f"fc_{digest}", "call_id": f"call_{digest}",
                    "name": tool, "arguments": arguments, "status": "completed"}  # fmt: skip
        else:
            item = {"type": "message", "id": f"msg_{digest}", "status": "completed", "role": "assistant",
                    "content": [{"type": "output_text", "text": answer, "annotations": []}]}  # fmt: skip
        done: Record = {
            "id": response_id, "object": "response", "created_at": int(time.time()),
            "status": "completed", "model": model, "output": [item],
            "previous_response_id": document.get("previous_response_id"),
            "instructions": document.get("instructions"), "metadata": document.get("metadata") or {},
            "tools": document.get("tools") or [], "tool_choice": document.get("tool_choice", "auto"),
            "parallel_tool_calls": True, "temperature": 1.0, "top_p": 1.0, "error": None,
            "incomplete_details": None, "text": {"format": {"type": "text"}},
            "usage": {"input_tokens": len(heard.split()), "output_tokens": len(answer.split()),
                      "total_tokens": len(heard.split()) + len(answer.split()),
                      "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": 0}},
        }  # fmt: skip
        if not document.get("stream"):
            return shaped(request, done)
        return events(request, self.response_events(request, done, item))

    def response_events(self, request: Request, done: Record, item: Record) -> list[tuple[str | None, Any]]:  # fmt: skip
        """The event sequence OpenAI streams for one output item, numbered."""
        started = {**done, "status": "in_progress", "output": []}
        empty = (
            {**item, "arguments": "", "status": "in_progress"}
            if item["type"] == "function_call"
            else {**item, "content": [], "status": "in_progress"}
        )
        sequence: list[Record] = [
            {"type": "response.created", "response": started},
            {"type": "response.in_progress", "response": started},
            {"type": "response.output_item.added", "output_index": 0, "item": empty},
        ]
        at = {"item_id": item["id"], "output_index": 0}
        size = self.delta_size(request)
        if item["type"] == "function_call":
            for piece in pieces(item["arguments"], size):
                sequence.append({"type": "response.function_call_arguments.delta", **at, "delta": piece})  # fmt: skip
            sequence.append({"type": "response.function_call_arguments.done", **at, "arguments": item["arguments"]})  # fmt: skip
        else:
            text = item["content"][0]["text"]
            part = {"type": "output_text", "text": "", "annotations": []}
            sequence.append({"type": "response.content_part.added", **at, "content_index": 0, "part": part})  # fmt: skip
            for piece in pieces(text, size):
                sequence.append({"type": "response.output_text.delta", **at, "content_index": 0,
                                 "delta": piece, "logprobs": []})  # fmt: skip
            sequence.append({"type": "response.output_text.done", **at, "content_index": 0,
                             "text": text, "logprobs": []})  # fmt: skip
            sequence.append({"type": "response.content_part.done", **at, "content_index": 0,
                             "part": item["content"][0]})  # fmt: skip
        sequence.append({"type": "response.output_item.done", "output_index": 0, "item": item})
        sequence.append({"type": "response.completed", "response": done})
        return [(e["type"], {**e, "sequence_number": n}) for n, e in enumerate(sequence)]

    # -- the rest -------------------------------------------------------

    async def completions(self, request: Request) -> Response:
        document = read_json(await self.state.record(request))
        prompt = document.get("prompt", "")
        heard = prompt if isinstance(prompt, str) else " ".join(map(str, prompt))
        answer = f"You wrote: {heard}"
        head = {"id": "cmpl-standin", "object": "text_completion", "created": int(time.time()),
                "model": document.get("model", "gpt-3.5-turbo-instruct")}  # fmt: skip
        if not document.get("stream"):
            return shaped(request, {**head, "choices": [{"text": answer, "index": 0, "logprobs": None, "finish_reason": "stop"}],
                                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})  # fmt: skip
        payloads: list[tuple[str | None, Any]] = [
            (
                None,
                {
                    **head,
                    "choices": [
                        {"text": piece, "index": 0, "logprobs": None, "finish_reason": None}
                    ],
                },
            )
            for piece in pieces(answer, self.delta_size(request))
        ]
        payloads.append((None, {**head, "choices": [{"text": "", "index": 0, "logprobs": None, "finish_reason": "stop"}]}))  # fmt: skip
        payloads.append((None, "[DONE]"))
        return events(request, payloads)

    async def embeddings(self, request: Request) -> Response:
        document = read_json(await self.state.record(request))
        given = document.get("input", "")
        texts = [given] if isinstance(given, str) else list(given)
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": [b / 255 for b in hashlib.sha256(str(t).encode()).digest()[:8]],
            }
            for i, t in enumerate(texts)
        ]
        return shaped(request, {"object": "list", "data": data, "model": document.get("model", MODELS[1]),
                                "usage": {"prompt_tokens": len(texts), "total_tokens": len(texts)}})  # fmt: skip

    async def moderations(self, request: Request) -> Response:
        document = read_json(await self.state.record(request))
        given = document.get("input", "")
        texts = [given] if isinstance(given, str) else list(given)
        names = ["harassment", "hate", "self-harm", "sexual", "violence"]
        results = [{"flagged": False, "categories": dict.fromkeys(names, False),
                    "category_scores": dict.fromkeys(names, 0.0)} for _ in texts]  # fmt: skip
        return shaped(request, {"id": "modr-standin", "model": document.get("model", MODELS[2]), "results": results})  # fmt: skip

    async def models(self, request: Request) -> Response:
        await self.state.record(request)
        listed = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "standin"} for m in MODELS]  # fmt: skip
        wanted = request.path_params.get("model")
        if wanted is None:
            return shaped(request, {"object": "list", "data": listed})
        for model in listed:
            if model["id"] == wanted:
                return shaped(request, model)
        return JSONResponse(
            {
                "error": {
                    "message": f"The model '{wanted}' does not exist",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "model_not_found",
                }
            },
            status_code=404,
        )

    def routes(self) -> list[Route]:
        return [
            Route("/v1/chat/completions", self.chat, methods=["POST"]),
            Route("/v1/responses", self.responses, methods=["POST"]),
            Route("/v1/completions", self.completions, methods=["POST"]),
            Route("/v1/embeddings", self.embeddings, methods=["POST"]),
            Route("/v1/moderations", self.moderations, methods=["POST"]),
            Route("/v1/models", self.models, methods=["GET"]),
            Route("/v1/models/{model}", self.models, methods=["GET"]),
        ]
