"""A request as pieces of text to redact: its body (by media type), path, query, headers.

Each part of a request is a :class:`Format`: it offers the strings a person
could have written (:class:`Piece`, with where it was found), and rebuilds
itself from their redactions by splicing the replacements into the raw bytes,
so what reaches the vendor is the caller's request with only personal data
changed. :func:`gateway.redact.requests.redact_request` collects every piece
of a request and redacts them in one call.

=====================================  ==========================================
``application/json``, ``*/*+json``     string values, by the route's field rules
``application/x-www-form-urlencoded``  field values, by the same rules (paths of one name)
``text/plain`` and other ``text/*``    the whole text
``text/html``                          text, attributes, comments, scripts
``multipart/form-data``                text fields and part headers; files refused
                                       unless passed
=====================================  ==========================================

Anything else is refused (``unsupported_media_type``) unless the route lets
bodies of that kind pass untouched. Besides the body, every path parameter,
query parameter and header (but the few that are protocol, not content) is
scanned by default. A text body goes out as UTF-8 whatever charset it came
in: what reaches the vendor is exactly the text that was scanned.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from gateway.errors import InputError
from gateway.formats import jsontext, markup, multipart
from gateway.formats.documents import classify
from gateway.formats.splice import splice
from gateway.policy import CompiledFieldRules, Policy, RequestConfig, RouteConfig
from gateway.policy.selectors import path_to_string

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


class Format(Protocol):
    """A request part that offers pieces and rebuilds itself from their redactions."""

    pieces: list[Piece]

    def rebuild(self, results: Sequence[Redacted]) -> bytes | str: ...


# Headers that are protocol, not content: never scanned (credentials among
# them are forwarded or replaced as they are).
UNSCANNED_HEADERS = frozenset(
    {"host", "content-type", "content-length", "content-encoding", "transfer-encoding",
     "connection", "keep-alive", "te", "upgrade", "expect", "accept", "accept-encoding",
     "accept-charset", "accept-language", "authorization", "proxy-authorization",
     "x-gateway-key", "x-gateway-scope", "x-request-id", "cache-control", "pragma",
     "if-match", "if-none-match", "if-modified-since", "if-unmodified-since"}
)  # fmt: skip


@dataclass
class RequestRules:
    json: CompiledFieldRules
    form: CompiledFieldRules
    query: tuple[str, ...]  # names of query parameters to scan ("*": all)
    headers: tuple[str, ...]  # names of headers to scan, lower case ("*": all but UNSCANNED)
    html_attributes: tuple[str, ...]
    files: str  # "refuse" or "passthrough"
    other_media: str  # "refuse" or "passthrough"
    max_json_depth: int

    @classmethod
    def for_route(cls, policy: Policy, route: RouteConfig | None) -> RequestRules:
        """Rules for ``route``; with no route (the CLI), the policy's JSON rules."""
        config = route.request if route is not None else RequestConfig()
        return cls(
            json=(
                CompiledFieldRules.from_config(config.json_fields)
                if config.json_fields
                else policy.json_rules
            ),
            form=CompiledFieldRules.from_config(config.form),
            query=tuple(config.query),
            headers=tuple(h.lower() for h in config.headers),
            html_attributes=tuple(config.html_attributes or markup.DEFAULT_ATTRIBUTES),
            files=config.files,
            other_media=config.other_media,
            max_json_depth=policy.document.limits.max_json_depth,
        )

    def scans_header(self, name: str) -> bool:
        name = name.lower()
        if "*" in self.headers:
            return name not in UNSCANNED_HEADERS
        return name in self.headers


@dataclass(frozen=True, slots=True)
class RequestParts:
    """A request as the gateway read it: decoded path, raw query, headers, body."""

    path: str = field(repr=False)
    path_spans: dict[str, tuple[int, int]]  # path parameters: name -> span in ``path``
    query: str = field(repr=False)
    headers: list[tuple[str, str]] = field(repr=False)
    content_type: str
    media_type: str | None
    charset: str
    body: bytes = field(repr=False)


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
        "bodies of this content type cannot be read for personal data on this route",
    )


