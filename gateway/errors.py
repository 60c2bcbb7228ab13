"""Every error the gateway raises on purpose: its class, its stable code, its HTTP status.

    GatewayError
    ├── PolicyError     a policy file is missing, malformed or inconsistent
    ├── ConfigError     settings, key material or the data directory are unusable
    ├── InputError      a caller's body or text cannot be processed (too big, bad JSON...)
    ├── AccessError     the caller may not use this path now (no route, no key, not ready)
    ├── DetectionError  the detector failed; nothing may be forwarded
    ├── VaultError      the vault could not store or read a mapping; nothing may be forwarded
    ├── CryptoError     a stored record could not be decrypted (deliberately opaque)
    ├── AuditError      the audit log could not be written or read
    ├── UpstreamError   the vendor failed, or answered what cannot be released
    ├── WebhookError    a vendor delivery was refused, or the company's receiver failed
    ├── BlockedError    the policy keeps this request from the vendor (in-house)
    └── InternalError   a bug; the answer says whether anything reached the vendor

    StreamAborted       not an error of the caller's: cuts a response stream off

Each class lists its codes with their HTTP status (``None``: never answered
over HTTP; the CLI and start-up report it) and what they mean. :data:`CODES`
is every code; the README's error table is checked against it by a test, as
is every code the source raises. A code a class does not own is refused at
construction, and mypy checks the literal codes.

Messages say what failed and where, and never contain a detected value, a key
or a request body: they are built only from field paths, file names, sizes
and codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal


@dataclass(frozen=True, slots=True)
class Code:
    status: int | None  # None: never sent over HTTP
    meaning: str


class GatewayError(Exception):
    """Root of the gateway's own errors."""

    codes: ClassVar[Mapping[str, Code]] = {}

    def __init__(self, message: str, code: str | None = None) -> None:
        if code is None:
            if len(self.codes) != 1:
                raise TypeError(f"{type(self).__name__} needs one of its codes")
            code = next(iter(self.codes))
        if code not in self.codes:
            raise ValueError(f"{type(self).__name__} has no code {code!r}")
        super().__init__(message)
        self.message = message
        self.code = code

    @property
    def status(self) -> int:
        """The HTTP status to answer with (500 for codes never meant for HTTP)."""
        return self.codes[self.code].status or 500

    def details(self) -> dict[str, Any]:
        """Machine-readable context for the error body (names and counts, never values)."""
        return {}


class PolicyError(GatewayError):
    """A policy could not be loaded; ``source`` names the file and ``field`` the path in it."""

    codes: ClassVar[Mapping[str, Code]] = {
        "policy_invalid": Code(None, "a policy file is missing or invalid (CLI: exit 2)")
    }

    def __init__(self, source: str, field: str, problem: str) -> None:
        where = f"{source}: {field}" if field else source
        super().__init__(f"{where}: {problem}")
        self.source = source
        self.field = field
        self.problem = problem


class ConfigError(GatewayError):
    codes: ClassVar[Mapping[str, Code]] = {
        "config_invalid": Code(None, "settings, keys or the data directory are unusable (exit 2)")
    }


InputCode = Literal[
    "body_too_large", "decompressed_too_large", "body_timeout", "invalid_json",
    "invalid_encoding", "json_too_deep", "duplicate_json_key", "invalid_path",
    "invalid_compression", "invalid_multipart", "unsupported_media_type",
    "unsupported_charset", "unsupported_content_encoding", "attachment_refused",
    "invalid_filter", "invalid_time", "invalid_value", "scope_is_alias",
]  # fmt: skip


