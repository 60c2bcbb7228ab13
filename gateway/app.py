"""The gateway's ASGI application, built by :func:`create_app`; nothing runs at import.

``/healthz`` and ``/metrics`` are the gateway's own; every other path goes
through :func:`gateway.proxy.handle` and the policy's routes.

Start-up happens in the lifespan: the spaCy pipeline loads (and is warmed up,
so the first request does not pay for it), the vault proves it can write, the
audit chain opens and records the policy it runs. Until then ``/healthz``
answers 503 and requests are refused with ``not_ready``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.audit import AuditLog, load_audit_keys
from gateway.audit.page import AuditPage
from gateway.batching import DetectionBatcher
from gateway.components import build_core
from gateway.credentials import ENV_ADMIN_KEYS, ApiKeys, presented_key, read_secret
from gateway.errors import ConfigError, GatewayError
from gateway.exchange import error_response
from gateway.inbound import QuietAborts
from gateway.metrics import Metrics
from gateway.policy import Policy, load_policy
from gateway.proxy import handle
from gateway.routing import Router
from gateway.runtime import Gateway, WebhookSecrets
from gateway.scopes import Scopes
from gateway.settings import Settings
from gateway.upstream import make_client

log = logging.getLogger("gateway")
WARM_UP = "Hi, I'm Jane Doe (jane.doe@example.com, +1 415 555 0132). Order ORD-48213."
ENV_UPSTREAM = "GATEWAY_UPSTREAM"
ENV_INSTANCE = "GATEWAY_INSTANCE"


def create_app(
    settings: Settings,
    policy: Policy | None = None,
    *,
    upstream: str | None = None,
    clock: Callable[[], float] = time.time,
    instance: str | None = None,
) -> GatewayApp:
    """Build a gateway app; ``clock`` replaces the time (tests)."""
    policy = policy or load_policy(settings.policy_path)
    base = (
        upstream or settings.environ.get(ENV_UPSTREAM) or policy.document.upstream or ""
    ).rstrip("/")
    if not base:
        raise ConfigError(
            f"{policy.source}: no upstream: set 'upstream' in the policy or pass --upstream URL"
        )
    if not base.startswith(("http://", "https://")):
        where = (
            "--upstream"
            if upstream
            else ENV_UPSTREAM
            if settings.environ.get(ENV_UPSTREAM)
            else f"{policy.source}: upstream"
        )
        raise ConfigError(f"{where}: the vendor URL must start with http:// or https://")
    environ = settings.environ
    auth = policy.document.upstream_auth
    upstream_auth = (
        (auth.header, read_secret(auth.value, environ, f"{policy.source}: upstream_auth"))
        if auth
        else None
    )
    webhook_secrets = {
        route.name: WebhookSecrets(
            read_secret(
                route.webhook.signature.secret, environ, f"route {route.name}: webhook signature"
            ),
            read_secret(
                route.webhook.forward_secret, environ, f"route {route.name}: forward secret"
            ),
        )
        for route in policy.document.routes
        if route.webhook is not None
    }
    audit_keys = load_audit_keys(settings.data_dir, environ)
    prefix = instance or environ.get(ENV_INSTANCE) or os.uname().nodename.split(".")[0] or "gateway"
    gateway = Gateway(
        settings=settings,
        policy=policy,
        upstream=base,
        router=Router(policy.document.routes, policy.document.default_route),
        api_keys=ApiKeys.from_environ(environ),
        admin_keys=ApiKeys.from_environ(environ, ENV_ADMIN_KEYS),
        upstream_auth=upstream_auth,
        webhook_secrets=webhook_secrets,
        audit=AuditLog(settings.data_dir / "audit", audit_keys, prefix, clock=clock),
        audit_keys=audit_keys,
        metrics=Metrics(_multiprocess_dir(environ)),
        clock=clock,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await _start(gateway)
        try:
            yield
        finally:
            await _stop(gateway)

    app = FastAPI(
        title="Redaction gateway",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.gateway = gateway

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        if not gateway.ready or gateway.core is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        try:
            await gateway.core.vault.check_writable()
            await gateway.audit.check_writable()
        except GatewayError as exc:
            return JSONResponse({"status": "unhealthy", "reason": exc.code}, status_code=503)
        return JSONResponse(
            {"status": "ok", "policy": policy.source, "instance": gateway.audit.instance}
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if gateway.admin_keys.configured and not gateway.admin_keys.accepts(
            presented_key(request.headers)
        ):
            return error_response("unauthorized", "metrics need an admin key", "-", 401)
        return Response(gateway.metrics.render(), media_type="text/plain; version=0.0.4")

    audit_page = AuditPage(settings.data_dir / "audit", audit_keys, gateway.admin_keys)
    app.add_route("/audit", audit_page.page, methods=["GET"])
    app.add_route("/audit/api/events", audit_page.guarded(audit_page.events), methods=["GET"])
    app.add_route("/audit/api/summary", audit_page.guarded(audit_page.summary), methods=["GET"])
    app.add_route("/audit/api/verify", audit_page.guarded(audit_page.verification), methods=["GET"])
    return GatewayApp(app, request_response(handle))


_OWN_PATHS = ("/healthz", "/metrics", "/audit")


class GatewayApp:
    """The ASGI app: the gateway's own pages through FastAPI, everything else straight
    to the proxy, without FastAPI's middleware stack in the way of every request.

    The gateway reserves ``/healthz``, ``/metrics`` and ``/audit...``; every other
    path is matched against the policy's routes.
    """

    def __init__(self, api: FastAPI, proxy: ASGIApp) -> None:
        self.api = api
        self.proxy = proxy

    @property
    def state(self) -> State:
        return self.api.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] == "http" and not any(
            path == p or path.startswith(p + "/") for p in _OWN_PATHS
        ):
            scope["app"] = self.api
            await self.proxy(scope, receive, send)
        else:
            await self.api(scope, receive, send)


async def _start(gateway: Gateway) -> None:
    server_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, QuietAborts) for f in server_log.filters):
        server_log.addFilter(QuietAborts())
    # Detection is CPU work: one thread per process keeps the event loop free
    # for health checks and streams; processes (--workers) bring more cores.
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="detect")
    loop = asyncio.get_running_loop()

    async def run_cpu(function: Callable[..., Any], *args: Any) -> Any:
        return await loop.run_in_executor(executor, partial(function, *args))

    core = await loop.run_in_executor(
        executor, partial(build_core, gateway.settings, gateway.policy, run_cpu)
    )
    await run_cpu(core.detector.detect, [WARM_UP], [])
    core.redactor.detect = DetectionBatcher(core.detector, executor).detect
    await core.vault.check_writable()
    gateway.scopes = Scopes(gateway.policy, core.vault.hasher, core.vault.backend)
    gateway.client = make_client(gateway.policy.document.limits)
    await gateway.audit.open()
    await gateway.audit.append(
        {
            "type": "policy_loaded",
            "tenant": gateway.policy.tenant,
            "vendor": gateway.policy.vendor,
            "policy": gateway.policy.source,
            "policy_sha256": gateway.policy.digest,
            "upstream": gateway.upstream,
            "routes": [r.name for r in gateway.policy.document.routes],
        }
    )
    gateway.core = core
    gateway.ready = True
    log.info(
        "gateway ready: policy %s, upstream %s, audit chain %s",
        gateway.policy.source,
        gateway.upstream,
        gateway.audit.instance,
    )


async def _stop(gateway: Gateway) -> None:
    gateway.ready = False
    await gateway.client.close()
    await gateway.audit.close()
    if gateway.core is not None:
        await gateway.core.close()


def _multiprocess_dir(environ: Mapping[str, str]) -> Path | None:
    from gateway.metrics import ENV_MULTIPROCESS_DIR

    value = environ.get(ENV_MULTIPROCESS_DIR)
    return Path(value) if value else None


def app_from_environ() -> GatewayApp:
    """The factory ``gateway serve --workers N`` gives uvicorn; settings come from the environment."""
    return create_app(Settings.resolve(os.environ), instance=os.environ.get(ENV_INSTANCE))


def environ_for_workers(settings: Settings, upstream: str | None) -> Mapping[str, str]:
    from gateway.settings import ENV_DATA_DIR, ENV_POLICY, ENV_VAULT_URL

    values = {ENV_POLICY: str(settings.policy_path), ENV_DATA_DIR: str(settings.data_dir)}
    if settings.vault_url:
        values[ENV_VAULT_URL] = settings.vault_url
    if upstream:
        values[ENV_UPSTREAM] = upstream
    return values
