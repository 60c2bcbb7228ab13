"""Restoring streamed responses without buffering them.

:class:`TextStream` restores text that arrives in pieces. It passes on
everything except a short tail that could still turn into a token (the regex
is run in *partial* mode: a match cut off by the end of the buffer marks where
the tail starts), so a token split across chunks, even one byte per chunk, is
restored exactly. The tail is bounded: past ``MAX_HOLD`` characters nothing can
be a token any more and it is let go.

:class:`SseStream` restores ``text/event-stream``. Events are parsed as they
come; a ``data:`` payload that is JSON has its string values restored, and the
fields named by the route (``choices.*.delta.content`` for chat completions)
are treated as one text each across events, so a token split over two events
is restored too: the held part is moved into the next event of the same field,
or into one extra event at the end of the stream.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass, field

from gateway.errors import InputError, UpstreamError
from gateway.formats import jsontext
from gateway.formats.media import Encoding
from gateway.policy.selectors import PathPart, Selector
from gateway.restore.restorer import Outcome, Resolutions, Restorer, apply, known

# Server-sent events end lines with CRLF, CR or LF, and nothing else (not the
# U+2028 or U+0085 that str.splitlines also splits on).
_LINES = re.compile(r"\r\n|\r|\n")

MAX_HOLD = 512


@dataclass
class TextStream:
    """Restores a text that arrives in pieces. Feed it pieces; close it at the end."""

    restorer: Restorer
    scopes: Collection[str] | None
    context: Encoding = "plain"
    cache: Resolutions = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    _held: str = ""

    async def feed(self, text: str) -> str:
        buffer = self._held + text
        cut = self._safe_length(buffer)
        self._held = buffer[cut:]
        return await self._restore(buffer[:cut])

    async def close(self) -> str:
        rest, self._held = self._held, ""
        return await self._restore(rest)

    def _safe_length(self, buffer: str) -> int:
        """Where the tail that might still become a token starts."""
        window_start = max(0, len(buffer) - MAX_HOLD)
        for match in self.restorer.finder.pattern.finditer(buffer, window_start, partial=True):
            if match.partial:
                start: int = match.start()
                return start
        return len(buffer)

    async def _restore(self, text: str) -> str:
        if not text:
            return text
        candidates = self.restorer.finder.candidates(text)
        if not candidates:
            return text
        tokens = [c.found.token for c in candidates if c.found.token is not None]
        resolutions = await self.restorer.resolve(tokens, self.scopes, self.cache)
        items = self.restorer.finder.choose(candidates, known(resolutions))
        restored = apply(text, items, resolutions, self.context)
        self.outcomes.extend(restored.outcomes)
        return restored.text


async def restore_chunks(
    chunks: AsyncIterator[bytes], stream: TextStream, charset: str
) -> AsyncIterator[bytes]:
    """Decode, restore and re-encode a byte stream. Bytes that are not valid in
    ``charset`` pass through unchanged (as surrogate escapes)."""
    decoder = codecs.getincrementaldecoder(charset)(errors="surrogateescape")
    async for chunk in chunks:
        text = await stream.feed(decoder.decode(chunk))
        if text:
            yield text.encode(charset, errors="surrogateescape")
    text = await stream.feed(decoder.decode(b"", final=True)) + await stream.close()
    if text:
        yield text.encode(charset, errors="surrogateescape")


@dataclass
class _Channel:
    stream: TextStream
    last_event: str = ""  # the raw JSON of the last event that carried this field
    path: tuple[PathPart, ...] = ()
    event_line: str = ""  # its "event: <name>" line, if it had one


class SseStream:
    """Restores a ``text/event-stream``, event by event (see the module docstring)."""

    def __init__(
        self,
        restorer: Restorer,
        scopes: Collection[str] | None,
        joined_fields: Sequence[str],
        max_event_bytes: int,
        cache: Resolutions | None = None,
        keys: Sequence[str] = (),
    ) -> None:
        self.restorer = restorer
        self.scopes = scopes
        self.joined = [Selector.parse(f) for f in joined_fields]
        self.keys = tuple(keys)
        self.max_event_bytes = max_event_bytes
        self.cache: Resolutions = cache if cache is not None else {}
        self.outcomes: list[Outcome] = []
        self.channels: dict[tuple[tuple[str, ...], tuple[PathPart, ...]], _Channel] = {}
        self._pending = ""

    async def restore(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        async for chunk in chunks:
            self._pending += decoder.decode(chunk)
            async for out in self._events():
                yield out
            if len(self._pending) > self.max_event_bytes:
                raise UpstreamError(
                    "stream_event_too_large", "an event of the vendor's stream is too large"
                )
        self._pending += decoder.decode(b"", final=True)
        if self._pending:
            self._pending += "\n\n"
            async for out in self._events():
                yield out
        flushed = await self._flush()
        if flushed:
            yield flushed.encode("utf-8", errors="surrogateescape")

    async def _events(self) -> AsyncIterator[bytes]:
        while True:
            end, separator = _event_end(self._pending)
            if end < 0:
                return
            raw, self._pending = self._pending[:end], self._pending[end + len(separator) :]
            restored = await self._event(raw, separator)
            yield restored.encode("utf-8", errors="surrogateescape")

    async def _event(self, raw: str, separator: str) -> str:
        lines = _LINES.split(raw)
        data = [line[5:].removeprefix(" ") for line in lines if line.startswith("data:")]
        payload = "\n".join(data)
        if not data or payload.strip() == "[DONE]":
            # The end of an OpenAI-style stream: whatever is held goes out first.
            flushed = await self._flush() if payload.strip() == "[DONE]" else ""
            return flushed + raw + separator
        named = [line for line in lines if line.startswith("event:")]
        before, restored = await self._payload(payload, f"{named[0]}\n" if named else "")
        if restored == payload:
            return before + raw + separator
        others = [line for line in lines if not line.startswith("data:")]
        body = [*others, *(f"data: {line}" for line in _LINES.split(restored))]
        return before + "\n".join(body) + separator

    async def _payload(self, payload: str, event_line: str = "") -> tuple[str, str]:
        """Events released first (texts this event closes), and the payload restored."""
        try:
            document = jsontext.JsonText.parse(payload, max_depth=64)
        except InputError:
            return "", await self._channel(((), ()), payload, payload, event_line)
        key = self._key(document)
        joined = [
            item
            for item in document.strings
            if not item.number and any(s.matches(item.path) for s in self.joined)
        ]
        starts = {item.start for item in joined}
        before = ""
        if key:
            # An event that names a text without carrying it (".done") closes it:
            # what the text still holds goes out first, in one more delta.
            carried = {item.path for item in joined}
            for (owner, path), channel in list(self.channels.items()):
                if owner == key and path not in carried:
                    before += await self._flush_channel(channel)
                    del self.channels[(owner, path)]
        splices = []
        for item in document.strings:
            if item.number:
                continue
            if item.start in starts:
                new = await self._channel((key, item.path), item.value, payload, event_line)
            else:
                restored = await self.restorer.restore_many(
                    [item.value], self.scopes, "plain", self.cache
                )
                self.outcomes.extend(restored[0].outcomes)
                new = restored[0].text
            if new != item.value:
                splices.append((item.start, item.end, jsontext.escape(new)))
        return before, document.replace(splices)

    def _key(self, document: jsontext.JsonText) -> tuple[str, ...]:
        if not self.keys:
            return ()
        top = {str(item.path[0]): item.value for item in document.strings if len(item.path) == 1}
        if not any(name in top for name in self.keys):
            return ()
        return tuple(top.get(name, "") for name in self.keys)

    async def _channel(
        self,
        name: tuple[tuple[str, ...], tuple[PathPart, ...]],
        value: str,
        payload: str,
        event_line: str = "",
    ) -> str:
        channel = self.channels.get(name)
        if channel is None:
            channel = self.channels[name] = _Channel(
                TextStream(self.restorer, self.scopes, cache=self.cache), path=name[1]
            )
        channel.last_event = payload
        channel.event_line = event_line
        out = await channel.stream.feed(value)
        self.outcomes.extend(channel.stream.outcomes)
        channel.stream.outcomes.clear()
        return out

    async def _flush(self) -> str:
        """Emit what channels still hold, as one extra event per channel."""
        events = [await self._flush_channel(channel) for channel in self.channels.values()]
        return "".join(events)

    async def _flush_channel(self, channel: _Channel) -> str:
        rest = await channel.stream.close()
        self.outcomes.extend(channel.stream.outcomes)
        channel.stream.outcomes.clear()
        if not rest:
            return ""
        if not channel.path:
            return f"data: {rest}\n\n"
        document = jsontext.JsonText.parse(channel.last_event, max_depth=64)
        splices = [
            (item.start, item.end, jsontext.escape(rest if item.path == channel.path else ""))
            for item in document.strings
            if not item.number and any(s.matches(item.path) for s in self.joined)
        ]
        return f"{channel.event_line}data: {document.replace(splices)}\n\n"


def _event_end(buffer: str) -> tuple[int, str]:
    """Position and kind of the first blank line that ends an event, or (-1, "")."""
    best = (-1, "")
    for separator in ("\r\n\r\n", "\n\n", "\r\r"):
        position = buffer.find(separator)
        if position >= 0 and (best[0] < 0 or position < best[0]):
            best = (position, separator)
    return best


def is_json_media(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")
