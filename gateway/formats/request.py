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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from gateway.errors import InputError
from gateway.formats import jsontext, markup, multipart
from gateway.formats.documents import classify, record_of
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
        return JsonFormat(
            _decode(body, charset), rules.json, rules.max_json_depth, rules.html_attributes, parsed
        )
    if media == "application/x-www-form-urlencoded":
        return FormFormat(_decode(body, charset), rules.form, rules.html_attributes)
    if media.startswith("text/") or media == "application/xhtml+xml":
        return TextFormat(_decode(body, charset), rules.html_attributes)
    if media == "multipart/form-data":
        return MultipartFormat(body, content_type, rules.form, rules.files, rules.html_attributes)
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
        attributes: Sequence[str] = markup.DEFAULT_ATTRIBUTES,
        parsed: jsontext.JsonText | None = None,
    ) -> None:
        self.document = parsed or jsontext.JsonText.parse(text, max_depth)
        # Each scanned string: its place, its view (None: a declared entity, whole).
        self.strings: list[tuple[jsontext.JsonString, View | None]] = []
        self.pieces = []
        for item in self.document.strings:
            kind = classify(item.path, rules)
            if kind == "passthrough" or (kind == "scan" and item.number and not _long_number(item)):
                continue
            where = "body." + path_to_string(item.path)
            record = record_of(item.path)
            if kind == "scan" and not item.number:
                view = View(where, item.value, attributes, record)
                self.strings.append((item, view))
                self.pieces += view.pieces
            else:
                self.strings.append((item, None))
                entity = None if kind == "scan" else kind
                self.pieces.append(Piece(where, item.value, entity, record))
        for item in self.document.keys:
            if classify(item.path, rules) == "scan":
                self.strings.append((item, None))
                where = f"body.{path_to_string(item.path)}(key)"
                self.pieces.append(Piece(where, item.value, record=record_of(item.path)))

    def rebuild(self, results: Sequence[Redacted]) -> str:
        splices: list[Splice] = []
        position = 0
        for item, view in self.strings:
            count = len(view.pieces) if view is not None else 1
            mine = results[position : position + count]
            position += count
            if not any(r.replacements for r in mine):
                continue
            if item.number:
                splices.append((item.start, item.end, f'"{jsontext.escape(mine[0].text)}"'))
            elif view is None:  # a declared entity or a key: replaced whole
                splices.append((item.start, item.end, jsontext.escape(mine[0].text)))
            else:
                for start, end, new in view.edits(mine):
                    raw_start, raw_end = item.raw_span(start, end, self.document.text)
                    splices.append((raw_start, raw_end, jsontext.escape(new)))
        return self.document.replace(splices)


def _long_number(item: jsontext.JsonString) -> bool:
    # A card, phone or account number sent as a JSON number: scanned like
    # text; found ones become strings ("4111111111111111" -> "**** 1111").
    return item.value.lstrip("-").isdigit() and len(item.value.lstrip("-")) >= 7


class TextFormat:
    """A text body, read as HTML when it is (``text/html``, or text that holds tags)."""

    def __init__(self, text: str, attributes: Sequence[str]) -> None:
        self.text = text
        self.view = View("body", text, attributes)
        self.pieces = self.view.pieces

    def rebuild(self, results: Sequence[Redacted]) -> str:
        return splice(self.text, self.view.edits(results))


def _slices(
    views: Sequence[View | HeaderView | None], results: Sequence[Redacted]
) -> Iterator[Sequence[Redacted]]:
    """The results of each string's pieces (a view's several, or a whole value's one)."""
    position = 0
    for view in views:
        count = len(view.pieces) if view is not None else 1
        yield results[position : position + count]
        position += count


def _redacted(value: str, view: View | HeaderView | None, results: Sequence[Redacted]) -> str:
    return splice(value, view.edits(results)) if view is not None else results[0].text


class _Pairs:
    """``a=1&b=2`` (forms and query strings); changed values are re-encoded, the rest kept."""

    def __init__(
        self,
        raw: str,
        prefix: str,
        wanted: Callable[[str], str | None],
        attributes: Sequence[str] = markup.DEFAULT_ATTRIBUTES,
    ) -> None:
        self.items = raw.split("&")
        self.strings: list[tuple[int, str, View | None]] = []  # (item index, decoded, view)
        self.pieces = []
        for index, item in enumerate(self.items):
            name, sep, value = item.partition("=")
            if not sep:
                if item:  # a bare "jane@example.com" is a name with no value: scanned
                    decoded = _unquote(item, prefix)
                    self._add(index, decoded, View(f"{prefix}(name)", decoded, attributes))
                continue
            key = _unquote(name, prefix)
            kind = wanted(key)
            if kind is None:
                continue
            decoded = _unquote(value, prefix)
            if kind == "scan":
                self._add(index, decoded, View(f"{prefix}.{key}", decoded, attributes))
            else:
                self.strings.append((index, decoded, None))
                self.pieces.append(Piece(f"{prefix}.{key}", decoded, kind))

    def _add(self, index: int, decoded: str, view: View) -> None:
        self.strings.append((index, decoded, view))
        self.pieces += view.pieces

    def rebuild(self, results: Sequence[Redacted]) -> str:
        items = list(self.items)
        views = [view for _, _, view in self.strings]
        for (index, decoded, view), mine in zip(self.strings, _slices(views, results), strict=True):
            if any(r.replacements for r in mine):
                name, sep, _ = items[index].partition("=")
                new = urllib.parse.quote_plus(_redacted(decoded, view, mine))
                items[index] = f"{name}={new}" if sep else new
        return "&".join(items)


def _unquote(text: str, prefix: str) -> str:
    """Percent-decode strictly: an escape that is not UTF-8 would reach the vendor
    as U+FFFD once its field is re-encoded, so it is refused."""
    try:
        return urllib.parse.unquote_to_bytes(text.replace("+", " ")).decode("utf-8")
    except UnicodeDecodeError:
        part = "query" if prefix == "query" else "form"
        raise InputError(
            "invalid_encoding", f"a {part} field's percent-escapes are not UTF-8"
        ) from None


class FormFormat(_Pairs):
    def __init__(self, raw: str, rules: CompiledFieldRules, attributes: Sequence[str]) -> None:
        def wanted(key: str) -> str | None:
            kind = classify((key,), rules)
            return None if kind == "passthrough" else kind

        super().__init__(raw, "body", wanted, attributes)


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
            span: _redacted(text, view, mine).encode("utf-8", errors="surrogateescape")
            for (span, text, view), mine in zip(self.strings, _slices(views, results), strict=True)
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


class Passthrough:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.pieces: list[Piece] = []

    def rebuild(self, results: Sequence[Redacted]) -> bytes:
        return self.body
