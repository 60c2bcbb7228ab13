"""``gateway audit``: verify, query, export and look up the audit trail; print its public key."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from gateway.audit import files
from gateway.audit.database import init_database, refresh_view
from gateway.audit.events import DECISIONS, OUTCOMES, STATUSES
from gateway.audit.export import render
from gateway.audit.files import CHECKPOINT_SUFFIX
from gateway.audit.keys import load_audit_keys, load_public_key
from gateway.audit.reader import (
    Filters,
    chains,
    kept_in_house,
    parse_time,
    read,
    value_filters,
)
from gateway.audit.verify import verify_chain
from gateway.cli.common import EXIT_FAILED, EXIT_OK, Commands, err, out
from gateway.config import Settings
from gateway.errors import ConfigError, InputError


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    audit = commands.add_parser(
        "audit", parents=[common], help="verify, query and export the audit trail"
    ).add_subparsers(title="audit commands", metavar="COMMAND", required=True)
    verify = audit.add_parser(
        "verify",
        parents=[common],
        help="check the audit chains for tampering",
        description="Check each chain's hash links and signed checkpoints (and MACs, when the audit key is at hand). Names the first bad record.",
    )
    verify.add_argument(
        "chains",
        nargs="*",
        metavar="CHAIN",
        help="chain files (default: every chain in the data directory)",
    )
    verify.add_argument(
        "--public-key",
        metavar="PEM",
        help="the gateway's public key (default: derived from the data directory's audit key)",
    )
    verify.add_argument(
        "--checkpoints",
        metavar="PATH",
        action="append",
        default=[],
        help="copies of the checkpoint files kept off the gateway host, a file or a directory "
        "of *.checkpoints.jsonl (repeatable): each chain is checked against its own; catches a "
        "chain rewritten and re-signed by someone holding the audit key",
    )
    _audit_url_option(verify)
    verify.set_defaults(handler=run_verify)
    query = audit.add_parser("query", parents=[common], help="list audit events that match filters")
    filter_options(query)
    query.add_argument(
        "--format",
        choices=["table", "jsonl"],
        default="table",
        help="output format (default: table)",
    )
    query.add_argument("--limit", type=int, default=0, help="show at most this many (0: all)")
    query.set_defaults(handler=run_query)
    export = audit.add_parser(
        "export", parents=[common], help="export audit events for a SIEM (JSON lines, CEF or OCSF)"
    )
    filter_options(export)
    export.add_argument(
        "--format", choices=["jsonl", "cef", "ocsf"], required=True, help="jsonl, cef or ocsf"
    )
    export.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(handler=run_export)
    lookup = audit.add_parser(
        "lookup",
        parents=[common],
        help="was this value ever sent to a vendor? (the log holds only keyed digests)",
    )
    lookup.add_argument(
        "--value",
        required=True,
        help="the value to look for, e.g. an email address; '-' reads it from stdin so it stays out of shell history",
    )
    lookup.add_argument("--entity", help="its entity type (default: try them all)")
    lookup.add_argument(
        "--audit-dir", metavar="DIR", help="where the chains are (default: <data-dir>/audit)"
    )
    _audit_url_option(lookup)
    lookup.set_defaults(handler=run_lookup)
    init_db = audit.add_parser(
        "init-db",
        parents=[common],
        help="create the audit tables in PostgreSQL (append-only)",
        description="Create the audit tables and the triggers that refuse UPDATE, DELETE and "
        "TRUNCATE in the database of --audit-url (or GATEWAY_AUDIT_URL), connecting as their "
        "owner; with --role, let that role (the gateways') only insert and read them.",
    )
    _audit_url_option(init_db)
    init_db.add_argument("--role", help="the gateways' database role: INSERT and SELECT only")
    init_db.set_defaults(handler=run_init_db)
    public_key = audit.add_parser(
        "public-key", parents=[common], help="print the key auditors verify checkpoints with"
    )
    public_key.set_defaults(handler=run_public_key)


def filter_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", help="from this time (ISO 8601, UTC; e.g. 2026-11-23 or 2026-11-23T10:00)"
    )
    parser.add_argument("--until", help="up to this time (ISO 8601, UTC)")
    parser.add_argument("--vendor", help="vendor name, as in the policy")
    parser.add_argument("--route", help="route name")
    parser.add_argument("--scope", help="scope id (customer:..., ticket:...)")
    parser.add_argument("--ticket", help="ticket id: events about this ticket")
    parser.add_argument(
        "--token", help="token (e.g. EMAIL-7K3MQ9XW): its minting and every time it came back"
    )
    parser.add_argument("--entity", help="entity type, e.g. EMAIL_ADDRESS")
    parser.add_argument(
        "--outcome",
        choices=OUTCOMES,
        metavar="OUTCOME",
        help=f"a decision ({', '.join(DECISIONS)}) or a returned token's status ({', '.join(STATUSES)})",
    )
    parser.add_argument(
        "--type", action="append", default=[], help="event type (repeatable), e.g. request_refused"
    )
    parser.add_argument(
        "--audit-dir", metavar="DIR", help="where the chains are (default: <data-dir>/audit)"
    )
    _audit_url_option(parser)


def _audit_url_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--audit-url",
        metavar="URL",
        help="postgresql://... : read every replica's chain from the database "
        "(default: $GATEWAY_AUDIT_URL for serve; the files otherwise)",
    )


def _audit_dir(args: argparse.Namespace, settings: Settings) -> Path:
    url = getattr(args, "audit_url", None)
    if url:
        directory = refresh_view(url, settings.data_dir / "audit-view")
    else:
        directory = (
            Path(args.audit_dir)
            if getattr(args, "audit_dir", None)
            else settings.data_dir / "audit"
        )
    if not chains(directory):
        raise ConfigError(f"no audit chains in {directory}")
    return directory


class _Unreadable:
    """Counts the lines a reading command had to skip, and says so at the end."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1

    def report(self) -> None:
        if self.count:
            err(
                f"gateway: {self.count} unreadable line(s) skipped; "
                "'gateway audit verify' says what happened to them"
            )


