"""The gateway's ASGI application, built by :func:`create_app`; nothing runs at import.

``/healthz``, ``/metrics``, ``/openapi.json`` and ``/audit...`` are the
gateway's own API (FastAPI, :mod:`gateway.server.api`); every other path goes
straight to :func:`gateway.server.proxy.handle` and the policy's routes,
without FastAPI's routing and middleware in the way of every request.

:func:`create_app` checks the configuration (:meth:`Blueprint.build`) and
fails at once on a mistake. Start-up happens in the lifespan
(:func:`gateway.server.runtime.start`): the spaCy pipeline loads and is warmed
up, the vault proves it can write, the audit chain opens and records the
policy. Until then ``/healthz`` answers 503 and requests get ``not_ready``.

``SIGHUP`` reloads the policy file (:meth:`GatewayApp.reload`): the new file
is validated first and a broken one is refused, the running policy kept;
either way the audit trail records the file's digest. The vault's keys are
read again too, so a key `gateway keys rotate` added is used for new values
at once, and the old ones keep restoring.

A vault or an audit directory that cannot be written at start-up (PostgreSQL
still booting, a full disk) is waited for, not fatal: the process keeps
serving ``/healthz`` (503, with the reason) and tries again, 1 s, 2 s, 4 s...
up to every 30 s. Exiting instead made the supervisor restart workers in a
loop, with no one answering health checks. Configuration mistakes still stop
the process at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import request_response
from starlette.types import Receive, Scope, Send

from gateway.audit import events
from gateway.config import Settings
from gateway.core import load_detector
from gateway.detect import Detector
from gateway.errors import (
    AuditError,
    ConfigError,
    DetectionError,
    PolicyError,
    StreamAborted,
    VaultError,
)
from gateway.policy import Policy, check_model, load_policy
from gateway.server.api import build_api
from gateway.server.metrics import Metrics
from gateway.server.proxy import handle
from gateway.server.runtime import Blueprint, Gateway, start
from gateway.server.upstream import Transport
from gateway.vault.backend import Backend

log = logging.getLogger("gateway")
_OWN_PATHS = ("/healthz", "/metrics", "/openapi.json", "/audit")


def create_app(
    settings: Settings,
    policy: Policy | None = None,
    *,
    clock: Callable[[], float] = time.time,
    detector: Detector | None = None,
    backend: Backend | None = None,
    transport: Transport | None = None,
) -> GatewayApp:
    """Build a gateway app. ``clock``, ``detector``, ``backend`` and ``transport``
    replace the real ones (tests); by default the policy's spaCy pipeline, the
    settings' vault and an aiohttp session to the vendor are used."""
    policy = policy or load_policy(settings.policy_path)
    blueprint = Blueprint.build(settings, policy, clock)
    return GatewayApp(blueprint, Metrics(settings.metrics_dir), detector, backend, transport)