class InputError(GatewayError):
    """A caller's input was refused."""

    codes: ClassVar[Mapping[str, Code]] = {
        "body_too_large": Code(413, "the body is larger than `max_body_bytes`"),
        "decompressed_too_large": Code(413, "the body inflates past `max_decompressed_bytes`"),
        "body_timeout": Code(408, "the body did not arrive within `body_read_timeout_s`"),
        "invalid_json": Code(400, "the body is not valid JSON"),
        "invalid_encoding": Code(400, "the body is not valid in its charset"),
        "json_too_deep": Code(400, "the JSON is nested deeper than `max_json_depth`"),
        "duplicate_json_key": Code(400, "a JSON object repeats a key (vendors disagree on which wins)"),
        "invalid_path": Code(400, "the path holds encoded slashes, dot segments or NUL"),
        "invalid_compression": Code(400, "the compressed body is corrupt or truncated"),
        "invalid_multipart": Code(400, "the multipart framing is malformed"),
        "unsupported_media_type": Code(415, "the route does not read bodies of this type"),
        "unsupported_charset": Code(415, "the body's charset is unknown (or not UTF-8 in multipart)"),
        "unsupported_content_encoding": Code(415, "a Content-Encoding other than gzip or deflate"),
        "attachment_refused": Code(415, "a multipart file part on a route that refuses files"),
        "invalid_filter": Code(400, "an audit API filter is malformed"),
        "invalid_time": Code(None, "`--since`/`--until` is not an ISO 8601 time (exit 2)"),
        "invalid_value": Code(None, "`audit lookup --value` is empty (exit 2)"),
        "scope_is_alias": Code(None, "`vault purge --scope` names a vendor-assigned id (exit 2)"),
    }  # fmt: skip

    def __init__(self, code: InputCode, message: str) -> None:
        super().__init__(message, code)


AccessCode = Literal["route_not_allowed", "unauthorized", "admin_keys_not_configured", "not_ready"]


class AccessError(GatewayError):
    """The caller may not use this path now."""

    codes: ClassVar[Mapping[str, Code]] = {
        "route_not_allowed": Code(403, "no route of the policy allows this method and path"),
        "unauthorized": Code(401, "a missing or wrong `X-Gateway-Key` or admin key"),
        "admin_keys_not_configured": Code(403, "the audit API needs `GATEWAY_ADMIN_KEYS` set"),
        "not_ready": Code(503, "the gateway is starting"),
    }

    def __init__(self, code: AccessCode, message: str) -> None:
        super().__init__(message, code)


class DetectionError(GatewayError):
    codes: ClassVar[Mapping[str, Code]] = {
        "detection_failed": Code(503, "the detector failed (a regex timeout included)")
    }


class VaultError(GatewayError):
    codes: ClassVar[Mapping[str, Code]] = {
        "vault_unavailable": Code(503, "the vault could not store or read a mapping")
    }


class CryptoError(GatewayError):
    """A record could not be decrypted or verified. Deliberately says no more."""

    codes: ClassVar[Mapping[str, Code]] = {
        "crypto_failed": Code(None, "a stored record could not be decrypted")
    }

    def __init__(self) -> None:
        super().__init__("a stored record could not be decrypted")


class AuditError(GatewayError):
    codes: ClassVar[Mapping[str, Code]] = {
        "audit_unavailable": Code(503, "the audit record could not be written")
    }


UpstreamCode = Literal[
    "upstream_unreachable", "upstream_timeout", "upstream_redirect", "upstream_invalid_response",
    "upstream_body_too_large", "upstream_body_invalid", "upstream_encoding_unsupported",
    "stream_event_too_large",
]  # fmt: skip


class UpstreamError(GatewayError):
    """The vendor failed, or answered something the gateway will not release."""

    codes: ClassVar[Mapping[str, Code]] = {
        "upstream_unreachable": Code(502, "the vendor could not be reached, or broke off"),
        "upstream_timeout": Code(504, "the vendor did not answer within `upstream_timeout_s`"),
        "upstream_redirect": Code(502, "the vendor answered with a redirect (never followed)"),
        "upstream_invalid_response": Code(502, "the vendor's answer is in a charset that cannot be read"),
        "upstream_body_too_large": Code(502, "the vendor's answer inflates past `max_response_bytes`"),
        "upstream_body_invalid": Code(502, "the vendor's compressed answer is corrupt"),
        "upstream_encoding_unsupported": Code(502, "the vendor's Content-Encoding is not gzip or deflate"),
        "stream_event_too_large": Code(502, "one event of the vendor's stream passes `max_event_bytes`"),
    }  # fmt: skip

    def __init__(self, code: UpstreamCode, message: str) -> None:
        super().__init__(message, code)


