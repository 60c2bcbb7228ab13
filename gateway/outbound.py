"""Redacting an outbound request: its body (by media type), query string and chosen headers.

Every readable string of the request is collected first and redacted in one
call, so that detection sees the whole request at once (a name in the
requester field is recognised in the comment body too). Each format then
splices its replacements back into the raw bytes, so what reaches the vendor
is the caller's request with only personal data changed.

=====================================  ==========================================
``application/json``, ``*/*+json``     string values, by the route's field rules
``application/x-www-form-urlencoded``  field values, by the same rules (paths of one name)
``text/plain`` and other ``text/*``    the whole text
``text/html``                          text nodes and readable attributes
``multipart/form-data``                text fields; files refused unless passed
=====================================  ==========================================

Anything else is refused (``unsupported_media_type``) unless the route lets
bodies of that kind pass untouched.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from gateway import jsontext, markup, multipart
from gateway.documents import classify
from gateway.errors import InputError
from gateway.policy import CompiledFieldRules
from gateway.redactor import EntityField, Redacted, Redactor, Replacement, ScopeChooser
from gateway.selectors import path_to_string

Splice = tuple[int, int, str]


@dataclass(frozen=True, slots=True)
class Piece:
    """One string of the request to redact. ``entity`` set: the whole value is that entity."""

    where: str  # "body.ticket.comment.body", "query.q", "header.x-customer-email"
    value: str = field(repr=False)
    entity: str | None = None


@dataclass(frozen=True, slots=True)
class Located:
    """A replacement, and where in the request it was made (never the value)."""

    where: str
    replacement: Replacement
    value: str = field(repr=False)  # the original value, for the audit log's keyed digest


class Format(Protocol):
    """A request part that offers pieces and rebuilds itself from their redactions."""

    pieces: list[Piece]

    def rebuild(self, results: Sequence[Redacted]) -> bytes | str: ...


@dataclass
class RequestRules:
    json: CompiledFieldRules
    form: CompiledFieldRules
    query: tuple[str, ...]  # names of query parameters to scan ("*": all)
    headers: tuple[str, ...]  # names of headers to scan, lower case
    html_attributes: tuple[str, ...]
    files: str  # "refuse" or "passthrough"
    other_media: str  # "refuse" or "passthrough"
    max_json_depth: int


@dataclass
class RedactedRequest:
    body: bytes = field(repr=False)
    query: str = field(repr=False)
    headers: dict[str, str] = field(repr=False)
    found: list[Located]
    scope: str


async def redact_request(
    redactor: Redactor,
    scope: str | ScopeChooser,
    rules: RequestRules,
    media_type: str | None,
    content_type: str,
    charset: str,
    body: bytes,
    query: str,
    headers: dict[str, str],
    parsed: jsontext.JsonText | None = None,
) -> RedactedRequest:
    """Redact every readable string of a request; raises ``InputError`` for what cannot be read.

    ``parsed`` is the JSON body if the caller already parsed it (for its scope).
    """
    formats: list[tuple[str, Format]] = []
    if body:
        formats.append(
            ("body", body_format(media_type, content_type, charset, body, rules, parsed))
        )
    if query and rules.query:
        formats.append(("query", QueryFormat(query, rules.query)))
    chosen = {name: value for name, value in headers.items() if name.lower() in rules.headers}
    if chosen:
        formats.append(("headers", HeaderFormat(chosen)))
    pieces = [piece for _, fmt in formats for piece in fmt.pieces]
    free = [p for p in pieces if p.entity is None]
    fields = [p for p in pieces if p.entity is not None]
    redaction = await redactor.redact(
        scope, [p.value for p in free], [EntityField(p.entity or "", p.value) for p in fields]
    )
    result_of = dict(zip([id(p) for p in free], redaction.texts, strict=True))
    result_of.update(zip([id(p) for p in fields], redaction.fields, strict=True))
    found = [
        Located(p.where, r, p.value[r.start : r.end])
        for p in pieces
        for r in result_of[id(p)].replacements
    ]
    new_body, new_query, new_headers = body, query, dict(headers)
    for part, fmt in formats:
        rebuilt = fmt.rebuild([result_of[id(p)] for p in fmt.pieces])
        if part == "body":
            new_body = rebuilt if isinstance(rebuilt, bytes) else rebuilt.encode(charset)
        elif part == "query":
            new_query = str(rebuilt)
        else:
            assert isinstance(fmt, HeaderFormat)
            new_headers.update(fmt.values)
    return RedactedRequest(new_body, new_query, new_headers, found, redaction.scope)


def body_format(
    media_type: str | None,
    content_type: str,
    charset: str,
    body: bytes,
    rules: RequestRules,
    parsed: jsontext.JsonText | None = None,
) -> Format:
    media = (media_type or "").lower()
    if media == "application/json" or media.endswith("+json"):
        return JsonFormat(_decode(body, charset), rules.json, rules.max_json_depth, parsed)
    if media == "application/x-www-form-urlencoded":
        return FormFormat(_decode(body, charset), rules.form)
    if media == "text/html" or media == "application/xhtml+xml":
        return HtmlFormat(_decode(body, charset), rules.html_attributes)
    if media.startswith("text/"):
        return TextFormat(_decode(body, charset))
    if media == "multipart/form-data":
        return MultipartFormat(body, content_type, rules.form, rules.files)
    if rules.other_media == "passthrough":
        return Passthrough(body)
    raise InputError(
        "unsupported_media_type",
        f"bodies of type '{media[:60] or 'unknown'}' cannot be read for personal data on this route",
    )


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset)
    except LookupError:
        raise InputError(
            "unsupported_charset", f"charset '{charset[:30]}' is not supported"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            "invalid_encoding",
            f"the body is not valid {charset[:30]} (bad byte at offset {exc.start})",
        ) from None


def _splice(text: str, splices: Sequence[Splice]) -> str:
    pieces = []
    position = 0
    for start, end, new in sorted(splices):
        pieces.append(text[position:start])
        pieces.append(new)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


class JsonFormat:
    def __init__(
        self,
        text: str,
        rules: CompiledFieldRules,
        max_depth: int,
        parsed: jsontext.JsonText | None = None,
    ) -> None:
        self.document = parsed or jsontext.JsonText.parse(text, max_depth)
        self.strings: list[jsontext.JsonString] = []
        self.pieces = []
        for item in self.document.strings:
            kind = classify(item.path, rules)
            if kind == "passthrough" or (item.number and kind == "scan"):
                continue
            self.strings.append(item)
            where = "body." + path_to_string(item.path)
            self.pieces.append(Piece(where, item.value, None if kind == "scan" else kind))

    def rebuild(self, results: Sequence[Redacted]) -> str:
        splices: list[Splice] = []
        for item, piece, result in zip(self.strings, self.pieces, results, strict=True):
            if not result.replacements:
                continue
            if item.number:
                splices.append((item.start, item.end, f'"{jsontext.escape(result.text)}"'))
            elif piece.entity is not None:
                splices.append((item.start, item.end, jsontext.escape(result.text)))
            else:
                for r in result.replacements:
                    start, end = item.raw_span(r.start, r.end, self.document.text)
                    splices.append((start, end, jsontext.escape(r.text)))
        return self.document.replace(splices)


class HtmlFormat:
    def __init__(self, text: str, attributes: Sequence[str]) -> None:
        self.text = text
        self.segments = markup.segments(text, attributes)
        self.pieces = [Piece(f"body.html.{s.where}", s.value) for s in self.segments]

    def rebuild(self, results: Sequence[Redacted]) -> str:
        splices = [
            (*segment.raw_span(r.start, r.end), markup.escape(r.text))
            for segment, result in zip(self.segments, results, strict=True)
            for r in result.replacements
        ]
        return _splice(self.text, splices)


class TextFormat:
    def __init__(self, text: str) -> None:
        self.pieces = [Piece("body", text)]

    def rebuild(self, results: Sequence[Redacted]) -> str:
        return results[0].text


class _Pairs:
    """``a=1&b=2`` (forms and query strings); changed values are re-encoded, the rest kept."""

    def __init__(self, raw: str, prefix: str, wanted: Callable[[str], str | None]) -> None:
        self.items = raw.split("&")
        self.indexes: list[int] = []
        self.pieces = []
        for index, item in enumerate(self.items):
            name, sep, value = item.partition("=")
            if not sep:
                continue
            key = urllib.parse.unquote_plus(name)
            kind = wanted(key)
            if kind is None:
                continue
            self.indexes.append(index)
            decoded = urllib.parse.unquote_plus(value)
            self.pieces.append(Piece(f"{prefix}.{key}", decoded, None if kind == "scan" else kind))

    def rebuild(self, results: Sequence[Redacted]) -> str:
        items = list(self.items)
        for index, result in zip(self.indexes, results, strict=True):
            if result.replacements:
                name = items[index].partition("=")[0]
                items[index] = f"{name}={urllib.parse.quote_plus(result.text)}"
        return "&".join(items)


class FormFormat(_Pairs):
    def __init__(self, raw: str, rules: CompiledFieldRules) -> None:
        def wanted(key: str) -> str | None:
            kind = classify((key,), rules)
            return None if kind == "passthrough" else kind

        super().__init__(raw, "body", wanted)


class QueryFormat(_Pairs):
    def __init__(self, raw: str, names: Sequence[str]) -> None:
        super().__init__(raw, "query", lambda key: "scan" if "*" in names or key in names else None)


class HeaderFormat:
    def __init__(self, headers: dict[str, str]) -> None:
        self.names = list(headers)
        self.values = dict(headers)
        self.pieces = [Piece(f"header.{name.lower()}", headers[name]) for name in self.names]

    def rebuild(self, results: Sequence[Redacted]) -> str:
        for name, result in zip(self.names, results, strict=True):
            self.values[name] = result.text
        return ""


class MultipartFormat:
    def __init__(
        self, body: bytes, content_type: str, rules: CompiledFieldRules, files: str
    ) -> None:
        self.body = body
        self.parts = multipart.parse(body, content_type)
        self.scanned: list[int] = []
        self.pieces = []
        for index, part in enumerate(self.parts):
            if part.is_file:
                if files != "passthrough":
                    raise InputError(
                        "attachment_refused",
                        f"multipart field '{part.name[:40]}' is a file, which cannot be checked for "
                        "personal data; this route refuses files",
                    )
                continue
            kind = classify((part.name,), rules)
            if kind == "passthrough" or part.text is None:
                continue
            self.scanned.append(index)
            self.pieces.append(
                Piece(f"body.{part.name}", part.text, None if kind == "scan" else kind)
            )

    def rebuild(self, results: Sequence[Redacted]) -> bytes:
        replacements = {
            index: result.text.encode(self.parts[index].charset)
            for index, result in zip(self.scanned, results, strict=True)
            if result.replacements
        }
        return multipart.rebuild(self.body, replacements, self.parts)


class Passthrough:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.pieces: list[Piece] = []

    def rebuild(self, results: Sequence[Redacted]) -> bytes:
        return self.body
