"""HTML, wherever it is: the text a person reads, found in the markup and edited in place.

Helpdesks carry HTML inside JSON strings (Freshdesk's ``description``,
Zendesk's ``html_body``), form fields and text bodies, not only in
``text/html`` bodies. Any string that holds a tag of a real HTML element is
read here, whatever carried it:

* the **visible text** is one text, as a reader sees it: inline tags dropped
  (``Jane <b>Doe</b>`` reads ``Jane Doe``), block tags and ``<br>`` as line
  breaks, character references decoded, each character mapped back to the raw
  characters it came from;
* **attribute values** a person can read (``href`` with its ``mailto:``,
  ``title``, ``alt``...) are texts of their own; only attributes that never
  hold text (``class``, ``width``...) are passed;
* **comments, CDATA, scripts and styles** are scanned as raw text: the vendor
  receives them, and browsers and this parser disagree on where some of them
  end (``<!-->`` closes a comment in a browser), so nothing is skipped on the
  strength of a parse.

A replacement never covers markup: a value that runs across tags is replaced
in its first stretch of text, and its other stretches are emptied, so the
document stays well-formed and none of the value is left.

Angle brackets that are not a known element's tag (``<your name>``,
``<Jane Doe>``, ``Jane <jane@example.com>``) are text, read like any other: a
string is HTML only if it holds a real element's tag.
"""

from __future__ import annotations

import html
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field

