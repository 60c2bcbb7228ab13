"""Settings: every variable declared once, read in one place, documented in the README."""

from __future__ import annotations

import ast
from pathlib import Path

from gateway import config
from gateway.config import VARIABLES, Settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_configuration_table_is_the_declared_list() -> None:
    text = (ROOT / "README.md").read_text()
    start = text.index("| variable | default | meaning |")
    table = text[start : text.index("\n\n", start) + 1]
    assert table == config.markdown_table(), "README table; expected:\n" + config.markdown_table()


# The edges that hand the process's environment to ``Settings.from_environ``:
# the command line, ``serve`` (which writes its workers' variables with
# ``Settings.for_workers``), and the factory each worker process runs.
EDGES = {"gateway/cli/__init__.py", "gateway/cli/serve.py", "gateway/server/app.py"}


def test_only_config_reads_the_environment() -> None:
    """No module but ``gateway/config.py`` names a variable the gateway reads, and only
    the process edges touch ``os.environ``."""
    names = {v.name for v in VARIABLES}
    for path in sorted((ROOT / "gateway").rglob("*.py")):
        if path.name == "config.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "environ":
                owner = node.value
                if isinstance(owner, ast.Name) and owner.id == "os":
                    where = str(path.relative_to(ROOT))
                    assert where in EDGES, f"{where}: reads os.environ"
            if isinstance(node, ast.Constant) and node.value in names:
                raise AssertionError(
                    f"{path}:{node.lineno}: names {node.value}; use gateway.config"
                )


def test_options_win_over_the_environment_which_wins_over_defaults() -> None:
    environ = {"GATEWAY_DATA_DIR": "/from/env", "GATEWAY_POLICY": "env.yaml"}
    settings = Settings.from_environ(environ, data_dir="/from/option")
    assert settings.data_dir == Path("/from/option")
    assert settings.policy_path == Path("env.yaml")
    assert Settings.from_environ({}).policy_path == config.DEFAULT_POLICY


def test_secrets_stay_out_of_the_repr() -> None:
    settings = Settings.from_environ(
        {"GATEWAY_AUDIT_KEY": "c2VjcmV0", "GATEWAY_API_KEYS": "k" * 20, "OTHER": "hidden"}
    )
    shown = repr(settings)
    assert "c2VjcmV0" not in shown
    assert "k" * 20 not in shown
    assert "hidden" not in shown


def test_workers_rebuild_the_same_settings() -> None:
    settings = Settings.from_environ(
        {}, policy="p.yaml", data_dir="d", vault_url="postgresql://db/x", upstream="http://v"
    )
    again = Settings.from_environ(settings.for_workers())
    assert (again.policy_path, again.data_dir, again.vault_url, again.upstream) == (
        settings.policy_path,
        settings.data_dir,
        settings.vault_url,
        settings.upstream,
    )
