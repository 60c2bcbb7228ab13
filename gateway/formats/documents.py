"""JSON documents: strict, bounded parsing, and what a policy says of each field.

Parsing is bounded: a body deeper than the policy's limit is refused with
``json_too_deep`` before the parser recurses, and repeated keys are refused
(``duplicate_json_key``). ``classify`` tells, for a field path, whether it is
scanned, passed untouched or is a declared entity; ``record_of`` tells which
record of a bulk document it belongs to.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from gateway.errors import InputError
from gateway.policy import CompiledFieldRules
from gateway.policy.selectors import PathPart

Json = Any
Kind = Literal["scan", "passthrough"]


def parse_json(data: bytes | str, max_depth: int) -> Json:
    """Parse JSON, refusing bad encodings, syntax errors and too much nesting with clear codes."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                "invalid_encoding", f"the text is not valid UTF-8 (bad byte at offset {exc.start})"
            ) from None
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
    _check_depth(text, max_depth)
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise InputError(
            "invalid_json",
            # Some of json's messages end in " at" already ("Invalid control character at").
            f"the JSON is not valid ({exc.msg.removesuffix(' at')} at line {exc.lineno}, "
            f"column {exc.colno})",
        ) from None
    except RecursionError:
        raise InputError(
            "json_too_deep", f"the JSON is nested deeper than {max_depth} levels"
        ) from None


def _unique_keys(pairs: list[tuple[str, Json]]) -> dict[str, Json]:
    # Parsers disagree on duplicate keys (first wins here, last in most
    # vendors'): the gateway could take a scope from one requester while the
    # vendor files the ticket under another, so such a body is refused.
    document = dict(pairs)
    if len(document) != len(pairs):
        raise InputError("duplicate_json_key", "a JSON object has a repeated key")
    return document


def _check_depth(text: str, max_depth: int) -> None:
    """Reject deep nesting by a linear scan before the parser recurses."""
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                raise InputError(
                    "json_too_deep", f"the JSON is nested deeper than {max_depth} levels"
                )
        elif char in "]}":
            depth -= 1


CACHE_LIMIT = 4096


def classify(path: tuple[PathPart, ...], rules: CompiledFieldRules) -> str:
    """What the policy says of the leaf at ``path``. A selector that names an
    object or array applies to everything inside it ("tags" covers each tag)."""
    known = rules.cache.get(path)
    if known is not None:
        return known
    kind = _classify(path, rules)
    if len(rules.cache) < CACHE_LIMIT:
        rules.cache[path] = kind
    return kind


def _classify(path: tuple[PathPart, ...], rules: CompiledFieldRules) -> str:
    prefixes = [path[:end] for end in range(len(path), 0, -1)]
    if any(s.matches(p) for s in rules.passthrough for p in prefixes):
        return "passthrough"
    for selector, entity in rules.entities:
        if any(selector.matches(p) for p in prefixes):
            return entity
    if rules.default == "passthrough" and not any(
        s.matches(p) for s in rules.text for p in prefixes
    ):
        return "passthrough"
    return "scan"


# Top-level keys whose array holds independent records: Zendesk's create_many
# and import bodies ({"tickets": [...]}, {"users": [...]}), and their peers.
# A conversation's "messages" or a ticket's "comments" are one record, not many.
COLLECTIONS = frozenset(
    {"tickets", "users", "organizations", "contacts", "companies", "requests", "records"}
)


def record_of(path: tuple[PathPart, ...]) -> str | None:
    """The record of a bulk document that ``path`` is inside, or ``None``.

    A record is an element of a top-level array (``[3]``) or of a top-level
    collection (``tickets[3]``). Names learnt in one record are looked for
    again only in that record: in an import of 300 tickets, one customer's
    name must not turn the same word into a token in the other 299.
    """
    if len(path) >= 2 and isinstance(path[0], int):
        return f"[{path[0]}]"
    if len(path) >= 3 and path[0] in COLLECTIONS and isinstance(path[1], int):
        return f"{path[0]}[{path[1]}]"
    return None
