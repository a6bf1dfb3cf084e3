"""Prometheus metrics, in a registry of the app's own (no process-wide global)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class Metrics:
    """The counters the webhooks update and ``GET /metrics`` exposes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.inbound = Counter(
            "antirelous_inbound_messages",
            "Inbound messages decided, by channel and outcome (redeliveries not counted)",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.redeliveries = Counter(
            "antirelous_redeliveries",
            "Redelivered messages answered from the stored decision",
            ["channel"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "antirelous_webhook_rejected",
            "Webhook requests refused, by route and HTTP status",
            ["route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "antirelous_webhook_seconds",
            "Time to decide and answer a webhook",
            ["channel"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
