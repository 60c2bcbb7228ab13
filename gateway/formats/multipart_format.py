"""``multipart/form-data`` as a request format: text parts by the form rules, header blocks
read with their RFC 2231/5987 parameters decoded (parsing is :mod:`gateway.formats.multipart`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from gateway.errors import InputError
from gateway.formats import markup, multipart
from gateway.formats.documents import classify
from gateway.formats.pieces import Piece, Redacted, Splice, View, redacted_text, slices
from gateway.formats.splice import splice
from gateway.policy import CompiledFieldRules


class HeaderView:
    """A multipart part's header block as detection reads it: the block's text,
    and each RFC 2231/5987 parameter decoded (``filename*=UTF-8''a%40b.com`` reads
    ``a@b.com``). A parameter with a replacement is written back encoded."""

    def __init__(self, where: str, headers: str, index: int) -> None:
        self.parameters = multipart.extended_parameters(headers, index)
        # The block is scanned with its encoded parameters blanked out: they
        # are read decoded, and two edits must never touch the same bytes.
        masked = list(headers)
        for parameter in self.parameters:
            masked[parameter.start : parameter.end] = " " * (parameter.end - parameter.start)
        self.block = View(where, "".join(masked), ())
        self.pieces = self.block.pieces + [
            Piece(f"{where}({p.name}*)", p.value) for p in self.parameters
        ]

    def edits(self, results: Sequence[Redacted]) -> list[Splice]:
        count = len(self.block.pieces)
        found = self.block.edits(results[:count])
        for parameter, result in zip(self.parameters, results[count:], strict=True):
            if result.replacements:
                value = splice(
                    parameter.value, [(r.start, r.end, r.text) for r in result.replacements]
                )
                found.append(
                    (
                        parameter.start,
                        parameter.end,
                        multipart.encode_parameter(parameter.name, value),
                    )
                )
        return found


class MultipartFormat:
    """Text parts' bodies by the form rules, and every part's header block as text."""

    def __init__(
        self,
        body: bytes,
        content_type: str,
        rules: CompiledFieldRules,
        files: str,
        attributes: Sequence[str] = markup.DEFAULT_ATTRIBUTES,
    ) -> None:
        self.body = body
        self.multipart = multipart.parse(body, content_type)
        # Each string: its byte span, its text, its view (None: replaced whole).
        self.strings: list[tuple[tuple[int, int], str, View | HeaderView | None]] = []
        self.pieces = []
        for index, part in enumerate(self.multipart.parts):
            headers = part.headers(body)
            if not _plain_part_headers(headers):
                where = f"body.part{index + 1}(headers)"
                self._add(
                    (part.header_start, part.start - 4), headers, HeaderView(where, headers, index)
                )
            if part.is_file:
                if files != "passthrough":
                    raise InputError(
                        "attachment_refused",
                        f"multipart part {index + 1} is a file, which cannot be checked for "
                        "personal data; this route refuses files",
                    )
                continue
            kind = classify((part.name,), rules)
            if kind == "passthrough" or part.text is None:
                continue
            where = f"body.{part.name}"
            if kind == "scan":
                self._add((part.start, part.end), part.text, View(where, part.text, attributes))
            else:
                self.strings.append(((part.start, part.end), part.text, None))
                self.pieces.append(Piece(where, part.text, kind))

    def _add(self, span: tuple[int, int], text: str, view: View | HeaderView) -> None:
        self.strings.append((span, text, view))
        self.pieces += view.pieces

    def rebuild(self, results: Sequence[Redacted]) -> bytes:
        views = [view for _, _, view in self.strings]
        replacements = {
            span: redacted_text(text, view, mine).encode("utf-8", errors="surrogateescape")
            for (span, text, view), mine in zip(self.strings, slices(views, results), strict=True)
            if any(r.replacements for r in mine)
        }
        return multipart.rebuild(self.body, self.multipart, replacements)


_PLAIN_PART_HEADER = re.compile(
    r'content-disposition:\s*form-data;\s*name="?[A-Za-z0-9_.\[\]-]{1,100}"?'
    r"|content-type:\s*text/plain(;\s*charset=\"?utf-8\"?)?",
    re.IGNORECASE,
)


def _plain_part_headers(headers: str) -> bool:
    # The usual `form-data; name="comment"` says nothing about anyone; a file
    # name, an unusual field name or any other header is scanned.
    return all(_PLAIN_PART_HEADER.fullmatch(line.strip()) for line in headers.splitlines())
