"""The audit chain: durable appends, and a tamper matrix that verify must catch every time."""

from __future__ import annotations

import asyncio
import errno
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.audit import AuditKeys, AuditLog
from gateway.audit.export import cef, ocsf, render
from gateway.audit.log import line_hash
from gateway.audit.reader import Filters, read, value_filters
from gateway.audit.verify import verify_chain
from gateway.errors import AuditError
from gateway.keys.crypto import Secret

KEYS = AuditKeys(Secret(b"a" * 32))


@dataclass(frozen=True)
class Raw:
    """An event as a test writes it: the chain's mechanics do not depend on its shape."""

    fields: dict[str, Any]

    def record(self) -> dict[str, Any]:
        return dict(self.fields)


ROOT = Path(__file__).resolve().parent.parent


def write_chain(directory: Path, events: int = 30, checkpoint_every: int = 10) -> Path:
    async def go() -> Path:
        log = AuditLog(
            directory, KEYS, "test", checkpoint_every=checkpoint_every, checkpoint_interval=3600
        )
        await log.open()
        for i in range(events):
            await log.append(
                Raw(
                    {"type": "request_redacted", "n": i, "route": "r", "tokens": [f"EMAIL-{i:08d}"]}
                )
            )
        await log.close()
        return log.path

    return asyncio.run(go())


def test_a_clean_chain_verifies(tmp_path: Path) -> None:
    path = write_chain(tmp_path)
    verdict = verify_chain(path, KEYS.public_key, KEYS)
    assert verdict.ok, verdict.problems
    assert verdict.records == 31  # chain_opened + 30
    assert verdict.uncovered == 0  # close() signs the last records
    assert verify_chain(path, KEYS.public_key).ok  # the public key alone is enough


def test_group_commit_keeps_order_and_links(tmp_path: Path) -> None:
    async def go() -> Path:
        log = AuditLog(tmp_path, KEYS, "test")
        await log.open()
        seqs = await asyncio.gather(*(log.append(Raw({"type": "x", "n": i})) for i in range(200)))
        assert sorted(seqs) == list(range(2, 202))
        await log.close()
        return log.path

    assert verify_chain(asyncio.run(go()), KEYS.public_key, KEYS).ok


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _save(path: Path, lines: list[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in lines))


def edit(path: Path, index: int) -> None:
    lines = _lines(path)
    record = json.loads(lines[index])
    record["event"]["route"] = "tampered"
    lines[index] = json.dumps(record, separators=(",", ":"))
    _save(path, lines)


def edit_one_byte(path: Path, index: int) -> None:
    lines = _lines(path)
    position = lines[index].index('"n":') + 4
    digit = lines[index][position]
    lines[index] = (
        lines[index][:position] + ("7" if digit != "7" else "8") + lines[index][position + 1 :]
    )
    _save(path, lines)


def delete(path: Path, index: int) -> None:
    lines = _lines(path)
    del lines[index]
    _save(path, lines)


def insert(path: Path, index: int) -> None:
    lines = _lines(path)
    lines.insert(index, lines[index])
    _save(path, lines)


def reorder(path: Path, index: int) -> None:
    lines = _lines(path)
    lines[index], lines[index + 1] = lines[index + 1], lines[index]
    _save(path, lines)


def truncate(path: Path, index: int) -> None:
    _save(path, _lines(path)[:index])


def rewrite_from(path: Path, index: int) -> None:
    """Alter a record and recompute every later hash link: only signatures and MACs can tell."""
    lines = _lines(path)
    record = json.loads(lines[index])
    record["event"]["route"] = "rewritten"
    lines[index] = json.dumps(record, separators=(",", ":"))
    for later in range(index + 1, len(lines)):
        record = json.loads(lines[later])
        record["prev"] = line_hash(lines[later - 1].encode())
        lines[later] = json.dumps(record, separators=(",", ":"))
    _save(path, lines)


Tamper = Callable[[Path, int], None]


