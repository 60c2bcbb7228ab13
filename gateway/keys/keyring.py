"""Where keys come from: the environment, or a key file in the data directory.

The key file ``<data-dir>/keys.json`` is created on first use, mode 0600, when
no key is given by environment variable. Its shape::

    {"format": "redaction-gateway-keyring/1",
     "token_key": {"id": "t1", "secret": "<base64 32 bytes>"},
     "vault_keys": [{"id": "v2", "secret": "...", "created": "..."},   # newest: encrypts
                    {"id": "v1", "secret": "...", "created": "..."}]}  # older: decrypt only

From the environment (``gateway.config``), set both ``GATEWAY_TOKEN_KEY``
(base64) and ``GATEWAY_VAULT_KEYS`` (``id:base64`` pairs, comma-separated,
newest first). Then no key file is read or written, and rotation means
putting a new pair in front of ``GATEWAY_VAULT_KEYS``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gateway.config import TOKEN_KEY, VAULT_KEYS
from gateway.errors import ConfigError
from gateway.keys.crypto import KEY_BYTES, Key, Secret

FORMAT = "redaction-gateway-keyring/1"
KEY_FILE = "keys.json"
ENV_TOKEN_KEY = TOKEN_KEY.name
ENV_VAULT_KEYS = VAULT_KEYS.name
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@dataclass(frozen=True, slots=True)
class Keyring:
    token_key: Key
    vault_keys: tuple[Key, ...]  # newest first
    source: str  # "env" or the key file's path, for messages

    @property
    def active_vault_key(self) -> Key:
        return self.vault_keys[0]


def load_keyring(
    data_dir: Path, *, token_env: str | None = None, vault_env: str | None = None
) -> Keyring:
    """The keys given by environment (both, or neither), else from (or into) the key file."""
    if token_env or vault_env:
        if not (token_env and vault_env):
            raise ConfigError(
                f"set both {ENV_TOKEN_KEY} and {ENV_VAULT_KEYS}, or neither "
                "(then keys are kept in the data directory's key file)"
            )
        return _from_env(token_env, vault_env)
    path = data_dir / KEY_FILE
    if not path.exists():
        ensure_data_dir(data_dir)
        _create(path)
    return _read(path)


def rotate_vault_key(data_dir: Path, now: datetime, *, keys_from_env: bool = False) -> Keyring:
    """Add a new vault key in front of the key file's list; older keys keep decrypting."""
    if keys_from_env:
        raise ConfigError(
            f"keys come from the environment: put a new id:key pair in front of {ENV_VAULT_KEYS} "
            "and restart the gateway"
        )
    keyring = load_keyring(data_dir)
    taken = {k.key_id for k in keyring.vault_keys}
    number = len(keyring.vault_keys) + 1
    while f"v{number}" in taken:
        number += 1
    new = Key.generate(f"v{number}")
    path = data_dir / KEY_FILE
    document = _load_json(path)
    document["vault_keys"].insert(0, _key_entry(new, now))
    _write_atomically(path, document)
    return _read(path)


def ensure_data_dir(data_dir: Path) -> None:
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the data directory {data_dir}: {exc.strerror}") from None


def _from_env(token_env: str, vault_env: str) -> Keyring:
    token = Key("env", Secret(_decode_secret(token_env, ENV_TOKEN_KEY)))
    keys: list[Key] = []
    for position, item in enumerate(vault_env.split(","), start=1):
        key_id, sep, encoded = item.strip().partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise ConfigError(
                f"{ENV_VAULT_KEYS}: entry {position} must look like 'v1:<base64 of 32 bytes>'"
            )
        keys.append(
            Key(key_id, Secret(_decode_secret(encoded, f"{ENV_VAULT_KEYS} entry {position}")))
        )
    if len({k.key_id for k in keys}) != len(keys):
        raise ConfigError(f"{ENV_VAULT_KEYS}: key ids must be unique")
    return Keyring(token, tuple(keys), "env")


def _decode_secret(encoded: str, where: str) -> bytes:
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{where}: not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise ConfigError(f"{where}: a key must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def _key_entry(key: Key, now: datetime) -> dict[str, str]:
    return {
        "id": key.key_id,
        "secret": base64.b64encode(key.secret.reveal()).decode(),
        "created": now.astimezone(UTC).isoformat(timespec="seconds"),
    }


def _create(path: Path) -> None:
    now = datetime.now(UTC)
    document = {
        "format": FORMAT,
        "token_key": _key_entry(Key.generate("t1"), now),
        "vault_keys": [_key_entry(Key.generate("v1"), now)],
    }
    data = json.dumps(document, indent=2).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first; read theirs
    except OSError as exc:
        raise ConfigError(f"cannot create the key file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(path.parent)


def _write_atomically(path: Path, document: dict[str, Any]) -> None:
    temporary = path.with_suffix(f".tmp-{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(json.dumps(document, indent=2).encode())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _load_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot read the key file {path}: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ConfigError(f"the key file {path} is not valid JSON") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ConfigError(f"the key file {path} is not a {FORMAT} key file")
    return document


def _read(path: Path) -> Keyring:
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigError(
            f"the key file {path} is readable by others (mode {mode:o}); run: chmod 600 {path}"
        )
    document = _load_json(path)
    try:
        token = _parse_key(document["token_key"], path, "token_key")
        vault = tuple(
            _parse_key(item, path, f"vault_keys[{i}]")
            for i, item in enumerate(document["vault_keys"])
        )
    except (KeyError, TypeError):
        raise ConfigError(f"the key file {path} lacks token_key or vault_keys") from None
    if not vault:
        raise ConfigError(f"the key file {path} has no vault key")
    return Keyring(token, vault, str(path))


def _parse_key(item: Any, path: Path, field: str) -> Key:
    with contextlib.suppress(TypeError, AttributeError):
        key_id, encoded = item["id"], item["secret"]
        if isinstance(key_id, str) and _KEY_ID.match(key_id) and isinstance(encoded, str):
            return Key(key_id, Secret(_decode_secret(encoded, f"{path}: {field}")))
    raise ConfigError(f"{path}: {field} must have a short 'id' and a base64 'secret'")
