"""A stand-in vendor for trying the gateway, its tests and its benchmarks. Loopback only.

``gateway standin --port 9999`` serves just enough of three vendor APIs to see
the gateway work, and records what it receives (``GET /__standin/received``):

* Zendesk tickets: ``POST /api/v2/tickets.json`` stores the ticket and answers
  it back with a new id; ``GET``/``PUT /api/v2/tickets/{id}.json`` return it;
  ``GET /api/v2/search.json`` lists stored tickets;
* OpenAI-style chat: ``POST /v1/chat/completions`` answers with the last user
  message, streamed as server-sent events when ``"stream": true``;
* anything else: the request body echoed back with its content type.

A test can make the vendor misbehave with the ``X-Standin-Mode`` header:
``html-escape``, ``lower`` and ``wrap`` (what it does to the tokens it echoes),
``one-byte`` (a chunked answer, one byte per chunk), ``slow`` (answers after
5 s), ``redirect``, ``error``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

_TOKEN = re.compile(r"\b[A-Z]{2,12}-[0-9A-Z]{8}\b")


def create_standin() -> Starlette:
    received: list[dict[str, Any]] = []
    tickets: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1001)

    async def record(request: Request) -> bytes:
        body = await request.body()
        received.append(
            {
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,
                "headers": dict(request.headers),
                "body": body.decode("utf-8", errors="replace"),
            }
        )
        return body

    def shaped(request: Request, text: str, media_type: str, status: int = 200) -> Response:
        mode = request.headers.get("x-standin-mode", "")
        if mode == "html-escape":  # what a vendor rendering HTML does to a token's hyphen
            text = _TOKEN.sub(lambda m: m.group().replace("-", "&#45;"), text)
        elif mode == "lower":  # an agent retyping a token
            text = _TOKEN.sub(lambda m: m.group().lower(), text)
        elif mode == "wrap":  # an email client wrapping a long line at the token's hyphen
            text = _TOKEN.sub(lambda m: m.group().replace("-", "-\n"), text)
        elif mode == "redirect":
            return Response(status_code=302, headers={"location": "https://evil.example/"})
        elif mode == "error":
            return JSONResponse({"error": "vendor failure"}, status_code=500)
        elif mode == "cookies":  # repeated headers, as vendors' load balancers send them
            answer = Response(text, status_code=status, media_type=media_type)
            answer.raw_headers += [(b"set-cookie", b"a=1; Path=/"), (b"set-cookie", b"b=2; Path=/")]
            return answer
        elif mode == "hop-by-hop":  # headers for one connection only, named by Connection
            answer = Response(text, status_code=status, media_type=media_type)
            answer.raw_headers += [(b"connection", b"x-hop"), (b"x-hop", b"1"),
                                   (b"keep-alive", b"timeout=5"), (b"date", b"Mon, 01 Jan 2001 00:00:00 GMT")]  # fmt: skip
            return answer
        if mode == "one-byte":
            data = text.encode()

            async def bytes_one_by_one() -> AsyncIterator[bytes]:
                for i in range(len(data)):
                    yield data[i : i + 1]
                    await asyncio.sleep(0)

            return StreamingResponse(bytes_one_by_one(), status_code=status, media_type=media_type)
        return Response(text, status_code=status, media_type=media_type)

    async def slow_down(request: Request) -> None:
        if request.headers.get("x-standin-mode") == "slow":
            await asyncio.sleep(5)

    async def create_ticket(request: Request) -> Response:
        body = await record(request)
        await slow_down(request)
        document = json.loads(body or b"{}")
        ticket = document.get("ticket", {})
        ticket["id"] = next(ids)
        tickets[ticket["id"]] = ticket
        return shaped(request, json.dumps({"ticket": ticket}), "application/json", 201)

    async def ticket(request: Request) -> Response:
        body = await record(request)
        number = int(request.path_params["ticket_id"])
        if request.method == "PUT" and body:
            tickets.setdefault(number, {"id": number}).update(json.loads(body).get("ticket", {}))
        found = tickets.get(number)
        if found is None:
            return JSONResponse({"error": "RecordNotFound"}, status_code=404)
        return shaped(request, json.dumps({"ticket": found}), "application/json")

    async def search(request: Request) -> Response:
        await record(request)
        query = request.query_params.get("query", "")
        # Zendesk-style terms ("requester:someone"): every term's value must appear.
        terms = [term.split(":", 1)[-1] for term in query.split()]
        results = [
            t for t in tickets.values() if terms and all(term in json.dumps(t) for term in terms)
        ]
        return shaped(
            request,
            json.dumps({"results": results, "count": len(results), "query": query}),
            "application/json",
        )

    async def chat(request: Request) -> Response:
        body = await record(request)
        document = json.loads(body or b"{}")
        messages = [m for m in document.get("messages", []) if m.get("role") == "user"]
        answer = f"You wrote: {messages[-1]['content']}" if messages else "Hello"
        if not document.get("stream"):
            completion = {"id": "chatcmpl-1", "object": "chat.completion", "model": document.get("model", "m"),
                          "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}]}  # fmt: skip
            return shaped(request, json.dumps(completion), "application/json")
        size = int(request.headers.get("x-standin-delta", "3"))

        async def events() -> AsyncIterator[bytes]:
            start = {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {"role": "assistant"}}],
            }
            yield f"data: {json.dumps(start)}\n\n".encode()
            for i in range(0, len(answer), size):
                delta = {
                    "id": "chatcmpl-1",
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": {"content": answer[i : i + size]}}],
                }
                yield f"data: {json.dumps(delta)}\n\n".encode()
                await asyncio.sleep(0)
            end = {
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
            yield f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode()

        return StreamingResponse(events(), media_type="text/event-stream")

    async def echo(request: Request) -> Response:
        body = await record(request)
        await slow_down(request)
        media_type = request.headers.get("content-type", "text/plain")
        return shaped(request, body.decode("utf-8", errors="replace"), media_type)

    async def show(request: Request) -> Response:
        return JSONResponse(received)

    async def forget(request: Request) -> Response:
        received.clear()
        return JSONResponse({"cleared": True})

    routes = [
        Route("/__standin/received", show, methods=["GET"]),
        Route("/__standin/received", forget, methods=["DELETE"]),
        Route("/api/v2/tickets.json", create_ticket, methods=["POST"]),
        Route("/api/v2/tickets/{ticket_id:int}.json", ticket, methods=["GET", "PUT"]),
        Route("/api/v2/search.json", search, methods=["GET"]),
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    app = Starlette(routes=routes)
    app.state.received = received
    return app
