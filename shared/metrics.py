"""Prometheus metrics every service exports (docs/metrics.md is the catalogue)."""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "fleetcare_http_requests_total",
    "HTTP requests served, by route template and status class (2xx..5xx).",
    ["service", "method", "route", "status_class"],
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
    ["service", "topic", "type"],
)
EVENTS_CONSUMED = Counter(
    "fleetcare_events_consumed_total",
    "Events consumed, by outcome (processed, duplicate, ignored, dead_lettered).",
    ["service", "topic", "type", "outcome"],
)
EVENT_HANDLING_FAILURES = Counter(
    "fleetcare_event_handling_failures_total",
    "Failed attempts to apply an event (each retry counts; the last one dead-letters it).",
    ["service", "topic", "type"],
)
EVENTS_DEAD_LETTERED = Counter(
    "fleetcare_events_dead_lettered_total",
    "Messages sent to the group's dead-letter topic, by reason (malformed, unknown_type,"
    " invalid_data, handler_failed).",
    ["service", "topic", "reason"],
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
OUTBOX_OLDEST_PENDING_AGE = Gauge(
    "fleetcare_outbox_oldest_pending_age_seconds",
    "Age of the oldest unpublished outbox row at the relay's last look (0 when empty).",
    ["service"],
)
OUTBOX_PUBLISH_LAG = Histogram(
    "fleetcare_outbox_publish_lag_seconds",
    "Time from an outbox row being written to its publication.",
    ["service"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
OUTBOX_FAILURES = Counter(
    "fleetcare_outbox_publish_failures_total",
    "Relay attempts that failed to publish (broker unreachable or slow).",
    ["service"],
)
CONSUMER_LAG = Gauge(
    "fleetcare_consumer_lag_messages",
    "Messages in an assigned partition not yet consumed by this group (high watermark - position).",
    ["service", "topic", "partition"],
)
READY = Gauge(
    "fleetcare_ready",
    "1 when the dependency (database, kafka) answered at the last readiness check, else 0.",
    ["service", "dependency"],
)
