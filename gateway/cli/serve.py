"""``gateway serve`` (the HTTP gateway) and ``gateway standin`` (a stand-in vendor to try it on)."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import ipaddress
import logging
import os
import shutil
import socket
from typing import Any

import uvicorn

from gateway.cli.common import EXIT_OK, Commands, err
from gateway.config import API_KEYS, METRICS_DIR, POLICY, Settings
from gateway.errors import ConfigError, PolicyError
from gateway.keys.credentials import ApiKeys, missing_secrets
from gateway.policy import check_model, load_policy, parse_policy
from gateway.server.app import create_app
from gateway.server.protocol import HEAD_TIMEOUT, GatewayHttpProtocol
from gateway.server.workers import Workers
from gateway.testing.standin import create_standin

log = logging.getLogger("gateway")


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="run the HTTP gateway",
        description="Proxy the policy's routes to the vendor: redact what goes out, restore "
        "what comes back.",
    )
    serve.add_argument(
        "--upstream", metavar="URL", help="vendor base URL (default: the policy's upstream)"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080)")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default: 1; use the number of cores)",
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        default=HEAD_TIMEOUT,
        metavar="SECONDS",
        help=f"time a client has to send a request's line and headers (default: {HEAD_TIMEOUT:g})",
    )
    serve.set_defaults(handler=run_serve)


def register_standin(commands: Commands, common: argparse.ArgumentParser) -> None:
    standin = commands.add_parser(
        "standin",
        parents=[common],
        help="run a stand-in vendor on loopback (for trying the gateway)",
        description="Serve a small fake Zendesk/OpenAI-style vendor on 127.0.0.1 that records "
        "what it receives.",
    )
    standin.add_argument("--port", type=int, default=9999, help="port (default: 9999)")
    standin.set_defaults(handler=run_standin)


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the HTTP gateway (uvicorn runs its own event loop)."""
    policy = load_policy(settings.policy_path)
    check_model(policy)
    missing = missing_secrets(policy.document, settings.environ)
    if missing:
        raise ConfigError(f"{policy.source}: " + "; ".join(missing))
    try:
        loopback = ipaddress.ip_address(socket.gethostbyname(args.host)).is_loopback
    except (OSError, ValueError):
        loopback = False
    keys = ApiKeys.parse(settings.api_keys, settings.api_keys_file, API_KEYS.name)
    if not loopback and not keys.configured:
        raise ConfigError(
            f"refusing to listen on {args.host} without API keys: set {API_KEYS.name} "
            "(comma-separated, 16+ characters each) or listen on 127.0.0.1"
        )
    check_port_free(args.host, args.port)
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "log_level": "info" if args.verbose else "warning",
        # Access logs print full paths, and query strings can hold personal data.
        "access_log": False,
        "server_header": False,
        "proxy_headers": False,
        "timeout_keep_alive": 30,
        "http": GatewayHttpProtocol,  # a deadline for request heads (slowloris)
        "timeout_graceful_shutdown": 20,
    }
    if args.workers > 1:
        os.environ.update(settings.for_workers())
        pin_policy(settings, raise_errors=True)  # fail here, not in every worker
        _announce(args, policy.source)
        config = uvicorn.Config(
            "gateway.server.app:app_from_environ", factory=True, workers=args.workers, **options
        )
        config.head_timeout = args.header_timeout  # type: ignore[attr-defined]
        # Set only now, so that this supervisor's own check above keeps plain
        # in-memory metrics; the workers it spawns write to the shared files.
        # They live in the data directory, one per port: a run killed with -9
        # leaves its files there, and the next run on the port (it is free,
        # checked above) clears them instead of leaving them in /tmp forever.
        metrics_dir = settings.data_dir / f"metrics-{args.port}"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(mode=0o700, parents=True)
        try:
            os.environ[METRICS_DIR.name] = str(metrics_dir)
            Workers(
                config, args.host, args.port, str(metrics_dir), lambda: pin_policy(settings)
            ).run()
        finally:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    else:
        app = create_app(settings, policy)
        app.reload_on_sighup = True  # SIGHUP: reload the policy (see GatewayApp.reload)
        _announce(args, policy.source)
        config = uvicorn.Config(app, **options)
        config.head_timeout = args.header_timeout  # type: ignore[attr-defined]
        # uvicorn re-raises the stopping signal once it has shut down (uvicorn.run
        # swallows it the same way): SIGINT is a clean stop, exit 0.
        with contextlib.suppress(KeyboardInterrupt):
            uvicorn.Server(config).run()
    return EXIT_OK


def pin_policy(settings: Settings, raise_errors: bool = False) -> bool:
    """Validate the policy file once and point every worker started from now on at a
    copy of that text (``DATA_DIR/policies/<sha256>-<name>``): workers that start
    later (a reload, a crash) never read a file that changed since it was checked.
    Errors name the operator's file, not the copy."""
    path = settings.policy_path
    try:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise PolicyError(str(path), "", f"cannot read the file ({exc.strerror})") from None
        create_app(settings, parse_policy(raw, str(path)))
    except (PolicyError, ConfigError) as exc:
        if raise_errors:
            raise
        log.error("policy reload refused, the workers keep theirs: %s", exc.message)
        return False
    pinned = settings.data_dir / "policies" / f"{hashlib.sha256(raw).hexdigest()[:16]}-{path.name}"
    pinned.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    pinned.write_bytes(raw)
    os.environ[POLICY.name] = str(pinned)
    return True


def check_port_free(host: str, port: int) -> None:
    """Fail with a one-line error, not uvicorn's log line and exit 3, on a taken port."""
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
    err(
        f"gateway: serving {policy_source} on http://{args.host}:{args.port}{workers}; "
        "GET /healthz answers 200 once it is ready"
    )


def run_standin(args: argparse.Namespace, settings: Settings) -> int:
    check_port_free("127.0.0.1", args.port)
    err(
        f"gateway: stand-in vendor on http://127.0.0.1:{args.port}; "
        "what it received: /__standin/received"
    )
    uvicorn.run(
        create_standin(),
        host="127.0.0.1",
        port=args.port,
        log_level="info" if args.verbose else "warning",
    )
    return EXIT_OK
