"""Replacing spans of a document: the one splice every format uses.

Formats find values in a raw document (a JSON string's escaped characters, an
HTML attribute, a multipart part) and edit only those spans, so the rest of
the document reaches the vendor byte for byte as the caller wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

Text = TypeVar("Text", str, bytes)


def splice(document: Text, edits: Iterable[tuple[int, int, Text]]) -> Text:
    """``document`` with each ``(start, end, new)`` span replaced; spans must not overlap."""
    pieces: list[Text] = []
    position = 0
    for start, end, new in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if start < position:
            raise ValueError("overlapping edits")
        pieces.append(document[position:start])
        pieces.append(new)
        position = end
    pieces.append(document[position:])
    return document[:0].join(pieces)
