from __future__ import annotations

import base64
import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.errors import ConfigError
from gateway.keys.keyring import KEY_FILE, load_keyring, rotate_vault_key

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def test_created_private_and_reused(tmp_path: Path) -> None:
    first = load_keyring(tmp_path / "data")
    path = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "data").st_mode) == 0o700
    second = load_keyring(tmp_path / "data")
    assert first.token_key == second.token_key
    assert [k.key_id for k in second.vault_keys] == ["v1"]


def test_environment_wins_and_writes_nothing(tmp_path: Path, env_keys: dict[str, str]) -> None:
    keyring = load_keyring(
        tmp_path,
        token_env=env_keys["GATEWAY_TOKEN_KEY"],
        vault_env=env_keys["GATEWAY_VAULT_KEYS"],
    )
    assert keyring.source == "env"
    assert not (tmp_path / KEY_FILE).exists()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"GATEWAY_TOKEN_KEY": base64.b64encode(b"x" * 32).decode()},
            "set both",
        ),  # half configured
        ({"GATEWAY_TOKEN_KEY": "not base64!", "GATEWAY_VAULT_KEYS": "v1:AAAA"}, "not valid base64"),
        (
            {
                "GATEWAY_TOKEN_KEY": base64.b64encode(b"x" * 16).decode(),
                "GATEWAY_VAULT_KEYS": "v1:AAAA",
            },
            "32 bytes",
        ),
        (
            {
                "GATEWAY_TOKEN_KEY": base64.b64encode(b"x" * 32).decode(),
                "GATEWAY_VAULT_KEYS": "nokey",
            },
            "entry 1",
        ),
    ],
)
def test_bad_environment_is_explained(
    tmp_path: Path, environ: dict[str, str], message: str
) -> None:
    settings = Settings.from_environ(environ, data_dir=str(tmp_path))
    with pytest.raises(ConfigError, match=message):
        load_keyring(tmp_path, token_env=settings.token_key, vault_env=settings.vault_keys)


def test_rotation_keeps_old_keys(tmp_path: Path) -> None:
    before = load_keyring(tmp_path)
    after = rotate_vault_key(tmp_path, NOW)
    assert [k.key_id for k in after.vault_keys] == ["v2", "v1"]
    assert after.vault_keys[1] == before.vault_keys[0]
    assert after.token_key == before.token_key  # tokens do not change
    assert stat.S_IMODE(os.stat(tmp_path / KEY_FILE).st_mode) == 0o600


def test_rotation_refuses_environment_keys(tmp_path: Path, env_keys: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="GATEWAY_VAULT_KEYS"):
        rotate_vault_key(tmp_path, NOW, keys_from_env=True)


def test_readable_key_file_is_refused(tmp_path: Path) -> None:
    load_keyring(tmp_path)
    os.chmod(tmp_path / KEY_FILE, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_keyring(tmp_path)


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        json.dumps({"format": "other"}).encode(),
        json.dumps(
            {"format": "redaction-gateway-keyring/1", "token_key": {"id": "t1"}, "vault_keys": []}
        ).encode(),
    ],
)
def test_broken_key_file_is_a_config_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / KEY_FILE
    path.write_bytes(content)
    os.chmod(path, 0o600)
    with pytest.raises(ConfigError, match=str(path)):
        load_keyring(tmp_path)
