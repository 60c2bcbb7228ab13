"""Redacting a whole request: every readable string of it in one call.

Every piece of the request (:mod:`gateway.formats.request`: body strings,
path parameters, query parameters, headers) is collected first and redacted
together, so that detection sees the whole request at once (a name in the
requester field is recognised in the comment body too), and one set of tokens
is minted in one vault transaction. Each format then rebuilds itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.formats import jsontext
from gateway.formats.forms import QueryFormat
from gateway.formats.media import utf8_content_type
from gateway.formats.pieces import Format
from gateway.formats.request import (
    HeaderFormat,
    PathFormat,
    RequestParts,
    RequestRules,
    body_format,
)
from gateway.redact.redactor import EntityField, Redactor, Replacement, ScopeChooser
from gateway.vault import Resolution
from gateway.vault.tokens import Token


@dataclass(frozen=True, slots=True)
class Located:
    """A replacement, and where in the request it was made (never the value)."""

    where: str
    replacement: Replacement
    value: str = field(repr=False)  # the original value, for the audit log's keyed digest


@dataclass
class RedactedRequest:
    path: str = field(repr=False)
    query: str = field(repr=False)
    headers: list[tuple[str, str]] = field(repr=False)
    content_type: str
    body: bytes = field(repr=False)
    found: list[Located]
    scope: str
    minted: dict[Token, Resolution] = field(default_factory=dict, repr=False)


async def redact_request(
    redactor: Redactor,
    scope: str | ScopeChooser,
    rules: RequestRules,
    request: RequestParts,
    parsed: jsontext.JsonText | None = None,
    categories: bool = True,
) -> RedactedRequest:
    """Redact every readable string of a request; raises ``InputError`` for what cannot be read,
    ``BlockedError`` for what the policy keeps from the vendor.

    ``parsed`` is the JSON body if the caller already parsed it (for its scope);
    ``categories=False`` for a route that opts out of the category rules.
    """
    formats: list[tuple[str, Format]] = []
    body_fmt: Format | None = None
    if request.body:
        body_fmt = body_format(
            request.media_type,
            request.content_type,
            request.charset,
            request.body,
            rules,
            parsed,
        )
        formats.append(("body", body_fmt))
    formats.append(("path", PathFormat(request.path, request.path_spans)))
    if request.query and rules.query:
        formats.append(("query", QueryFormat(request.query, rules.query)))
    headers = HeaderFormat(request.headers, rules.scans_header)
    formats.append(("headers", headers))
    pieces = [piece for _, fmt in formats for piece in fmt.pieces]
    free = [p for p in pieces if p.entity is None]
    fields = [p for p in pieces if p.entity is not None]
    redaction = await redactor.redact(
        scope,
        [p.value for p in free],
        [EntityField(p.entity or "", p.value, p.record) for p in fields],
        [p.record for p in free],
        categories,
    )
    result_of = dict(zip([id(p) for p in free], redaction.texts, strict=True))
    result_of.update(zip([id(p) for p in fields], redaction.fields, strict=True))
    found = [
        Located(p.where, r, p.value[r.start : r.end])
        for p in pieces
        for r in result_of[id(p)].replacements
    ]
    rebuilt = {part: fmt.rebuild([result_of[id(p)] for p in fmt.pieces]) for part, fmt in formats}
    body = rebuilt.get("body", request.body)
    content_type = request.content_type
    if isinstance(body, str):
        body = body.encode("utf-8", errors="surrogateescape")
        content_type = utf8_content_type(content_type, request.charset)
    return RedactedRequest(
        path=str(rebuilt["path"]),
        query=str(rebuilt.get("query", request.query)),
        headers=headers.items,
        content_type=content_type,
        body=bytes(body),
        found=found,
        scope=redaction.scope,
        minted=redaction.minted,
    )
