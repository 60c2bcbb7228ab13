"""Prometheus metrics, one registry per app. Labels are routes, entity types,
outcomes and error codes: never values, tokens or scopes."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from gateway.restorer import Outcome

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
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
        self.in_flight = Gauge(
            "gateway_in_flight_requests", "Requests being handled", registry=self.registry
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

    def render(self) -> bytes:
        return generate_latest(self.registry)
