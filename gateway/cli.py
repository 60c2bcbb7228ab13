"""The ``gateway`` command.

Every command takes ``--policy`` and ``--data-dir`` (or ``GATEWAY_POLICY`` and
``GATEWAY_DATA_DIR``). A failure prints one line, ``gateway: error: ...``, and
exits non-zero; never a traceback, never a value from the input:

====  =========================================================
0     success
1     the vault, the detector or the audit log failed
2     bad usage, bad input, a bad policy or bad configuration
70    an internal error (a bug: please report the type it names)
====  =========================================================
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.errors import ConfigError, GatewayError, InputError, PolicyError
from gateway.outcomes import DECISIONS, OUTCOMES, STATUSES
from gateway.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70
_SERVE: Any = object()  # marks the serve command, which runs its own event loop
_STANDIN: Any = object()
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_USAGE_ERRORS = ("policy_invalid", "config_invalid")

Handler = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    settings = Settings.resolve(os.environ, args.policy, args.data_dir, args.vault_url)
    handler: Handler = args.handler
    try:
        if handler is _SERVE:
            return serve(args, settings)
        if handler is _STANDIN:
            return run_standin(args.port, args.verbose)
        return asyncio.run(handler(args, settings))
    except GatewayError as exc:
        # The request-body wording of the shared parsers reads oddly for stdin.
        message = exc.message.replace("the JSON body", "the JSON input").replace(
            "the body", "the input"
        )
        _err(f"gateway: error: {message}")
        usage = isinstance(exc, InputError | PolicyError) or exc.code in _USAGE_ERRORS
        return EXIT_USAGE if usage else EXIT_FAILED
    except KeyboardInterrupt:
        _err("gateway: interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (`gateway audit export | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    # The last line of defence: an unexpected exception's message can quote
    # input, so only its type is shown.
    except Exception as exc:  # noqa: BLE001
        _err(f"gateway: internal error ({type(exc).__name__}); nothing was written")
        return EXIT_INTERNAL


def _common_options(top_level: bool) -> argparse.ArgumentParser:
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
        help="data directory for the vault, keys and audit log (default: $GATEWAY_DATA_DIR or ./gateway-data)",
    )
    common.add_argument(
        "--vault-url",
        metavar="URL",
        default=default,
        help="postgresql://... to share a vault between replicas (default: SQLite in the data directory)",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="log more (never values)",
    )
    return common


def _out(*parts: object, end: str = "\n", flush: bool = False) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + end)
    if flush:
        sys.stdout.flush()


def _err(*parts: object, end: str = "\n", flush: bool = False) -> None:
    sys.stderr.write(" ".join(str(p) for p in parts) + end)
    if flush:
        sys.stderr.flush()


def build_parser() -> argparse.ArgumentParser:
    common = _common_options(top_level=False)
    parser = argparse.ArgumentParser(
        prog="gateway",
        description="Redaction gateway: tokenize personal data before it reaches a vendor, restore it on the way back.",
        parents=[_common_options(top_level=True)],
    )
    parser.set_defaults(handler=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    redact = commands.add_parser(
        "redact",
        parents=[common],
        help="redact stdin (text or JSON) to stdout",
        description="Read a ticket (text, or JSON whose strings are redacted per the policy) on stdin and write it redacted to stdout.",
    )
    redact.add_argument(
        "--scope",
        default="default",
        help="token scope, e.g. a ticket or customer id (default: default)",
    )
    redact.add_argument(
        "--format",
        choices=["auto", "text", "json"],
        default="auto",
        help="input format (default: auto, JSON if it parses)",
    )
    redact.add_argument(
        "--report",
        action="store_true",
        help="print what was replaced (entities, tokens, field paths; no values) to stderr as JSON",
    )
    redact.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        help="refuse larger input (default: 10 MiB)",
    )
    redact.set_defaults(handler=_redact)

    restore = commands.add_parser(
        "restore",
        parents=[common],
        help="restore tokens in stdin to stdout",
        description="Read text or JSON with tokens on stdin and write it with the original values restored.",
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
    restore.add_argument(
        "--format",
        choices=["auto", "text", "json"],
        default="auto",
        help="input format (default: auto)",
    )
    restore.add_argument(
        "--report", action="store_true", help="print every token's outcome to stderr as JSON"
    )
    restore.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        help="refuse larger input (default: 10 MiB)",
    )
    restore.set_defaults(handler=_restore)

    policy = commands.add_parser(
        "policy", parents=[common], help="work with policy files"
    ).add_subparsers(title="policy commands", metavar="COMMAND", required=True)
    check = policy.add_parser(
        "check",
        parents=[common],
        help="validate policy files",
        description="Load each policy exactly as 'gateway serve' would and report the first problem in each.",
    )
    check.add_argument("files", nargs="*", metavar="FILE", help="policy files (default: --policy)")
    check.set_defaults(handler=_policy_check)

    vault = commands.add_parser(
        "vault", parents=[common], help="manage the token vault"
    ).add_subparsers(title="vault commands", metavar="COMMAND", required=True)
    purge = vault.add_parser(
        "purge",
        parents=[common],
        help="erase the values of a scope, or of expired tokens",
        description="Right to be forgotten: erase every value stored for a scope (tokens then restore to nothing and are reported as purged).",
    )
    what = purge.add_mutually_exclusive_group(required=True)
    what.add_argument("--scope", help="scope to erase, e.g. a customer or ticket id")
    what.add_argument(
        "--expired", action="store_true", help="erase every token whose expiry has passed"
    )
    purge.set_defaults(handler=_vault_purge)
    stats = vault.add_parser("stats", parents=[common], help="count live and purged tokens")
    stats.set_defaults(handler=_vault_stats)

    serve_cmd = commands.add_parser(
        "serve",
        parents=[common],
        help="run the HTTP gateway",
        description="Proxy the policy's routes to the vendor: redact what goes out, restore what comes back.",
    )
    serve_cmd.add_argument(
        "--upstream", metavar="URL", help="vendor base URL (default: the policy's upstream)"
    )
    serve_cmd.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve_cmd.add_argument(
        "--port", type=int, default=8080, help="port to listen on (default: 8080)"
    )
    serve_cmd.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default: 1; use the number of cores)",
    )
    serve_cmd.set_defaults(handler=_SERVE)

    standin = commands.add_parser(
        "standin",
        parents=[common],
        help="run a stand-in vendor on loopback (for trying the gateway)",
        description="Serve a small fake Zendesk/OpenAI-style vendor on 127.0.0.1 that records what it receives.",
    )
    standin.add_argument("--port", type=int, default=9999, help="port (default: 9999)")
    standin.set_defaults(handler=_STANDIN)

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
    verify.set_defaults(handler=_audit_verify)
    query = audit.add_parser("query", parents=[common], help="list audit events that match filters")
    _filter_options(query)
    query.add_argument(
        "--format",
        choices=["table", "jsonl"],
        default="table",
        help="output format (default: table)",
    )
    query.add_argument("--limit", type=int, default=0, help="show at most this many (0: all)")
    query.set_defaults(handler=_audit_query)
    export = audit.add_parser(
        "export", parents=[common], help="export audit events for a SIEM (JSON lines, CEF or OCSF)"
    )
    _filter_options(export)
    export.add_argument(
        "--format", choices=["jsonl", "cef", "ocsf"], required=True, help="jsonl, cef or ocsf"
    )
    export.add_argument("--output", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(handler=_audit_export)
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
    lookup.set_defaults(handler=_audit_lookup)
    public_key = audit.add_parser(
        "public-key", parents=[common], help="print the key auditors verify checkpoints with"
    )
    public_key.set_defaults(handler=_audit_public_key)

    keys = commands.add_parser("keys", parents=[common], help="manage keys").add_subparsers(
        title="keys commands", metavar="COMMAND", required=True
    )
    rotate = keys.add_parser(
        "rotate",
        parents=[common],
        help="add a new vault encryption key",
        description="Add a new vault key: new tokens are encrypted with it, older keys keep decrypting. Running gateways pick it up when restarted.",
    )
    rotate.add_argument(
        "--rewrap", action="store_true", help="also re-encrypt every stored value with the new key"
    )
    rotate.set_defaults(handler=_keys_rotate)
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


def _read_stdin(max_bytes: int) -> str:
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


def _is_json(text: str, fmt: str) -> bool:
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


def _write(text: str) -> None:
    # Lone surrogates (from a JSON "\ud800" escape) cannot be printed as
    # UTF-8; they are written back as the bytes they came from.
    sys.stdout.buffer.write(text.encode("utf-8", errors="surrogateescape"))
    sys.stdout.flush()


async def _redact(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.components import build_core
    from gateway.outbound import RequestParts, RequestRules, redact_request

    text = _read_stdin(args.max_bytes)
    media = "application/json" if _is_json(text, args.format) else "text/plain"
    core = build_core(settings)
    try:
        # The same path as a request body through the gateway: JSON is edited
        # in place, so its formatting, numbers and escapes stay as they were.
        redacted = await redact_request(
            core.redactor,
            args.scope,
            RequestRules.for_route(core.policy, None),
            RequestParts(
                "", {}, "", [], media, media, "utf-8", text.encode("utf-8", "surrogatepass")
            ),
        )
    finally:
        await core.close()
    sys.stdout.buffer.write(redacted.body)
    sys.stdout.flush()
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
        _err(json.dumps(report))
    return EXIT_OK


async def _restore(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.components import build_core
    from gateway.documents import parse_json

    text = _read_stdin(args.max_bytes)
    scopes = None if args.any_scope else (args.scope or ["default"])
    core = build_core(settings)
    try:
        if args.format == "json":  # asked for JSON: refuse anything else, as redact does
            parse_json(text, core.policy.document.limits.max_json_depth)
        # JSON: restored values are written JSON-escaped where they need it.
        restored = await core.restorer.restore(
            text, scopes, "json" if _is_json(text, args.format) else "plain"
        )
    finally:
        await core.close()
    _write(restored.text)
    statuses = Counter(o.status for o in restored.outcomes)
    if args.report:
        _err(
            json.dumps(
                {"outcomes": [{"token": o.token, "status": o.status} for o in restored.outcomes]}
            )
        )
    elif set(statuses) - {"restored"}:
        left = ", ".join(
            f"{n} {status}" for status, n in sorted(statuses.items()) if status != "restored"
        )
        _err(f"gateway: {statuses['restored']} token(s) restored; left as they were: {left}")
    return EXIT_OK


async def _policy_check(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.components import check_model
    from gateway.credentials import missing_secrets
    from gateway.policy import load_policy

    files = args.files or [str(settings.policy_path)]
    failed = 0
    for path in files:
        try:
            policy = load_policy(path)
        except PolicyError as exc:
            _err(f"gateway: error: {exc.message}")
            failed += 1
            continue
        document = policy.document
        try:
            check_model(policy)
        except ConfigError as exc:
            _err(f"gateway: error: {exc.message}")
            failed += 1
            continue
        # Not an error: the machine that checks a policy often lacks the secrets.
        for missing in missing_secrets(document, settings.environ):
            _err(f"gateway: note: {path}: {missing} here; serve needs it")
        _out(
            f"{path}: ok (tenant {document.tenant}, vendor {document.vendor}, "
            f"{len(policy.entity_types)} entities, {len(document.recognizers)} custom recognizers, "
            f"sha256 {policy.digest[:12]})"
        )
    return EXIT_USAGE if failed else EXIT_OK


async def _vault_purge(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.components import open_vault
    from gateway.policy import load_policy

    policy = load_policy(settings.policy_path)
    vault = open_vault(settings)
    try:
        owner = args.scope and await vault.backend.lookup_alias(policy.tenant, args.scope)
        if owner:
            # Erasing the scope an alias points at erases more than that one
            # ticket (all of a customer's), so the operator must say so.
            raise InputError(
                "scope_is_alias",
                f"{args.scope} is an id the vendor assigned; its values are stored in scope {owner}: "
                f"'gateway vault purge --scope {owner}' erases that whole scope",
            )
        if args.expired:
            count = await vault.purge_expired()
            _out(f"erased the values of {count} expired token(s)")
        else:
            count = await vault.purge_scope(policy.tenant, args.scope)
            _out(
                f"erased the values of {count} token(s) of scope {args.scope!r} (tenant {policy.tenant})"
            )
    finally:
        await vault.close()
    # An erasure is an answer to a data subject's request: the trail proves it happened.
    await _admin_event(
        settings,
        {"type": "values_purged", "tenant": policy.tenant, "scope": _recordable(args.scope),
         "expired": bool(args.expired), "count": count, "outcome": "erased"},
    )  # fmt: skip
    return EXIT_OK


def _recordable(scope: str | None) -> str | None:
    # An operator may type a raw value (an email) where a scope id belongs:
    # the audit trail must not keep it.
    from gateway.scopes import is_scope_id

    return scope if scope is None or is_scope_id(scope) else "(withheld: not a scope id)"


async def _vault_stats(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.components import open_vault

    vault = open_vault(settings)
    try:
        counts = await vault.backend.count()
    finally:
        await vault.close()
    _out(
        f"{counts['live']} live token(s), {counts['purged']} purged; active key {vault.cipher.active_key_id}"
    )
    return EXIT_OK


async def _keys_rotate(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.components import open_vault
    from gateway.keyring import rotate_vault_key

    keyring = rotate_vault_key(settings.data_dir, settings.environ, datetime.now(UTC))
    _out(
        f"new vault key {keyring.active_vault_key.key_id}; older keys still decrypt: "
        f"{', '.join(k.key_id for k in keyring.vault_keys[1:])}"
    )
    if args.rewrap:
        vault = open_vault(settings)
        try:
            done = await vault.rewrap(
                progress=lambda n: _err(f"\rre-encrypted {n} value(s)", end="", flush=True)
            )
        finally:
            await vault.close()
        _err(f"\rre-encrypted {done} value(s) with {keyring.active_vault_key.key_id}")
    await _admin_event(
        settings,
        {"type": "keys_rotated", "key_id": keyring.active_vault_key.key_id,
         "rewrapped": bool(args.rewrap), "outcome": "rotated"},
    )  # fmt: skip
    return EXIT_OK


def serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the HTTP gateway (uvicorn runs its own event loop, so this is not async)."""
    import ipaddress
    import socket

    import uvicorn

    from gateway.app import create_app, environ_for_workers
    from gateway.components import check_model
    from gateway.credentials import ApiKeys, missing_secrets
    from gateway.policy import load_policy

    policy = load_policy(settings.policy_path)
    check_model(policy)
    missing = missing_secrets(policy.document, settings.environ)
    if missing:
        raise ConfigError(f"{policy.source}: " + "; ".join(missing))
    try:
        loopback = ipaddress.ip_address(socket.gethostbyname(args.host)).is_loopback
    except (OSError, ValueError):
        loopback = False
    if not loopback and not ApiKeys.from_environ(settings.environ).configured:
        raise ConfigError(
            f"refusing to listen on {args.host} without API keys: set GATEWAY_API_KEYS "
            "(comma-separated, 16+ characters each) or listen on 127.0.0.1"
        )
    _check_port_free(args.host, args.port)
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": "info" if args.verbose else "warning",
        # Access logs print full paths, and query strings can hold personal data.
        "access_log": False,
        "server_header": False,
        "proxy_headers": False,
        "timeout_keep_alive": 30,
        "timeout_graceful_shutdown": 20,
    }
    if args.workers > 1:
        import tempfile

        from gateway.metrics import ENV_MULTIPROCESS_DIR
        from gateway.workers import Workers

        os.environ.update(environ_for_workers(settings, args.upstream))
        create_app(settings, policy, upstream=args.upstream)  # fail here, not in every worker
        _announce(args, policy.source)
        config = uvicorn.Config(
            "gateway.app:app_from_environ", factory=True, workers=args.workers, **options
        )
        # Set only now, so that this supervisor's own check above keeps plain
        # in-memory metrics; the workers it spawns write to the shared files.
        with tempfile.TemporaryDirectory(prefix="gateway-metrics-") as metrics_dir:
            os.environ[ENV_MULTIPROCESS_DIR] = metrics_dir
            Workers(config, args.host, args.port, metrics_dir).run()
    else:
        app = create_app(settings, policy, upstream=args.upstream)
        _announce(args, policy.source)
        uvicorn.run(app, **options)
    return EXIT_OK


