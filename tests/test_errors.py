"""The error registry, the codes the source raises, and the README's error table agree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from gateway import errors
from gateway.errors import CODES, ERRORS, GatewayError, InputError, UpstreamError, status_of

ROOT = Path(__file__).resolve().parent.parent


def readme_table() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("| code | status | meaning |")
    return text[start : text.index("\n\n", start) + 1]


def expected_table() -> str:
    rows = ["| code | status | meaning |", "|---|---|---|"]
    for error in ERRORS:
        for code, entry in error.codes.items():
            status = str(entry.status) if entry.status is not None else "-"
            rows.append(f"| `{code}` | {status} | {entry.meaning} |")
    return "\n".join(rows) + "\n"


def test_the_readme_lists_every_code_with_its_status() -> None:
    assert readme_table() == expected_table(), "README error table; expected:\n" + expected_table()


def raised_codes() -> list[tuple[str, str, str]]:
    """(file:line, class, code) of every error the package constructs with a literal code."""
    names = {error.__name__ for error in ERRORS}
    found = []
    for path in sorted((ROOT / "gateway").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id not in names or not node.args:
                continue
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if literal and re.fullmatch(r"[a-z_]+", str(first.value)):  # type: ignore[attr-defined]
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.append((where, node.func.id, str(first.value)))  # type: ignore[attr-defined]
    return found


def test_every_code_raised_belongs_to_its_class() -> None:
    raised = raised_codes()
    assert len(raised) > 40  # the scan sees the source
    by_name = {error.__name__: error for error in ERRORS}
    for where, name, code in raised:
        assert code in by_name[name].codes, f"{where}: {name} has no code {code!r}"


def test_every_registered_code_is_used() -> None:
    used = {code for _, _, code in raised_codes()}
    # Codes of single-code classes are raised without naming them.
    implicit = {code for error in ERRORS if len(error.codes) == 1 for code in error.codes}
    assert set(CODES) - used - implicit == set()


def test_codes_are_unique_across_classes() -> None:
    assert sum(len(error.codes) for error in ERRORS) == len(CODES)


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (InputError("body_too_large", "x"), "body_too_large", 413),  # a caller's mistake
        (UpstreamError("upstream_timeout", "x"), "upstream_timeout", 504),  # the vendor's
        (errors.DetectionError("x"), "detection_failed", 503),  # a single-code class
        (errors.ConfigError("x"), "config_invalid", 500),  # never answered over HTTP
    ],
)
def test_an_error_carries_its_code_and_status(error: GatewayError, code: str, status: int) -> None:
    assert (error.code, error.status) == (code, status)


def test_a_code_of_another_class_is_refused() -> None:
    with pytest.raises(ValueError, match="InputError has no code 'upstream_timeout'"):
        InputError("upstream_timeout", "x")  # type: ignore[arg-type]


def test_status_of_an_unknown_code_is_500() -> None:
    assert status_of("route_not_allowed") == 403
    assert status_of("no_such_code") == 500
