"""What the audit page shows at a glance, computed from records: pure, no I/O."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from gateway.audit.reader import Record, kept_in_house


def summarize(records: Iterable[Record]) -> dict[str, Any]:
    """Events per minute by outcome, entities sent per vendor, refusals by reason,
    requests kept in-house by category (blocked or diverted), returned tokens by status."""
    per_minute: dict[str, Counter[str]] = defaultdict(Counter)
    entities: dict[str, Counter[str]] = defaultdict(Counter)
    reasons: Counter[str] = Counter()
    returned: Counter[str] = Counter()
    kept: dict[str, Counter[str]] = defaultdict(Counter)
    total = 0
    for record in records:
        event = record.get("event", {})
        total += 1
        minute = str(record.get("time", ""))[:16]
        per_minute[minute][str(event.get("outcome") or event.get("type"))] += 1
        for entity, count in (event.get("entities") or {}).items():
            entities[str(event.get("vendor"))][entity] += count
        if event.get("outcome") == "refused":
            reasons[str(event.get("reason"))] += 1
        if event.get("type") == "request_blocked":
            for name in kept_in_house(event):
                kept[str(name)][str(event.get("outcome"))] += 1
        for status, count in (event.get("counts") or {}).items():
            returned[status] += count
    return {
        "events": total,
        "over_time": [{"minute": k, **v} for k, v in sorted(per_minute.items())],
        "entities_per_vendor": {k: dict(v) for k, v in entities.items()},
        "refusals": dict(reasons.most_common()),
        "tokens_returned": dict(returned),
        "kept_in_house": {k: dict(v) for k, v in sorted(kept.items())},
    }
