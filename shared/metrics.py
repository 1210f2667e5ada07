"""Prometheus metrics shared by the services (names per Prometheus conventions)."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "fleetcare_http_requests_total",
    "HTTP requests served, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "fleetcare_http_request_duration_seconds",
    "Time to serve an HTTP request.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter(
    "fleetcare_events_published_total",
    "Events published to Kafka by the outbox relay.",
    ["service", "type"],
)
EVENTS_CONSUMED = Counter(
    "fleetcare_events_consumed_total",
    "Events consumed, by outcome (processed, duplicate, ignored, dead_lettered).",
    ["service", "type", "outcome"],
)
EVENT_HANDLING_SECONDS = Histogram(
    "fleetcare_event_handling_seconds",
    "Time to apply one consumed event, database commit included.",
    ["service"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
OUTBOX_PENDING = Gauge(
    "fleetcare_outbox_pending",
    "Outbox rows seen waiting at the relay's last look (up to one batch).",
    ["service"],
)
OUTBOX_FAILURES = Counter(
    "fleetcare_outbox_publish_failures_total",
    "Relay attempts that failed to publish (broker unreachable or slow).",
    ["service"],
)
