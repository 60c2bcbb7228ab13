"""What every command shares: options, exit codes, reading stdin, writing stdout and stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from gateway.config import Settings
from gateway.errors import InputError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# A command: parsed arguments and settings in, exit code out.
Handler = Callable[[argparse.Namespace, Settings], int]
Commands = Any  # argparse's subparsers action, which it does not export as a type


def common_options(top_level: bool) -> argparse.ArgumentParser:
    """The options every command takes. Below the top level their default is
    SUPPRESS, so ``gateway --policy X redact`` keeps X instead of resetting it."""
    default = None if top_level else argparse.SUPPRESS
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--policy",
        metavar="FILE",
        default=default,
        help="policy YAML (default: $GATEWAY_POLICY or policies/default.yaml)",
    )
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=default,
        help="data directory for the vault, keys and audit log "
        "(default: $GATEWAY_DATA_DIR or ./gateway-data)",
    )
    common.add_argument(
        "--vault-url",
        metavar="URL",
        default=default,
        help="postgresql://... to share a vault between replicas "
        "(default: SQLite in the data directory)",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="log more (never values)",
    )
    return common


def out(*parts: object, end: str = "\n", flush: bool = False) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + end)
    if flush:
        sys.stdout.flush()


def err(*parts: object, end: str = "\n", flush: bool = False) -> None:
    sys.stderr.write(" ".join(str(p) for p in parts) + end)
    if flush:
        sys.stderr.flush()


def write_bytes(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


def read_stdin(max_bytes: int) -> str:
    """Standard input as text, refused when too large, not UTF-8, or UTF-16 in disguise."""
    data = sys.stdin.buffer.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(
            "body_too_large", f"the input is larger than {max_bytes} bytes (see --max-bytes)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            "invalid_encoding", f"the input is not valid UTF-8 (bad byte at offset {exc.start})"
        ) from None
    if "\x00" in text:
        # UTF-16 without a byte order mark decodes as "UTF-8" full of NULs, and
        # no pattern would match inside it.
        raise InputError(
            "invalid_encoding", "the input holds NUL characters (UTF-16?); send UTF-8 text"
        )
    return text.removeprefix("\ufeff")
