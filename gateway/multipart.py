"""``multipart/form-data`` bodies: text parts located in place, file parts reported.

The body is split on its boundary; each part's headers are read just enough
to tell a text field from a file. Text parts are decoded and offered for
redaction; files (a ``filename``, or a non-text content type) cannot be read
for personal data, so the route decides whether they are refused or passed.
Everything between part bodies (boundaries, headers) is kept byte for byte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message
from email.parser import HeaderParser

from gateway.errors import InputError

_DISPOSITION_NAME = re.compile(r'\bname="([^"]*)"|\bname=([^;\s]+)', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Part:
    """One part: its body is ``data[start:end]``."""

    name: str
    start: int
    end: int
    is_file: bool
    charset: str
    text: str | None = field(default=None, repr=False)  # decoded body of a text part


def boundary_of(content_type: str) -> bytes:
    message = Message()
    message["content-type"] = content_type
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not boundary or len(boundary) > 200:
        raise InputError("invalid_multipart", "multipart/form-data needs a boundary parameter")
    return boundary.encode("latin-1")


def parse(data: bytes, content_type: str) -> list[Part]:
    """Locate the parts of a multipart body; refuses malformed framing."""
    boundary = b"--" + boundary_of(content_type)
    parts: list[Part] = []
    position = data.find(boundary)
    if position < 0:
        raise InputError("invalid_multipart", "the multipart body does not contain its boundary")
    while True:
        position += len(boundary)
        if data[position : position + 2] == b"--":
            return parts  # the closing delimiter
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
        parts.append(_part(headers, data, body_start, body_end))
        position = body_end + 2


def _part(headers: Message, data: bytes, start: int, end: int) -> Part:
    disposition = headers.get("content-disposition", "")
    match = _DISPOSITION_NAME.search(disposition)
    name = (match.group(1) or match.group(2)) if match else ""
    content_type = headers.get_content_type() if headers.get("content-type") else "text/plain"
    charset = headers.get_param("charset", "utf-8", header="content-type")
    charset = charset if isinstance(charset, str) else "utf-8"
    is_file = "filename=" in disposition.lower() or not content_type.startswith("text/")
    if is_file:
        return Part(name, start, end, True, charset)
    try:
        text = data[start:end].decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise InputError(
            "invalid_encoding", f"multipart field '{name[:40]}' is not valid {charset[:20]}"
        ) from None
    return Part(name, start, end, False, charset, text)


def rebuild(data: bytes, replacements: dict[int, bytes], parts: list[Part]) -> bytes:
    """``data`` with the bodies of the parts at the given indexes replaced."""
    pieces = []
    position = 0
    for index, part in enumerate(parts):
        if index in replacements:
            pieces.append(data[position : part.start])
            pieces.append(replacements[index])
            position = part.end
    pieces.append(data[position:])
    return b"".join(pieces)