def _filters(args: argparse.Namespace) -> Filters:
    try:
        since = parse_time(args.since) if args.since else None
        until = parse_time(args.until) if args.until else None
    except ValueError:
        raise InputError(
            "invalid_time", "--since and --until take ISO 8601 times, e.g. 2026-11-23T10:00"
        ) from None
    return Filters(
        since=since, until=until, vendor=args.vendor, route=args.route, scope=args.scope,
        ticket=args.ticket, token=args.token, entity=args.entity, outcome=args.outcome,
        types=tuple(args.type),
    )  # fmt: skip


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    keys = None
    if args.public_key:
        try:
            public = load_public_key(Path(args.public_key).read_bytes())
        except (OSError, ValueError):
            raise ConfigError(f"cannot read a public key from {args.public_key}") from None
    else:
        keys = load_audit_keys(settings.data_dir, settings.audit_key, create=False)
        public = keys.public_key
    paths = [Path(p) for p in args.chains] or files.chains(_audit_dir(args, settings))
    anchors = _checkpoint_copies(args.checkpoints)
    failed = 0
    for path in paths:
        verdict = verify_chain(path, public, keys, anchors)
        out(verdict.summary())
        for note in verdict.notes:
            err(f"gateway: {path.name}: {note}")
        failed += not verdict.ok
    if keys is None:
        err(
            "gateway: record MACs not checked (they need the audit key; hash links and signatures were)"
        )
    return EXIT_FAILED if failed else EXIT_OK


def run_init_db(args: argparse.Namespace, settings: Settings) -> int:
    url = args.audit_url or settings.audit_url
    if not url:
        raise ConfigError("give the database with --audit-url or GATEWAY_AUDIT_URL")
    init_database(url, args.role)
    role = f"; role {args.role} may only insert and read them" if args.role else ""
    out(f"audit tables ready, append-only{role}")
    return EXIT_OK


