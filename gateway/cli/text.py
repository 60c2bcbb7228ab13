"""``gateway redact`` and ``gateway restore``: the core on standard input and output."""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter

from gateway.cli.common import (
    DEFAULT_MAX_BYTES,
    EXIT_OK,
    Commands,
    err,
    read_stdin,
    write_bytes,
)
from gateway.config import Settings
from gateway.core import Core, build_core, load_detector
from gateway.errors import InputError
from gateway.formats.documents import parse_json
from gateway.formats.media import Encoding
from gateway.formats.request import RequestParts, RequestRules
from gateway.policy import load_policy
from gateway.redact.requests import redact_request
from gateway.restore.restorer import Restorer
from gateway.vault.connect import open_vault


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    redact = commands.add_parser(
        "redact",
        parents=[common],
        help="redact stdin (text or JSON) to stdout",
        description="Read a ticket (text, or JSON whose strings are redacted per the policy) "
        "on stdin and write it redacted to stdout.",
    )
    redact.add_argument(
        "--scope",
        default="default",
        help="token scope, e.g. a ticket or customer id (default: default)",
    )
    _input_options(redact)
    redact.add_argument(
        "--report",
        action="store_true",
        help="print what was replaced (entities, tokens, field paths; no values) to stderr as JSON",
    )
    redact.set_defaults(handler=run_redact)

    restore = commands.add_parser(
        "restore",
        parents=[common],
        help="restore tokens in stdin to stdout",
        description="Read text or JSON with tokens on stdin and write it with the original "
        "values restored.",
    )
    scope = restore.add_mutually_exclusive_group()
    scope.add_argument(
        "--scope",
        action="append",
        help="restore only tokens of this scope (repeatable; default: default)",
    )
    scope.add_argument(
        "--any-scope",
        action="store_true",
        help="restore tokens of every scope of the policy's tenant",
    )
    _input_options(restore)
    restore.add_argument(
        "--report", action="store_true", help="print every token's outcome to stderr as JSON"
    )
    restore.set_defaults(handler=run_restore)


def _input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=["auto", "text", "json"],
        default="auto",
        help="input format (default: auto, JSON if it parses as an object or array)",
    )
    parser.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        help="refuse larger input (default: 10 MiB)",
    )


def _core(settings: Settings) -> Core:
    policy = load_policy(settings.policy_path)
    return build_core(policy, load_detector(policy), open_vault(settings))


def is_json(text: str, fmt: str) -> bool:
    """``auto``: JSON if it parses as a JSON object or array; "[Jane Doe] called" is text."""
    if fmt != "auto":
        if fmt == "json" and not text.strip():
            raise InputError(
                "invalid_json", "the input is empty; --format json needs a JSON document"
            )
        return fmt == "json"
    if not text.lstrip(" \t\r\n").startswith(("{", "[")):
        return False
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False  # scanned as text: everything in it is still looked at
    return True


def run_redact(args: argparse.Namespace, settings: Settings) -> int:
    text = read_stdin(args.max_bytes)
    media = "application/json" if is_json(text, args.format) else "text/plain"
    core = _core(settings)
    # The same path as a request body through the gateway: JSON is edited in
    # place, so its formatting, numbers and escapes stay as they were.
    parts = RequestParts(
        "", {}, "", [], media, media, "utf-8", text.encode("utf-8", "surrogatepass")
    )
    rules = RequestRules.for_route(core.policy, None)

    async def redact() -> None:
        try:
            redacted = await redact_request(core.redactor, args.scope, rules, parts)
        finally:
            await core.close()
        write_bytes(redacted.body)
        if args.report:
            report = {
                "scope": args.scope,
                "entities": dict(Counter(f.replacement.entity for f in redacted.found)),
                "replacements": [
                    {
                        "path": f.where.removeprefix("body.") if f.where != "body" else "$",
                        "entity": f.replacement.entity,
                        "action": f.replacement.action,
                        "token": f.replacement.token,
                    }
                    for f in redacted.found
                ],
            }
            err(json.dumps(report))

    asyncio.run(redact())
    return EXIT_OK


def run_restore(args: argparse.Namespace, settings: Settings) -> int:
    text = read_stdin(args.max_bytes)
    scopes = None if args.any_scope else (args.scope or ["default"])
    policy = load_policy(settings.policy_path)
    if args.format == "json":  # asked for JSON: refuse anything else, as redact does
        parse_json(text, policy.document.limits.max_json_depth)
    context: Encoding = "json" if is_json(text, args.format) else "plain"

    async def restore() -> None:
        # Restoring needs no detector: only the vault and the token grammar.
        vault = open_vault(settings)
        try:
            # JSON: restored values are written JSON-escaped where they need it.
            restorer = Restorer(vault, policy.tenant, policy.labels)
            restored = await restorer.restore(text, scopes, context)
        finally:
            await vault.close()
        # Lone surrogates (from a JSON "\ud800" escape) cannot be printed as
        # UTF-8; they are written back as the bytes they came from.
        write_bytes(restored.text.encode("utf-8", errors="surrogateescape"))
        statuses = Counter(o.status for o in restored.outcomes)
        if args.report:
            outcomes = [{"token": o.token, "status": o.status} for o in restored.outcomes]
            err(json.dumps({"outcomes": outcomes}))
        elif set(statuses) - {"restored"}:
            left = ", ".join(
                f"{n} {status}" for status, n in sorted(statuses.items()) if status != "restored"
            )
            err(f"gateway: {statuses['restored']} token(s) restored; left as they were: {left}")

    asyncio.run(restore())
    return EXIT_OK
