"""Where a chain lives on disk: its segments and its checkpoint file.

A chain (one per gateway process, named by its instance) is written to
``<instance>.log.jsonl``. When that file reaches the rotation size or age, it
is renamed ``<instance>.<first seq, 12 digits>.log.jsonl`` and a new one is
started; the chain continues across files (the new file's first record links
to the last record of the one before). Its signed checkpoints are in
``<instance>.checkpoints.jsonl``. Readers and verifiers walk a chain's
segments in order, oldest first.

The writer's file operations are here too: appends that are written whole
and synced or cut back to where the file ended, repairs of a last line a
crash cut short, and the probe that tells a full disk from a working one.
"""

from __future__ import annotations

import contextlib
import os
import re
from datetime import UTC, datetime
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


# Writing and repairing the files: unbuffered, synced, cut back on failure.


def append(fd: int, data: bytes, size: int) -> None:
    """Write all of ``data`` at the end and sync; on failure cut the file back to
    ``size``, its length before, so nothing of a refused record stays."""
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except OSError:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, size)
            os.fsync(fd)
        raise


def repair_tail(path: Path) -> int:
    """Cut a last line that has no line end (a write a crash cut short); bytes cut."""
    if not path.exists():
        return 0
    with open(path, "rb+") as handle:
        data = handle.read()
        if not data or data.endswith(b"\n"):
            return 0
        keep = data.rfind(b"\n") + 1
        handle.truncate(keep)
        handle.flush()
        os.fsync(handle.fileno())
        return len(data) - keep


def first_line(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.readline().rstrip(b"\n")


def last_line(path: Path) -> bytes:
    """The last line of a file, read from its end (segments are large)."""
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        end = handle.tell()
        block = 4096
        data = b""
        while end > 0:
            start = max(0, end - block)
            handle.seek(start)
            data = handle.read(end - start) + data
            end = start
            if data.rstrip(b"\n").count(b"\n") >= 1:
                break
        return data.rstrip(b"\n").rsplit(b"\n", 1)[-1]


def parse_time(text: str, default: float) -> float:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()
    except (TypeError, ValueError):
        return default


def probe(directory: Path, instance: str) -> None:
    probe = directory / f".{instance}.probe"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        append(fd, b"\0" * 4096, 0)
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(probe)


def remove(paths: list[Path], directory: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
    fsync_directory(directory)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
