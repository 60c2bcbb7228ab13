"""Verifying an audit chain: with the public key alone, or also with the audit key.

What is checked, record by record:

* each line parses and carries the next sequence number (a gap is a deletion,
  a repeat or a step back is an insertion or a reordering);
* each record's ``prev`` is the SHA-256 of the line before it (a mismatch means
  the earlier record was altered);
* with the audit key, each record's MAC;
* every checkpoint's Ed25519 signature, and that the record it names exists
  and still hashes to the head it signed (catches a rewritten chain, whose
  hashes an attacker could recompute, and truncation below a checkpoint).

Records after the last checkpoint are reported as not yet covered by a
signature: only the next checkpoint, or the MACs, protect them.

A chain is verified across its segments (``files``), as one sequence. Its
start may be later than record 1 only where the chain itself says so: a
``segments_removed`` event (MAC'd, and covered by the checkpoints after it)
names the last record the retention setting removed and that record's hash,
to which the first remaining record must link. A last line with no line end
(a write a crash cut short, never acknowledged) is a note, not tampering:
the gateway removes it when it reopens the chain and records that it did.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from gateway.audit import files
from gateway.audit.keys import AuditKeys
from gateway.audit.log import GENESIS, canonical, checkpoint_message, line_hash


@dataclass
class Verdict:
    path: Path
    records: int = 0
    checkpoints: int = 0
    covered_to: int = 0  # the last sequence number a valid checkpoint covers
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, not tampering
    unreadable: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def uncovered(self) -> int:
        return max(0, self.records - self.covered_to)

    def summary(self) -> str:
        if not self.ok:
            verdict = "UNREADABLE" if self.unreadable else "TAMPERED"
            return f"{self.path.name}: {verdict}: {self.problems[0]}"
        tail = (
            f"; {self.uncovered} newest record(s) not yet under a checkpoint"
            if self.uncovered
            else ""
        )
        plural = "" if self.checkpoints == 1 else "s"
        return (
            f"{self.path.name}: ok, {self.records} records, "
            f"{self.checkpoints} signed checkpoint{plural}{tail}"
        )


def verify_chain(
    path: Path,
    public_key: Ed25519PublicKey,
    keys: AuditKeys | None = None,
    anchors: Sequence[Path] = (),
) -> Verdict:
    """Verify the chain ``path`` belongs to (all its segments) and its checkpoints;
    stop at the first problem.

    ``anchors`` are copies of checkpoint files kept away from the gateway host
    (any chains', in any number of files): the chain is checked against the
    ones of its instance instead of its local file. Whoever holds the audit key on
    the host can rewrite a chain and sign it anew; they cannot change a copy
    they cannot reach.
    """
    verdict = Verdict(path)
    lines: list[tuple[str, int, bytes]] = []  # (file, line number, line)
    segments = files.segments_of(path)
    for number, segment in enumerate(segments):
        try:
            data = segment.read_bytes()
        except OSError as exc:
            which = f"{segment.name} " if len(segments) > 1 else ""
            verdict.problems.append(f"{which}cannot be read ({exc.strerror})")
            verdict.unreadable = True
            return verdict
        split = data.split(b"\n")
        tail = split.pop()  # b"" when the file ends with a line end
        if tail and number == len(segments) - 1 and not _parses(tail):
            verdict.notes.append(
                f"a partial last record ({len(tail)} bytes, a write cut short); "
                "the gateway removes it when it reopens the chain"
            )
        elif tail:
            split.append(tail)
        lines += [(segment.name, n, line) for n, line in enumerate(split, start=1)]
    if not lines:
        # Every chain begins with a chain_opened record the moment it is created.
        verdict.problems.append("the chain is empty: its records were deleted")
        return verdict
    removed_through, removed_head = _removed(lines)
    hashes: dict[int, str] = {}
    expected_seq: int | None = None
    previous_hash = GENESIS
    for name, number, line in lines:
        where = f"line {number}" if len(segments) == 1 else f"{name} line {number}"
        if expected_seq is None and removed_through:
            expected_seq, previous_hash = removed_through + 1, removed_head
            verdict.notes.append(
                f"records 1 to {removed_through} were removed by the retention setting "
                "(recorded in the chain)"
            )
        problem = _check_record(line, where, expected_seq, previous_hash, keys)
        if problem is not None:
            verdict.problems.append(problem)
            return verdict
        record = json.loads(line)
        seq = int(record["seq"])
        hashes[seq] = line_hash(line)
        previous_hash = hashes[seq]
        expected_seq = seq + 1
        verdict.records += 1
    last_seq = expected_seq - 1 if expected_seq is not None else 0
    _check_checkpoints(path, public_key, hashes, last_seq, removed_through, verdict, anchors)
    return verdict


def _parses(line: bytes) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def _removed(lines: list[tuple[str, int, bytes]]) -> tuple[int, str]:
    """What the chain says retention removed: through which record, and its hash."""
    through, head = 0, GENESIS
    for _, _, line in lines:
        if b'"segments_removed"' not in line:
            continue
        try:
            event = json.loads(line)["event"]
            if event.get("type") == "segments_removed" and int(event["through_seq"]) > through:
                through, head = int(event["through_seq"]), str(event["head"])
        except (ValueError, KeyError, TypeError):
            continue  # the record check reports it
    return through, head


def _check_record(
    line: bytes, at: str, expected_seq: int | None, previous_hash: str, keys: AuditKeys | None
) -> str | None:
    try:
        record = json.loads(line)
        seq = int(record["seq"])
        prev = str(record["prev"])
        mac = str(record.pop("mac"))
    except (ValueError, KeyError, TypeError):
        return f"{at} is not a well-formed audit record"
    where = f"record {seq} ({at})"
    if expected_seq is None:
        if seq == 1 and prev != GENESIS:
            return f"{where} is the first record but does not start the chain"
        if seq != 1:
            # A chain that does not start at 1 lost its beginning.
            return f"records 1 to {seq - 1} are missing before {at}"
    elif seq > expected_seq:
        return f"record {expected_seq} is missing ({at} holds record {seq})"
    elif seq < expected_seq:
        return f"{where} is out of order or inserted (record {expected_seq} was expected)"
    elif prev != previous_hash:
        return f"record {seq - 1} was altered: record {seq} ({at}) no longer links to it"
    if keys is not None and not hmac.compare_digest(keys.mac(canonical(record)), mac):
        return f"{where} was altered: its MAC does not match"
    return None


def _check_checkpoints(
    path: Path,
    public_key: Ed25519PublicKey,
    hashes: dict[int, str],
    last_seq: int,
    removed_through: int,
    verdict: Verdict,
    anchors: Sequence[Path],
) -> None:
    instance = files.instance_of(path)
    lines = [
        line
        for anchor in anchors
        for line in anchor.read_bytes().splitlines()
        if _instance_of(line) == instance
    ]
    source = "the off-host copy"
    if not lines:
        if anchors:
            verdict.notes.append(
                "the off-host copy holds no checkpoint of this chain; checked against the local file"
            )
        checkpoints = files.checkpoints(path.parent, instance)
        source = checkpoints.name
        if not checkpoints.exists():
            if last_seq:
                verdict.problems.append(f"the checkpoint file {checkpoints.name} is missing")
            return
        data = checkpoints.read_bytes()
        lines = data.splitlines()
        if data and not data.endswith(b"\n") and not _parses(lines[-1]):
            lines.pop()
            verdict.notes.append(
                "a partial last checkpoint (a write cut short); the gateway removes it when it "
                "reopens the chain"
            )
    previous = 0
    for number, line in enumerate(lines, start=1):
        where = f"checkpoint {number} ({source})"
        try:
            checkpoint = json.loads(line)
            seq, head = int(checkpoint["seq"]), str(checkpoint["head"])
            message = checkpoint_message(
                str(checkpoint["instance"]), seq, head, str(checkpoint["time"])
            )
            public_key.verify(base64.b64decode(checkpoint["signature"], validate=True), message)
        except (ValueError, KeyError, TypeError, binascii.Error):
            verdict.problems.append(f"{where} is not a well-formed checkpoint")
            return
        except InvalidSignature:
            verdict.problems.append(f"{where} has an invalid signature (wrong key, or altered)")
            return
        if seq <= removed_through:
            continue  # it signs records the retention setting removed
        if seq < previous:
            verdict.problems.append(
                f"{where} goes back in the chain (record {seq} after {previous})"
            )
            return
        if seq > last_seq:
            verdict.problems.append(
                f"the log was truncated: {where} covers record {seq}, the log ends at record {last_seq}"
            )
            return
        if hashes.get(seq) != head:
            verdict.problems.append(
                f"record {seq} was altered or the chain rewritten: it does not match {where}"
            )
            return
        previous = seq
        verdict.checkpoints += 1
        verdict.covered_to = seq


def _instance_of(line: bytes) -> str | None:
    try:
        return str(json.loads(line)["instance"])
    except (ValueError, KeyError, TypeError):
        return None
