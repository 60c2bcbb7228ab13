"""The audit log: append-only, hash-chained, MAC'd, checkpointed, one chain per instance.

Each line is a JSON record::

    {"seq": 7, "time": "2026-11-23T13:00:00.123456Z", "instance": "gw-1",
     "prev": "<sha256 of line 6>", "event": {...}, "mac": "<HMAC-SHA256 of the record>"}

* ``prev`` chains every line to the one before (a hash anyone can recompute);
* ``mac`` is keyed with the audit key, which never sits next to the log;
* every ``checkpoint_every`` records, every ``checkpoint_interval`` seconds, at
  each rotation and at shutdown, a checkpoint signed with Ed25519 over
  (instance, seq, head hash) is appended to ``<instance>.checkpoints.jsonl``.
  With the public key alone an auditor detects edits, deletions, insertions,
  reorderings and truncation up to the last checkpoint (see ``verify``).

Writes are group-committed: concurrent requests share one ``write`` + ``fsync``,
and :meth:`AuditLog.append` returns only once its record is on disk. The
files are written with unbuffered ``os.write``: a write that fails (a full
disk) is cut back to where the file ended, so a record that was refused is
never on disk later; the caller gets :class:`~gateway.errors.AuditError` and
must not forward or release anything. Nothing latches: the next write tries
again, and health checks probe the directory, so the gateway recovers by
itself when space returns.

The chain rotates by size and age (``files``: the chain continues across
segments) and old segments go after the retention period, recorded first as
a ``segments_removed`` event. A line cut short by a crash is removed when the
chain reopens, and recorded as ``tail_repaired``.

Several gateway processes never share a chain: each takes the first instance
name ``<prefix>-<n>`` whose lock it can get.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.audit import files
from gateway.audit.database import DatabaseSink
from gateway.audit.events import ChainOpened, Event, SegmentsRemoved, TailRepaired
from gateway.audit.files import CHECKPOINT_SUFFIX, LOG_SUFFIX
from gateway.audit.keys import AuditKeys
from gateway.errors import AuditError

GENESIS = "0" * 64
ROTATE_BYTES = 64 * 1024 * 1024
ROTATE_SECONDS = 24 * 3600.0
log = logging.getLogger("gateway")

__all__ = ["CHECKPOINT_SUFFIX", "GENESIS", "LOG_SUFFIX", "AuditLog"]


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def timestamp(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def checkpoint_message(instance: str, seq: int, head: str, at: str) -> bytes:
    return canonical({"instance": instance, "seq": seq, "head": head, "time": at})


@dataclass
class _State:
    seq: int
    head: str
    since_checkpoint: int
    last_checkpoint: float


@dataclass
class _Segment:
    """The active file: its first record's number, when it began, how long it is."""

    first: int
    started: float
    size: int


