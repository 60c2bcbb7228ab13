"""Redacting and restoring whole bodies: JSON documents and plain text.

These functions join the format-specific walks (``documents``) to the
format-agnostic core (``Redactor``, ``Restorer``) and report, per field path,
which entities were replaced, without values.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from gateway import documents
from gateway.documents import Json
from gateway.policy import CompiledFieldRules
from gateway.redactor import EntityField, Redactor, Replacement
from gateway.restorer import Outcome, Restorer
from gateway.selectors import PathPart, path_to_string


@dataclass(frozen=True, slots=True)
class Located:
    """A replacement and the field path it was made in (``$`` for a plain-text body)."""

    path: str
    replacement: Replacement


@dataclass
class RedactedBody:
    body: Json = field(repr=False)
    found: list[Located]


@dataclass
class RestoredBody:
    body: Json = field(repr=False)
    outcomes: list[Outcome]


async def redact_text(text: str, redactor: Redactor, scope: str, path: str = "$") -> RedactedBody:
    redaction = await redactor.redact(scope, [text])
    item = redaction.texts[0]
    return RedactedBody(item.text, [Located(path, r) for r in item.replacements])


async def redact_json(
    document: Json, redactor: Redactor, scope: str, rules: CompiledFieldRules
) -> RedactedBody:
    """Redact a parsed JSON document in place per the policy's field rules."""
    scanned: list[tuple[tuple[PathPart, ...], str]] = []
    entity_fields: list[tuple[tuple[PathPart, ...], EntityField]] = []
    for leaf, value in documents.leaves(document, rules):
        if leaf.kind == "scan":
            scanned.append((leaf.path, value))
        elif leaf.kind != "passthrough":
            entity_fields.append((leaf.path, EntityField(leaf.kind, value)))
    redaction = await redactor.redact(scope, [v for _, v in scanned], [f for _, f in entity_fields])
    found: list[Located] = []
    paths = [p for p, _ in scanned] + [p for p, _ in entity_fields]
    for path, item in zip(paths, [*redaction.texts, *redaction.fields], strict=True):
        if item.replacements:
            document = documents.replace(document, path, item.text)
            found.extend(Located(path_to_string(path), r) for r in item.replacements)
    return RedactedBody(document, found)


async def restore_text(
    text: str, restorer: Restorer, scopes: Collection[str] | None
) -> RestoredBody:
    restored = await restorer.restore(text, scopes)
    return RestoredBody(restored.text, list(restored.outcomes))


async def restore_json(
    document: Json, restorer: Restorer, scopes: Collection[str] | None
) -> RestoredBody:
    """Restore tokens in every string value of a parsed JSON document, in place."""
    items = documents.strings(document)
    restored = await restorer.restore_many([value for _, value in items], scopes)
    outcomes: list[Outcome] = []
    for (path, _), item in zip(items, restored, strict=True):
        if item.outcomes:
            document = documents.replace(document, path, item.text)
            outcomes.extend(item.outcomes)
    return RestoredBody(document, outcomes)
