"""The audit trail: what left the company, to which vendor, when, in which ticket,
and what came back, without ever holding the values themselves.

* ``keys``: the audit HMAC key and the Ed25519 checkpoint key;
* ``log``: the append-only, hash-chained writer (one chain per instance);
* ``events``: the shape of each event the gateway records.
"""

from gateway.audit.keys import AuditKeys, load_audit_keys
from gateway.audit.log import AuditLog

__all__ = ["AuditKeys", "AuditLog", "load_audit_keys"]
