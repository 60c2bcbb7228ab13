"""What a running gateway holds, in one place: built by ``app.create_app``."""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from gateway.audit import AuditKeys, AuditLog
from gateway.components import Core
from gateway.credentials import ApiKeys
from gateway.crypto import Secret
from gateway.metrics import Metrics
from gateway.outbound import RequestRules
from gateway.policy import Policy
from gateway.routing import Router
from gateway.scopes import Scopes
from gateway.settings import Settings


@dataclass(frozen=True, slots=True)
class WebhookSecrets:
    signature: Secret
    forward: Secret


@dataclass
class Gateway:
    settings: Settings
    policy: Policy
    upstream: str  # base URL, without a trailing slash
    router: Router
    api_keys: ApiKeys
    admin_keys: ApiKeys
    upstream_auth: tuple[str, Secret] | None
    webhook_secrets: dict[str, WebhookSecrets]
    audit: AuditLog
    audit_keys: AuditKeys
    metrics: Metrics
    clock: Callable[[], float]
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("gateway"))
    core: Core | None = None
    client: aiohttp.ClientSession = field(init=False)  # created in the event loop, at start-up
    scopes: Scopes = field(init=False)
    ready: bool = False
    rules: dict[str, RequestRules] = field(default_factory=dict)  # per route, compiled once

    def upstream_url(self, path: str, query: str) -> str:
        """The vendor URL for ``path``: always under the configured upstream, never elsewhere."""
        # ``path`` is decoded and holds no "%" of its own (``proxy`` refuses
        # encoded percent signs), so every "%" here is this encoding's.
        quoted = urllib.parse.quote(path, safe="/:@!$&'()*+,;=-._~")
        return f"{self.upstream}{quoted}" + (f"?{query}" if query else "")
