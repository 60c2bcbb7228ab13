"""HTML bodies: the text a person reads, found in the markup and edited in place.

Text nodes and attribute values (``href`` with its ``mailto:``, ``title``,
``alt``...) are decoded (``&amp;`` -> ``&``) with a map back to the raw
characters, so a replacement lands exactly on the raw span of the value and the
rest of the document is left byte for byte.

Comments, CDATA sections, processing instructions, ``<script>`` and
``<style>`` are scanned too, as raw text: the vendor receives them, and
browsers and this parser disagree on where some of them end (``<!-->`` closes
a comment in a browser), so nothing is skipped on the strength of a parse.
Only attributes that never hold text (``class``, ``width``...) are passed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_RAW = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<![^>]*>|<\?.*?\?>|<(script|style)\b[^>]*>.*?</\1\s*>",
    re.DOTALL | re.IGNORECASE,
)
_TAG = re.compile(r"<[a-zA-Z/][^>]*>")
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};?)")
DEFAULT_ATTRIBUTES = ("*",)  # every attribute but STRUCTURAL
STRUCTURAL = frozenset(
    {"class", "id", "width", "height", "align", "valign", "dir", "lang", "role", "rel",
     "target", "type", "colspan", "rowspan", "border", "cellpadding", "cellspacing",
     "tabindex", "charset", "nowrap", "span", "start", "reversed", "hidden", "disabled",
     "checked", "selected", "readonly", "required", "bgcolor", "color", "face", "size"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Segment:
    """Readable text at ``raw[start:end]`` of the document, decoded as ``value``."""

    start: int
    end: int
    where: str  # "text" or the attribute's name
    value: str = field(repr=False)
    offsets: tuple[int, ...] | None = field(default=None, repr=False)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        if self.offsets is None:
            return self.start + start, self.start + end
        return self.start + self.offsets[start], self.start + self.offsets[end]


def unescape(raw: str) -> tuple[str, tuple[int, ...] | None]:
    """Decode character references, with the raw offset of each decoded character."""
    if "&" not in raw:
        return raw, None
    decoded: list[str] = []
    offsets: list[int] = []
    position = 0
    for match in _REFERENCE.finditer(raw):
        for i in range(position, match.start()):
            decoded.append(raw[i])
            offsets.append(i)
        text = html.unescape(match.group())
        for char in text:
            decoded.append(char)
            offsets.append(match.start())
        position = match.end()
    for i in range(position, len(raw)):
        decoded.append(raw[i])
        offsets.append(i)
    offsets.append(len(raw))
    return "".join(decoded), tuple(offsets)


def segments(document: str, attributes: Iterable[str] = DEFAULT_ATTRIBUTES) -> list[Segment]:
    """The readable pieces of ``document``: text nodes, attribute values, raw sections."""
    wanted = {a.lower() for a in attributes}
    found: list[Segment] = []
    position = 0
    for raw in _RAW.finditer(document):
        _scan_markup(document, position, raw.start(), wanted, found)
        if raw.group().strip():
            found.append(Segment(raw.start(), raw.end(), "raw", raw.group()))
        position = raw.end()
    _scan_markup(document, position, len(document), wanted, found)
    return found


def _scan_markup(
    document: str, start: int, end: int, wanted: set[str], found: list[Segment]
) -> None:
    position = start
    every = "*" in wanted
    for tag in _TAG.finditer(document, start, end):
        _text(document, position, tag.start(), found)
        for attribute in _ATTRIBUTE.finditer(tag.group()):
            name = attribute.group(1).lower()
            if not (name in wanted or (every and name not in STRUCTURAL)):
                continue
            group = next(g for g in (2, 3, 4) if attribute.group(g) is not None)
            value_start = tag.start() + attribute.start(group)
            value_end = tag.start() + attribute.end(group)
            raw = document[value_start:value_end]
            if raw.strip():
                decoded, offsets = unescape(raw)
                found.append(Segment(value_start, value_end, name, decoded, offsets))
        position = tag.end()
    _text(document, position, end, found)


def _text(document: str, start: int, end: int, found: list[Segment]) -> None:
    raw = document[start:end]
    if raw.strip():
        decoded, offsets = unescape(raw)
        found.append(Segment(start, end, "text", decoded, offsets))


def escape(value: str) -> str:
    return html.escape(value, quote=True)
