"""The audit log: append-only, hash-chained, MAC'd, checkpointed, one chain per instance.

Each line is a JSON record::

    {"seq": 7, "time": "2026-11-23T13:00:00.123456Z", "instance": "gw-1",
     "prev": "<sha256 of line 6>", "event": {...}, "mac": "<HMAC-SHA256 of the record>"}

* ``prev`` chains every line to the one before (a hash anyone can recompute);
* ``mac`` is keyed with the audit key, which never sits next to the log;
* every ``checkpoint_every`` records, every ``checkpoint_interval`` seconds and
  at shutdown, a checkpoint signed with Ed25519 over (instance, seq, head hash)
  is appended to a separate file, ``<instance>.checkpoints.jsonl``. With the
  public key alone an auditor detects edits, deletions, insertions,
  reorderings and truncation up to the last checkpoint (see ``verify``).

Writes are group-committed: concurrent requests share one ``write`` + ``fsync``,
and :meth:`AuditLog.append` returns only once its record is on disk. A write
that fails raises :class:`~gateway.errors.AuditError`; the caller must not
forward or release anything.

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
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from gateway.audit.events import ChainOpened, Event
from gateway.audit.keys import AuditKeys
from gateway.errors import AuditError

GENESIS = "0" * 64
LOG_SUFFIX = ".log.jsonl"
CHECKPOINT_SUFFIX = ".checkpoints.jsonl"


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


class AuditLog:
    def __init__(
        self,
        directory: Path,
        keys: AuditKeys,
        instance_prefix: str,
        clock: Callable[[], float] = time.time,
        checkpoint_every: int = 100,
        checkpoint_interval: float = 60.0,
    ) -> None:
        self.directory = directory
        self.keys = keys
        self.prefix = instance_prefix
        self.clock = clock
        self.checkpoint_every = checkpoint_every
        self.checkpoint_interval = checkpoint_interval
        self.instance = ""
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit")
        self._lock: asyncio.Lock | None = None
        self._pending: list[tuple[Event, asyncio.Future[int]]] = []
        self._log: TextIO | None = None
        self._checkpoints: TextIO | None = None
        self._lockfile: int | None = None
        self._state = _State(0, GENESIS, 0, 0.0)
        self._ticker: asyncio.Task[None] | None = None
        self.broken: str | None = None  # why the log can no longer be written

    def __repr__(self) -> str:
        return f"AuditLog({str(self.directory)!r}, instance={self.instance!r})"

    @property
    def path(self) -> Path:
        return self.directory / f"{self.instance}{LOG_SUFFIX}"

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self._lock = asyncio.Lock()
        await loop.run_in_executor(self._executor, self._open)
        await self.append(ChainOpened(self.keys.key_id))
        self._ticker = asyncio.create_task(self._tick(), name=f"audit-checkpoints-{self.instance}")

    async def _tick(self) -> None:
        # Without this, records written just before a quiet spell would wait
        # for the next write to be signed: deleting them would go unnoticed.
        while True:
            await asyncio.sleep(self.checkpoint_interval)
            if self._state.since_checkpoint and self.broken is None:
                try:
                    await self.checkpoint()
                except OSError as exc:
                    self.broken = exc.strerror or type(exc).__name__

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
            self._resume()
            self._log = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held open while serving
            self._checkpoints = open(  # noqa: SIM115
                self.directory / f"{self.instance}{CHECKPOINT_SUFFIX}", "a", encoding="utf-8"
            )
            os.chmod(self.path, 0o600)
            os.chmod(self._checkpoints.name, 0o600)
        except OSError as exc:
            raise AuditError(f"the audit log cannot be opened ({exc.strerror})") from None

    def _resume(self) -> None:
        """Continue an existing chain; drop a trailing record that was never fully written."""
        if not self.path.exists():
            return
        with open(self.path, "rb+") as handle:
            data = handle.read()
            if data and not data.endswith(b"\n"):
                # A crash during a write: that record was never acknowledged, so its
                # request was never forwarded. Cut it off and carry on.
                keep = data.rfind(b"\n") + 1
                handle.truncate(keep)
                data = data[:keep]
                handle.flush()
                os.fsync(handle.fileno())
        lines = data.splitlines()
        if lines:
            last = json.loads(lines[-1])
            self._state = _State(int(last["seq"]), line_hash(lines[-1]), 0, self.clock())

    async def append(self, event: Event) -> int:
        """Write ``event`` durably; return its sequence number. Raises :class:`AuditError`."""
        if self._lock is None:
            raise AuditError("the audit log is not open")
        if self.broken is not None:
            raise AuditError(f"the audit log cannot be written ({self.broken})")
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
            self.broken = getattr(exc, "strerror", None) or type(exc).__name__
            error = AuditError(f"the audit log cannot be written ({self.broken})")
            for _, future in batch:
                future.set_exception(error)
            return
        except AuditError as exc:
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), seq in zip(batch, sequences, strict=True):
            future.set_result(seq)

    def _write_batch(self, events: list[dict[str, Any]]) -> list[int]:
        assert self._log is not None
        lines = []
        sequences = []
        state = self._state
        now = self.clock()
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
        self._log.write("".join(f"{line}\n" for line in lines))
        self._log.flush()
        os.fsync(self._log.fileno())
        self._state = state
        if (
            state.since_checkpoint >= self.checkpoint_every
            or now - state.last_checkpoint >= self.checkpoint_interval
        ):
            self._checkpoint(now)
        return sequences

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
        self._checkpoints.write(json.dumps(record, separators=(",", ":")) + "\n")
        self._checkpoints.flush()
        os.fsync(self._checkpoints.fileno())
        self._state = _State(state.seq, state.head, 0, now)

    async def checkpoint(self) -> None:
        """Sign the chain's head now (also done periodically and at close)."""
        if self._lock is None:
            return
        async with self._lock:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self._checkpoint, self.clock())

    async def check_writable(self) -> None:
        if self._lock is None or self._log is None:
            raise AuditError("the audit log is not open")
        if self.broken is not None:
            raise AuditError(f"the audit log cannot be written ({self.broken})")

    async def close(self) -> None:
        if self._lock is None:
            return
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        try:
            if self.broken is None and self._state.since_checkpoint:
                await self.checkpoint()
        finally:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self._executor, self._close)
            self._executor.shutdown(wait=True)
            self._lock = None

    def _close(self) -> None:
        for handle in (self._log, self._checkpoints):
            if handle is not None:
                handle.close()
        if self._lockfile is not None:
            os.close(self._lockfile)  # releases the flock
        self._log = self._checkpoints = None
        self._lockfile = None
