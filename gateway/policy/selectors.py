"""Field selectors: which parts of a JSON document a policy rule applies to.

A selector is a dotted path. ``*`` matches one level (any key or any array
item), ``**`` any number of levels, including none. A leading ``$.`` and the
``[*]`` / ``[0]`` array forms are accepted, so JSONPath habits work::

    ticket.comment.body          one field
    ticket.custom_fields.*.value every item's value
    $.messages[*].content        same as messages.*.content
    **.email                     any field named email, at any depth

    >>> Selector.parse("$.messages[*].content").matches(("messages", 3, "content"))
    True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_BRACKET = re.compile(r"\[(\*|\d+)\]")
_KEY = re.compile(r"^[^.\[\]]+$")

PathPart = str | int


@dataclass(frozen=True, slots=True)
class Selector:
    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Selector:
        """Parse ``text``; raises ``ValueError`` with a readable reason."""
        source = text.strip()
        if source.startswith("$."):
            source = source[2:]
        elif source == "$":
            raise ValueError("a selector must name a field, not the whole document")
        source = _BRACKET.sub(lambda m: "." + m.group(1), source)
        parts = tuple(source.split("."))
        if not source or any(not _KEY.match(p) for p in parts):
            raise ValueError(f"'{text}' is not a field path like 'ticket.comment.body'")
        return cls(parts)

    def matches(self, path: Sequence[PathPart]) -> bool:
        return _match(self.parts, 0, path, 0)

    def __str__(self) -> str:
        return ".".join(self.parts)


def _match(parts: tuple[str, ...], i: int, path: Sequence[PathPart], j: int) -> bool:
    while i < len(parts):
        part = parts[i]
        if part == "**":
            return any(_match(parts, i + 1, path, k) for k in range(j, len(path) + 1))
        if j >= len(path):
            return False
        if part != "*" and part != str(path[j]):
            return False
        i += 1
        j += 1
    return j == len(path)


def path_to_string(path: Sequence[PathPart]) -> str:
    """Render a concrete path the way audit records and errors show it."""
    return ".".join(str(p) for p in path) if path else "$"
