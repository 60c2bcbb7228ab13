"""Every event the gateway records, as a typed record built from decisions, never from values.

==================  ===========================================================
``chain_opened``    a process opened its chain (with the checkpoint key's id)
``policy_loaded``   a gateway started on a policy (file name and SHA-256)
``request_redacted``  what left: entity counts, tokens minted, field paths, and a
                    keyed digest of each value (``audit lookup`` finds a value
                    without the log holding it)
``response_restored``, ``stream_restored``, ``webhook_restored``
                    what came back: each token's status, the ids the vendor
                    assigned (aliases)
``request_refused`` what was refused, with its error code and status
``request_blocked`` a request the policy kept from the vendor: the sensitive
                    categories and blocked entities it held (counts, never
                    text), and whether it was diverted to the company's own
                    endpoint (``outcome`` ``blocked`` or ``diverted``)
``values_purged``   an erasure (scope and count)
``keys_rotated``    a new vault key
``tail_repaired``   a record or checkpoint cut short by a crash, removed at start-up
``segments_removed``  old segments of the chain deleted by the retention setting
                    (through which record, and that record's hash)
==================  ===========================================================

Exchange events also carry ``request_id``, ``tenant``, ``vendor``, ``route``,
``method``, the route's path *pattern* (a concrete path may hold ids),
``direction``, ``scope`` (and the ``scope_source`` it was reached through),
the policy's digest and the detector's version. Each event has one
*decision* as its ``outcome`` (:data:`DECISIONS`); a returned token has a
*status* (:data:`gateway.vault.Status`), and an answer's event counts its
tokens by status, so a status is something to filter on too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, get_args

from gateway import __version__
from gateway.audit.keys import AuditKeys
from gateway.policy import Policy
from gateway.vault import Status

DETECTOR_VERSION = f"gateway-{__version__}"

Decision = Literal[
    "forwarded", "released", "refused", "cut_off", "rotated", "erased", "blocked", "diverted"
]
DECISIONS: tuple[str, ...] = get_args(Decision)
STATUSES: tuple[str, ...] = get_args(Status)
OUTCOMES = DECISIONS + STATUSES


class Event(Protocol):
    """An auditable event: it knows its record, which holds no values."""

    def record(self) -> dict[str, Any]: ...


class TokenSeen(Protocol):
    """A token that came back, and what became of it (``restore.Outcome`` is one)."""

    @property
    def token(self) -> str: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Exchange:
    """Who and what an exchange event is about."""

    request_id: str
    route: str | None
    method: str
    path: str  # the path pattern of the route, not the concrete path (it may hold ids)
    scope: str | None = None
    scope_source: str | None = None


@dataclass(frozen=True, slots=True)
class Found:
    """One replaced value, described without the value."""

    where: str
    entity: str
    action: str
    token: str | None
    digest: str  # keyed: see value_digest


def value_digest(keys: AuditKeys, policy: Policy, entity: str, value: str) -> str:
    entity_type = policy.entity_types.get(entity)
    normalized = entity_type.normalize(value) if entity_type else value
    return keys.value_digest(entity, normalized)


def _exchange_fields(
    kind: str, direction: str, policy: Policy, exchange: Exchange
) -> dict[str, Any]:
    return {
        "type": kind,
        "direction": direction,
        "request_id": exchange.request_id,
        "tenant": policy.tenant,
        "vendor": policy.vendor,
        "route": exchange.route,
        "method": exchange.method,
        "path": exchange.path,
        "scope": exchange.scope,
        "scope_source": exchange.scope_source,
        "policy_sha256": policy.digest,
        "detector": DETECTOR_VERSION,
    }


@dataclass(frozen=True, slots=True)
class ChainOpened:
    kind: ClassVar[str] = "chain_opened"
    public_key_id: str

    def record(self) -> dict[str, Any]:
        return {"type": self.kind, "public_key_id": self.public_key_id}


@dataclass(frozen=True, slots=True)
class PolicyLoaded:
    kind: ClassVar[str] = "policy_loaded"
    tenant: str
    vendor: str
    policy: str
    policy_sha256: str
    upstream: str
    routes: tuple[str, ...]

    def record(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "tenant": self.tenant,
            "vendor": self.vendor,
            "policy": self.policy,
            "policy_sha256": self.policy_sha256,
            "upstream": self.upstream,
            "routes": list(self.routes),
        }


@dataclass(frozen=True, slots=True)
class PolicyReloaded:
    """A running gateway took a new policy file (``SIGHUP``), or refused it and kept its own.

    A refusal records the error's code and the refused file's digest, never
    its message (a message may quote a value from the file).
    """

    kind: ClassVar[str] = "policy_reloaded"
    policy: str
    policy_sha256: str  # the new file's digest, taken or refused
    previous_sha256: str
    outcome: str  # "loaded" | "refused"
    reason: str | None = None  # the error code of a refusal
    routes: tuple[str, ...] = ()

    def record(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "policy": self.policy,
            "policy_sha256": self.policy_sha256,
            "previous_sha256": self.previous_sha256,
            "outcome": self.outcome,
            "reason": self.reason,
            "routes": list(self.routes),
        }


@dataclass(frozen=True, slots=True)
class RequestRedacted:
    kind: ClassVar[str] = "request_redacted"
    policy: Policy = field(repr=False)
    exchange: Exchange
    found: Sequence[Found]
    latency_ms: float
    outcome: Decision = "forwarded"

    def record(self) -> dict[str, Any]:
        event = _exchange_fields(self.kind, "outbound", self.policy, self.exchange)
        found = self.found
        event.update(
            outcome=self.outcome,
            latency_ms=round(self.latency_ms, 2),
            entities=dict(Counter(f.entity for f in found)),
            actions=dict(Counter(f.action for f in found)),
            tokens=sorted({f.token for f in found if f.token}),
            fields=sorted({f.where for f in found}),
            values=sorted({f"{f.entity}:{f.digest}" for f in found}),
        )
        return event


RestoreKind = Literal["response_restored", "stream_restored", "webhook_restored"]


@dataclass(frozen=True, slots=True)
class Restored:
    """An answer, stream or webhook delivery restored and released (or cut off)."""

    kind: RestoreKind
    policy: Policy = field(repr=False)
    exchange: Exchange
    outcomes: Sequence[TokenSeen]
    latency_ms: float
    status: int | None = None  # the vendor's HTTP status
    aliases: Sequence[str] = ()
    outcome: Decision = "released"
    reason: str | None = None  # why a stream was cut off: an error code

    def record(self) -> dict[str, Any]:
        items: Iterable[TokenSeen] = self.outcomes
        event = _exchange_fields(self.kind, "inbound", self.policy, self.exchange)
        event.update(
            aliases=list(self.aliases),
            outcome=self.outcome,
            latency_ms=round(self.latency_ms, 2),
            upstream_status=self.status,
            tokens={
                status: sorted({o.token for o in items if o.status == status})
                for status in sorted({o.status for o in items})
            },
            counts=dict(Counter(o.status for o in items)),
        )
        if self.reason is not None:
            event["reason"] = self.reason
        return event


@dataclass(frozen=True, slots=True)
class RequestRefused:
    kind: ClassVar[str] = "request_refused"
    policy: Policy = field(repr=False)
    exchange: Exchange
    code: str
    status: int
    direction: Literal["outbound", "inbound"]
    latency_ms: float

    def record(self) -> dict[str, Any]:
        event = _exchange_fields(self.kind, self.direction, self.policy, self.exchange)
        event.update(
            outcome="refused",
            reason=self.code,
            status=self.status,
            latency_ms=round(self.latency_ms, 2),
        )
        return event


@dataclass(frozen=True, slots=True)
class RequestBlocked:
    """A request kept from the vendor: refused, or delivered in-house (``divert_to``)."""

    kind: ClassVar[str] = "request_blocked"
    policy: Policy = field(repr=False)
    exchange: Exchange
    outcome: Literal["blocked", "diverted"]
    code: str  # content_blocked | content_diverted | divert_failed
    categories: Mapping[str, int]
    entities: Mapping[str, int]
    latency_ms: float
    divert_to: str | None = None  # the endpoint (from the policy; no values)
    divert_status: int | None = None  # its answer, when it answered

    def record(self) -> dict[str, Any]:
        event = _exchange_fields(self.kind, "outbound", self.policy, self.exchange)
        event.update(
            outcome=self.outcome,
            reason=self.code,
            categories=dict(sorted(self.categories.items())),
            blocked_entities=dict(sorted(self.entities.items())),
            latency_ms=round(self.latency_ms, 2),
        )
        if self.divert_to is not None:
            event.update(divert_to=self.divert_to, divert_status=self.divert_status)
        return event


@dataclass(frozen=True, slots=True)
class ValuesPurged:
    """An erasure: a data subject's request answered (the trail proves it happened)."""

    kind: ClassVar[str] = "values_purged"
    tenant: str
    scope: str | None  # None for --expired; withheld when not shaped like a scope id
    expired: bool
    count: int

    def record(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "tenant": self.tenant,
            "scope": self.scope,
            "expired": self.expired,
            "count": self.count,
            "outcome": "erased",
        }


@dataclass(frozen=True, slots=True)
class KeysRotated:
    kind: ClassVar[str] = "keys_rotated"
    key_id: str
    rewrapped: bool

    def record(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "key_id": self.key_id,
            "rewrapped": self.rewrapped,
            "outcome": "rotated",
        }


@dataclass(frozen=True, slots=True)
class TailRepaired:
    """A write cut short by a crash (never acknowledged), removed when the chain reopened."""

    kind: ClassVar[str] = "tail_repaired"
    file: Literal["log", "checkpoints"]
    bytes_removed: int

    def record(self) -> dict[str, Any]:
        return {"type": self.kind, "file": self.file, "bytes_removed": self.bytes_removed}


@dataclass(frozen=True, slots=True)
class SegmentsRemoved:
    """Rotated segments past retention, about to be deleted: records 1 (or the last
    removal's next) to ``through_seq``; ``head`` is the hash of that last record, to
    which the chain's first remaining record links."""

    kind: ClassVar[str] = "segments_removed"
    through_seq: int
    head: str
    segments: int
    retention_days: float

    def record(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "through_seq": self.through_seq,
            "head": self.head,
            "segments": self.segments,
            "retention_days": self.retention_days,
        }
