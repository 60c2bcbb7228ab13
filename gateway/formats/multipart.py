"""``multipart/form-data`` bodies: text parts located in place, file parts reported.

The body is split on its boundary; each part's headers are read just enough
to tell a text field from a file. Text parts are decoded and offered for
redaction; files (a ``filename``, or a non-text content type) cannot be read
for personal data, so the route decides whether they are refused or passed.
Each part's header block is offered too (a field name or a file name can be
personal data). Boundaries are kept byte for byte; the preamble and epilogue,
which carry nothing a receiver reads, are dropped rather than scanned.

Text parts must be UTF-8 (or ASCII) and not transfer-encoded: RFC 7578
deprecates ``Content-Transfer-Encoding``, and a part the gateway cannot read
as its receiver would is refused rather than passed unread.

Header parameters are read as receivers read them, RFC 2231/5987 encodings
included: ``filename*=UTF-8''a%40b.com`` and ``filename*0="a"; filename*1=".txt"``
are a file named ``a@b.com`` or ``a.txt``, for the file rule and for
detection. RFC 7578 forbids these forms in form data, but parsers accept them.
"""

from __future__ import annotations

import itertools
import re
import urllib.parse
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser
from email.utils import collapse_rfc2231_value

from gateway.errors import InputError
from gateway.formats.splice import splice

# A parameter in RFC 2231 form: name*=charset'lang'pct, or one segment name*N[*]=...
_EXTENDED = re.compile(
    r";\s*(?P<name>[!#$&+.^_`|~0-9A-Za-z-]+)\*(?:(?P<index>\d{1,3})(?P<star>\*)?)?\s*=\s*"
    r'(?P<value>"(?:[^"\\\r\n]|\\.)*"|[^;\s]*)'
)
_BETWEEN_SEGMENTS = re.compile(r"\s*")
_PARAM_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", ""})
_TEXT_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_IDENTITY_TRANSFER = frozenset({"", "7bit", "8bit", "binary"})


@dataclass(frozen=True, slots=True)
class Part:
    """One part: its headers are ``data[header_start:start - 4]``, its body ``data[start:end]``."""

    name: str
    header_start: int
    start: int
    end: int
    is_file: bool
    text: str | None = field(default=None, repr=False)  # decoded body of a text part

    def headers(self, data: bytes) -> str:
        return data[self.header_start : self.start - 4].decode("utf-8", "surrogateescape")


@dataclass(frozen=True, slots=True)
class Multipart:
    """The parts, and where the framing begins and ends (preamble and epilogue lie outside)."""

    parts: list[Part]
    start: int
    end: int


def boundary_of(content_type: str) -> bytes:
    message = Message()
    message["content-type"] = content_type
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not boundary or len(boundary) > 200:
        raise InputError("invalid_multipart", "multipart/form-data needs a boundary parameter")
    return boundary.encode("latin-1")


def parse(data: bytes, content_type: str) -> Multipart:
    """Locate the parts of a multipart body; refuses malformed framing."""
    boundary = b"--" + boundary_of(content_type)
    parts: list[Part] = []
    position = data.find(boundary)
    if position < 0:
        raise InputError("invalid_multipart", "the multipart body does not contain its boundary")
    first = position
    while True:
        position += len(boundary)
        if data[position : position + 2] == b"--":
            return Multipart(parts, first, position + 2)  # the closing delimiter
        if data[position : position + 2] != b"\r\n":
            raise InputError("invalid_multipart", "a multipart boundary is not followed by CRLF")
        header_end = data.find(b"\r\n\r\n", position + 2)
        if header_end < 0:
            raise InputError("invalid_multipart", "a multipart part has no end of headers")
        body_start = header_end + 4
        body_end = data.find(b"\r\n" + boundary, body_start)
        if body_end < 0:
            raise InputError("invalid_multipart", "the multipart body is truncated")
        headers = HeaderParser().parsestr(data[position + 2 : header_end].decode("latin-1"))
        parts.append(_part(headers, data, position + 2, body_start, body_end, len(parts)))
        position = body_end + 2


