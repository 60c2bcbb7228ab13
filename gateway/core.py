"""The redaction core for one policy: detector, vault, redactor and restorer, built explicitly.

Everything that loads a model, opens a database or reads keys is built here,
by whoever needs it (a CLI command, the server at start-up); importing a
module never does any of it. Tests pass their own parts (a pattern-only
detector, an in-memory vault backend) to the same functions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.detect import Detection, Detector, Group
from gateway.detect.categories import CategoryClassifier, CategoryHit
from gateway.detect.detector import PresidioDetector
from gateway.detect.gazetteer import Gazetteer
from gateway.detect.nlp import WindowedSpacyNlpEngine
from gateway.detect.recognizers import load_builtins
from gateway.policy import Policy
from gateway.redact.redactor import ClassifyFunction, DetectFunction, Redactor
from gateway.restore.restorer import Restorer
from gateway.vault import Vault


def load_detector(policy: Policy) -> PresidioDetector:
    """The policy's detector with its spaCy pipeline and name lists loaded (seconds: once)."""
    ner = WindowedSpacyNlpEngine(policy.document.detection.model)
    ner.load()
    return PresidioDetector(policy, ner, load_gazetteer())


def load_gazetteer() -> Gazetteer:
    """The name lists, with the country names and street abbreviations that are never names."""
    lists = load_builtins().lists
    return Gazetteer.load(lists.get("country", []), lists.get("street_suffix", []))


def in_thread(detector: Detector) -> DetectFunction:
    """Detection in a worker thread, one call at a time (the CLI's way; the server batches)."""

    async def detect(groups: Sequence[Group]) -> list[list[list[Detection]]]:
        return await asyncio.to_thread(detector.detect_many, groups)

    return detect


def load_classifier(policy: Policy) -> CategoryClassifier | None:
    """The category rules for the categories the policy acts on (none: no classifier)."""
    if not policy.categories:
        return None
    detection = policy.document.detection
    return CategoryClassifier.load(
        policy.categories, detection.regex_timeout_ms, detection.category_model
    )


# About 3 ms of rules and model at most: a ticket's worth. Beyond it, a worker thread.
INLINE_CHARS = 4_096


def classify_function(classifier: CategoryClassifier) -> ClassifyFunction:
    """The category rules, in a worker thread for long bodies (which must not stall the
    event loop), inline for short ones."""

    async def classify(texts: Sequence[str]) -> list[list[CategoryHit]]:
        if sum(map(len, texts)) <= INLINE_CHARS:
            # A ticket's worth takes one to three milliseconds: a thread hop
            # and the GIL handover cost about as much (measured on the HTTP path).
            return classifier.classify_many(texts)
        return await asyncio.to_thread(classifier.classify_many, texts)

    return classify


@dataclass(frozen=True, slots=True)
class Core:
    """The redaction core for one policy: what every command and the server share."""

    policy: Policy
    detector: Detector
    vault: Vault
    redactor: Redactor
    restorer: Restorer

    async def close(self) -> None:
        await self.vault.close()


def build_core(
    policy: Policy, detector: Detector, vault: Vault, detect: DetectFunction | None = None
) -> Core:
    """Put the parts together; ``detect`` defaults to :func:`in_thread`."""
    classifier = load_classifier(policy)
    classify = classify_function(classifier) if classifier is not None else None
    redactor = Redactor(policy, vault, detect or in_thread(detector), classify)
    restorer = Restorer(vault, policy.tenant, policy.labels)
    return Core(policy, detector, vault, redactor, restorer)
