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

from gateway.audit.keys import AuditKeys
from gateway.audit.log import CHECKPOINT_SUFFIX, GENESIS, canonical, checkpoint_message, line_hash


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
    """Verify the chain in ``path`` and its checkpoint file; stop at the first problem.

    ``anchors`` are copies of checkpoint files kept away from the gateway host
    (any chains', in any number of files): the chain is checked against the
    ones of its instance instead of its local file. Whoever holds the audit key on
    the host can rewrite a chain and sign it anew; they cannot change a copy
    they cannot reach.
    """
    verdict = Verdict(path)
    try:
        lines = path.read_bytes().split(b"\n")
    except OSError as exc:
        verdict.problems.append(f"cannot be read ({exc.strerror})")
        verdict.unreadable = True
        return verdict
    if lines and lines[-1] == b"":
        lines.pop()
    if not lines:
        # Every chain begins with a chain_opened record the moment it is created.
        verdict.problems.append("the chain is empty: its records were deleted")
        return verdict
    hashes: dict[int, str] = {}
    expected_seq: int | None = None
    previous_hash = GENESIS
    for number, line in enumerate(lines, start=1):
        problem = _check_record(line, number, expected_seq, previous_hash, keys)
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
    _check_checkpoints(path, public_key, hashes, last_seq, verdict, anchors)
    return verdict


def _check_record(
    line: bytes, number: int, expected_seq: int | None, previous_hash: str, keys: AuditKeys | None
) -> str | None:
    try:
        record = json.loads(line)
        seq = int(record["seq"])
        prev = str(record["prev"])
        mac = str(record.pop("mac"))
    except (ValueError, KeyError, TypeError):
        return f"line {number} is not a well-formed audit record"
    where = f"record {seq} (line {number})"
    if expected_seq is None:
        if seq == 1 and prev != GENESIS:
            return f"{where} is the first record but does not start the chain"
        if seq != 1:
            # A chain that does not start at 1 lost its beginning.
            return f"records 1 to {seq - 1} are missing before line {number}"
    elif seq > expected_seq:
        return f"record {expected_seq} is missing (line {number} holds record {seq})"
    elif seq < expected_seq:
        return f"{where} is out of order or inserted (record {expected_seq} was expected)"
    elif prev != previous_hash:
        return (
            f"record {seq - 1} (line {number - 1}) was altered: record {seq} no longer links to it"
        )
    if keys is not None and not hmac.compare_digest(keys.mac(canonical(record)), mac):
        return f"{where} was altered: its MAC does not match"
    return None


def _check_checkpoints(
    path: Path,
    public_key: Ed25519PublicKey,
    hashes: dict[int, str],
    last_seq: int,
    verdict: Verdict,
    anchors: Sequence[Path],
) -> None:
    instance = path.name.removesuffix(".log.jsonl")
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
        checkpoints = path.with_name(f"{instance}{CHECKPOINT_SUFFIX}")
        source = checkpoints.name
        if not checkpoints.exists():
            if last_seq:
                verdict.problems.append(f"the checkpoint file {checkpoints.name} is missing")
            return
        lines = checkpoints.read_bytes().splitlines()
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
