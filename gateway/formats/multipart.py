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
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser

from gateway.errors import InputError
from gateway.formats.splice import splice

_DISPOSITION_NAME = re.compile(r'\bname="([^"]*)"|\bname=([^;\s]+)', re.IGNORECASE)


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
    disposition = headers.get("content-disposition", "")
    match = _DISPOSITION_NAME.search(disposition)
    name = (match.group(1) or match.group(2)) if match else ""
    content_type = headers.get_content_type() if headers.get("content-type") else "text/plain"
    is_file = "filename=" in disposition.lower() or not content_type.startswith("text/")
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
