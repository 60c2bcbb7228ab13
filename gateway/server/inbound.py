"""The vendor's answer on its way back: restored, audited, then released.

An answer with a known length up to ``max_response_bytes`` is restored in one
piece (and, for JSON, the ids the vendor assigned are bound to the exchange's
scope); anything longer or unsized is restored as a stream, and
``text/event-stream`` event by event. An answer that cannot be read is not
released: the caller gets ``upstream_invalid_response``. A stream that breaks
after its first bytes cannot change its status any more; it is cut off, so the
caller sees an incomplete body rather than a silently shortened one, and the
cut is audited.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterator

from starlette.responses import Response, StreamingResponse

from gateway.audit import events
from gateway.errors import AuditError, GatewayError, InputError, StreamAborted, UpstreamError
from gateway.formats import jsontext
from gateway.formats.jsontext import JsonString
from gateway.formats.media import encoding_for, is_json, media_of, utf8_content_type
from gateway.policy import RouteConfig
from gateway.restore.records import split_records
from gateway.restore.restorer import Outcome, Restored
from gateway.restore.streaming import SseStream, TextStream, restore_chunks
from gateway.server.exchange import Call
from gateway.server.upstream import UpstreamResponse, decoded_stream, response_headers

TEXT_MEDIA = (
    "text/",
    "application/json",
    "application/xml",
    "application/xhtml+xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
)


async def restore_response(call: Call, route: RouteConfig, response: UpstreamResponse) -> Response:
    gateway = call.gateway
    media_type, charset = media_of(response.headers.get("content-type"))
    media = media_type or ""
    restorable = route.response.restore and (
        media.startswith(TEXT_MEDIA) or media.endswith(("+json", "+xml"))
    )
    scopes = {call.scope} if call.scope else set()
    limits = gateway.policy.document.limits
    if restorable:
        try:
            codecs.lookup(charset)
        except LookupError:
            response.release()
            raise UpstreamError(
                "upstream_invalid_response",
                "the vendor's answer is in an unknown charset; it was not released",
            ) from None
    links, public = gateway.blueprint.links, gateway.blueprint.links.public(call.request)
    if not restorable:
        return _stream(
            response,
            links.headers(response_headers(response.headers, changed=False), public),
            _passthrough(call, response),
        )
    if media == "text/event-stream":
        sse = SseStream(
            gateway.core.restorer,
            scopes,
            route.response.stream_fields,
            limits.max_event_bytes,
            call.known_tokens(scopes),
            keys=route.response.stream_keys,
        )
        body = sse.restore(decoded_stream(response, limits.max_response_bytes))
        return _stream(
            response,
            links.headers(response_headers(response.headers, changed=True), public),
            _audited(call, body, sse, response),
        )
    length = response.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) <= limits.max_response_bytes:
        return await _buffered(call, route, response, media, charset, scopes)
    stream = TextStream(
        gateway.core.restorer, scopes, encoding_for(media), call.known_tokens(scopes)
    )
    body = restore_chunks(decoded_stream(response, limits.max_response_bytes), stream, charset)
    return _stream(
        response,
        links.headers(response_headers(response.headers, changed=True), public),
        _audited(call, body, stream, response),
    )


async def _buffered(
    call: Call,
    route: RouteConfig,
    response: UpstreamResponse,
    media: str,
    charset: str,
    scopes: set[str],
) -> Response:
    gateway = call.gateway
    try:
        data = b"".join(
            [
                chunk
                async for chunk in decoded_stream(
                    response, gateway.policy.document.limits.max_response_bytes
                )
            ]
        )
    finally:
        response.release()
    text = data.decode(charset, errors="surrogateescape")
    links, public = gateway.blueprint.links, gateway.blueprint.links.public(call.request)
    # Parsed once, for all that reads the answer's JSON: the ids to bind, the
    # vendor's links (rewritten before restore: they hold no values), records.
    document = _document(call, route, media, text)
    aliases: list[str] = []
    if document is not None:
        aliases = await _bind_aliases(call, route, document)
        linked = links.rewrite(document, public)
        if linked != text:
            text = linked
            document = _document(call, route, media, text) if route.response.records else None
    if document is not None and route.response.records:
        restored = await _restore_records(call, route, document, scopes)
    else:
        restored = (
            await gateway.core.restorer.restore_many(
                [text], scopes, encoding_for(media), call.known_tokens(scopes)
            )
        )[0]
    await gateway.audit.append(
        events.Restored(
            "response_restored",
            gateway.policy,
            call.exchange(),
            restored.outcomes,
            call.elapsed_ms(),
            status=response.status,
            aliases=aliases,
        )
    )
    gateway.metrics.latency.labels(call.route_name).observe(call.elapsed_ms() / 1000)
    gateway.metrics.restored(call.route_name, restored.outcomes)
    headers = links.headers(_merge(response_headers(response.headers, changed=True)), public)
    text = restored.text
    try:
        body = text.encode(charset, errors="surrogateescape")
    except UnicodeEncodeError:
        # A restored value the answer's charset cannot spell ("Łukasz" in a
        # Latin-1 page): the whole answer goes out as UTF-8, relabelled.
        body = text.encode("utf-8", errors="surrogateescape")
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        headers.append(
            ("content-type", utf8_content_type(response.headers["content-type"], charset))
        )
    answer = Response(body, status_code=response.status)
    # Set as a list, not a mapping: repeated headers (Set-Cookie) keep every value.
    answer.raw_headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers
    ] + [(b"content-length", str(len(body)).encode())]
    return answer


def _document(call: Call, route: RouteConfig, media: str, text: str) -> jsontext.JsonText | None:
    """The answer as JSON, when something reads it as JSON (aliases, links, records)."""
    gateway = call.gateway
    wanted = (
        route.response.records
        or (route.scope is not None and route.scope.aliases and call.scope)
        or gateway.blueprint.links.mentioned(text)
    )
    if not wanted or not is_json(media):
        return None
    try:
        return jsontext.JsonText.parse(text, gateway.policy.document.limits.max_json_depth)
    except InputError:
        return None  # not JSON after all: restored as text, in the exchange's scope


async def _restore_records(
    call: Call, route: RouteConfig, document: jsontext.JsonText, scopes: set[str]
) -> Restored:
    """Each record's strings within the scope its id names (and the exchange's)."""
    gateway = call.gateway
    records, outside = split_records(document, route.response.records)
    owns = [
        gateway.scopes.identify(r.kind, r.id, hashed=False) if r.id is not None else None
        for r in records
    ]
    canonical = await gateway.scopes.canonical_many(own for own in owns if own is not None)
    groups: list[tuple[list[JsonString], set[str]]] = [(outside, scopes)]
    named: list[tuple[str, list[tuple[str, str]]]] = []
    for record, own in zip(records, owns, strict=True):
        allowed = set(scopes)
        if own is not None:
            allowed.add(canonical[own])
            if record.aliases and canonical[own] != own:  # the record's scope is known
                named.append((canonical[own], record.aliases))
        groups.append((record.strings, allowed))
    if named:
        await gateway.scopes.bind_named(named, int(gateway.now()))
    every = {scope for _, allowed in groups for scope in allowed}
    results = await gateway.core.restorer.restore_grouped(
        [([item.value for item in items], allowed) for items, allowed in groups],
        call.known_tokens(every),
    )
    splices = []
    outcomes: list[Outcome] = []
    for (items, _), restored in zip(groups, results, strict=True):
        for item, one in zip(items, restored, strict=True):
            outcomes.extend(one.outcomes)
            if one.text != item.value:
                splices.append((item.start, item.end, jsontext.escape(one.text)))
    return Restored(document.replace(splices), tuple(outcomes))


async def _bind_aliases(call: Call, route: RouteConfig, document: jsontext.JsonText) -> list[str]:
    gateway = call.gateway
    if route.scope is None or not route.scope.aliases or not call.scope:
        return []
    return await gateway.scopes.bind_aliases(route.scope, document, call.scope, int(gateway.now()))


async def _audited(
    call: Call,
    body: AsyncIterator[bytes],
    restorer: TextStream | SseStream,
    response: UpstreamResponse,
) -> AsyncIterator[bytes]:
    """Stream ``body``; record the exchange in the audit log when it ends.

    Each restored chunk goes out as soon as it is restored; the record of which
    tokens came back is written when the stream ends (a stream has no single
    moment before which everything is known). A failure mid-stream cuts the
    stream off rather than letting unrestored or unaudited text through.
    """
    gateway = call.gateway
    try:
        async for chunk in body:
            yield chunk
    except Exception as exc:  # noqa: BLE001 (any failure cuts the stream, by its code)
        await _cut_off(call, exc, restorer.outcomes, response.status)
        raise StreamAborted(call.request_id) from None
    finally:
        response.release()
    await gateway.audit.append(
        events.Restored(
            "stream_restored",
            gateway.policy,
            call.exchange(),
            restorer.outcomes,
            call.elapsed_ms(),
            response.status,
        )
    )
    gateway.metrics.restored(call.route_name, restorer.outcomes)
    gateway.metrics.latency.labels(call.route_name).observe(call.elapsed_ms() / 1000)


async def _passthrough(call: Call, response: UpstreamResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.body:
            yield chunk
    except Exception as exc:  # noqa: BLE001 (any failure cuts the stream, by its code)
        await _cut_off(call, exc, [], response.status)
        raise StreamAborted(call.request_id) from None
    finally:
        response.release()


async def _cut_off(call: Call, exc: BaseException, outcomes: list[Outcome], status: int) -> None:
    gateway = call.gateway
    code = exc.code if isinstance(exc, GatewayError) else "internal_error"
    gateway.log.warning("request %s: the answer's stream was cut off (%s)", call.request_id, code)
    gateway.metrics.refused(call.route_name, code)
    event = events.Restored(
        "stream_restored",
        gateway.policy,
        call.exchange(),
        outcomes,
        call.elapsed_ms(),
        status,
        outcome="cut_off",
        reason=code,
    )
    try:
        await gateway.audit.append(event)
    except AuditError:
        gateway.metrics.audit_errors.inc()


def _stream(
    response: UpstreamResponse, headers: list[tuple[str, str]], body: AsyncIterator[bytes]
) -> StreamingResponse:
    streaming = StreamingResponse(body, status_code=response.status)
    streaming.raw_headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in headers
        if k.lower() != "content-length"
    ]
    return streaming


def _merge(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() != "content-length"]
