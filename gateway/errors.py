"""Every error the gateway raises on purpose.

    GatewayError
    ├── PolicyError        a policy file is missing, malformed or inconsistent
    ├── ConfigError        settings, key material or the data directory are unusable
    ├── InputError         a caller's body or text cannot be processed (too big, bad JSON...)
    ├── DetectionError     the detector failed; nothing may be forwarded
    ├── VaultError         the vault could not store or read a mapping; nothing may be forwarded
    └── AuditError         the audit log could not be written or read

Each carries a stable ``code`` (used in JSON error bodies and CLI output) and a
message that says what failed and where, but never contains a detected value,
a key or a request body: messages are built only from field paths, file names,
sizes and codes.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Root of the gateway's own errors."""

    code = "gateway_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PolicyError(GatewayError):
    """A policy could not be loaded; ``source`` names the file and ``field`` the path in it."""

    code = "policy_invalid"

    def __init__(self, source: str, field: str, problem: str) -> None:
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.field = field
        self.problem = problem


class ConfigError(GatewayError):
    code = "config_invalid"


class InputError(GatewayError):
    """A caller's input was refused. ``code`` is one of the stable input codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class DetectionError(GatewayError):
    code = "detection_failed"


class VaultError(GatewayError):
    code = "vault_unavailable"


class AuditError(GatewayError):
    code = "audit_unavailable"
