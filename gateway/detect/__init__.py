"""Finding personal data in text: what a detection is, and what a detector promises.

* ``detector``: Presidio's ``AnalyzerEngine`` over the recognizers below, with
  spaCy's NER for names; fails closed;
* ``recognizers`` (and ``recognizers.yaml``): pattern recognizers as data,
  context windows, regex time budgets; ``identifiers``: cards, phones, emails
  and IBANs, which need code;
* ``spans``: what happens to raw results (names tidied, overlaps resolved);
* ``nlp``: spaCy loaded lean and run only around candidate words;
* ``normalize``: Unicode folding with a map back to original offsets;
* ``validators``: checksums and structure as confidence;
* ``batching``: one NER pass for concurrent requests.

This module holds only the plain types, so that code which passes detections
around imports neither spaCy nor Presidio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Detection:
    """One piece of personal data: ``text[start:end]`` of the *original* text."""

    entity: str
    start: int
    end: int
    score: float
    recognizer: str


@dataclass(frozen=True, slots=True)
class KnownValue:
    """A value the caller knows to be an entity (a field declared in the policy)."""

    entity: str
    value: str = field(repr=False)


Group = tuple[Sequence[str], Sequence[KnownValue]]


class Detector(Protocol):
    def detect(
        self, texts: Sequence[str], known: Sequence[KnownValue] = ()
    ) -> list[list[Detection]]:
        """Find entities in each of ``texts``; one list of detections per text, by start."""
        ...

    def detect_many(self, groups: Sequence[Group]) -> list[list[list[Detection]]]:
        """:meth:`detect` for several independent requests at once."""
        ...

    def warm_up(self) -> None:
        """Pay first-call costs now (start-up), not inside a request's time budget."""
        ...


__all__ = ["Detection", "Detector", "Group", "KnownValue"]
