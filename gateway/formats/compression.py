"""Request bodies sent compressed: inflated under a hard cap, never all at once.

A few kilobytes of gzip can inflate to gigabytes (Envoy's CVE-2022-29225 was
exactly this). Decompression here stops as soon as the output would pass the
limit and the request is refused with ``decompressed_too_large``.
"""

from __future__ import annotations

import zlib

from gateway.errors import InputError

_GZIP = 16 + zlib.MAX_WBITS
_ZLIB = zlib.MAX_WBITS
_RAW = -zlib.MAX_WBITS


def decompress(data: bytes, encoding: str, limit: int) -> bytes:
    """Undo ``Content-Encoding`` (``gzip``, ``deflate`` or ``identity``), producing at most ``limit`` bytes."""
    name = encoding.strip().lower()
    if name in ("", "identity"):
        return data
    if name in ("gzip", "x-gzip"):
        return _inflate(data, _GZIP, limit)
    if name == "deflate":
        # RFC 9110 says zlib-wrapped; some clients send raw deflate.
        try:
            return _inflate(data, _ZLIB, limit)
        except InputError as exc:
            if exc.code == "decompressed_too_large":
                raise
            return _inflate(data, _RAW, limit)
    raise InputError(
        "unsupported_content_encoding",
        "the body's Content-Encoding is not supported; send identity, gzip or deflate",
    )


def _inflate(data: bytes, wbits: int, limit: int) -> bytes:
    out = bytearray()
    pending = data
    while pending:
        inflater = zlib.decompressobj(wbits)
        data = pending
        while True:
            # Bounded steps: never more than the limit allows (plus one byte to
            # tell "too large"), and on until zlib gives nothing more, since it
            # can hold output back after the input is used up.
            try:
                chunk = inflater.decompress(data, limit - len(out) + 1)
            except zlib.error:
                raise InputError("invalid_compression", "the compressed body is corrupt") from None
            out += chunk
            if len(out) > limit:
                raise InputError(
                    "decompressed_too_large", f"the body inflates to more than {limit} bytes"
                )
            data = inflater.unconsumed_tail
            if inflater.eof or (not data and not chunk):
                break
        if not inflater.eof:
            raise InputError("invalid_compression", "the compressed body is truncated")
        # gzip allows several members back to back.
        pending = inflater.unused_data if wbits == _GZIP else b""
    return bytes(out)
