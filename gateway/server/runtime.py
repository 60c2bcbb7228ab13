"""A running gateway, built in two plain steps: checked, then started.

1. :meth:`Blueprint.build` turns settings and a policy into everything that
   can be checked without doing any I/O beyond reading secrets: the upstream
   URL, credentials, webhook secrets, API keys, the audit key, the routes and
   their compiled rules. A mistake fails here, before anything starts.
2. :func:`start` loads the detector, opens the vault (and proves it can
   write), the audit chain and the transport, and returns a complete
   :class:`Gateway`: no optional fields, nothing patched in afterwards.

Tests pass their own detector, vault backend and transport to :func:`start`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import urllib.parse
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from gateway.audit import AuditKeys, AuditLog, events, load_audit_keys
from gateway.audit.database import DatabaseSink, refresh_view
from gateway.config import (
    ADMIN_KEYS,
    API_KEYS,
    AUDIT_RETENTION_DAYS,
    AUDIT_ROTATE_HOURS,
    AUDIT_ROTATE_MB,
    UPSTREAM,
    Settings,
)
from gateway.core import Core, build_core
from gateway.detect import Detector
from gateway.detect.batching import DetectionBatcher
from gateway.errors import ConfigError
from gateway.formats.request import RequestRules
from gateway.keys.credentials import ApiKeys, read_secret
from gateway.keys.crypto import Secret
from gateway.policy import Policy
from gateway.redact.scopes import Scopes
from gateway.server.links import Links
from gateway.server.metrics import Metrics
from gateway.server.routing import Router
from gateway.server.upstream import AiohttpTransport, Transport
from gateway.vault.backend import Backend
from gateway.vault.connect import open_vault

log = logging.getLogger("gateway")


@dataclass(frozen=True, slots=True)
class WebhookSecrets:
    signature: Secret
    forward: Secret


@dataclass(frozen=True, slots=True)
class AuditLimits:
    """When the audit chain rotates, and how long rotated segments stay."""

    rotate_bytes: int
    rotate_seconds: float
    retention_days: float | None

    @classmethod
    def parse(cls, settings: Settings) -> AuditLimits:
        megabytes = _positive(AUDIT_ROTATE_MB.name, settings.audit_rotate_mb) or 64.0
        hours = _positive(AUDIT_ROTATE_HOURS.name, settings.audit_rotate_hours) or 24.0
        days = _positive(AUDIT_RETENTION_DAYS.name, settings.audit_retention_days)
        return cls(int(megabytes * 1024 * 1024), hours * 3600, days)


def _positive(name: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise ConfigError(f"{name}: expected a positive number, not {text!r}")
    return value


@dataclass(frozen=True, slots=True)
class Blueprint:
    """What a gateway needs that can be checked before it starts."""

    settings: Settings
    policy: Policy
    upstream: str  # base URL, without a trailing slash
    upstream_auth: tuple[str, Secret] | None
    webhook_secrets: Mapping[str, WebhookSecrets]
    divert_secrets: Mapping[str, Secret]  # per route with divert_to
    api_keys: ApiKeys
    admin_keys: ApiKeys
    audit_keys: AuditKeys
    instance: str  # prefix of the audit chain's name
    audit_limits: AuditLimits
    router: Router
    rules: Mapping[str, RequestRules]  # per route, compiled once
    links: Links
    clock: Callable[[], float] = field(repr=False)

    @classmethod
    def build(cls, settings: Settings, policy: Policy, clock: Callable[[], float]) -> Blueprint:
        """Check everything a gateway needs; raises :class:`ConfigError` naming what is wrong."""
        base = (settings.upstream or policy.document.upstream or "").rstrip("/")
        if not base:
            raise ConfigError(
                f"{policy.source}: no upstream: set 'upstream' in the policy or pass --upstream URL"
            )
        if not base.startswith(("http://", "https://")):
            where = (
                f"--upstream (or {UPSTREAM.name})"
                if settings.upstream
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
                    route.webhook.signature.secret,
                    environ,
                    f"route {route.name}: webhook signature",
                ),
                read_secret(
                    route.webhook.forward_secret, environ, f"route {route.name}: forward secret"
                ),
            )
            for route in policy.document.routes
            if route.webhook is not None
        }
        routes = policy.document.routes
        divert_secrets = {
            route.name: read_secret(
                route.divert_to.secret, environ, f"route {route.name}: divert_to secret"
            )
            for route in routes
            if route.divert_to is not None
        }
        return cls(
            settings=settings,
            policy=policy,
            upstream=base,
            upstream_auth=upstream_auth,
            webhook_secrets=webhook_secrets,
            divert_secrets=divert_secrets,
            api_keys=ApiKeys.parse(settings.api_keys, settings.api_keys_file, API_KEYS.name),
            admin_keys=ApiKeys.parse(
                settings.admin_keys, settings.admin_keys_file, ADMIN_KEYS.name
            ),
            audit_keys=load_audit_keys(settings.data_dir, settings.audit_key),
            instance=settings.instance or os.uname().nodename.split(".")[0] or "gateway",
            audit_limits=AuditLimits.parse(settings),
            router=Router(routes, policy.document.default_route),
            rules={r.name: RequestRules.for_route(policy, r) for r in routes},
            links=Links.of(
                policy.document.links, [policy.document.upstream, base], settings.public_url
            ),
            clock=clock,
        )

    @property
    def audit_dir(self) -> Path:
        return self.settings.data_dir / "audit"

    def audit_source(self) -> Path:
        """Where readers find the chains: this gateway's directory, or, with
        ``GATEWAY_AUDIT_URL``, a view of every replica's chain in the database."""
        if self.settings.audit_url is None:
            return self.audit_dir
        return refresh_view(self.settings.audit_url, self.settings.data_dir / "audit-view")

    def upstream_url(self, path: str, query: str) -> str:
        """The vendor URL for ``path``: always under the configured upstream, never elsewhere."""
        # ``path`` is decoded and holds no "%" of its own (``proxy`` refuses
        # encoded percent signs), so every "%" here is this encoding's.
        quoted = urllib.parse.quote(path, safe="/:@!$&'()*+,;=-._~")
        return f"{self.upstream}{quoted}" + (f"?{query}" if query else "")


