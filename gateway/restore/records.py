"""Lists and exports: which record of an answer each string belongs to.

A list of tickets holds many customers' tickets; each restores in the scope
its own id names (``ticket:1001``, reached through the aliases bound when the
ticket was created), never in its neighbours'. A vendor that copies a token
from one ticket into another therefore gets it back unrestored, as it would
in two separate answers. Strings outside every record restore in the
exchange's scope.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.formats.jsontext import JsonString, JsonText
from gateway.policy import RecordScope
from gateway.policy.selectors import PathPart, Selector

_KIND = re.compile(r"[a-z0-9][a-z0-9_.-]{0,62}")


@dataclass
class Record:
    root: tuple[PathPart, ...]
    kind: str
    id: str | None = None
    strings: list[JsonString] = field(default_factory=list)  # text, to restore
    aliases: list[tuple[str, str]] = field(default_factory=list)  # (kind, id) it names


@dataclass(frozen=True, slots=True)
class _Alias:
    field: Selector
    kind: str


@dataclass(frozen=True, slots=True)
class _Rule:
    path: Selector
    id: Selector
    kind: str
    kind_field: Selector | None
    aliases: tuple[_Alias, ...]

    @classmethod
    def of(cls, config: RecordScope) -> _Rule:
        kind_field = Selector.parse(config.kind_field) if config.kind_field else None
        aliases = tuple(_Alias(Selector.parse(a.field), a.kind) for a in config.aliases)
        return cls(
            Selector.parse(config.path), Selector.parse(config.id), config.kind, kind_field, aliases
        )


def split_records(
    document: JsonText, configs: Sequence[RecordScope]
) -> tuple[list[Record], list[JsonString]]:
    """The records of ``document`` with their ids and strings, and the strings outside them."""
    rules = [_Rule.of(c) for c in configs]
    records: dict[tuple[PathPart, ...], Record] = {}
    outside: list[JsonString] = []
    for item in document.strings:
        found = _record_of(item.path, rules)
        if found is None:
            if not item.number:
                outside.append(item)
            continue
        root, rule = found
        record = records.get(root)
        if record is None:
            record = records[root] = Record(root, rule.kind)
        inner = item.path[len(root) :]
        if rule.id.matches(inner) and item.value.strip():
            record.id = item.value.strip()
        if rule.kind_field and rule.kind_field.matches(inner) and _KIND.fullmatch(item.value):
            record.kind = item.value
        for alias in rule.aliases:
            if alias.field.matches(inner) and item.value.strip():
                record.aliases.append((alias.kind, item.value.strip()))
        if not item.number:
            record.strings.append(item)
    return list(records.values()), outside


def _record_of(
    path: tuple[PathPart, ...], rules: Sequence[_Rule]
) -> tuple[tuple[PathPart, ...], _Rule] | None:
    for rule in rules:
        for length in range(len(path)):  # a record is a container: never the string itself
            if rule.path.matches(path[:length]):
                return path[:length], rule
    return None