@pytest.mark.parametrize(
    "tamper",
    [edit, edit_one_byte, delete, insert, reorder, truncate, rewrite_from],
    ids=lambda f: f.__name__,
)
@pytest.mark.parametrize("index", [1, 2, 5, 10, 11, 15, 20, 25, 29])
@pytest.mark.parametrize("with_mac_key", [True, False], ids=["audit-key", "public-key-only"])
def test_tamper_matrix(tmp_path: Path, tamper: Tamper, index: int, with_mac_key: bool) -> None:
    path = write_chain(tmp_path)
    tamper(path, index)
    verdict = verify_chain(path, KEYS.public_key, KEYS if with_mac_key else None)
    assert not verdict.ok, f"{tamper.__name__} at {index} went unnoticed"
    assert "record" in verdict.problems[0] or "checkpoint" in verdict.problems[0]


@pytest.mark.parametrize("index", [3, 12, 27])
def test_verify_names_the_altered_record(tmp_path: Path, index: int) -> None:
    path = write_chain(tmp_path)
    edit(path, index)
    verdict = verify_chain(path, KEYS.public_key, KEYS)
    assert verdict.problems[0].startswith(f"record {index + 1} (line {index + 1}) was altered")
    deleted = write_chain(tmp_path / "other")
    delete(deleted, index)
    assert (
        verify_chain(deleted, KEYS.public_key)
        .problems[0]
        .startswith(f"record {index + 1} is missing")
    )


def test_forged_checkpoints_and_wrong_keys(tmp_path: Path) -> None:
    path = write_chain(tmp_path)
    checkpoints = path.with_name("test-1.checkpoints.jsonl")
    lines = checkpoints.read_text().splitlines()
    forged = json.loads(lines[0])
    forged["seq"] = forged["seq"] + 1
    checkpoints.write_text("\n".join([json.dumps(forged), *lines[1:]]) + "\n")
    assert "invalid signature" in verify_chain(path, KEYS.public_key).problems[0]
    fresh = write_chain(tmp_path / "fresh")
    stranger = AuditKeys(Secret(b"b" * 32))
    assert "invalid signature" in verify_chain(fresh, stranger.public_key).problems[0]
    assert "MAC does not match" in verify_chain(fresh, KEYS.public_key, stranger).problems[0]


def test_deleting_the_checkpoints_is_noticed(tmp_path: Path) -> None:
    path = write_chain(tmp_path)
    path.with_name("test-1.checkpoints.jsonl").unlink()
    assert "missing" in verify_chain(path, KEYS.public_key).problems[0]


def test_resume_cuts_a_half_written_record(tmp_path: Path) -> None:
    path = write_chain(tmp_path, events=5)
    with path.open("a") as handle:
        handle.write('{"seq":7,"time":"2026')  # a crash in the middle of a write
    write_chain(tmp_path, events=3)  # the next process takes the same chain over
    verdict = verify_chain(path, KEYS.public_key, KEYS)
    assert verdict.ok, verdict.problems
    assert verdict.records == 6 + 5  # the second run's chain_opened, tail_repaired and 3
    repaired = [r["event"] for r in read(tmp_path) if r["event"]["type"] == "tail_repaired"]
    assert repaired == [{"type": "tail_repaired", "file": "log", "bytes_removed": 21}]


def test_processes_never_share_a_chain(tmp_path: Path) -> None:
    async def go() -> tuple[str, str]:
        first, second = AuditLog(tmp_path, KEYS, "gw"), AuditLog(tmp_path, KEYS, "gw")
        await first.open()
        await second.open()
        names = (first.instance, second.instance)
        await first.close()
        await second.close()
        return names

    assert asyncio.run(go()) == ("gw-1", "gw-2")


