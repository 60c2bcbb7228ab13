"""JSON edited in place: string values located in the raw text, replaced span by span.

Parsing and re-serialising a body changes its bytes (spacing, escapes, number
forms) even where nothing was redacted. The gateway instead finds each string
value in the raw text, works on its decoded content, and splices replacements
back into the original bytes: the vendor receives the caller's document with
only the personal data changed, and a restored response is byte for byte what
the vendor sent, tokens aside.

    >>> doc = JsonText.parse('{"a": "x\\\\u00e9y", "n": 1.0}', max_depth=8)
    >>> [(s.path, s.value) for s in doc.strings]
    [(('a',), 'xéy')]
    >>> doc.strings[0].raw_span(1, 2, doc.text)    # "é" is the 6 raw characters \\u00e9
    (8, 14)
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.formats.documents import parse_json
from gateway.formats.splice import splice
from gateway.policy.selectors import PathPart

_WHITESPACE = " \t\r\n"


@dataclass(frozen=True, slots=True)
class JsonString:
    """A string value at ``text[start:end]`` (inside the quotes) and its decoded ``value``,
    or a number literal at ``text[start:end]`` when ``number`` is set."""

    path: tuple[PathPart, ...]
    start: int
    end: int
    value: str = field(repr=False)
    escaped: bool = False  # the literal holds escapes: decoded and raw offsets differ
    number: bool = False  # a number literal (no quotes around start:end)

    def raw_span(self, start: int, end: int, text: str) -> tuple[int, int]:
        """Map a span of ``value`` onto ``text``, the raw document."""
        if not self.escaped:
            return self.start + start, self.start + end
        offsets = OffsetMap(text[self.start : self.end])
        return self.start + offsets.raw(start), self.start + offsets.raw(end)


@dataclass(frozen=True, slots=True)
class JsonText:
    text: str = field(repr=False)
    strings: tuple[JsonString, ...]
    # Object keys that are not plain identifiers ("jane@example.com": {...}),
    # each with the path of the member it names.
    keys: tuple[JsonString, ...] = ()

    @classmethod
    def parse(cls, data: bytes | str, max_depth: int) -> JsonText:
        """Validate ``data`` as JSON (bounded depth) and locate every string value."""
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        # A byte order mark is not JSON (RFC 8259 8.1): dropped, so that the
        # text scanned, the text validated and the text forwarded are one.
        text = text.removeprefix("\ufeff")
        parse_json(text, max_depth)  # full validation, with the gateway's error codes
        keys: list[JsonString] = []
        strings = _scan(text, keys)
        return cls(text, tuple(strings), tuple(keys))

    def replace(self, replacements: Sequence[tuple[int, int, str]]) -> str:
        """Apply ``(raw_start, raw_end, raw_text)`` replacements (non-overlapping)."""
        return splice(self.text, replacements)


def escape(value: str) -> str:
    """``value`` as the inside of a JSON string literal (UTF-8, no ASCII escaping)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")


def _scan(text: str, keys: list[JsonString]) -> list[JsonString]:
    """Locate string values in ``text``, which is known to be valid JSON; unusual keys go to ``keys``."""
    found: list[JsonString] = []
    # Each frame: [container, key or index of the next value, expecting a key?]
    stack: list[list[object]] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char in _WHITESPACE or char == ",":
            if char == "," and stack and stack[-1][0] == "list":
                stack[-1][1] = int(stack[-1][1]) + 1  # type: ignore[call-overload]
            elif char == "," and stack:
                stack[-1][2] = True
            i += 1
        elif char == "{":
            stack.append(["dict", None, True])
            i += 1
        elif char == "[":
            stack.append(["list", 0, False])
            i += 1
        elif char in "}]":
            stack.pop()
            i += 1
        elif char == ":":
            stack[-1][2] = False
            i += 1
        elif char == '"':
            end = _string_end(text, i)
            if stack and stack[-1][0] == "dict" and stack[-1][2]:
                key = json.loads(text[i : end + 1])
                stack[-1][1] = key
                if not _IDENTIFIER.fullmatch(key):
                    keys.append(_string(text, i + 1, end, tuple(_path(stack))))
            else:
                current = tuple(_path(stack))
                found.append(_string(text, i + 1, end, current))
            i = end + 1
        else:  # a number, true, false or null
            start = i
            while i < n and text[i] not in ",]} \t\r\n":
                i += 1
            if text[start] in "-0123456789":
                # Numbers are reported too: a policy may declare a numeric field an entity.
                found.append(JsonString(tuple(_path(stack)), start, i, text[start:i], number=True))
    return found


def _path(stack: list[list[object]]) -> list[PathPart]:
    parts: list[PathPart] = []
    for kind, key, _ in stack:
        if kind == "list":
            parts.append(int(key))  # type: ignore[call-overload]
        else:
            parts.append(str(key))
    return parts


def _string_end(text: str, start: int) -> int:
    """Index of the closing quote of the literal opening at ``start``."""
    i = start + 1
    while True:
        quote = text.index('"', i)
        backslashes = 0
        j = quote - 1
        while text[j] == "\\":
            backslashes += 1
            j -= 1
        if backslashes % 2 == 0:
            return quote
        i = quote + 1


def _string(text: str, start: int, end: int, path: tuple[PathPart, ...]) -> JsonString:
    raw = text[start:end]
    if "\\" not in raw:
        return JsonString(path, start, end, raw)
    # Offsets are only needed for strings that get a replacement; they are
    # computed then (``JsonString.raw_span``), not for every string.
    return JsonString(path, start, end, json.loads(f'"{raw}"'), escaped=True)


# One escape: a surrogate pair spelled as two \\u escapes (one character), a \\u escape, or \\x.
_ESCAPE = re.compile(
    r"\\(?:u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)"
)


class OffsetMap:
    """Decoded index -> raw index for one JSON string literal, from its escapes alone."""

    def __init__(self, raw: str) -> None:
        self.decoded_at: list[int] = []  # decoded position of each escape
        self.extra: list[int] = [0]  # raw characters gained before escape i (prefix sums)
        gained = 0
        for match in _ESCAPE.finditer(raw):
            self.decoded_at.append(match.start() - gained)
            gained += len(match.group()) - 1  # every escape decodes to one character
            self.extra.append(gained)

    def raw(self, decoded: int) -> int:
        return decoded + self.extra[bisect.bisect_left(self.decoded_at, decoded)]
