"""A stand-in vendor for trying the gateway, its tests and its benchmarks. Loopback only.

``gateway standin --port 9999`` serves three vendors' APIs in the shapes of
their published references, enough for their official clients to work
against it, and records what it receives (``GET /__standin/received``):

* Zendesk Support (``/api/v2/...json``): see :mod:`.zendesk`;
* Freshdesk (``/api/v2/...`` without ``.json``): see :mod:`.freshdesk`;
* an OpenAI-compatible API (``/v1/...``): see :mod:`.openai`;
* anything else: the request body echoed back with its content type.

``X-Standin-Mode`` makes it misbehave (see :func:`.common.shaped`):
``html-escape``, ``lower`` and ``wrap`` (what it does to the tokens it echoes),
``one-byte`` (a chunked answer, one byte per chunk), ``slow`` (answers after
5 s), ``redirect``, ``error``, ``cookies``, ``hop-by-hop``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.testing.standin.common import State, shaped_text
from gateway.testing.standin.freshdesk import Freshdesk
from gateway.testing.standin.openai import OpenAI
from gateway.testing.standin.zendesk import Zendesk


def create_standin(public_url: str | None = None) -> Starlette:
    """The stand-in app. ``public_url`` is the origin its links name (default: the request's)."""
    state = State(public_url=public_url)

    async def show(request: Request) -> Response:
        return JSONResponse(state.received)

    async def forget(request: Request) -> Response:
        state.received.clear()
        return JSONResponse({"cleared": True})

    async def echo(request: Request) -> Response:
        body = await state.record(request)
        media_type = request.headers.get("content-type", "text/plain")
        return shaped_text(request, body.decode("utf-8", errors="replace"), media_type)

    routes = [
        Route("/__standin/received", show, methods=["GET"]),
        Route("/__standin/received", forget, methods=["DELETE"]),
        # Freshdesk first: its paths are Zendesk's without ".json", which
        # Zendesk also takes, so only what Freshdesk does not serve reaches Zendesk.
        *Freshdesk(state).routes(),
        *Zendesk(state).routes(),
        *OpenAI(state).routes(),
        Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    app = Starlette(routes=routes)
    app.state.received = state.received
    return app
