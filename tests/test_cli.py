"""The ``gateway`` command as a user runs it: arguments, stdin, stdout, stderr, exit code.

Most tests call :func:`gateway.cli.main` in this process with its standard
streams swapped (fast); the ``slow`` ones run it as a real process, through the
console script pip installed.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.cli import main

ROOT = Path(__file__).resolve().parent.parent
TICKET = (
    "Hi, my name is Jane Doe. My order ORD-48213 arrived broken.\n"
    "Call me on +1 (415) 555-0132 or jane.doe@example.com.\n"
    "Card 4111 1111 1111 1111, SSN 456-78-9012.\n\nThanks,\nJane\n"
)


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: bytes
    stderr: bytes


def gateway(
    *args: str,
    stdin: bytes | str = b"",
    data_dir: Path | None = None,
    env: dict[str, str] | None = None,
) -> Ran:
    """Run ``gateway ARGS`` in this process, from the repository, with ``env`` added."""
    argv = [*args] + (["--data-dir", str(data_dir)] if data_dir is not None else [])
    data = stdin.encode() if isinstance(stdin, str) else stdin
    out, err = io.BytesIO(), io.BytesIO()
    streams = (
        io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"),
        io.TextIOWrapper(out, encoding="utf-8", write_through=True),
        io.TextIOWrapper(err, encoding="utf-8", write_through=True),
    )
    saved = sys.stdin, sys.stdout, sys.stderr, dict(os.environ), os.getcwd()
    sys.stdin, sys.stdout, sys.stderr = streams
    os.environ.update(env or {})
    os.chdir(ROOT)
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse: --help, usage errors
        code = exit_.code if isinstance(exit_.code, int) else 2
    finally:
        sys.stdin, sys.stdout, sys.stderr, environ, cwd = saved
        os.environ.clear()
        os.environ.update(environ)
        os.chdir(cwd)
        for stream in streams:
            stream.flush()
            stream.detach()  # leave the buffers open for reading
    return Ran(code, out.getvalue(), err.getvalue())


def text(process: Ran | subprocess.CompletedProcess[bytes]) -> tuple[str, str]:
    return process.stdout.decode(), process.stderr.decode()


def test_redact_and_restore_text(tmp_path: Path) -> None:
    redacted = gateway("redact", stdin=TICKET, data_dir=tmp_path)
    out, err = text(redacted)
    assert redacted.returncode == 0, err
    for secret in (
        "Jane Doe",
        "555-0132",
        "jane.doe@example.com",
        "4111 1111 1111 1111",
        "456-78-9012",
    ):
        assert secret not in out
    assert "ORD-48213" in out
    assert "**** **** **** 1111" in out
    restored = gateway("restore", stdin=out, data_dir=tmp_path)
    back, _ = text(restored)
    assert back == TICKET.replace("4111 1111 1111 1111", "**** **** **** 1111")  # masks are one-way


def test_html_is_read_as_html(tmp_path: Path) -> None:
    policy = ["--policy", "policies/freshdesk.yaml"]
    page = "<p>Dear Jane Doe, your order ships today.</p><p>Thanks, Margaret Okonkwo</p>\n"
    out, err = text(gateway("redact", *policy, stdin=page, data_dir=tmp_path))
    assert "Jane" not in out, err
    assert "Okonkwo" not in out
    assert out.startswith("<p>Dear PERSON-")
    assert out.endswith("</p>\n")
    assert out.count("</p>") == 2
    doc = json.dumps({"description": page})
    out, err = text(gateway("redact", *policy, stdin=doc, data_dir=tmp_path))
    assert "Jane" not in out, err
    assert "Okonkwo" not in out
    assert "Thanks, PERSON-" in out


def test_redact_json_with_report(tmp_path: Path) -> None:
    body = {
        "ticket": {
            "id": 42,
            "subject": "Refund for Jane Doe",
            "comment": {"body": "Reach me at jane.doe@example.com"},
        }
    }
    process = gateway("redact", "--report", stdin=json.dumps(body), data_dir=tmp_path)
    out, err = text(process)
    assert process.returncode == 0, err
    redacted = json.loads(out)
    assert redacted["ticket"]["id"] == 42
    assert "jane.doe@example.com" not in out
    report = json.loads(err)
    assert {"path": "ticket.comment.body", "entity": "EMAIL_ADDRESS"}.items() <= report[
        "replacements"
    ][-1].items()
    assert "jane" not in err.lower()
    back = json.loads(text(gateway("restore", stdin=out, data_dir=tmp_path))[0])
    assert back == body


def test_scopes_are_kept_apart(tmp_path: Path) -> None:
    out, _ = text(
        gateway(
            "redact", "--scope", "ticket-1", stdin="mail jane.doe@example.com", data_dir=tmp_path
        )
    )
    wrong = gateway("restore", "--scope", "ticket-2", stdin=out, data_dir=tmp_path)
    assert text(wrong)[0] == out
    assert "1 out_of_scope" in text(wrong)[1]
    right = gateway("restore", "--scope", "ticket-1", stdin=out, data_dir=tmp_path)
    assert text(right)[0] == "mail jane.doe@example.com"


def test_purge_and_rotate(tmp_path: Path) -> None:
    out, _ = text(
        gateway(
            "redact", "--scope", "customer-9", stdin="mail jane.doe@example.com", data_dir=tmp_path
        )
    )
    rotated = gateway("keys", "rotate", "--rewrap", data_dir=tmp_path)
    assert rotated.returncode == 0
    assert "new vault key v2" in text(rotated)[0]
    assert (
        text(gateway("restore", "--scope", "customer-9", stdin=out, data_dir=tmp_path))[0]
        == "mail jane.doe@example.com"
    )
    purged = gateway("vault", "purge", "--scope", "customer-9", data_dir=tmp_path)
    assert "erased the values of 1 token(s)" in text(purged)[0]
    after = gateway("restore", "--scope", "customer-9", stdin=out, data_dir=tmp_path)
    assert text(after)[0] == out
    assert "1 purged" in text(after)[1]
    # The erasure is on the record, as a security team answering a data
    # subject's request needs it: which scope, how many values, when.
    trail = text(gateway("audit", "query", "--outcome", "erased", data_dir=tmp_path))[0]
    assert "values_purged" in trail
    assert "customer-9" in trail


def test_a_raw_value_typed_as_a_purge_scope_stays_out_of_the_trail(tmp_path: Path) -> None:
    gateway("redact", stdin="mail jane.doe@example.com", data_dir=tmp_path)
    purged = gateway("vault", "purge", "--scope", "jane.doe@example.com", data_dir=tmp_path)
    assert "erased the values of 0 token(s)" in text(purged)[0]
    chains = list((tmp_path / "audit").glob("*.log.jsonl"))
    assert chains
    assert all("jane.doe" not in chain.read_text() for chain in chains)
    trail = text(gateway("audit", "query", "--outcome", "erased", data_dir=tmp_path))[0]
    assert "withheld" in trail


def test_purging_a_vendor_assigned_id_names_the_scope_it_belongs_to(tmp_path: Path) -> None:
    import asyncio

    from gateway.vault.sqlite import SqliteBackend

    gateway("redact", "--scope", "customer:0123456789abcdef01234567", stdin="mail jane.doe@example.com",
            data_dir=tmp_path)  # fmt: skip

    async def bind() -> None:
        backend = SqliteBackend(tmp_path / "vault.sqlite3")
        try:
            await backend.bind_aliases(
                "example", ["ticket:1001"], "customer:0123456789abcdef01234567", now=0
            )
        finally:
            await backend.close()

    asyncio.run(bind())
    refused = gateway("vault", "purge", "--scope", "ticket:1001", data_dir=tmp_path)
    assert refused.returncode != 0
    assert "customer:0123456789abcdef01234567" in text(refused)[1]
    assert "1 live" in text(gateway("vault", "stats", data_dir=tmp_path))[0]


@pytest.mark.parametrize("command", ["query", "export"])
def test_a_misspelt_outcome_is_refused_not_silently_empty(tmp_path: Path, command: str) -> None:
    extra = ["--format", "jsonl"] if command == "export" else []
    gateway("redact", stdin="mail jane.doe@example.com", data_dir=tmp_path)
    refused = gateway("audit", command, *extra, "--outcome", "restord", data_dir=tmp_path)
    assert refused.returncode == 2
    assert "invalid choice: 'restord'" in text(refused)[1]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["redact", "--format", "json"], b'{"a": [1,', "the JSON is not valid"),
        (["redact"], b"\xff\xfe caf\xe9", "not valid UTF-8"),
        (["redact", "--max-bytes", "10"], b"x" * 100, "larger than 10 bytes"),
        (["redact", "--policy", "nope.yaml"], b"hi", "nope.yaml: cannot read"),
        (["policy", "check", "tests/data/broken-policy.yaml"], b"", "entities.CREDIT_CARD.action"),
        (["restore", "--format", "json"], b"[" * 100000, "nested deeper"),
        (["redact"], "Hi Jane Doe, jane.doe@example.com".encode("utf-16-le"), "NUL characters"),
        (["redact"], b'{"a": 1, "a": "jane.doe@example.com"}', "repeated key"),
    ],
)
def test_bad_input_gets_one_line_and_a_nonzero_exit(
    tmp_path: Path, args: list[str], stdin: bytes, message: str
) -> None:
    process = gateway(*args, stdin=stdin, data_dir=tmp_path)
    _, err = text(process)
    assert process.returncode == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_broken_key_environment_is_a_config_error(tmp_path: Path) -> None:
    process = gateway("redact", stdin="hi", data_dir=tmp_path, env={"GATEWAY_TOKEN_KEY": "x"})
    assert process.returncode == 2
    assert "set both" in text(process)[1]


def test_every_command_has_help() -> None:
    commands = [[], ["redact"], ["restore"], ["policy"], ["policy", "check"], ["policy", "routes"],
                ["vault"], ["vault", "purge"],
                ["vault", "stats"], ["keys"], ["keys", "rotate"]]  # fmt: skip
    for command in commands:
        process = gateway(*command, "--help")
        assert process.returncode == 0, command
        assert "usage: gateway" in text(process)[0]


def test_policy_check_reports_each_file(tmp_path: Path) -> None:
    process = gateway(
        "policy", "check", *[str(p) for p in sorted((ROOT / "policies").glob("*.yaml"))]
    )
    assert process.returncode == 0
    assert text(process)[0].count(": ok (") == len(list((ROOT / "policies").glob("*.yaml")))


def test_policy_routes_prints_the_table() -> None:
    process = gateway("policy", "routes", "policies/openai-compatible.yaml")
    assert process.returncode == 0
    lines = text(process)[0].splitlines()
    assert lines[0] == "| route | methods | path | scope | answers |"
    assert any(line.startswith("| `responses` | POST | `/v1/responses` |") for line in lines)
    broken = gateway("policy", "routes", "tests/data/broken-policy.yaml")
    assert broken.returncode == 2
    assert "entities.CREDIT_CARD.action" in text(broken)[1]


@pytest.mark.slow  # a real process
def test_the_command_runs_as_a_process(tmp_path: Path) -> None:
    def run(*args: str, stdin: str) -> subprocess.CompletedProcess[bytes]:
        command = [sys.executable, "-m", "gateway", *args, "--data-dir", str(tmp_path)]
        return subprocess.run(
            command, input=stdin.encode(), capture_output=True, cwd=ROOT, timeout=120, check=False
        )

    redacted = run("redact", stdin=TICKET)
    assert redacted.returncode == 0, redacted.stderr
    assert b"Jane Doe" not in redacted.stdout
    restored = run("restore", stdin=redacted.stdout.decode())
    assert text(restored)[0] == TICKET.replace("4111 1111 1111 1111", "**** **** **** 1111")
    refused = run("redact", "--format", "json", stdin="{")
    assert (refused.returncode, refused.stderr.count(b"\n")) == (2, 1)


@pytest.mark.slow  # a real process
def test_console_script_is_installed() -> None:
    # The script pip wrote next to this interpreter, whatever PATH says.
    script = Path(sys.executable).parent / "gateway"
    process = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert process.returncode == 0
    assert "redact" in process.stdout


def test_json_is_redacted_in_place(tmp_path: Path) -> None:
    # Numbers, spacing, escapes and lone surrogates are the caller's: kept.
    body = '{"email": "jane.doe@example.com", "x": "\\ud800",\n  "n": 1e999999, "k": 1.50}'
    process = gateway("redact", stdin=body, data_dir=tmp_path)
    out, err = text(process)
    assert process.returncode == 0, err
    assert out.startswith('{"email": "EMAIL-')
    assert out.endswith('", "x": "\\ud800",\n  "n": 1e999999, "k": 1.50}')
    back = gateway("restore", stdin=out, data_dir=tmp_path)
    assert text(back)[0] == body


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (
            "detection: {model: no_such_model}\n",
            "detection.model: the spaCy pipeline 'no_such_model' is not installed",
        ),
        (
            "routes:\n  - {name: a, path: /a}\n  - {name: a, path: /b}\n",
            "routes[1].name: 'a' is already the name of a route",
        ),
        ("default_route: b\n", "default_route: 'b' is not the name of a route"),
        ("a: " + "[" * 100000 + "\n", "the YAML is nested too deeply"),
    ],
)
def test_policy_check_names_the_field(tmp_path: Path, policy: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\ntenant: t\nvendor: v\n" + policy)
    process = gateway("policy", "check", str(path))
    _, err = text(process)
    assert process.returncode == 2
    assert f"{path}: {message}" in err
    assert "Traceback" not in err


def test_policy_check_notes_missing_secrets() -> None:
    process = gateway("policy", "check", "policies/zendesk.yaml", env={"ZENDESK_AUTHORIZATION": ""})
    _, err = text(process)
    assert process.returncode == 0
    assert "upstream_auth.value: ZENDESK_AUTHORIZATION is not set here; serve needs it" in err


def test_text_that_only_starts_like_json_is_redacted_as_text(tmp_path: Path) -> None:
    for line in ("[Jane Doe] called about ORD-48213\n", "{urgent} Jane Doe called\n"):
        process = gateway("redact", stdin=line, data_dir=tmp_path)
        out, err = text(process)
        assert process.returncode == 0, err
        assert "Jane" not in out
        assert "Doe" not in out


def test_bad_json_input_is_one_clear_line(tmp_path: Path) -> None:
    bad = gateway("redact", "--format", "json", stdin='{"a": "x\ty"}', data_dir=tmp_path)
    assert bad.returncode == 2
    assert text(bad)[1] == (
        "gateway: error: the JSON is not valid (Invalid control character at line 1, column 9)\n"
    )
    empty = gateway("redact", "--format", "json", stdin="", data_dir=tmp_path)
    assert empty.returncode == 2
    assert "the input is empty" in text(empty)[1]


def test_reading_commands_never_make_an_audit_key(tmp_path: Path) -> None:
    for command in (
        ("audit", "public-key"),
        ("audit", "verify"),
        ("audit", "lookup", "--value", "x"),
    ):
        process = gateway(*command, data_dir=tmp_path / "wrong")
        assert process.returncode == 2
        assert "no audit key in" in text(process)[1]
    assert not (tmp_path / "wrong").exists()
    query = gateway("audit", "query", data_dir=tmp_path / "wrong")
    assert query.returncode == 2
    assert text(query) == (
        "",
        f"gateway: error: no audit chains in {tmp_path / 'wrong' / 'audit'}\n",
    )
