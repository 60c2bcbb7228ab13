"""Loading a policy: read the file, validate it, derive what the gateway runs on.

``load_policy`` is the only way in; ``gateway policy check`` and ``gateway serve``
both call it, so a policy that passes the check is the policy that runs. Every
error names the file and the field path, e.g.::

    policies/zendesk.yaml: entities.CREDIT_CARD.action: Input should be 'token',
    'mask', 'drop' or 'keep'
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from gateway.errors import ConfigError, PolicyError
from gateway.policy.entities import BUILTIN, CATEGORY_ENTITIES, EntityType, custom_entity
from gateway.policy.schema import (
    CATEGORY_NAMES,
    CategoryRule,
    EntityRule,
    FieldRules,
    PolicyDocument,
    SecretSource,
)
from gateway.policy.selectors import Selector

_DEFAULT_RULE = EntityRule()
_ALLOWED = CategoryRule(action="allow")
# A secret is dropped unless a policy says otherwise: a token would keep it in the vault.
_DEFAULT_RULES = {"SECRET": EntityRule(action="drop")}


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
        """The rule for ``entity``; entities a policy does not mention are tokenized
        (secrets are dropped)."""
        return self.document.entities.get(entity) or _DEFAULT_RULES.get(entity) or _DEFAULT_RULE

    def category_rule(self, category: str) -> CategoryRule:
        """The rule for ``category``; categories a policy does not name are allowed."""
        return self.document.categories.get(category) or _ALLOWED  # type: ignore[call-overload]

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories the policy acts on (blocks or tokenizes), in CATEGORY_NAMES order."""
        acted = {c for c, r in self.document.categories.items() if r.action != "allow"}
        return tuple(c for c in CATEGORY_NAMES if c in acted)

    def entity_blocks(self, entity: str, score: float) -> bool:
        """Whether a value of ``entity`` scored ``score`` keeps its request from the vendor."""
        rule = self.rule(entity)
        if rule.action != "block":
            return False
        threshold = (
            self.document.detection.score_threshold if rule.threshold is None else rule.threshold
        )
        return score >= threshold

    @property
    def blocks(self) -> bool:
        """Whether anything in this policy can keep a request from the vendor."""
        return any(r.action == "block" for r in self.document.categories.values()) or any(
            r.action == "block" for r in self.document.entities.values()
        )

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
    policy = Policy(
        document=document,
        source=source,
        digest=hashlib.sha256(raw).hexdigest(),
        entity_types=entity_types,
        json_rules=CompiledFieldRules.from_config(document.json_fields),
    )
    _check_diversions(policy, source)
    return policy


def _check_diversions(policy: Policy, source: str) -> None:
    """A route that diverts must be able to block, and must be a company-bound route."""
    document = policy.document
    blocks_entities = any(r.action == "block" for r in document.entities.values())
    blocks_categories = any(r.action == "block" for r in document.categories.values())
    for index, route in enumerate(document.routes):
        divert = route.divert_to
        if divert is None:
            continue
        where = f"routes[{index}].divert_to"
        if route.webhook is not None:
            raise PolicyError(source, where, "a webhook route (vendor to company) never diverts")
        if not (blocks_entities or (blocks_categories and route.categories)):
            raise PolicyError(
                source,
                where,
                "nothing blocks on this route (no entity has action: block, and no category "
                "does or the route has categories: false), so nothing would be diverted",
            )
        if "@" in divert.url.split("://", 1)[1].split("/", 1)[0]:
            raise PolicyError(
                source, f"{where}.url", "no credentials in the URL; the envelope is signed"
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
    reserved = {e.name: c for c, e in CATEGORY_ENTITIES.items()}
    for position, recognizer in enumerate(document.recognizers):
        if recognizer.entity in reserved:
            raise PolicyError(
                source,
                f"recognizers[{position}].entity",
                f"{recognizer.entity} is the sensitive category "
                f"{reserved[recognizer.entity]}'s entity; name yours otherwise",
            )
    types = dict(BUILTIN)
    # A category's evidence is an entity only where the policy tokenizes it:
    # every label makes the restorer's token grammar longer (eight more cost
    # about a fifth of the HTTP path's throughput, measured).
    for category, rule in document.categories.items():
        if rule.action == "token":
            entity = CATEGORY_ENTITIES[category]
            types[entity.name] = entity
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
    categories = {e.name: c for c, e in CATEGORY_ENTITIES.items()}
    known = ", ".join(sorted(t for t in types if t not in categories))
    for name in document.entities:
        if name in categories:
            raise PolicyError(
                source,
                f"entities.{name}",
                f"{name} is a sensitive category; set its rule under categories.{categories[name]}",
            )
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
        if route.divert_to is not None:
            found.append((f"routes[{index}].divert_to.secret", route.divert_to.secret))
    return found


def check_model(policy: Policy) -> None:
    """Fail fast, in one line, when the policy's spaCy pipeline is not installed.

    It looks the package up without importing it: checking a policy never loads NLP.
    """
    model = policy.document.detection.model
    if importlib.util.find_spec(model) is None:
        raise ConfigError(
            f"{policy.source}: detection.model: the spaCy pipeline '{model}' is not installed"
        )