def _check_port_free(host: str, port: int) -> None:
    """Fail with a one-line error, not uvicorn's log line and exit 3, on a taken port."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise ConfigError(f"--host: cannot resolve {host}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _announce(args: argparse.Namespace, policy_source: str) -> None:
    # One line even without -v: a silent terminal looks like a hang.
    workers = f", {args.workers} workers" if args.workers > 1 else ""
    _err(
        f"gateway: serving {policy_source} on http://{args.host}:{args.port}{workers}; "
        "GET /healthz answers 200 once it is ready"
    )


def run_standin(port: int, verbose: bool) -> int:
    import uvicorn

    from gateway.standin import create_standin

    _check_port_free("127.0.0.1", port)
    _err(
        f"gateway: stand-in vendor on http://127.0.0.1:{port}; what it received: /__standin/received"
    )
    uvicorn.run(
        create_standin(), host="127.0.0.1", port=port, log_level="info" if verbose else "warning"
    )
    return EXIT_OK


def _filter_options(parser: argparse.ArgumentParser) -> None:
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


def _audit_dir(args: argparse.Namespace, settings: Settings) -> Any:
    from pathlib import Path

    from gateway.audit.reader import chains

    directory = (
        Path(args.audit_dir) if getattr(args, "audit_dir", None) else settings.data_dir / "audit"
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
            _err(
                f"gateway: {self.count} unreadable line(s) skipped; "
                "'gateway audit verify' says what happened to them"
            )


def _filters(args: argparse.Namespace) -> Any:
    from gateway.audit.reader import Filters, parse_time

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


async def _audit_verify(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from gateway.audit.keys import load_audit_keys, load_public_key
    from gateway.audit.reader import chains
    from gateway.audit.verify import verify_chain

    keys = None
    if args.public_key:
        try:
            public = load_public_key(Path(args.public_key).read_bytes())
        except (OSError, ValueError):
            raise ConfigError(f"cannot read a public key from {args.public_key}") from None
    else:
        keys = load_audit_keys(settings.data_dir, settings.environ, create=False)
        public = keys.public_key
    paths = [Path(p) for p in args.chains] or chains(settings.data_dir / "audit")
    if not paths:
        raise ConfigError(f"no audit chains in {settings.data_dir / 'audit'}")
    anchors = _checkpoint_copies(args.checkpoints)
    failed = 0
    for path in paths:
        verdict = verify_chain(path, public, keys, anchors)
        _out(verdict.summary())
        for note in verdict.notes:
            _err(f"gateway: {path.name}: {note}")
        failed += not verdict.ok
    if keys is None:
        _err(
            "gateway: record MACs not checked (they need the audit key; hash links and signatures were)"
        )
    return EXIT_FAILED if failed else EXIT_OK


def _checkpoint_copies(given: list[str]) -> list[Any]:
    from pathlib import Path

    from gateway.audit.log import CHECKPOINT_SUFFIX

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


async def _audit_query(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.reader import read

    directory, filters, unreadable = _audit_dir(args, settings), _filters(args), _Unreadable()
    shown = 0
    if args.format == "table":
        _out(f"{'time (UTC)':<27} {'type':<18} {'route':<16} {'scope':<34} {'outcome':<10} detail")
    for record in read(directory, filters, unreadable):
        if args.format == "jsonl":
            _out(json.dumps(record, ensure_ascii=False))
        else:
            _out(_row(record))
        shown += 1
        if args.limit and shown >= args.limit:
            break
    if args.format == "table":
        _err(f"{shown} event(s)")
    unreadable.report()
    return EXIT_OK


def _row(record: dict[str, Any]) -> str:
    event = record.get("event", {})
    detail = ""
    if event.get("entities"):
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


async def _audit_export(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.export import render
    from gateway.audit.reader import read

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
                _err(f"\rexported {count} event(s)", end="", flush=True)
    finally:
        if args.output:
            handle.close()
    _err(f"\rexported {count} event(s) as {args.format}")
    unreadable.report()
    return EXIT_OK


async def _audit_lookup(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.keys import load_audit_keys
    from gateway.audit.reader import Filters, read, value_filters

    keys = load_audit_keys(settings.data_dir, settings.environ, create=False)
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
        _out(
            f"{record['time']}  sent to {event.get('vendor')} via {event.get('route')} "
            f"in scope {event.get('scope')} (request {event.get('request_id')}, chain {record.get('instance')})"
        )
    _out(
        f"{found} time(s)" if found else "never sent to a vendor (as far as this audit trail goes)"
    )
    unreadable.report()
    return EXIT_OK


async def _audit_public_key(args: argparse.Namespace, settings: Settings) -> int:
    from gateway.audit.keys import load_audit_keys

    keys = load_audit_keys(settings.data_dir, settings.environ, create=False)
    _out(keys.public_key_pem().rstrip())
    _err(
        f"gateway: key id {keys.key_id}; give auditors this key to run 'gateway audit verify --public-key FILE'"
    )
    return EXIT_OK


async def _admin_event(settings: Settings, event: dict[str, Any]) -> None:
    """Record an operator's action (a purge, a rotation) in the CLI's own audit chain."""
    from gateway.audit import AuditLog, load_audit_keys

    log = AuditLog(
        settings.data_dir / "audit", load_audit_keys(settings.data_dir, settings.environ), "cli"
    )
    await log.open()
    try:
        await log.append(event)
    finally:
        await log.close()