@dataclass(frozen=True, slots=True)
class Gateway:
    """A running gateway: everything one exchange needs, complete."""

    blueprint: Blueprint
    core: Core
    scopes: Scopes
    transport: Transport
    audit: AuditLog
    metrics: Metrics
    closing: AsyncExitStack = field(repr=False)  # closes what start() opened, in reverse
    executor: ThreadPoolExecutor = field(repr=False)  # detection's one thread

    @property
    def policy(self) -> Policy:
        return self.blueprint.policy

    @property
    def log(self) -> logging.Logger:
        return log

    def now(self) -> float:
        return self.blueprint.clock()

    async def close(self) -> None:
        await self.closing.aclose()

    async def with_policy(self, blueprint: Blueprint, detector: Detector) -> Gateway:
        """This gateway with another policy: the same vault, audit chain, transport and
        detection thread; a new core and router. Exchanges already running keep the
        gateway they started with."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.executor, detector.warm_up)
        batcher = DetectionBatcher(detector, self.executor)
        vault = self.core.vault
        return replace(
            self,
            blueprint=blueprint,
            core=build_core(blueprint.policy, detector, vault, batcher.detect),
            scopes=Scopes(blueprint.policy, vault.hasher, vault.backend),
        )


async def start(
    blueprint: Blueprint,
    metrics: Metrics,
    *,
    detector: Detector,
    backend: Backend | None = None,
    transport: Transport | None = None,
) -> Gateway:
    """Open and prove everything around a loaded ``detector`` (the app loads it once,
    whatever start-up then waits for); on any failure close what was opened and raise."""
    policy, settings = blueprint.policy, blueprint.settings
    loop = asyncio.get_running_loop()
    async with AsyncExitStack() as stack:
        # Detection is CPU work: one thread per process keeps the event loop free
        # for health checks and streams; processes (--workers) bring more cores.
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="detect")
        stack.callback(executor.shutdown, wait=False)
        await loop.run_in_executor(executor, detector.warm_up)
        vault = open_vault(settings, backend)
        stack.push_async_callback(vault.close)
        await vault.check_writable()
        batcher = DetectionBatcher(detector, executor)
        core = build_core(policy, detector, vault, batcher.detect)
        if transport is None:
            transport = AiohttpTransport(policy.document.limits)
        stack.push_async_callback(transport.close)
        limits = blueprint.audit_limits
        audit = AuditLog(
            blueprint.audit_dir,
            blueprint.audit_keys,
            blueprint.instance,
            clock=blueprint.clock,
            rotate_bytes=limits.rotate_bytes,
            rotate_seconds=limits.rotate_seconds,
            retention_days=limits.retention_days,
            sink=DatabaseSink(settings.audit_url) if settings.audit_url else None,
        )
        await audit.open()
        stack.push_async_callback(audit.close)
        await audit.append(
            events.PolicyLoaded(
                tenant=policy.tenant,
                vendor=policy.vendor,
                policy=policy.source,
                policy_sha256=policy.digest,
                upstream=blueprint.upstream,
                routes=tuple(r.name for r in policy.document.routes),
            )
        )
        gateway = Gateway(
            blueprint=blueprint,
            core=core,
            scopes=Scopes(policy, vault.hasher, vault.backend),
            transport=transport,
            audit=audit,
            metrics=metrics,
            closing=stack.pop_all(),
            executor=executor,
        )
    log.info(
        "gateway ready: policy %s, upstream %s, audit chain %s",
        policy.source,
        blueprint.upstream,
        audit.instance,
    )
    return gateway