def _checkpoint_copies(given: list[str]) -> list[Path]:
    files = []
    for name in given:
        path = Path(name)
        if path.is_dir():
            found = sorted(path.glob(f"*{CHECKPOINT_SUFFIX}"))
            if not found:
                raise ConfigError(f"--checkpoints: no *{CHECKPOINT_SUFFIX} files in {path}")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"--checkpoints: {path} does not exist")
    return files


def run_query(args: argparse.Namespace, settings: Settings) -> int:
    directory, filters, unreadable = _audit_dir(args, settings), _filters(args), _Unreadable()
    shown = 0
    if args.format == "table":
        out(f"{'time (UTC)':<27} {'type':<18} {'route':<16} {'scope':<34} {'outcome':<10} detail")
    for record in read(directory, filters, unreadable):
        if args.format == "jsonl":
            out(json.dumps(record, ensure_ascii=False))
        else:
            out(_row(record))
        shown += 1
        if args.limit and shown >= args.limit:
            break
    if args.format == "table":
        err(f"{shown} event(s)")
    unreadable.report()
    return EXIT_OK


def _row(record: dict[str, Any]) -> str:
    event = record.get("event", {})
    detail = ""
    if event.get("type") == "request_blocked":
        named = kept_in_house(event)
        detail = " ".join(f"{k}:{v}" for k, v in sorted(named.items()))
    elif event.get("entities"):
        detail = " ".join(f"{k}:{v}" for k, v in sorted(event["entities"].items()))
    elif event.get("counts"):
        detail = " ".join(f"{k}:{v}" for k, v in sorted(event["counts"].items()))
    elif event.get("reason"):
        detail = str(event["reason"])
    return (
        f"{str(record.get('time', ''))[:26]:<27} {event.get('type', '')!s:<18} "
        f"{event.get('route') or '-'!s:<16} {str(event.get('scope') or '-')[:33]:<34} "
        f"{event.get('outcome') or '-'!s:<10} {detail}"
    )


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    directory, filters, unreadable = _audit_dir(args, settings), _filters(args), _Unreadable()
    try:
        handle = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    except OSError as exc:
        raise ConfigError(f"cannot write {args.output} ({exc.strerror})") from None
    count = 0
    try:
        for record in read(directory, filters, unreadable):
            handle.write(render(record, args.format) + "\n")
            count += 1
            if count % 1000 == 0:
                err(f"\rexported {count} event(s)", end="", flush=True)
    finally:
        if args.output:
            handle.close()
    err(f"\rexported {count} event(s) as {args.format}")
    unreadable.report()
    return EXIT_OK


def run_lookup(args: argparse.Namespace, settings: Settings) -> int:
    keys = load_audit_keys(settings.data_dir, settings.audit_key, create=False)
    value = sys.stdin.readline().rstrip("\r\n") if args.value == "-" else args.value
    if not value:
        raise InputError("invalid_value", "--value is empty")
    wanted = value_filters(keys, value, [args.entity] if args.entity else None)
    found, unreadable = 0, _Unreadable()
    for record in read(
        _audit_dir(args, settings), Filters(values=wanted, types=("request_redacted",)), unreadable
    ):
        event = record["event"]
        found += 1
        out(
            f"{record['time']}  sent to {event.get('vendor')} via {event.get('route')} "
            f"in scope {event.get('scope')} (request {event.get('request_id')}, chain {record.get('instance')})"
        )
    out(f"{found} time(s)" if found else "never sent to a vendor (as far as this audit trail goes)")
    unreadable.report()
    return EXIT_OK


def run_public_key(args: argparse.Namespace, settings: Settings) -> int:
    keys = load_audit_keys(settings.data_dir, settings.audit_key, create=False)
    out(keys.public_key_pem().rstrip())
    err(
        f"gateway: key id {keys.key_id}; give auditors this key to run 'gateway audit verify --public-key FILE'"
    )
    return EXIT_OK
