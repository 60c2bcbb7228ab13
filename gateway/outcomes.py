"""The outcomes the audit trail records, in one place so filters can check them.

An audit event carries one *decision* (what the gateway did with the exchange
or the operator's command). A returned token carries a *status* (what became
of it on the way back); an answer's event counts its tokens by status, so a
status is also something to filter on.
"""

from __future__ import annotations

from typing import Literal, get_args

Status = Literal[
    "restored", "unknown", "invalid", "foreign_tenant", "out_of_scope", "purged", "expired",
    "undecryptable",
]  # fmt: skip

DECISIONS = ("forwarded", "released", "refused", "cut_off", "rotated", "erased")
STATUSES: tuple[str, ...] = get_args(Status)
OUTCOMES = DECISIONS + STATUSES
