"""Where a chain lives on disk: its segments and its checkpoint file.

A chain (one per gateway process, named by its instance) is written to
``<instance>.log.jsonl``. When that file reaches the rotation size or age, it
is renamed ``<instance>.<first seq, 12 digits>.log.jsonl`` and a new one is
started; the chain continues across files (the new file's first record links
to the last record of the one before). Its signed checkpoints are in
``<instance>.checkpoints.jsonl``. Readers and verifiers walk a chain's
segments in order, oldest first.
"""

from __future__ import annotations

import re
from pathlib import Path

LOG_SUFFIX = ".log.jsonl"
CHECKPOINT_SUFFIX = ".checkpoints.jsonl"
_SEGMENT = re.compile(r"(?P<instance>.+?)(?:\.(?P<first>\d{12}))?\.log\.jsonl")


def active(directory: Path, instance: str) -> Path:
    return directory / f"{instance}{LOG_SUFFIX}"


def rotated(directory: Path, instance: str, first_seq: int) -> Path:
    return directory / f"{instance}.{first_seq:012d}{LOG_SUFFIX}"


def checkpoints(directory: Path, instance: str) -> Path:
    return directory / f"{instance}{CHECKPOINT_SUFFIX}"


def instance_of(path: Path) -> str:
    match = _SEGMENT.fullmatch(path.name)
    return match.group("instance") if match else path.name.removesuffix(LOG_SUFFIX)


def segments_of(path: Path) -> list[Path]:
    """Every segment of the chain ``path`` belongs to, oldest first (the active file last)."""
    instance = instance_of(path)
    found: list[tuple[int, Path]] = []
    for candidate in path.parent.glob(f"{glob_escape(instance)}.*{LOG_SUFFIX}"):
        match = _SEGMENT.fullmatch(candidate.name)
        if match and match.group("instance") == instance and match.group("first"):
            found.append((int(match.group("first")), candidate))
    ordered = [p for _, p in sorted(found)]
    head = active(path.parent, instance)
    if head.exists() or not ordered:
        ordered.append(head)
    return ordered


def chains(directory: Path) -> list[Path]:
    """One path per chain in ``directory`` (its active file, or its newest segment)."""
    instances = sorted({instance_of(p) for p in directory.glob(f"*{LOG_SUFFIX}")})
    return [segments_of(active(directory, i))[-1] for i in instances]


def all_segments(directory: Path) -> list[Path]:
    """Every segment of every chain, each chain's oldest first."""
    return [segment for head in chains(directory) for segment in segments_of(head)]


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