def _part(
    headers: Message, data: bytes, header_start: int, start: int, end: int, index: int
) -> Part:
    # Error messages name a part by its position: its name could be anything.
    try:
        raw_name = headers.get_param("name", "", header="content-disposition")
        name = collapse_rfc2231_value(raw_name) if raw_name else ""
        has_filename = headers.get_filename() is not None
    except (ValueError, LookupError):  # a parameter that cannot be decoded: not read as text
        name, has_filename = "", True
    content_type = headers.get_content_type() if headers.get("content-type") else "text/plain"
    is_file = has_filename or not content_type.startswith("text/")
    if is_file:
        return Part(name, header_start, start, end, True)
    transfer = str(headers.get("content-transfer-encoding", "")).strip().lower()
    if transfer not in _IDENTITY_TRANSFER:
        raise InputError(
            "unsupported_content_encoding",
            f"multipart part {index + 1} is transfer-encoded, which is not read; send it as 8bit",
        )
    charset = headers.get_param("charset", "utf-8", header="content-type")
    if not isinstance(charset, str) or charset.lower() not in _TEXT_CHARSETS:
        raise InputError(
            "unsupported_charset", f"multipart part {index + 1} is not UTF-8; send text as UTF-8"
        )
    try:
        text = data[start:end].decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            "invalid_encoding", f"multipart part {index + 1} is not valid UTF-8"
        ) from None
    return Part(name, header_start, start, end, False, text)


def rebuild(data: bytes, body: Multipart, replacements: dict[tuple[int, int], bytes]) -> bytes:
    """The framed body (no preamble or epilogue) with ``(start, end)`` byte spans replaced."""
    edits = [
        (start - body.start, end - body.start, new) for (start, end), new in replacements.items()
    ]
    return splice(data[body.start : body.end], edits) + b"\r\n"


@dataclass(frozen=True, slots=True)
class Parameter:
    """A header parameter in RFC 2231 form, decoded; ``headers[start:end]`` holds all its segments."""

    name: str
    start: int
    end: int
    value: str = field(repr=False)


def extended_parameters(headers: str, index: int) -> list[Parameter]:
    """The RFC 2231/5987 parameters of a part's header block, decoded.

    Segments of one parameter must follow one another (``name*0=...; name*1=...``);
    a charset other than UTF-8, ASCII or Latin-1, or scattered segments, are
    refused: a value the gateway cannot read is not forwarded unread.
    """
    groups: dict[tuple[int, str], list[re.Match[str]]] = {}
    for match in _EXTENDED.finditer(headers):
        line = headers.count("\n", 0, match.start())
        groups.setdefault((line, match.group("name").lower()), []).append(match)
    found = []
    for segments in groups.values():
        segments.sort(key=lambda m: int(m.group("index") or 0))
        for before, after in itertools.pairwise(segments):
            if not _BETWEEN_SEGMENTS.fullmatch(headers, before.end(), after.start()):
                raise InputError(
                    "invalid_multipart",
                    f"multipart part {index + 1} has a header parameter in scattered segments",
                )
        value = _decode_segments(segments, index)
        # The span starts after the ";" that opens the first segment.
        start = segments[0].start("name")
        found.append(Parameter(segments[0].group("name"), start, segments[-1].end(), value))
    return found


def _decode_segments(segments: list[re.Match[str]], index: int) -> str:
    charset = ""
    raw = b""
    for position, segment in enumerate(segments):
        value = segment.group("value")
        extended = segment.group("index") is None or segment.group("star") is not None
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
            extended = False if segment.group("index") is not None else extended
        if extended and position == 0 and value.count("'") >= 2:
            charset, _, value = value.split("'", 2)
        raw += (
            urllib.parse.unquote_to_bytes(value) if extended else value.encode("latin-1", "replace")
        )
    charset = charset.lower()
    if charset not in _PARAM_CHARSETS:
        raise InputError(
            "unsupported_charset",
            f"multipart part {index + 1} has a header parameter in a charset that is not read",
        )
    try:
        return raw.decode("latin-1" if charset in ("iso-8859-1", "latin-1") else "utf-8")
    except UnicodeDecodeError:
        raise InputError(
            "invalid_encoding",
            f"multipart part {index + 1} has a header parameter that is not UTF-8",
        ) from None


def encode_parameter(name: str, value: str) -> str:
    """``name*=UTF-8''...``: a parameter as RFC 5987 writes it."""
    return f"{name}*=UTF-8''{urllib.parse.quote(value, safe='')}"
