"""Redaction: detections in, tokens minted, replacements applied.

The redactor works on plain strings, whatever body format they came from:
free-text strings are scanned by the detector, entity fields (a value the
policy says *is* an email, a name...) are replaced whole. Body formats (JSON,
HTML, forms...) take strings out, call :meth:`Redactor.redact`, and put the
results back.

Each detection gets its entity's action from the policy:

=========  ==================================================================
``token``  replaced by a vault token (``EMAIL-7K3MQ9XW``); restorable
``mask``   irreversibly masked, keeping the last ``keep_last`` characters
           (``**** **** **** 1111``); the value is never stored
``drop``   replaced by its label in brackets (``[SSN]``); never stored
``keep``   left alone (the detector does not even look for it)
=========  ==================================================================

Replacement text is spliced in by Presidio's ``AnonymizerEngine`` through one
custom operator; the operator's parameters carry a lookup function, never the
values themselves, so Presidio's debug logging of operator configs stays clean.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import (
    ConflictResolutionStrategy,
    OperatorConfig,
    RecognizerResult,
)
from presidio_anonymizer.operators import Operator, OperatorType

from gateway.detector import Detection, Detector, KnownValue
from gateway.policy import Action, Policy
from gateway.tokens import Token
from gateway.vault import Resolution, TokenRequest, Vault

T = TypeVar("T")
CpuRunner = Callable[..., Awaitable[Any]]
DetectFunction = Callable[[Sequence[str], Sequence[KnownValue]], Awaitable[list[list[Detection]]]]


@dataclass(frozen=True, slots=True)
class EntityField:
    """A string that is, as a whole, a value of ``entity`` (a requester's email)."""

    entity: str
    value: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Replacement:
    """What happened to one value: where it was (original offsets) and what replaced it."""

    entity: str
    action: Action
    start: int
    end: int
    token: str | None = None  # for the token action
    text: str = field(default="", repr=False)  # what replaced the value


@dataclass(frozen=True, slots=True)
class Redacted:
    text: str = field(repr=False)
    replacements: tuple[Replacement, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    """Where the values are (detections over texts, then fields), before tokens are minted."""

    sources: list[str] = field(repr=False)
    detections: list[list[Detection]]
    texts: int  # how many of ``sources`` are free texts; the rest are entity fields

    def holds(self, value: str) -> bool:
        """Whether ``value`` is, or contains, something detected as personal data."""
        value = value.strip()
        return any(
            self.sources[index][d.start : d.end] in value
            for index, items in enumerate(self.detections)
            for d in items
        )

    def first_value(self, entity: str) -> str | None:
        """The first value of ``entity`` found, fields first (they are the surest)."""
        order = list(range(self.texts, len(self.sources))) + list(range(self.texts))
        for index in order:
            for detection in self.detections[index]:
                if detection.entity == entity:
                    return self.sources[index][detection.start : detection.end]
        return None


ScopeChooser = Callable[[Plan], Awaitable[str]]


@dataclass(frozen=True, slots=True)
class Redaction:
    texts: list[Redacted]
    fields: list[Redacted]
    scope: str = ""
    # What this redaction's own tokens restore to. The answer to the same
    # exchange (same scope) needs no vault lookup for them: a create-ticket
    # answer echoes every token the request carried.
    minted: dict[Token, Resolution] = field(default_factory=dict, repr=False)

    @property
    def replacements(self) -> list[Replacement]:
        return [r for item in (*self.texts, *self.fields) for r in item.replacements]


def mask(value: str, keep_last: int, char: str) -> str:
    """Mask letters and digits, keeping separators and the last ``keep_last`` of them."""
    positions = [i for i, c in enumerate(value) if c.isalnum()]
    hidden = set(positions[: max(0, len(positions) - keep_last)])
    return "".join(char if i in hidden else c for i, c in enumerate(value))


class _Replace(Operator):
    """Presidio operator that looks the replacement up in the redaction plan."""

    name: ClassVar[str] = "gateway_replace"

    def operate(self, text: str, params: dict[str, Any] | None = None) -> str:
        assert params is not None
        replacement: str = params["lookup"](text)
        return replacement

    def validate(self, params: dict[str, Any] | None = None) -> None:
        if not params or not callable(params.get("lookup")):
            raise ValueError("gateway_replace needs a 'lookup' function")

    def operator_name(self) -> str:
        return self.name

    def operator_type(self) -> OperatorType:
        return OperatorType.Anonymize


class Redactor:
    """Redacts strings under one policy. Thread-safe; share one per process."""

    def __init__(
        self,
        policy: Policy,
        detector: Detector,
        vault: Vault,
        run_cpu: CpuRunner = asyncio.to_thread,
        detect: DetectFunction | None = None,
    ) -> None:
        """``detect`` replaces running the detector in ``run_cpu`` (the server batches)."""
        self.policy = policy
        self.detector = detector
        self.vault = vault
        self.run_cpu = run_cpu
        self.detect = detect
        self.anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]
        self.anonymizer.add_anonymizer(_Replace)

    async def redact(
        self, scope: str | ScopeChooser, texts: Sequence[str], fields: Sequence[EntityField] = ()
    ) -> Redaction:
        """Redact free ``texts`` (detected) and entity ``fields`` (replaced whole).

        ``scope`` is the scope's id, or a function that picks it from what was
        detected (a route whose scope is "the first email in the request").
        Raises :class:`~gateway.errors.DetectionError` or :class:`~gateway.errors.VaultError`;
        then nothing of the input may be forwarded.
        """
        plan = await self.plan(texts, fields)
        chosen = scope if isinstance(scope, str) else await scope(plan)
        return await self.apply(plan, chosen)

    async def plan(self, texts: Sequence[str], fields: Sequence[EntityField] = ()) -> Plan:
        """Detect: where the values are, before any token exists."""
        fields = [f for f in fields if self.policy.rule(f.entity).action != "keep"]
        known = [KnownValue(f.entity, f.value) for f in fields]
        detections: list[list[Detection]] = [[] for _ in texts]
        if any(t.strip() for t in texts):
            if self.detect is not None:
                detections = await self.detect(list(texts), known)
            else:
                detections = await self.run_cpu(self.detector.detect, list(texts), known)
        whole = [
            [Detection(f.entity, 0, len(f.value), 1.0, "field")] if f.value.strip() else []
            for f in fields
        ]
        return Plan([*texts, *(f.value for f in fields)], [*detections, *whole], len(texts))

    async def apply(self, plan: Plan, scope: str) -> Redaction:
        """Mint the tokens (durably) and replace every value."""
        requests = {
            (d.entity, source[d.start : d.end])
            for source, found in zip(plan.sources, plan.detections, strict=True)
            for d in found
            if self.policy.rule(d.entity).action == "token"
        }
        tokens: dict[tuple[str, str], str] = {}
        restorable: dict[Token, Resolution] = {}
        if requests:
            types = self.policy.entity_types
            ordered = [
                TokenRequest(entity, types[entity].label, types[entity].normalize(surface), surface)
                for entity, surface in sorted(requests)
            ]
            minted = await self.vault.tokenize(
                self.policy.tenant, scope, ordered, self.policy.document.tokens.ttl
            )
            tokens = {(r.entity, r.surface): str(t) for r, t in minted.items()}
            restorable = {
                t: Resolution("restored", r.entity, scope, r.surface) for r, t in minted.items()
            }
        redacted = [
            self._apply(source, found, tokens)
            for source, found in zip(plan.sources, plan.detections, strict=True)
        ]
        return Redaction(redacted[: plan.texts], redacted[plan.texts :], scope, restorable)

    def _apply(
        self, text: str, found: Sequence[Detection], tokens: dict[tuple[str, str], str]
    ) -> Redacted:
        if not found:
            return Redacted(text)
        replacements = []
        by_entity: dict[str, dict[str, str]] = {}
        for detection in found:
            surface = text[detection.start : detection.end]
            rule = self.policy.rule(detection.entity)
            token = tokens.get((detection.entity, surface)) if rule.action == "token" else None
            if rule.action == "token":
                assert token is not None
                new = token
            elif rule.action == "mask":
                new = mask(surface, rule.keep_last, rule.mask_char)
            else:  # drop
                new = f"[{self.policy.label_for(detection.entity)}]"
            by_entity.setdefault(detection.entity, {})[surface] = new
            replacements.append(
                Replacement(
                    detection.entity, rule.action, detection.start, detection.end, token, new
                )
            )
        result = self.anonymizer.anonymize(
            text=text,
            analyzer_results=[RecognizerResult(d.entity, d.start, d.end, d.score) for d in found],
            operators={
                entity: OperatorConfig(_Replace.name, {"lookup": plan.__getitem__})
                for entity, plan in by_entity.items()
            },
            conflict_resolution=ConflictResolutionStrategy.REMOVE_INTERSECTIONS,
            merge_entities_with_spaces=False,
        )
        return Redacted(result.text, tuple(replacements))
