"""The audit trail: what left the company, to which vendor, when, in which ticket,
and what came back, without ever holding the values themselves.

* ``keys``: the audit HMAC key and the Ed25519 checkpoint key;
* ``log``: the append-only, hash-chained writer (one chain per instance);
* ``events``: every event the gateway records, as a typed record;
* ``verify``, ``reader``, ``export``, ``summary``: checking, reading, exporting
  and summarising chains, for the CLI and the audit page.
"""

from gateway.audit import events
from gateway.audit.keys import AuditKeys, load_audit_keys
from gateway.audit.log import AuditLog

__all__ = ["AuditKeys", "AuditLog", "events", "load_audit_keys"]
