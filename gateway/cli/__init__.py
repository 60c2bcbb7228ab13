"""The ``gateway`` command: one module per command group.

=========  ==============================  ===================================
group      module                          commands
=========  ==============================  ===================================
redact     ``text``                        redact stdin to stdout
restore    ``text``                        restore tokens in stdin
policy     ``policy``                      policy check
vault      ``vault``                       vault purge, vault stats
keys       ``vault``                       keys rotate
audit      ``audit``                       verify, query, export, lookup, public-key
serve      ``serve``                       the HTTP gateway
standin    ``serve``                       a stand-in vendor on loopback
=========  ==============================  ===================================

Only the chosen group's module is imported: the detector's stack (spaCy and
Presidio) takes about two seconds to import, and ``gateway policy check`` or
``gateway audit verify`` in a CI job should not pay for it. ``gateway --help``
lists every group from the table below without importing any.

A failure prints one line, ``gateway: error: ...``, and exits non-zero; never
a traceback, never a value from the input:

====  =========================================================
0     success
1     the vault, the detector or the audit log failed
2     bad usage, bad input, a bad policy or bad configuration
70    an internal error (a bug: please report the type it names)
====  =========================================================
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from gateway.cli.common import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    Handler,
    common_options,
    err,
)
from gateway.config import Settings
from gateway.errors import ConfigError, GatewayError, InputError, PolicyError

# Group -> (module, its register function, one-line help for `gateway --help`).
GROUPS = {
    "redact": ("text", "register", "redact stdin (text or JSON) to stdout"),
    "restore": ("text", "register", "restore tokens in stdin to stdout"),
    "policy": ("policy", "register", "work with policy files"),
    "vault": ("vault", "register", "manage the token vault"),
    "keys": ("vault", "register_keys", "manage keys"),
    "audit": ("audit", "register", "verify, query and export the audit trail"),
    "serve": ("serve", "register", "run the HTTP gateway"),
    "standin": ("serve", "register_standin", "run a stand-in vendor on loopback"),
}
_VALUED_OPTIONS = ("--policy", "--data-dir", "--vault-url")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(chosen(arguments)).parse_args(arguments)
    _configure_logging(args.verbose)
    try:
        settings = Settings.from_environ(
            os.environ,
            policy=args.policy,
            data_dir=args.data_dir,
            vault_url=args.vault_url,
            upstream=getattr(args, "upstream", None),
        )
        handler: Handler = args.handler
        return handler(args, settings)
    except GatewayError as exc:
        err(f"gateway: error: {exc.message}")
        usage = isinstance(exc, InputError | PolicyError | ConfigError)
        return EXIT_USAGE if usage else EXIT_FAILED
    except KeyboardInterrupt:
        err("gateway: interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (`gateway audit export | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    # The last line of defence: an unexpected exception's message can quote
    # input, so only its type is shown.
    except Exception as exc:  # noqa: BLE001
        err(f"gateway: internal error ({type(exc).__name__}); nothing was written")
        return EXIT_INTERNAL


def chosen(arguments: Sequence[str]) -> str | None:
    """The command group named in ``arguments``, skipping the top-level options."""
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in _VALUED_OPTIONS:
            skip = True
        elif not argument.startswith("-"):
            return argument if argument in GROUPS else None
    return None


def build_parser(group: str | None = None) -> argparse.ArgumentParser:
    """The parser, complete for ``group``; the other groups are listed by name and help."""
    common = common_options(top_level=False)
    parser = argparse.ArgumentParser(
        prog="gateway",
        description="Redaction gateway: tokenize personal data before it reaches a vendor, "
        "restore it on the way back.",
        parents=[common_options(top_level=True)],
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    full = GROUPS[group][:2] if group is not None else None
    for name, (module, register, summary) in GROUPS.items():
        if (module, register) != full:
            commands.add_parser(name, help=summary)
    if group is not None:
        module, register, _ = GROUPS[group]
        loaded = importlib.import_module(f"gateway.cli.{module}")
        getattr(loaded, register)(commands, common)
    return parser


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="gateway: %(levelname)s: %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Presidio logs operator configurations and recognizer internals at debug
    # level; the gateway's values must never reach those lines.
    for name in ("presidio-analyzer", "presidio-anonymizer"):
        logging.getLogger(name).setLevel(logging.ERROR)