_RAW = re.compile(
    r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<![^>]*>|<\?.*?\?>|<(script|style)\b[^>]*>.*?</\1\s*>",
    re.DOTALL | re.IGNORECASE,
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:[\s/][^>]*)?>")
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""")
_REFERENCE = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};?)")
DEFAULT_ATTRIBUTES = ("*",)  # every attribute but STRUCTURAL
STRUCTURAL = frozenset(
    {"class", "id", "width", "height", "align", "valign", "dir", "lang", "role", "rel",
     "target", "type", "colspan", "rowspan", "border", "cellpadding", "cellspacing",
     "tabindex", "charset", "nowrap", "span", "start", "reversed", "hidden", "disabled",
     "checked", "selected", "readonly", "required", "bgcolor", "color", "face", "size",
     "style"}
)  # fmt: skip
# Elements that end a line where they open or close, as a browser lays them out.
BLOCK = frozenset(
    {"address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details",
     "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
     "h4", "h5", "h6", "head", "header", "hr", "html", "legend", "li", "main", "nav", "ol",
     "option", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
     "thead", "title", "tr", "ul"}
)  # fmt: skip
INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "big", "center", "cite", "code", "del", "dfn", "em",
     "font", "i", "img", "ins", "kbd", "label", "mark", "meta", "link", "q", "s", "samp",
     "small", "span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr",
     "input", "button", "select", "textarea", "col", "colgroup", "area", "map", "source",
     "picture", "video", "audio", "base"}
)  # fmt: skip
ELEMENTS = BLOCK | INLINE
_ELEMENT_TAG = re.compile(
    r"</?(?:" + "|".join(sorted(ELEMENTS, key=len, reverse=True)) + r")(?=[\s/>])", re.IGNORECASE
)


def is_markup(text: str) -> bool:
    """Whether ``text`` holds a tag of a real HTML element (and so is read as HTML)."""
    return "<" in text and _ELEMENT_TAG.search(text) is not None


@dataclass(frozen=True, slots=True)
class Segment:
    """Readable text at ``raw[start:end]`` of the document, decoded as ``value``."""

    start: int
    end: int
    where: str  # the attribute's name, or "raw" for a comment, script or style
    value: str = field(repr=False)
    offsets: tuple[int, ...] | None = field(default=None, repr=False)

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        if self.offsets is None:
            return self.start + start, self.start + end
        return self.start + self.offsets[start], self.start + self.offsets[end]


@dataclass(frozen=True, slots=True)
class Rendered:
    """The visible text of a document, each character mapped to the raw ones it came from.

    ``starts[i]``/``ends[i]`` are the raw span of ``text[i]``; -1 marks a line
    break that stands for a block tag (it has no raw characters of its own).
    """

    text: str = field(repr=False)
    starts: array[int] = field(repr=False)
    ends: array[int] = field(repr=False)

    def edits(self, start: int, end: int, new: str) -> list[tuple[int, int, str]]:
        """Raw edits that replace ``text[start:end]`` by ``new``, leaving markup alone."""
        runs: list[list[int]] = []
        for index in range(start, end):
            raw_start, raw_end = self.starts[index], self.ends[index]
            if raw_start < 0:
                continue
            if runs and runs[-1][1] == raw_start:
                runs[-1][1] = raw_end
            elif runs and raw_start < runs[-1][1]:  # several characters from one reference
                runs[-1][1] = max(runs[-1][1], raw_end)
            else:
                runs.append([raw_start, raw_end])
        return [(a, b, new if i == 0 else "") for i, (a, b) in enumerate(runs)]


@dataclass(frozen=True, slots=True)
class Markup:
    """A document read as HTML: its visible text and its other readable segments."""

    rendered: Rendered
    segments: tuple[Segment, ...]


def read(document: str, attributes: Iterable[str] = DEFAULT_ATTRIBUTES) -> Markup:
    """Read ``document`` as HTML (see the module docstring)."""
    wanted = {a.lower() for a in attributes}
    text: list[str] = []
    starts: array[int] = array("q")
    ends: array[int] = array("q")
    segments: list[Segment] = []

    def add_text(start: int, end: int) -> None:
        if not text or text[-1].endswith("\n"):
            # Source whitespace at the start of a line is not shown ("<br>\n"
            # is one line break): skipping it keeps lines as a reader sees them.
            while start < end and document[start] in " \t\r\n":
                start += 1
        raw = document[start:end]
        if not raw:
            return
        decoded, offsets = unescape(raw)
        text.append(decoded)
        if offsets is None:
            starts.extend(range(start, end))
            ends.extend(range(start + 1, end + 1))
            return
        for i in range(len(decoded)):
            starts.append(start + offsets[i])
            # A reference's characters all end where the reference does.
            following = offsets[i + 1]
            ends.append(
                start + (following if following > offsets[i] else _reference_end(raw, offsets[i]))
            )

    def line_break() -> None:
        if text and not text[-1].endswith("\n"):
            text.append("\n")
            starts.append(-1)
            ends.append(-1)

    def markup(start: int, end: int) -> None:
        position = start
        for tag in _TAG.finditer(document, start, end):
            name = tag.group(2).lower()
            if name not in ELEMENTS:
                continue  # not a tag a browser knows: text, read as such
            add_text(position, tag.start())
            if name in BLOCK:
                line_break()
            if not tag.group(1):
                _attributes(document, tag, wanted, segments)
            position = tag.end()
        add_text(position, end)

    position = 0
    for raw in _RAW.finditer(document):
        markup(position, raw.start())
        if raw.group().strip():
            segments.append(Segment(raw.start(), raw.end(), "raw", raw.group()))
        line_break()
        position = raw.end()
    markup(position, len(document))
    return Markup(Rendered("".join(text), starts, ends), tuple(segments))


def _reference_end(raw: str, offset: int) -> int:
    match = _REFERENCE.match(raw, offset)
    return match.end() if match else offset + 1


def _attributes(document: str, tag: re.Match[str], wanted: set[str], found: list[Segment]) -> None:
    every = "*" in wanted
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
        for char in html.unescape(match.group()):
            decoded.append(char)
            offsets.append(match.start())
        position = match.end()
    for i in range(position, len(raw)):
        decoded.append(raw[i])
        offsets.append(i)
    offsets.append(len(raw))
    return "".join(decoded), tuple(offsets)


def escape(value: str) -> str:
    return html.escape(value, quote=True)
