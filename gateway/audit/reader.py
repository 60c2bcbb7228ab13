"""Reading the audit trail: every chain in a directory, filtered, in time order.

Filters are plain values (a :class:`Filters`); reading never needs a key. A
value lookup turns the value into the same keyed digests the gateway
recorded, so the log is searched without holding the value.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.audit import files
from gateway.audit.events import OUTCOMES
from gateway.audit.keys import AuditKeys
from gateway.policy.entities import BUILTIN

Record = dict[str, Any]


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # ISO 8601, compared as text (records are UTC, Z-suffixed)
    until: str | None = None
    vendor: str | None = None
    route: str | None = None
    scope: str | None = None
    ticket: str | None = None  # matches the ticket alias an exchange was about
    requests: frozenset[str] = frozenset()  # request ids that also match (see ``read``)
    token: str | None = None
    entity: str | None = None
    outcome: str | None = None
    types: tuple[str, ...] = ()
    values: tuple[str, ...] = field(default=(), repr=False)  # "ENTITY:digest" strings

    def __post_init__(self) -> None:
        # A misspelt outcome would match nothing and read as "no such events".
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    def matches(self, record: Record) -> bool:
        event = record.get("event", {})
        time = str(record.get("time", ""))
        if self.since and time < self.since:
            return False
        if self.until and time > self.until:
            return False
        checks = [
            (self.vendor, event.get("vendor")),
            (self.route, event.get("route")),
        ]
        if any(wanted is not None and wanted != actual for wanted, actual in checks):
            return False
        if self.outcome and self.outcome not in _outcomes(event):
            return False
        if self.types and event.get("type") not in self.types:
            return False
        if self.scope and self.scope not in (event.get("scope"), event.get("scope_source")):
            return False
        if (
            self.ticket
            and f"ticket:{self.ticket}" not in _tickets(event)
            and event.get("request_id") not in self.requests
        ):
            return False
        if self.token and self.token.upper() not in _tokens(event):
            return False
        if self.entity and self.entity not in event.get("entities", {}):
            return False
        return not (self.values and not set(self.values) & set(event.get("values", [])))


def kept_in_house(event: Record) -> dict[str, int]:
    """What kept a ``request_blocked`` event's request from the vendor: its sensitive
    categories and blocked entities, with their counts."""
    return {**(event.get("categories") or {}), **(event.get("blocked_entities") or {})}


def _outcomes(event: Record) -> set[str]:
    # An answer is one decision ("released") holding one outcome per token that
    # came back; asking for "out_of_scope" finds the answers that carried one.
    found = {str(event.get("outcome"))}
    if isinstance(event.get("counts"), dict):
        found.update(event["counts"])
    return found


def _tickets(event: Record) -> set[str]:
    found = {str(event.get("scope_source") or ""), str(event.get("scope") or "")}
    found.update(event.get("aliases", []))
    return found


def _tokens(event: Record) -> set[str]:
    tokens = set(event.get("tokens", []) if isinstance(event.get("tokens"), list) else [])
    if isinstance(event.get("tokens"), dict):
        for items in event["tokens"].values():
            tokens.update(items)
    return tokens


def chains(directory: Path) -> list[Path]:
    """Every file of every chain (rotated segments included), each chain's oldest first."""
    return files.all_segments(directory)


def records(path: Path, unreadable: Callable[[], None] | None = None) -> Iterator[Record]:
    """The records of one chain; a line that does not parse is skipped and reported
    to ``unreadable`` (`audit verify` says what happened to it)."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    if unreadable is not None:
                        unreadable()


def read(
    directory: Path,
    filters: Filters = Filters(),
    unreadable: Callable[[], None] | None = None,
) -> Iterator[Record]:
    """Records of every chain in ``directory`` that pass ``filters``, oldest first.

    A ticket's id is only known once the vendor answers the request that
    created it; that answer's event names it as an alias. Filtering by ticket
    therefore also keeps the other events of those requests (the redaction
    that created the ticket).
    """
    if filters.ticket and not filters.requests:
        alias = f"ticket:{filters.ticket}"
        creators = frozenset(
            str(r["event"].get("request_id"))
            for path in chains(directory)
            for r in records(path)
            if alias in r.get("event", {}).get("aliases", [])
        )
        filters = replace(filters, requests=creators)
    streams = [(r for r in records(p, unreadable) if filters.matches(r)) for p in chains(directory)]
    return heapq.merge(*streams, key=lambda r: str(r.get("time", "")))


def value_filters(
    keys: AuditKeys, value: str, entities: Iterable[str] | None = None
) -> tuple[str, ...]:
    """The ``values`` entries ``value`` would have produced, for each entity it could be."""
    names = list(entities) if entities else list(BUILTIN)
    found = []
    for name in names:
        entity = BUILTIN.get(name)
        normalized = entity.normalize(value) if entity else value
        found.append(f"{name}:{keys.value_digest(name, normalized)}")
    return tuple(found)


def parse_time(text: str) -> str:
    """Accept ``2026-11-23``, ``2026-11-23T10:00`` or a full ISO time; return it as records store it."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
