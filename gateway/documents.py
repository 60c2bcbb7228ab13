"""JSON documents: which strings a policy scans, which are entities, and putting results back.

Parsing is bounded: a body deeper than the policy's limit is refused with
``json_too_deep`` before any walk, and walks are iterative, so no document can
exhaust the stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from gateway.errors import InputError
from gateway.policy import CompiledFieldRules
from gateway.selectors import PathPart

Json = Any
Kind = Literal["scan", "passthrough"]


@dataclass(frozen=True, slots=True)
class Leaf:
    """A string (or, for entity fields, a number) in a document, and what the policy says of it."""

    path: tuple[PathPart, ...]
    kind: str  # "scan", "passthrough" or an entity name


def parse_json(data: bytes | str, max_depth: int) -> Json:
    """Parse JSON, refusing bad encodings, syntax errors and too much nesting with clear codes."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                "invalid_encoding", f"the body is not valid UTF-8 (bad byte at offset {exc.start})"
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
            f"the body is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
        ) from None
    except RecursionError:
        raise InputError(
            "json_too_deep", f"the JSON body is nested deeper than {max_depth} levels"
        ) from None


def _unique_keys(pairs: list[tuple[str, Json]]) -> dict[str, Json]:
    # Parsers disagree on duplicate keys (first wins here, last in most
    # vendors'): the gateway could take a scope from one requester while the
    # vendor files the ticket under another, so such a body is refused.
    document = dict(pairs)
    if len(document) != len(pairs):
        raise InputError("duplicate_json_key", "the JSON body has an object with a repeated key")
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
                    "json_too_deep", f"the JSON body is nested deeper than {max_depth} levels"
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


def leaves(document: Json, rules: CompiledFieldRules) -> Iterator[tuple[Leaf, str]]:
    """Every string leaf (and every number in an entity field), depth first, with its kind."""
    stack: list[tuple[tuple[PathPart, ...], Json]] = [((), document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(((*path, key), value) for key, value in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend(
                ((*path, index), value) for index, value in reversed(list(enumerate(node)))
            )
        elif isinstance(node, str):
            yield Leaf(path, classify(path, rules)), node
        elif isinstance(node, int | float) and not isinstance(node, bool):
            kind = classify(path, rules)
            if kind not in ("scan", "passthrough"):
                yield Leaf(path, kind), json.dumps(node)


def replace(document: Json, path: tuple[PathPart, ...], value: str) -> Json:
    """Set the leaf at ``path`` (in place, below the root); returns the document."""
    if not path:
        return value
    node = document
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return document


def strings(document: Json) -> list[tuple[tuple[PathPart, ...], str]]:
    """Every string value of ``document`` with its path (object keys are not values)."""
    found = []
    stack: list[tuple[tuple[PathPart, ...], Json]] = [((), document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(((*path, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*path, index), value) for index, value in enumerate(node))
        elif isinstance(node, str):
            found.append((path, node))
    return found


def dumps(document: Json) -> str:
    """Serialise the way most APIs do: UTF-8, no ASCII escaping, compact separators."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