class AuditLog:
    def __init__(
        self,
        directory: Path,
        keys: AuditKeys,
        instance_prefix: str,
        clock: Callable[[], float] = time.time,
        checkpoint_every: int = 100,
        checkpoint_interval: float = 60.0,
        rotate_bytes: int = ROTATE_BYTES,
        rotate_seconds: float = ROTATE_SECONDS,
        retention_days: float | None = None,
        sink: DatabaseSink | None = None,
    ) -> None:
        self.directory = directory
        self.sink = sink  # the same lines into PostgreSQL, when GATEWAY_AUDIT_URL is set
        self.keys = keys
        self.prefix = instance_prefix
        self.clock = clock
        self.checkpoint_every = checkpoint_every
        self.checkpoint_interval = checkpoint_interval
        self.rotate_bytes = rotate_bytes
        self.rotate_seconds = rotate_seconds
        self.retention_days = retention_days
        self.instance = ""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit")
        self._lock: asyncio.Lock | None = None
        self._pending: list[tuple[Event, asyncio.Future[int]]] = []
        self._log: int | None = None  # file descriptors, written unbuffered
        self._checkpoints: int | None = None
        self._checkpoints_size = 0
        self._lockfile: int | None = None
        self._state = _State(0, GENESIS, 0, 0.0)
        self._segment = _Segment(1, 0.0, 0)
        self._repaired: list[TailRepaired] = []
        self._ticker: asyncio.Task[None] | None = None
        self.failing: str | None = None  # why the last write failed, until one succeeds

    def __repr__(self) -> str:
        return f"AuditLog({str(self.directory)!r}, instance={self.instance!r})"

    @property
    def path(self) -> Path:
        return files.active(self.directory, self.instance)

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self._lock = asyncio.Lock()
        await loop.run_in_executor(self._executor, self._open)
        await self.append(ChainOpened(self.keys.key_id))
        for repair in self._repaired:
            await self.append(repair)
        self._repaired = []
        await self.apply_retention()
        self._ticker = asyncio.create_task(self._tick(), name=f"audit-checkpoints-{self.instance}")

    async def _tick(self) -> None:
        # Without this, records written just before a quiet spell would wait
        # for the next write to be signed: deleting them would go unnoticed.
        while True:
            await asyncio.sleep(self.checkpoint_interval)
            try:
                if self._state.since_checkpoint:
                    await self.checkpoint()
                await self.apply_retention()
            except AuditError as exc:
                self.failing = str(exc)

    def _open(self) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            for number in range(1, 1000):
                instance = f"{self.prefix}-{number}"
                fd = os.open(self.directory / f"{instance}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                self._lockfile, self.instance = fd, instance
                break
            else:
                raise AuditError(
                    "no free audit chain name: too many gateway processes share this directory"
                )
            checkpoints = files.checkpoints(self.directory, self.instance)
            for path, name in ((self.path, "log"), (checkpoints, "checkpoints")):
                cut = files.repair_tail(path)
                if cut:
                    self._repaired.append(TailRepaired(name, cut))  # type: ignore[arg-type]
            self._resume()
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
            self._log = os.open(self.path, flags, 0o600)
            self._checkpoints = os.open(checkpoints, flags, 0o600)
            os.chmod(self.path, 0o600)
            os.chmod(checkpoints, 0o600)
            self._checkpoints_size = os.fstat(self._checkpoints).st_size
            if self.sink is not None:
                self.sink.open(self.directory, self.instance)
        except OSError as exc:
            raise AuditError(f"the audit log cannot be opened ({exc.strerror or exc})") from None

    def _resume(self) -> None:
        """Continue the chain where its newest segment ends."""
        now = self.clock()
        segments = files.segments_of(self.path)
        for path in reversed(segments):
            if path.exists() and path.stat().st_size:
                last = files.last_line(path)
                record = json.loads(last)
                self._state = _State(int(record["seq"]), line_hash(last), 0, now)
                break
        if self.path.exists() and self.path.stat().st_size:
            first = json.loads(files.first_line(self.path))
            self._segment = _Segment(
                int(first["seq"]), files.parse_time(first["time"], now), self.path.stat().st_size
            )
        else:
            self._segment = _Segment(self._state.seq + 1, now, 0)

    async def append(self, event: Event) -> int:
        """Write ``event`` durably; return its sequence number. Raises :class:`AuditError`."""
        if self._lock is None:
            raise AuditError("the audit log is not open")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending.append((event, future))
        async with self._lock:
            if not future.done():
                batch, self._pending = self._pending, []
                await self._write(batch)
        return await future

    async def _write(self, batch: list[tuple[Event, asyncio.Future[int]]]) -> None:
        loop = asyncio.get_running_loop()
        try:
            sequences = await loop.run_in_executor(
                self._executor, self._write_batch, [e.record() for e, _ in batch]
            )
        except (OSError, ValueError) as exc:
            self.failing = getattr(exc, "strerror", None) or type(exc).__name__
            error = AuditError(f"the audit log cannot be written ({self.failing})")
            for _, future in batch:
                future.set_exception(error)
            return
        except AuditError as exc:
            for _, future in batch:
                future.set_exception(exc)
            return
        self.failing = None
        for (_, future), seq in zip(batch, sequences, strict=True):
            future.set_result(seq)

    def _write_batch(self, events: list[dict[str, Any]]) -> list[int]:
        assert self._log is not None
        now = self.clock()
        if self._segment.size and (
            self._segment.size >= self.rotate_bytes
            or now - self._segment.started >= self.rotate_seconds
        ):
            self._rotate(now)
        lines = []
        sequences = []
        state = self._state
        for event in events:
            record = {
                "seq": state.seq + 1,
                "time": timestamp(now),
                "instance": self.instance,
                "prev": state.head,
                "event": event,
            }
            record["mac"] = self.keys.mac(canonical(record))
            line = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
            lines.append(line)
            state = _State(
                state.seq + 1,
                line_hash(line.encode()),
                state.since_checkpoint + 1,
                state.last_checkpoint,
            )
            sequences.append(state.seq)
        data = "".join(f"{line}\n" for line in lines).encode()
        files.append(self._log, data, self._segment.size)
        self._segment.size += len(data)
        self._state = state
        if self.sink is not None:
            self.sink.add(self.instance, lines, sequences[0])
        if (
            state.since_checkpoint >= self.checkpoint_every
            or now - state.last_checkpoint >= self.checkpoint_interval
        ):
            self._checkpoint(now)
        if self.sink is not None:
            self.sink.flush()  # raises OSError: the request is refused, the lines kept
        return sequences

    def _rotate(self, now: float) -> None:
        """Close the active file under a checkpoint, rename it, start the next one."""
        assert self._log is not None
        if self._state.since_checkpoint:
            self._checkpoint(now)
        os.close(self._log)
        self._log = None
        os.rename(self.path, files.rotated(self.directory, self.instance, self._segment.first))
        self._log = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        files.fsync_directory(self.directory)
        self._segment = _Segment(self._state.seq + 1, now, 0)

    def _checkpoint(self, now: float) -> None:
        assert self._checkpoints is not None
        state = self._state
        at = timestamp(now)
        signature = self.keys.signing_key.sign(
            checkpoint_message(self.instance, state.seq, state.head, at)
        )
        record = {
            "instance": self.instance,
            "seq": state.seq,
            "head": state.head,
            "time": at,
            "key_id": self.keys.key_id,
            "signature": base64.b64encode(signature).decode(),
        }
        line = json.dumps(record, separators=(",", ":"))
        data = (line + "\n").encode()
        files.append(self._checkpoints, data, self._checkpoints_size)
        self._checkpoints_size += len(data)
        self._state = _State(state.seq, state.head, 0, now)
        if self.sink is not None:
            self.sink.add_checkpoint(self.instance, state.seq, line)

    async def apply_retention(self) -> None:
        """Delete rotated segments whose newest record is past retention, oldest first,
        after recording which records go (``segments_removed``)."""
        if self.retention_days is None or self._lock is None:
            return
        loop = asyncio.get_running_loop()
        expired = await loop.run_in_executor(self._executor, self._expired_segments)
        if not expired:
            return
        last = await loop.run_in_executor(self._executor, files.last_line, expired[-1])
        record = json.loads(last)
        await self.append(
            SegmentsRemoved(int(record["seq"]), line_hash(last), len(expired), self.retention_days)
        )
        await loop.run_in_executor(self._executor, files.remove, expired, self.directory)

    def _expired_segments(self) -> list[Path]:
        assert self.retention_days is not None
        cutoff = self.clock() - self.retention_days * 86400
        expired = []
        for path in files.segments_of(self.path)[:-1]:  # never the active file
            if files.parse_time(json.loads(files.last_line(path))["time"], cutoff) >= cutoff:
                break
            expired.append(path)
        return expired

    async def checkpoint(self) -> None:
        """Sign the chain's head now (also done periodically and at close)."""
        if self._lock is None:
            return
        async with self._lock:
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(self._executor, self._checkpoint, self.clock())
            except OSError as exc:
                raise AuditError(
                    f"the audit checkpoint cannot be written ({exc.strerror})"
                ) from None

    async def check_writable(self) -> None:
        """Raise :class:`AuditError` unless a record could be written now.

        After a failed write, the directory is probed (a small file written,
        synced and removed) and the files reopened: when space has returned,
        writes resume.
        """
        if self._lock is None or self._log is None:
            raise AuditError("the audit log is not open")
        if self.failing is None:
            return
        loop = asyncio.get_running_loop()
        async with self._lock:
            try:
                cut = await loop.run_in_executor(self._executor, self._recover)
            except OSError as exc:
                raise AuditError(
                    f"the audit log cannot be written ({exc.strerror or self.failing})"
                ) from None
            self.failing = None
        if cut:
            await self.append(TailRepaired("log", cut))

    def _recover(self) -> int:
        """Probe the directory, then reopen the files (a descriptor that failed is
        not trusted again) and cut any partial record; returns the bytes cut."""
        files.probe(self.directory, self.instance)
        for fd in (self._log, self._checkpoints):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._log = self._checkpoints = None
        cut = files.repair_tail(self.path)
        files.repair_tail(files.checkpoints(self.directory, self.instance))
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
        self._log = os.open(self.path, flags, 0o600)
        self._checkpoints = os.open(files.checkpoints(self.directory, self.instance), flags, 0o600)
        self._segment.size = os.fstat(self._log).st_size
        self._checkpoints_size = os.fstat(self._checkpoints).st_size
        if self.sink is not None:
            self.sink.flush()  # the database is back: what it missed goes first
        return cut

    async def close(self) -> None:
        if self._lock is None:
            return
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        try:
            if self._state.since_checkpoint:
                await self.checkpoint()
        except AuditError as exc:
            # At shutdown on a full disk: one line, and the records stay
            # protected by their MACs until the next checkpoint.
            log.warning("audit chain %s closed without a final checkpoint: %s", self.instance, exc)
        finally:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self._close)
            self._executor.shutdown(wait=True)
            self._lock = None

    def _close(self) -> None:
        if self.sink is not None:
            with contextlib.suppress(OSError):  # kept in the files; sent at the next start
                self.sink.flush()
            self.sink.close()
        for fd in (self._log, self._checkpoints, self._lockfile):  # the lock's close frees it
            if fd is not None:
                os.close(fd)
        self._log = self._checkpoints = self._lockfile = None