class GatewayApp:
    """The ASGI app: the gateway's own API through FastAPI, every other path to the proxy.

    ``gateway`` is the running :class:`Gateway` once start-up has finished, and
    ``None`` before (and after shutdown): the one place where "not ready" lives.
    """

    def __init__(
        self,
        blueprint: Blueprint,
        metrics: Metrics,
        detector: Detector | None = None,
        backend: Backend | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.blueprint = blueprint
        self.metrics = metrics
        self.gateway: Gateway | None = None
        self.waiting_for: str | None = None  # the error code start-up is waiting out
        self.reload_on_sighup = False  # set by `gateway serve`; never in tests' threads
        self._reloading = asyncio.Lock()
        self._parts = (detector, backend, transport)
        self.api = build_api(
            lambda: self.gateway,
            lambda: self.waiting_for,
            metrics,
            blueprint.admin_keys,
            blueprint.audit_source,
            blueprint.audit_keys,
            self.lifespan,
        )
        self.proxy = request_response(self._proxy)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Gateway | None]:
        """Start the gateway, and stop it on exit (the lifespan; tests use it directly).

        Yields the running gateway, or ``None`` while start-up waits for the
        vault or the audit directory (see the module docstring).
        """
        server_log = logging.getLogger("uvicorn.error")
        if not any(isinstance(f, QuietAborts) for f in server_log.filters):
            server_log.addFilter(QuietAborts())
        retrying: asyncio.Task[None] | None = None
        if self.reload_on_sighup:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._on_sighup)
        try:
            await self._start()
        except (VaultError, AuditError) as exc:
            self.waiting_for = exc.code
            log.warning("gateway not ready: %s; trying again", exc.code)
            retrying = asyncio.create_task(self._keep_starting())
        try:
            yield self.gateway
        finally:
            if retrying is not None:
                retrying.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await retrying
            if self.reload_on_sighup:
                asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
            gateway, self.gateway = self.gateway, None
            if gateway is not None:
                await gateway.close()

    async def _start(self) -> None:
        detector, backend, transport = self._parts
        if detector is None:  # loaded once, whatever start-up then waits for
            detector = await asyncio.to_thread(load_detector, self.blueprint.policy)
            self._parts = (detector, backend, transport)
        self.gateway = await start(
            self.blueprint, self.metrics, detector=detector, backend=backend, transport=transport
        )
        self.waiting_for = None

    async def _keep_starting(self) -> None:
        delay = 1.0
        while self.gateway is None:
            await asyncio.sleep(delay)
            try:
                await self._start()
            except (VaultError, AuditError) as exc:
                self.waiting_for = exc.code
                delay = min(delay * 2, 30.0)
        log.warning("gateway ready after waiting")

    def _on_sighup(self) -> None:
        task = asyncio.get_running_loop().create_task(self.reload())
        self._reload_task = task  # kept referenced until it finishes

    async def reload(self) -> bool:
        """Load the policy file again; take it if it is valid, else keep the running one.

        Detection is rebuilt only when the policy's detection settings changed
        (loading a spaCy pipeline takes seconds; requests are served by the old
        policy meanwhile). A reload cannot change the tenant (its tokens would
        stop restoring), nor the admin keys, the listening address or the
        transport's limits: those need a restart.
        """
        async with self._reloading:
            gateway = self.gateway
            if gateway is None:
                log.warning("policy reload skipped: the gateway is not running yet")
                return False
            settings, current = self.blueprint.settings, self.blueprint.policy
            path = settings.policy_path
            try:
                policy = await asyncio.to_thread(load_policy, path)
                check_model(policy)
                if policy.tenant != current.tenant:
                    raise ConfigError(
                        f"{policy.source}: a reload cannot change the tenant "
                        f"({current.tenant} -> {policy.tenant}); restart the gateway"
                    )
                blueprint = Blueprint.build(settings, policy, self.blueprint.clock)
                detector = gateway.core.detector
                if _detection(policy) != _detection(current):
                    detector = await asyncio.to_thread(load_detector, policy)
                reloaded = await gateway.with_policy(blueprint, detector)
            except (PolicyError, ConfigError, DetectionError) as exc:
                # DetectionError: the category model or rules the new policy needs cannot load.
                log.error("policy reload refused, the running policy stays: %s", exc.message)
                self.metrics.reloads.labels("refused").inc()
                await gateway.audit.append(
                    events.PolicyReloaded(
                        str(path), file_digest(path), current.digest, "refused", exc.code
                    )
                )
                return False
            await gateway.audit.append(
                events.PolicyReloaded(
                    policy.source, policy.digest, current.digest, "loaded",
                    routes=tuple(r.name for r in policy.document.routes),
                )
            )  # fmt: skip
            gateway.core.vault.reload_keys()
            self.blueprint, self.gateway = blueprint, reloaded
            self.metrics.reloads.labels("loaded").inc()
            log.warning("policy reloaded: %s (sha256 %s)", policy.source, policy.digest[:12])
            return True

    @asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        async with self.running():
            yield

    async def _proxy(self, request: Request) -> Response:
        shape = self.blueprint.policy.document.error_format
        return await handle(self.gateway, self.metrics, request, shape)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and not any(
            path == p or path.startswith(p + "/") for p in _OWN_PATHS
        ):
            await self.proxy(scope, receive, send)
        else:
            await self.api(scope, receive, send)


class QuietAborts(logging.Filter):
    """On uvicorn's error logger: a :class:`StreamAborted` is one line, not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not _is_abort(exc)


def _is_abort(exc: BaseException | None) -> bool:
    # The server may see the abort wrapped in an exception group (anyio task groups).
    if isinstance(exc, StreamAborted):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return any(_is_abort(e) for e in exc.exceptions)
    return False


def app_from_environ() -> GatewayApp:
    """The factory ``gateway serve --workers N`` gives uvicorn; settings come from the environment."""
    app = create_app(Settings.from_environ(os.environ))
    app.reload_on_sighup = True
    return app


def _detection(policy: Policy) -> tuple[object, ...]:
    """What the detector is built from: equal tuples, the same detector."""
    document = policy.document
    return (document.detection, document.entities, document.recognizers)


def file_digest(path: object) -> str:
    """The SHA-256 of a file as it is on disk, or "" when it cannot be read."""
    try:
        with open(str(path), "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return ""