WebhookCode = Literal[
    "webhook_signature_missing", "webhook_signature_invalid", "webhook_stale",
    "webhook_timestamp_invalid", "webhook_replay", "forward_failed",
]  # fmt: skip


class WebhookError(GatewayError):
    """A vendor delivery was refused, or could not be handed to the company."""

    codes: ClassVar[Mapping[str, Code]] = {
        "webhook_signature_missing": Code(401, "the delivery has no signature or timestamp"),
        "webhook_signature_invalid": Code(401, "the delivery's signature does not match"),
        "webhook_stale": Code(401, "the delivery's timestamp is outside `tolerance_s`"),
        "webhook_timestamp_invalid": Code(401, "the signature timestamp is not a time"),
        "webhook_replay": Code(409, "this delivery was already received"),
        "forward_failed": Code(502, "the company's receiver could not be reached or refused"),
    }

    def __init__(self, code: WebhookCode, message: str) -> None:
        super().__init__(message, code)


BlockedCode = Literal["content_blocked", "content_diverted", "divert_failed"]


class BlockedError(GatewayError):
    """The policy keeps this request from the vendor: a sensitive category or a blocked entity.

    ``categories`` and ``entities`` count the detections at or above their
    thresholds, by name; the error names them and never the text.
    """

    codes: ClassVar[Mapping[str, Code]] = {
        "content_blocked": Code(403, "the request holds a category or entity the policy blocks; the vendor got nothing"),
        "content_diverted": Code(403, "the same, and the request went to the route's `divert_to` endpoint instead"),
        "divert_failed": Code(502, "a blocked request could not be delivered to `divert_to`; it went nowhere"),
    }  # fmt: skip

    def __init__(
        self,
        code: BlockedCode,
        categories: Mapping[str, int],
        entities: Mapping[str, int],
        message: str | None = None,
    ) -> None:
        self.categories = dict(categories)
        self.entities = dict(entities)
        named = ", ".join([*sorted(self.categories), *sorted(self.entities)])
        if message is None:
            message = {
                "content_blocked": f"this policy keeps requests holding {named} from the vendor; "
                "nothing was sent",
                "content_diverted": f"this policy keeps requests holding {named} in-house; it was "
                "delivered to the company's own queue, not to the vendor",
                "divert_failed": f"the request holds {named} and could not be delivered to the "
                "company's own queue; nothing was sent anywhere, try again",
            }[code]
        super().__init__(message, code)

    def details(self) -> dict[str, Any]:
        return {"categories": sorted(self.categories), "entities": sorted(self.entities)}


class InternalError(GatewayError):
    codes: ClassVar[Mapping[str, Code]] = {
        "internal_error": Code(500, "a bug; the message says whether the vendor got the request")
    }


ERRORS: tuple[type[GatewayError], ...] = (
    PolicyError, ConfigError, InputError, AccessError, DetectionError, VaultError, CryptoError,
    AuditError, UpstreamError, WebhookError, BlockedError, InternalError,
)  # fmt: skip
CODES: Mapping[str, Code] = {code: c for error in ERRORS for code, c in error.codes.items()}


def status_of(code: str) -> int:
    """The HTTP status of ``code`` (500 for an unknown one: a bug)."""
    known = CODES.get(code)
    return (known.status if known else None) or 500


class StreamAborted(Exception):
    """A response stream cut off after its first bytes (already logged and audited).

    Raising is the only way to make the server drop the connection, so that the
    caller sees a broken body instead of a complete-looking short one; the
    server's log filter keeps it from being logged as a crash.
    """
