"""The events the gateway records, built from what it decided; never from values.

Every event carries ``type``, ``request_id``, ``tenant``, ``vendor``,
``route``, ``direction``, ``scope``, ``outcome`` and ``latency_ms`` where they
apply, plus the policy digest and detector version. Redactions list entity
counts, the token ids minted, the field paths they were found in and, for
``gateway audit lookup``, a keyed digest of each value: the log can answer
"was this email ever sent to a vendor" without containing the email.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gateway import __version__
from gateway.audit.keys import AuditKeys
from gateway.policy import Policy
from gateway.restorer import Outcome

DETECTOR_VERSION = f"gateway-{__version__}"


@dataclass(frozen=True, slots=True)
class Exchange:
    """Who and what an event is about."""

    request_id: str
    route: str | None
    method: str
    path: str  # the path pattern of the route, not the concrete path (it may hold ids)
    scope: str | None = None
    scope_source: str | None = None


def base(policy: Policy, exchange: Exchange, kind: str, direction: str) -> dict[str, Any]:
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
class Found:
    """One replaced value, described without the value."""

    where: str
    entity: str
    action: str
    token: str | None
    digest: str


def redacted(
    policy: Policy,
    exchange: Exchange,
    found: Sequence[Found],
    latency_ms: float,
    outcome: str = "forwarded",
) -> dict[str, Any]:
    event = base(policy, exchange, "request_redacted", "outbound")
    event.update(
        outcome=outcome,
        latency_ms=round(latency_ms, 2),
        entities=dict(Counter(f.entity for f in found)),
        actions=dict(Counter(f.action for f in found)),
        tokens=sorted({f.token for f in found if f.token}),
        fields=sorted({f.where for f in found}),
        values=sorted({f"{f.entity}:{f.digest}" for f in found}),
    )
    return event


def restored(
    policy: Policy,
    exchange: Exchange,
    outcomes: Iterable[Outcome],
    latency_ms: float,
    kind: str = "response_restored",
    status: int | None = None,
    aliases: Sequence[str] = (),
) -> dict[str, Any]:
    items = list(outcomes)
    event = base(policy, exchange, kind, "inbound")
    event.update(
        aliases=list(aliases),
        outcome="released",
        latency_ms=round(latency_ms, 2),
        upstream_status=status,
        tokens={
            status_name: sorted({o.token for o in items if o.status == status_name})
            for status_name in sorted({o.status for o in items})
        },
        counts=dict(Counter(o.status for o in items)),
    )
    return event


def refused(
    policy: Policy, exchange: Exchange, code: str, status: int, direction: str, latency_ms: float
) -> dict[str, Any]:
    event = base(policy, exchange, "request_refused", direction)
    event.update(outcome="refused", reason=code, status=status, latency_ms=round(latency_ms, 2))
    return event


def value_digest(keys: AuditKeys, policy: Policy, entity: str, value: str) -> str:
    entity_type = policy.entity_types.get(entity)
    normalized = entity_type.normalize(value) if entity_type else value
    return keys.value_digest(entity, normalized)
