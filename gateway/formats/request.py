"""A request as pieces of text to redact: its body (by media type), path, query, headers.

Each part of a request is a :class:`~gateway.formats.pieces.Format`: it offers
the strings a person could have written (``Piece``, with where it was found),
and rebuilds itself from their redactions by splicing the replacements into
the raw bytes,
so what reaches the vendor is the caller's request with only personal data
changed. :func:`gateway.redact.requests.redact_request` collects every piece
of a request and redacts them in one call.

=====================================  ==========================================
``application/json``, ``*/*+json``     string values, by the route's field rules
``application/x-www-form-urlencoded``  field values, by the same rules (``forms``)
``text/plain`` and other ``text/*``    the whole text
``text/html``                          text, attributes, comments, scripts
``multipart/form-data``                text fields and part headers; files refused
                                       unless passed (``multipart_format``)
=====================================  ==========================================

Anything else is refused (``unsupported_media_type``) unless the route lets
bodies of that kind pass untouched. Besides the body, every path parameter,
query parameter and header (but the few that are protocol, not content) is
scanned by default. A text body goes out as UTF-8 whatever charset it came
in: what reaches the vendor is exactly the text that was scanned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from gateway.errors import InputError
from gateway.formats import jsontext, markup
from gateway.formats.documents import classify, record_of
from gateway.formats.forms import FormFormat
from gateway.formats.multipart_format import MultipartFormat
from gateway.formats.pieces import Format, Piece, Redacted, Splice, View
from gateway.formats.splice import splice
from gateway.policy import CompiledFieldRules, Policy, RequestConfig, RouteConfig
from gateway.policy.selectors import path_to_string

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


class Passthrough:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.pieces: list[Piece] = []

    def rebuild(self, results: Sequence[Redacted]) -> bytes:
        return self.body