def test_a_failed_write_leaves_nothing_and_the_log_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a full disk a record is refused, none of it stays in the file to be
    flushed later, and writing resumes when space returns (issue 13)."""

    def full(fd: int, data: object) -> int:
        written = real_write(fd, bytes(memoryview(data))[:10])  # type: ignore[arg-type]
        if written:
            raise OSError(errno.ENOSPC, "No space left on device")
        return written

    real_write = os.write

    async def go() -> None:
        log = AuditLog(tmp_path, KEYS, "test")
        await log.open()
        size = log.path.stat().st_size
        try:
            with monkeypatch.context() as patch:
                patch.setattr("gateway.audit.files.os.write", full)
                with pytest.raises(AuditError):
                    await log.append(Raw({"type": "refused_one"}))
                assert log.path.stat().st_size == size  # the partial record was cut off
                with pytest.raises(AuditError):
                    await log.check_writable()  # the probe fails too
            await log.check_writable()  # space is back
            await log.append(Raw({"type": "after"}))
        finally:
            await log.close()

    asyncio.run(go())
    types = [r["event"]["type"] for r in read(tmp_path)]
    assert "refused_one" not in types
    assert types[-1] == "after"
    assert verify_chain(tmp_path / "test-1.log.jsonl", KEYS.public_key, KEYS).ok


def test_reader_filters_and_lookup(tmp_path: Path) -> None:
    async def go() -> None:
        log = AuditLog(tmp_path, KEYS, "test")
        await log.open()
        digest = KEYS.value_digest("EMAIL_ADDRESS", "jane.doe@example.com")
        await log.append(Raw({"type": "request_redacted", "request_id": "r1", "vendor": "zendesk", "route": "create_ticket",
                          "scope": "customer:abc", "scope_source": "customer:abc", "entities": {"EMAIL_ADDRESS": 1},
                          "tokens": ["EMAIL-AAAAAAAA"], "values": [f"EMAIL_ADDRESS:{digest}"], "outcome": "forwarded"}))  # fmt: skip
        await log.append(Raw({"type": "response_restored", "request_id": "r1", "route": "create_ticket", "scope": "customer:abc",
                          "aliases": ["ticket:1001"], "tokens": {"restored": ["EMAIL-AAAAAAAA"]}, "counts": {"restored": 1},
                          "outcome": "released"}))  # fmt: skip
        await log.append(
            Raw({"type": "request_refused", "reason": "invalid_json", "outcome": "refused"})
        )
        await log.close()

    asyncio.run(go())
    assert [r["event"]["type"] for r in read(tmp_path, Filters(token="email-aaaaaaaa"))] == [
        "request_redacted",
        "response_restored",
    ]
    # The ticket's creation (before its id existed) and its answer, which named it.
    assert len(list(read(tmp_path, Filters(ticket="1001")))) == 2
    assert len(list(read(tmp_path, Filters(outcome="refused")))) == 1
    assert [r["event"]["type"] for r in read(tmp_path, Filters(outcome="restored"))] == [
        "response_restored"
    ]
    assert list(read(tmp_path, Filters(outcome="out_of_scope"))) == []
    with pytest.raises(ValueError, match="unknown outcome"):
        Filters(outcome="restord")  # would otherwise read as "no such events"
    wanted = value_filters(KEYS, "Jane.Doe@Example.com")  # normalised like the gateway does
    assert len(list(read(tmp_path, Filters(values=wanted)))) == 1
    assert list(read(tmp_path, Filters(values=value_filters(KEYS, "someone@else.org")))) == []


def test_export_formats(tmp_path: Path) -> None:
    path = write_chain(tmp_path, events=2)
    record = json.loads(path.read_text().splitlines()[1])
    assert render(record, "jsonl") == json.dumps(record, separators=(",", ":"), ensure_ascii=False)
    line = cef(record)
    assert line.startswith("CEF:0|redaction-gateway|gateway|")
    assert "|request_redacted|" in line
    event = ocsf(record)
    assert event["class_uid"] == 6003
    assert event["type_uid"] == 600399
    assert event["metadata"]["uid"] == "test-1:2"
    weird = {
        "time": "2026-01-01T00:00:00.000000Z",
        "seq": 1,
        "event": {"type": "a|b", "reason": "x=y\nz"},
    }
    assert "a\\|b" in cef(weird)
    assert "x\\=y\\nz" in cef(weird)


@pytest.mark.slow  # the CLI in subprocesses
def test_cli_verify_query_export_and_tampering(tmp_path: Path) -> None:
    write_chain(tmp_path / "audit")
    (tmp_path / "audit-keys.json").write_text(
        json.dumps(
            {
                "format": "redaction-gateway-audit-keys/1",
                "secret": "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=",
            }
        )
    )
    os.chmod(tmp_path / "audit-keys.json", 0o600)

    def gateway(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "gateway", *args, "--data-dir", str(tmp_path)],
                              capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)  # fmt: skip

    ok = gateway("audit", "verify")
    assert ok.returncode == 0
    assert "ok, 31 records" in ok.stdout
    key = gateway("audit", "public-key")
    (tmp_path / "public.pem").write_text(key.stdout)
    assert gateway("audit", "verify", "--public-key", str(tmp_path / "public.pem")).returncode == 0
    assert (
        gateway("audit", "query", "--type", "request_redacted", "--format", "jsonl").stdout.count(
            "\n"
        )
        == 30
    )
    exported = gateway(
        "audit", "export", "--format", "ocsf", "--output", str(tmp_path / "out.jsonl")
    )
    assert exported.returncode == 0
    assert "exported 31 event(s)" in exported.stderr
    edit_one_byte(tmp_path / "audit" / "test-1.log.jsonl", 7)
    bad = gateway("audit", "verify")
    assert bad.returncode == 1
    assert "TAMPERED: record 8 (line 8) was altered" in bad.stdout


@pytest.mark.slow  # the CLI in subprocesses
def test_cli_lookup_reads_the_value_from_stdin(tmp_path: Path) -> None:
    async def go() -> None:
        log = AuditLog(tmp_path / "chains", KEYS, "test")
        await log.open()
        digest = KEYS.value_digest("EMAIL_ADDRESS", "jane.doe@example.com")
        await log.append(Raw({"type": "request_redacted", "request_id": "r1", "vendor": "zendesk", "route": "create_ticket",
                          "scope": "customer:abc", "values": [f"EMAIL_ADDRESS:{digest}"], "outcome": "forwarded"}))  # fmt: skip
        await log.close()

    asyncio.run(go())
    (tmp_path / "audit-keys.json").write_text(
        json.dumps({"format": "redaction-gateway-audit-keys/1", "secret": "YWFh" * 10 + "YWE="})
    )
    os.chmod(tmp_path / "audit-keys.json", 0o600)

    def lookup(value: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "gateway", "audit", "lookup", "--value", "-",
                               "--audit-dir", str(tmp_path / "chains"), "--data-dir", str(tmp_path)],
                              input=value + "\n", capture_output=True, text=True, cwd=ROOT,
                              timeout=120, check=False)  # fmt: skip

    hit = lookup("jane.doe@example.com")
    assert hit.returncode == 0, hit.stderr
    assert "sent to zendesk via create_ticket in scope customer:abc (request r1" in hit.stdout
    assert "1 time(s)" in hit.stdout
    assert "never sent" in lookup("john.roe@example.com").stdout


def test_quiet_chains_are_signed_on_a_timer(tmp_path: Path) -> None:
    async def go() -> None:
        log = AuditLog(tmp_path, KEYS, "test", checkpoint_every=1000, checkpoint_interval=0.2)
        await log.open()
        for i in range(3):
            await log.append(Raw({"type": "x", "n": i}))
        await asyncio.sleep(0.6)  # no write since: only the timer can sign them
        checkpoints = (tmp_path / "test-1.checkpoints.jsonl").read_text().splitlines()
        assert json.loads(checkpoints[-1])["seq"] == 4
        verdict = verify_chain(log.path, KEYS.public_key)
        assert verdict.ok
        assert verdict.uncovered == 0
        await log.close()

    asyncio.run(go())


def test_an_emptied_chain_is_caught(tmp_path: Path) -> None:
    path = write_chain(tmp_path)
    path.write_bytes(b"")
    (tmp_path / "test-1.checkpoints.jsonl").write_bytes(b"")
    verdict = verify_chain(path, KEYS.public_key, KEYS)
    assert (
        verdict.summary()
        == "test-1.log.jsonl: TAMPERED: the chain is empty: its records were deleted"
    )
    missing = verify_chain(tmp_path / "nope.log.jsonl", KEYS.public_key)
    assert missing.summary().startswith("nope.log.jsonl: UNREADABLE: cannot be read")


def test_a_chain_rewritten_with_the_key_is_caught_by_an_offsite_copy(tmp_path: Path) -> None:
    # Someone holding the audit key rewrites history and signs it anew; only a
    # copy of the checkpoints kept elsewhere can tell.
    path = write_chain(tmp_path / "a", events=30, checkpoint_every=10)
    offsite = tmp_path / "offsite.checkpoints.jsonl"
    offsite.write_bytes((tmp_path / "a" / "test-1.checkpoints.jsonl").read_bytes())
    forged = write_chain(tmp_path / "b", events=29, checkpoint_every=10)  # one event fewer
    path.write_bytes(forged.read_bytes())
    (tmp_path / "a" / "test-1.checkpoints.jsonl").write_bytes(
        (tmp_path / "b" / "test-1.checkpoints.jsonl").read_bytes()
    )
    assert verify_chain(path, KEYS.public_key, KEYS).ok  # the local files agree with each other
    verdict = verify_chain(path, KEYS.public_key, KEYS, anchors=[offsite])
    assert not verdict.ok
    assert "does not match checkpoint" in verdict.problems[0] or "truncated" in verdict.problems[0]


@pytest.mark.slow  # the CLI in subprocesses
def test_cli_verify_against_offhost_copies_of_several_chains(tmp_path: Path) -> None:
    async def go() -> None:
        logs = [AuditLog(tmp_path / "audit", KEYS, "vm") for _ in range(2)]  # two workers
        for log in logs:
            await log.open()
            await log.append(Raw({"type": "request_redacted", "route": "r"}))
        for log in logs:
            await log.close()

    asyncio.run(go())
    (tmp_path / "audit-keys.json").write_text(json.dumps(
        {"format": "redaction-gateway-audit-keys/1", "secret": "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE="}
    ))  # fmt: skip
    os.chmod(tmp_path / "audit-keys.json", 0o600)
    offhost = tmp_path / "offhost"
    offhost.mkdir()
    for copy in (tmp_path / "audit").glob("*.checkpoints.jsonl"):
        (offhost / copy.name).write_bytes(copy.read_bytes())

    def verify(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "gateway", "audit", "verify", *args, "--data-dir", str(tmp_path)],
                              capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)  # fmt: skip

    whole = verify("--checkpoints", str(offhost))
    assert whole.returncode == 0, whole.stdout + whole.stderr
    assert whole.stdout.count(": ok, 2 records, 2 signed checkpoints\n") == 2
    one = verify("--checkpoints", str(offhost / "vm-1.checkpoints.jsonl"))
    assert one.returncode == 0, one.stdout
    assert "vm-2.log.jsonl: the off-host copy holds no checkpoint of this chain" in one.stderr
    both = verify(*(f"--checkpoints={p}" for p in sorted(offhost.iterdir())))
    assert both.returncode == 0
    assert both.stderr == ""
    missing = verify("--checkpoints", str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert (
        missing.stderr.strip()
        == f"gateway: error: --checkpoints: {tmp_path / 'nowhere'} does not exist"
    )


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def rotating_log(directory: Path, clock: Clock, **options: Any) -> AuditLog:
    return AuditLog(
        directory, KEYS, "test", clock=clock, checkpoint_interval=3600, rotate_bytes=2000, **options
    )


def test_the_chain_rotates_by_size_and_age_and_verifies_across_segments(tmp_path: Path) -> None:
    clock = Clock()

    async def go() -> None:
        log = rotating_log(tmp_path, clock, rotate_seconds=3600)
        await log.open()
        for i in range(40):  # about 100 bytes each: rotates every 20 or so
            await log.append(Raw({"type": "x", "n": i}))
        clock.now += 7200  # older than an hour: the next write starts a segment
        await log.append(Raw({"type": "late"}))
        await log.close()

    asyncio.run(go())
    segments = sorted(p.name for p in tmp_path.glob("*.log.jsonl"))
    assert len(segments) >= 3
    assert segments[-1] == "test-1.log.jsonl"
    assert [r["event"].get("n") for r in read(tmp_path)][1:41] == list(range(40))
    verdict = verify_chain(tmp_path / "test-1.log.jsonl", KEYS.public_key, KEYS)
    assert verdict.ok, verdict.problems
    assert verdict.records == 42
    # A segment taken away is caught, wherever it was in the chain.
    (tmp_path / segments[1]).unlink()
    gone = verify_chain(tmp_path / "test-1.log.jsonl", KEYS.public_key, KEYS)
    assert "is missing" in gone.problems[0]


def test_retention_removes_old_segments_and_says_so_in_the_chain(tmp_path: Path) -> None:
    clock = Clock()

    async def go() -> None:
        log = rotating_log(tmp_path, clock, retention_days=30)
        await log.open()
        for i in range(60):
            await log.append(Raw({"type": "x", "n": i}))
        clock.now += 31 * 86400
        await log.append(Raw({"type": "a month later"}))  # rotates
        await log.apply_retention()
        await log.close()

    asyncio.run(go())
    assert sorted(p.name for p in tmp_path.glob("*.log.jsonl")) == ["test-1.log.jsonl"]
    removed = [r["event"] for r in read(tmp_path) if r["event"]["type"] == "segments_removed"]
    assert len(removed) == 1
    assert removed[0]["through_seq"] == 61  # chain_opened and 60: the rest is in the new segment
    verdict = verify_chain(tmp_path / "test-1.log.jsonl", KEYS.public_key, KEYS)
    assert verdict.ok, verdict.problems
    assert "records 1 to 61 were removed by the retention setting" in verdict.notes[0]


def test_a_torn_checkpoint_is_repaired_and_recorded(tmp_path: Path) -> None:
    """The next checkpoint was appended onto the fragment, and verify said
    TAMPERED for ever (issue 13)."""
    path = write_chain(tmp_path, events=5)
    checkpoints = tmp_path / "test-1.checkpoints.jsonl"
    with checkpoints.open("a") as handle:
        handle.write('{"instance":"test-1","seq":')  # a crash in the middle of a checkpoint
    before = verify_chain(path, KEYS.public_key, KEYS)
    assert before.ok, before.problems  # a torn tail is a note, not tampering
    assert "partial last checkpoint" in before.notes[0]
    write_chain(tmp_path, events=3)
    after = verify_chain(path, KEYS.public_key, KEYS)
    assert after.ok, after.problems
    assert after.notes == []
    repaired = [r["event"] for r in read(tmp_path) if r["event"]["type"] == "tail_repaired"]
    assert repaired == [{"type": "tail_repaired", "file": "checkpoints", "bytes_removed": 27}]


def test_a_torn_record_is_a_note_until_the_chain_reopens(tmp_path: Path) -> None:
    path = write_chain(tmp_path, events=5)
    with path.open("a") as handle:
        handle.write('{"seq":7,"time":"2026')
    verdict = verify_chain(path, KEYS.public_key, KEYS)
    assert verdict.ok, verdict.problems
    assert "partial last record" in verdict.notes[0]


def test_closing_on_a_full_disk_is_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def go() -> None:
        log = AuditLog(tmp_path, KEYS, "test", checkpoint_every=1000, checkpoint_interval=3600)
        await log.open()
        await log.append(Raw({"type": "x"}))
        monkeypatch.setattr("gateway.audit.files.append", full_disk)
        await log.close()  # its final checkpoint fails

    asyncio.run(go())
    assert "closed without a final checkpoint" in caplog.text


def full_disk(*args: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")
