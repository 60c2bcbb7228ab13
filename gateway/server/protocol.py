"""The HTTP/1.1 connection: uvicorn's httptools protocol, with a deadline for request heads.

uvicorn times out idle keep-alive connections and the gateway times out slow
bodies (``body_timeout``), but nothing timed out a request *head*: a client
that sends a header byte every few seconds held its connection, and its file
descriptor, for ever. 1,024 such connections exhausted a worker (measured on
loopback), and ``/healthz`` stopped answering. Here a request's head (request
line and headers) must arrive within :data:`HEAD_TIMEOUT` of the connection's
opening or of the request's first byte (``serve --header-timeout``), like
nginx's ``client_header_timeout``;
a connection that sends nothing at all is closed after as long.

A request line must also name its HTTP version: ``GET /path`` alone
(HTTP/0.9's form) is answered 400, not read as HTTP/1.1.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

HEAD_TIMEOUT = 10.0  # seconds for a request line and its headers
_TIMEOUT_MESSAGE = b"the request's headers did not arrive in time"
_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(_TIMEOUT_MESSAGE), _TIMEOUT_MESSAGE)
)


class GatewayHttpProtocol(HttpToolsProtocol):
    """``serve --header-timeout`` sets ``head_timeout`` on uvicorn's config."""

    head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._disarm_head_timer()
        if self.parser.get_http_version() not in ("1.0", "1.1"):
            self.send_400_response("the request line has no HTTP version")
            return
        super().on_headers_complete()

    def _arm_head_timer(self) -> None:
        if self.head_timer is None:
            timeout = getattr(self.config, "head_timeout", HEAD_TIMEOUT)
            self.head_timer = self.loop.call_later(timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()
