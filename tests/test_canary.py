"""Planted values must never reach a log line, an error message or a ``repr``.

Each canary is pushed through redaction, restore and every failure path with
logging at DEBUG for every logger (Presidio's included); then everything that
was logged, raised or printed is searched for it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.detect import KnownValue
from gateway.detect.detector import PresidioDetector
from gateway.errors import DetectionError, VaultError
from gateway.redact.redactor import EntityField, Redactor
from gateway.restore.restorer import Restorer
from gateway.vault import TokenRequest, Vault

ROOT = Path(__file__).resolve().parent.parent
CANARIES = [
    "Zebulon Quartermaine",
    "zebulon.canary@example.org",
    "07911 123456",
    "4111 1111 1111 1111",
    "456-78-9012",
]
TEXT = (
    "Hi, I'm Zebulon Quartermaine, reach me at zebulon.canary@example.org or 07911 123456. "
    "Card 4111 1111 1111 1111, SSN 456-78-9012."
)


def assert_clean(*haystacks: str) -> None:
    for haystack in haystacks:
        for canary in CANARIES:
            assert canary not in haystack, f"a planted value leaked: {canary!r}"
            assert canary.split()[0] not in haystack or canary.split()[0].isdigit()


@pytest.mark.anyio
async def test_redaction_restore_and_failures_log_nothing(
    caplog: pytest.LogCaptureFixture,
    redactor: Redactor,
    restorer: Restorer,
    vault: Vault,
    detector: PresidioDetector,
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("presidio-analyzer", "presidio-anonymizer", "gateway"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    seen: list[str] = []

    redaction = await redactor.redact(
        "T-1", [TEXT], [EntityField("PERSON", "Zebulon Quartermaine")]
    )
    seen += [repr(redaction), repr(redaction.replacements), redaction.texts[0].text]
    restored = await restorer.restore(redaction.texts[0].text, {"T-1"})
    assert restored.text == TEXT
    seen += [repr(restored.outcomes)]
    seen += [repr(detector.detect([TEXT], [KnownValue("PERSON", "Zebulon Quartermaine")]))]
    seen += [repr(TokenRequest("PERSON", "PERSON", "zebulon quartermaine", "Zebulon Quartermaine"))]
    seen += [repr(await vault.resolve("acme", [], {}, None))]

    # The vault fails: the error names the failure, not the values.
    await vault.backend._run(lambda c: c.execute("PRAGMA query_only = ON"))  # type: ignore[attr-defined]
    with pytest.raises(VaultError) as vault_failure:
        await redactor.redact("T-2", [TEXT])
    seen.append(str(vault_failure.value))

    # A recognizer fails on its input with an exception that quotes it: the
    # detector's fail-closed boundary must pass on the failure, not the text.
    class Quoting(RuntimeError):
        pass

    def explode(text: str, entities: object, nlp_artifacts: object = None) -> object:
        raise Quoting(f"cannot parse {text!r}")

    recognizer = detector.recognizers[0]
    original = recognizer.analyze
    recognizer.analyze = explode  # type: ignore[method-assign, assignment]
    try:
        with pytest.raises(DetectionError) as detection_failure:
            await redactor.redact("T-3", [TEXT])
    finally:
        recognizer.analyze = original  # type: ignore[method-assign]
    assert detection_failure.value.message == "the detector failed (Quoting)"
    assert detection_failure.value.__cause__ is None  # the quoting exception is not chained
    seen.append(str(detection_failure.value))
    seen.append(repr(detection_failure.value))

    assert_clean(caplog.text, *seen)


@pytest.mark.slow  # the CLI in subprocesses
def test_cli_logs_and_errors_are_clean(tmp_path: Path) -> None:
    def run(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gateway", "--verbose", "--data-dir", str(tmp_path), *args],
            input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False,
            env={**os.environ, "PYTHONWARNINGS": "default"},
        )  # fmt: skip

    ok = run("redact", "--report", stdin=TEXT)
    assert ok.returncode == 0
    assert_clean(ok.stdout, ok.stderr)
    bad_json = run(
        "redact",
        "--format",
        "json",
        stdin='{"name": "Zebulon Quartermaine", "card": "4111 1111 1111 1111"',
    )
    bad_depth = run(
        "restore", "--format", "json", stdin="[" * 5000 + '"zebulon.canary@example.org"'
    )
    too_big = run("redact", "--max-bytes", "20", stdin=TEXT)
    for process in (bad_json, bad_depth, too_big):
        assert process.returncode == 2
        assert_clean(process.stdout, process.stderr)
