"""The vocabulary of request formats: pieces of text to redact, and how edits go back.

A request part (:mod:`gateway.formats.request`) offers :class:`Piece` objects,
the strings a person could have written, and rebuilds itself from their
redactions. A :class:`View` is one string as detection reads it: plain text,
or HTML read as a reader sees it (:mod:`gateway.formats.markup`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from gateway.formats import markup
from gateway.formats.splice import splice

Splice = tuple[int, int, str]


class Edit(Protocol):
    """A replacement made in a piece: ``value[start:end]`` became ``text``."""

    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def text(self) -> str: ...


class Redacted(Protocol):
    """A piece after redaction: its new text, and the replacements that made it."""

    @property
    def text(self) -> str: ...
    @property
    def replacements(self) -> Sequence[Edit]: ...


@dataclass(frozen=True, slots=True)
class Piece:
    """One string of the request to redact. ``entity`` set: the whole value is that entity."""

    where: str  # "body.ticket.comment.body", "query.q", "header.x-customer-email"
    value: str = field(repr=False)
    entity: str | None = None
    record: str | None = None  # the bulk document's record it is in ("tickets[3]")


class Format(Protocol):
    """A request part that offers pieces and rebuilds itself from their redactions."""

    pieces: list[Piece]

    def rebuild(self, results: Sequence[Redacted]) -> bytes | str: ...


class View:
    """One string as detection reads it: its texts, and its replacements as edits of it.

    A plain string is one text. A string that holds HTML (:func:`markup.is_markup`)
    is read as HTML, wherever it came from: its visible text, then its readable
    attributes and raw sections, each a text of its own; replacements land on
    the text's raw characters and never on markup.
    """

    def __init__(
        self, where: str, value: str, attributes: Sequence[str], record: str | None = None
    ) -> None:
        self.markup = markup.read(value, attributes) if markup.is_markup(value) else None
        if self.markup is None:
            self.pieces = [Piece(where, value, record=record)]
        else:
            self.pieces = [Piece(where, self.markup.rendered.text, record=record)] + [
                Piece(f"{where}(html.{s.where})", s.value, record=record)
                for s in self.markup.segments
            ]

    def edits(self, results: Sequence[Redacted]) -> list[Splice]:
        """Edits of the string, from the redactions of :attr:`pieces` (in order)."""
        if self.markup is None:
            return [(r.start, r.end, r.text) for r in results[0].replacements]
        rendered = self.markup.rendered
        found = [
            edit
            for r in results[0].replacements
            for edit in rendered.edits(r.start, r.end, markup.escape(r.text))
        ]
        for segment, result in zip(self.markup.segments, results[1:], strict=True):
            found += [
                (*segment.raw_span(r.start, r.end), markup.escape(r.text))
                for r in result.replacements
            ]
        return found


def slices(
    views: Sequence[ViewLike | None], results: Sequence[Redacted]
) -> Iterator[Sequence[Redacted]]:
    """The results of each string's pieces (a view's several, or a whole value's one)."""
    position = 0
    for view in views:
        count = len(view.pieces) if view is not None else 1
        yield results[position : position + count]
        position += count


def redacted_text(value: str, view: ViewLike | None, results: Sequence[Redacted]) -> str:
    return splice(value, view.edits(results)) if view is not None else results[0].text


class ViewLike(Protocol):
    """A view of one string: its pieces, and its edits from their redactions."""

    @property
    def pieces(self) -> list[Piece]: ...

    def edits(self, results: Sequence[Redacted]) -> list[Splice]: ...