def _decode(body: bytes, charset: str) -> str:
    # Messages never quote the charset label: it is the caller's text.
    try:
        return body.decode(charset)
    except LookupError:
        raise InputError(
            "unsupported_charset", "the body's charset is not supported; send UTF-8"
        ) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            "invalid_encoding",
            f"the body is not valid in its charset (bad byte at offset {exc.start})",
        ) from None


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
            if kind == "passthrough" or (kind == "scan" and item.number and not _long_number(item)):
                continue
            self.strings.append(item)
            where = "body." + path_to_string(item.path)
            self.pieces.append(Piece(where, item.value, None if kind == "scan" else kind))
        for item in self.document.keys:
            if classify(item.path, rules) == "scan":
                self.strings.append(item)
                self.pieces.append(Piece(f"body.{path_to_string(item.path)}(key)", item.value))

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


def _long_number(item: jsontext.JsonString) -> bool:
    # A card, phone or account number sent as a JSON number: scanned like
    # text; found ones become strings ("4111111111111111" -> "**** 1111").
    return item.value.lstrip("-").isdigit() and len(item.value.lstrip("-")) >= 7


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
        return splice(self.text, splices)


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
                if item:  # a bare "jane@example.com" is a name with no value: scanned
                    self.indexes.append(index)
                    self.pieces.append(Piece(f"{prefix}(name)", urllib.parse.unquote_plus(item)))
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
                name, sep, _ = items[index].partition("=")
                new = urllib.parse.quote_plus(result.text)
                items[index] = f"{name}={new}" if sep else new
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


class PathFormat:
    """The path parameters of the route (``/users/{user_id}.json``); the literal parts are the policy's."""

    def __init__(self, path: str, spans: dict[str, tuple[int, int]]) -> None:
        self.path = path
        self.spans = [spans[name] for name in spans]
        self.pieces = [Piece(f"path.{name}", path[a:b]) for name, (a, b) in spans.items()]

    def rebuild(self, results: Sequence[Redacted]) -> str:
        splices = [
            (start, end, result.text)
            for (start, end), result in zip(self.spans, results, strict=True)
            if result.replacements
        ]
        return splice(self.path, splices)


class HeaderFormat:
    """Every header, in order (a name may repeat); the scanned ones get their redacted values."""

    def __init__(self, headers: list[tuple[str, str]], scans: Callable[[str], bool]) -> None:
        self.items = list(headers)
        self.indexes = [i for i, (name, _) in enumerate(self.items) if scans(name)]
        self.pieces = [
            Piece(f"header.{self.items[i][0].lower()}", self.items[i][1]) for i in self.indexes
        ]

    def rebuild(self, results: Sequence[Redacted]) -> str:
        for index, result in zip(self.indexes, results, strict=True):
            if result.replacements:
                self.items[index] = (self.items[index][0], result.text)
        return ""


class MultipartFormat:
    """Text parts' bodies by the form rules, and every part's header block as text."""

    def __init__(
        self, body: bytes, content_type: str, rules: CompiledFieldRules, files: str
    ) -> None:
        self.body = body
        self.multipart = multipart.parse(body, content_type)
        self.spans: list[tuple[int, int]] = []
        self.pieces = []
        for index, part in enumerate(self.multipart.parts):
            headers = part.headers(body)
            if not _plain_part_headers(headers):
                self.spans.append((part.header_start, part.start - 4))
                self.pieces.append(Piece(f"body.part{index + 1}(headers)", headers))
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
            self.spans.append((part.start, part.end))
            self.pieces.append(
                Piece(f"body.{part.name}", part.text, None if kind == "scan" else kind)
            )

    def rebuild(self, results: Sequence[Redacted]) -> bytes:
        replacements = {
            span: result.text.encode("utf-8", errors="surrogateescape")
            for span, result in zip(self.spans, results, strict=True)
            if result.replacements
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


class Passthrough:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.pieces: list[Piece] = []

    def rebuild(self, results: Sequence[Redacted]) -> bytes:
        return self.body
