"""Forms and query strings: ``a=1&b=2``, each value percent-decoded and replaced in place.

Only the values that changed are re-encoded; the rest is kept byte for byte.
Percent-escapes that are not UTF-8 are refused (``invalid_encoding``): a
value decoded to U+FFFD and re-encoded would not be what the caller sent.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Sequence

from gateway.errors import InputError
from gateway.formats import markup
from gateway.formats.documents import classify
from gateway.formats.pieces import Piece, Redacted, View, redacted_text, slices
from gateway.policy import CompiledFieldRules


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
        for (index, decoded, view), mine in zip(self.strings, slices(views, results), strict=True):
            if any(r.replacements for r in mine):
                name, sep, _ = items[index].partition("=")
                new = urllib.parse.quote_plus(redacted_text(decoded, view, mine))
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
