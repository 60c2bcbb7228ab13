"""The gateway's upstream transport, in process: requests go to an ASGI app, not a socket.

It implements :class:`gateway.server.upstream.Transport` over httpx's ASGI
transport, so a gateway app and the stand-in vendor talk without sockets. Its
answers arrive whole (httpx's ASGI transport buffers them); streaming over a
real connection is tested end to end on loopback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from multidict import CIMultiDict, CIMultiDictProxy

from gateway.server.upstream import UpstreamResponse


class AsgiVendor:
    def __init__(self, app: Any) -> None:
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://vendor"
        )
        self.sent: list[tuple[str, str]] = []  # (method, url) of every request, in order

    async def send(
        self, method: str, url: str, headers: list[tuple[str, str]], body: bytes | None
    ) -> UpstreamResponse:
        self.sent.append((method, url))
        request = self.client.build_request(method, url, headers=headers, content=body)
        response = await self.client.send(request, stream=True)
        headers_seen = CIMultiDictProxy(CIMultiDict(response.headers.multi_items()))
        return UpstreamResponse(response.status_code, headers_seen, _body(response), lambda: None)

    async def received(self) -> list[dict[str, Any]]:
        """What the stand-in vendor recorded."""
        answer = await self.client.get("/__standin/received")
        records: list[dict[str, Any]] = answer.json()
        return records

    async def close(self) -> None:
        """The gateway closes its transport at shutdown; this one outlives it for the test."""


async def _body(response: httpx.Response) -> AsyncIterator[bytes]:
    async for chunk in response.aiter_raw():
        yield chunk
    await response.aclose()
