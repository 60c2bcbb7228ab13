"""Prometheus metrics, one registry per app. Labels are routes, entity types,
outcomes and error codes: never values, tokens or scopes.

Under ``gateway serve --workers N`` each worker is its own process and a
scrape reaches whichever one the kernel picks, so the workers keep their
values in prometheus_client's multiprocess files (``PROMETHEUS_MULTIPROC_DIR``,
a fresh directory per ``serve``) and every scrape sums them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from gateway.restore.restorer import Outcome

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._exposed = self.registry
        if multiprocess_dir is not None:
            # The metrics below then write to files there (prometheus_client
            # reads the same environment variable); scrapes read every worker's.
            self._exposed = CollectorRegistry()
            MultiProcessCollector(self._exposed, str(multiprocess_dir))  # type: ignore[no-untyped-call]
        self.requests = Counter(
            "gateway_requests",
            "Requests by route and outcome",
            ["route", "outcome"],
            registry=self.registry,
        )
        self.entities = Counter(
            "gateway_entities_redacted",
            "Values replaced, by entity type",
            ["entity"],
            registry=self.registry,
        )
        self.tokens = Counter(
            "gateway_tokens_returned",
            "Tokens seen on the way back, by outcome (restored, unknown, out_of_scope...)",
            ["status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "gateway_request_latency_seconds",
            "Time from request to response headers, by route",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.vault_errors = Counter(
            "gateway_vault_errors", "Vault failures", registry=self.registry
        )
        self.audit_errors = Counter(
            "gateway_audit_errors", "Audit log failures", registry=self.registry
        )
        self.detection_errors = Counter(
            "gateway_detection_errors", "Detector failures", registry=self.registry
        )
        self.blocked = Counter(
            "gateway_requests_blocked",
            "Requests kept from the vendor, by route, outcome (blocked, diverted) and "
            "the category or entity that blocked them",
            ["route", "outcome", "reason"],
            registry=self.registry,
        )
        self.reloads = Counter(
            "gateway_policy_reloads",
            "Policy reloads on SIGHUP, by outcome (loaded, refused)",
            ["outcome"],
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "gateway_in_flight_requests",
            "Requests being handled",
            registry=self.registry,
            multiprocess_mode="livesum",
        )

    def redacted(self, route: str, entities: Iterable[str]) -> None:
        self.requests.labels(route, "forwarded").inc()
        for entity in entities:
            self.entities.labels(entity).inc()

    def restored(self, route: str, outcomes: Iterable[Outcome]) -> None:
        for outcome in outcomes:
            self.tokens.labels(outcome.status).inc()

    def refused(self, route: str, code: str) -> None:
        self.requests.labels(route, code).inc()
        if code == "detection_failed":
            self.detection_errors.inc()

    def kept_in_house(self, route: str, outcome: str, reasons: Iterable[str]) -> None:
        self.requests.labels(route, outcome).inc()
        for reason in reasons:
            self.blocked.labels(route, outcome, reason).inc()

    def render(self) -> bytes:
        return generate_latest(self._exposed)
