"""Redaction: detections in, tokens minted, replacements applied.

The redactor works on plain strings, whatever body format they came from:
free-text strings are scanned by the detector, entity fields (a value the
policy says *is* an email, a name...) are replaced whole. Body formats (JSON,
HTML, forms...) take strings out, call :meth:`Redactor.redact`, and put the
results back.

Each detection gets its entity's action from the policy, and the action is
the name of the presidio-anonymizer operator that replaces it
(:mod:`gateway.redact.operators`). Tokens are minted, durably, before any
text is replaced.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.detect import Detection, Group, KnownValue
from gateway.detect.categories import CategoryHit
from gateway.detect.intervals import Spans
from gateway.errors import BlockedError
from gateway.formats.splice import splice
from gateway.policy import Action, Policy
from gateway.policy.entities import CATEGORY_ENTITIES
from gateway.redact.operators import FORWARD, TokenLookup
from gateway.vault import Resolution, TokenRequest, Vault
from gateway.vault.tokens import Token

# Detection for groups of texts, each with its known values; names found in a
# group are looked for again in that group only (see ``Redactor.plan``).
DetectFunction = Callable[[Sequence[Group]], Awaitable[list[list[list[Detection]]]]]
# The sensitive-category rules over free texts (off the event loop).
ClassifyFunction = Callable[[Sequence[str]], Awaitable[list[list[CategoryHit]]]]


@dataclass(frozen=True, slots=True)
class EntityField:
    """A string that is, as a whole, a value of ``entity`` (a requester's email)."""

    entity: str
    value: str = field(repr=False)
    record: str | None = None  # the bulk document's record it is in (``plan``)


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
    # What the policy blocks, by category and by entity (counts of detections).
    blocked_categories: dict[str, int] = field(default_factory=dict)
    blocked_entities: dict[str, int] = field(default_factory=dict)

    @property
    def blocked(self) -> bool:
        return bool(self.blocked_categories or self.blocked_entities)

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


class Redactor:
    """Redacts strings under one policy. Thread-safe; share one per process."""

    def __init__(
        self,
        policy: Policy,
        vault: Vault,
        detect: DetectFunction,
        classify: ClassifyFunction | None = None,
    ) -> None:
        """``detect`` runs the detector off the event loop (a thread, or the server's batcher);
        ``classify`` the category rules, when the policy acts on any category."""
        self.policy = policy
        self.vault = vault
        self.detect = detect
        self.classify = classify
        # Each entity's operator parameters, checked once: the action names the operator.
        self.params: dict[str, dict[str, Any]] = {}
        for entity, entity_type in policy.entity_types.items():
            rule = policy.rule(entity)
            params = {
                "entity_type": entity,
                "label": entity_type.label,
                "keep_last": rule.keep_last,
                "mask_char": rule.mask_char,
            }
            if rule.action != "keep":
                FORWARD[_operator(rule.action)].validate(params)
            self.params[entity] = params

    async def redact(
        self,
        scope: str | ScopeChooser,
        texts: Sequence[str],
        fields: Sequence[EntityField] = (),
        records: Sequence[str | None] = (),
        categories: bool = True,
    ) -> Redaction:
        """Redact free ``texts`` (detected) and entity ``fields`` (replaced whole).

        ``scope`` is the scope's id, or a function that picks it from what was
        detected (a route whose scope is "the first email in the request").
        ``records``, one per text, names the bulk-document record each is in
        (see :meth:`plan`). ``categories=False`` skips the category rules (a
        route that opts out). Raises :class:`~gateway.errors.BlockedError`
        (``content_blocked``) when the policy keeps the request from the
        vendor, before any token is minted, and
        :class:`~gateway.errors.DetectionError` or
        :class:`~gateway.errors.VaultError`; then nothing of the input may be
        forwarded.
        """
        plan = await self.plan(texts, fields, records, categories)
        # The scope first, so that the audit record of a blocked request names it.
        chosen = scope if isinstance(scope, str) else await scope(plan)
        if plan.blocked:
            raise BlockedError("content_blocked", plan.blocked_categories, plan.blocked_entities)
        return await self.apply(plan, chosen)

    async def plan(
        self,
        texts: Sequence[str],
        fields: Sequence[EntityField] = (),
        records: Sequence[str | None] = (),
        categories: bool = True,
    ) -> Plan:
        """Detect: where the values are, before any token exists.

        Texts are detected in groups, one per record (``None``: the request
        itself, outside any record). A name found in a group is looked for
        again only in that group; the request's own declared values are
        known in every group, a record's only in that record.
        """
        fields = [f for f in fields if self.policy.rule(f.entity).action != "keep"]
        detections: list[list[Detection]] = [[] for _ in texts]
        if any(t.strip() for t in texts):
            # One pass each: a bulk import holds thousands of records.
            members: dict[str | None, list[int]] = {}
            for index, record in enumerate(records or [None] * len(texts)):
                members.setdefault(record, []).append(index)
            declared: dict[str | None, list[KnownValue]] = {}
            for f in fields:
                declared.setdefault(f.record, []).append(KnownValue(f.entity, f.value))
            shared = declared.get(None, [])
            groups: list[Group] = [
                ([texts[i] for i in indexes], shared + (declared.get(key, []) if key else []))
                for key, indexes in members.items()
            ]
            found_per_group = await self.detect(groups)
            for indexes, found in zip(members.values(), found_per_group, strict=True):
                for index, items in zip(indexes, found, strict=True):
                    detections[index] = items
        whole = [
            [Detection(f.entity, 0, len(f.value), 1.0, "field")] if f.value.strip() else []
            for f in fields
        ]
        blocked: Counter[str] = Counter()
        if categories and self.classify is not None and self.policy.categories:
            hits = await self.classify(texts)
            detections = self._judge_categories(texts, hits, detections, blocked)
        entities = Counter(
            d.entity
            for found in (*detections, *whole)
            for d in found
            if self.policy.entity_blocks(d.entity, d.score)
        )
        return Plan(
            [*texts, *(f.value for f in fields)],
            [*detections, *whole],
            len(texts),
            dict(blocked),
            dict(entities),
        )

    def _judge_categories(
        self,
        texts: Sequence[str],
        hits: Sequence[Sequence[CategoryHit]],
        detections: list[list[Detection]],
        blocked: Counter[str],
    ) -> list[list[Detection]]:
        """Count what the policy blocks; add the evidence it tokenizes to the detections."""
        judged: list[list[Detection]] = []
        for text, found, text_hits in zip(texts, detections, hits, strict=True):
            evidence: list[Detection] = []
            taken = Spans((d.start, d.end) for d in found)
            for hit in text_hits:
                rule = self.policy.category_rule(hit.category)
                if hit.score < rule.threshold or rule.action == "allow":
                    continue
                if rule.action == "block":
                    blocked[hit.category] += 1
                    continue
                # What other detections do not already replace: a name inside
                # the evidence keeps its own token, the rest gets the category's.
                entity = CATEGORY_ENTITIES[hit.category].name
                for start, end in taken.uncovered(hit.start, hit.end):
                    start, end = _trimmed(text, start, end)
                    if start < end:
                        taken.add(start, end)
                        evidence.append(Detection(entity, start, end, hit.score, "category"))
            judged.append(sorted([*found, *evidence], key=lambda d: d.start) if evidence else found)
        return judged

    async def apply(self, plan: Plan, scope: str) -> Redaction:
        """Mint the tokens (durably) and replace every value."""
        requests = {
            (d.entity, source[d.start : d.end])
            for source, found in zip(plan.sources, plan.detections, strict=True)
            for d in found
            if self.policy.rule(d.entity).action in ("token", "block")
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
        lookup = _lookup(tokens)
        for detection in sorted(found, key=lambda d: d.start):
            surface = text[detection.start : detection.end]
            action = _operator(self.policy.rule(detection.entity).action)
            params = {**self.params[detection.entity], "lookup": lookup}
            replacements.append(
                Replacement(
                    detection.entity,
                    action,
                    detection.start,
                    detection.end,
                    tokens.get((detection.entity, surface)),
                    FORWARD[action].operate(surface, params),
                )
            )
        edits = [(r.start, r.end, r.text) for r in replacements]
        return Redacted(splice(text, edits), tuple(replacements))


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` without the spaces and punctuation at its edges (they need no token)."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


def _operator(action: Action) -> Action:
    """The operator an action replaces values with: a blocking entity's values that
    score below its threshold are tokenized."""
    return "token" if action == "block" else action


def _lookup(tokens: dict[tuple[str, str], str]) -> TokenLookup:
    return lambda entity, value: tokens[(entity, value)]
