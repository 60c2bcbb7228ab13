"""What every stand-in vendor shares: the record of what it received, ids, clocks, pages.

A test can make any vendor misbehave with the ``X-Standin-Mode`` header (see
:func:`shaped`). Answers follow the vendors' published shapes closely enough
for their official clients (zenpy, python-freshdesk, the openai SDK) to read
them; the stand-in is loopback-only test equipment, not an emulator.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

Record = dict[str, Any]
Handler = Callable[[Request], Any]

TOKEN = re.compile(r"\b[A-Z]{2,12}-[0-9A-Z]{8}\b")


@dataclass
class State:
    """One stand-in's memory: what it received and the records its vendors keep."""

    public_url: str | None = None  # links in answers; default: the URL the request came to
    received: list[Record] = field(default_factory=list)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))
    tables: dict[str, dict[int, Record]] = field(default_factory=dict)

    def table(self, name: str) -> dict[int, Record]:
        return self.tables.setdefault(name, {})

    def next_id(self) -> int:
        return next(self.ids)

    def base(self, request: Request) -> str:
        return self.public_url or str(request.base_url).rstrip("/")

    async def record(self, request: Request) -> bytes:
        body = await request.body()
        self.received.append(
            {
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,
                "headers": dict(request.headers),
                "body": body.decode("utf-8", errors="replace"),
            }
        )
        if request.headers.get("x-standin-mode") == "slow":
            await asyncio.sleep(5)
        return body


def now() -> str:
    """A timestamp as the helpdesks write them (ISO 8601, UTC, seconds)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def read_json(body: bytes) -> Any:
    return json.loads(body) if body.strip() else {}


def shaped(request: Request, document: Any, status: int = 200) -> Response:
    """A JSON answer, bent the way the request's ``X-Standin-Mode`` asks."""
    return shaped_text(request, json.dumps(document), "application/json", status)


def shaped_text(request: Request, text: str, media_type: str, status: int = 200) -> Response:
    mode = request.headers.get("x-standin-mode", "")
    if mode == "html-escape":  # what a vendor rendering HTML does to a token's hyphen
        text = TOKEN.sub(lambda m: m.group().replace("-", "&#45;"), text)
    elif mode == "lower":  # an agent retyping a token
        text = TOKEN.sub(lambda m: m.group().lower(), text)
    elif mode == "wrap":  # an email client wrapping a long line at the token's hyphen
        text = TOKEN.sub(lambda m: m.group().replace("-", "-\n"), text)
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


def events(request: Request, payloads: Sequence[tuple[str | None, Any]]) -> Response:
    """A ``text/event-stream`` of JSON payloads (an event name where the API sends one)."""

    async def stream() -> AsyncIterator[bytes]:
        for name, payload in payloads:
            data = payload if isinstance(payload, str) else json.dumps(payload)
            line = f"event: {name}\n" if name else ""
            yield f"{line}data: {data}\n\n".encode()
            await asyncio.sleep(0)

    return StreamingResponse(stream(), media_type="text/event-stream")


@dataclass(frozen=True)
class Page:
    items: list[Record]
    after: str | None  # the cursor of the next page, if there is one
    before: str | None


def cursor_page(items: Sequence[Record], after: str | None, size: int) -> Page:
    """One page of ``items`` after an opaque cursor (the position, base64-encoded)."""
    start = int(base64.urlsafe_b64decode(after.encode()).decode()) if after else 0
    chunk = list(items[start : start + size])
    more = start + size < len(items)
    return Page(
        chunk,
        base64.urlsafe_b64encode(str(start + size).encode()).decode() if more else None,
        base64.urlsafe_b64encode(str(start).encode()).decode() if start else None,
    )


def matches(record: Record, terms: Sequence[str]) -> bool:
    """Whether every search term appears somewhere in the record (case ignored)."""
    text = json.dumps(record).lower()
    return all(term.lower() in text for term in terms)
