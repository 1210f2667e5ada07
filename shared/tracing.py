"""Optional OpenTelemetry tracing, chosen by `FLEETCARE_TRACING`: off (default), console, otlp.

On, a fault's journey is one trace: FastAPI's own request spans (FastAPI traces natively once a
tracer provider is installed), a producer span per published outbox row and a consumer span per
handled event, linked across services by the W3C `traceparent` Kafka header. Off, nothing of
the OpenTelemetry SDK is imported and no collector is needed: every function here returns at
once.

The relay publishes an outbox row after its transaction committed, in its own task; the trace
context of the request or handler that wrote the row is kept in process until then (a row left
by a crash is published as the start of a new trace).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from fastapi.telemetry import TelemetryConfig

from shared.logging import event_fields

if TYPE_CHECKING:
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer

    from shared.events import Envelope
    from shared.messaging import OutboxMessage
    from shared.settings import ServiceSettings

KafkaHeaders = list[tuple[str, bytes]]

# Probes and scrapes every few seconds would drown the spans that matter.
_UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

# FastAPI's native telemetry: request spans only (Prometheus has the metrics, our JSON the logs).
FASTAPI_TELEMETRY: TelemetryConfig = {
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "exclude": lambda scope: scope.get("path") in _UNTRACED_PATHS,
}

# Origins of rows a rolled-back transaction wrote are never claimed: the oldest are forgotten.
_MAX_ORIGINS = 10_000

_tracer: Tracer | None = None
_origins: OrderedDict[str, dict[str, str]] = OrderedDict()


def configure(settings: ServiceSettings) -> None:
    """Install the process's tracer provider (once) when tracing is on."""
    global _tracer
    if settings.tracing == "off" or _tracer is not None:
        return
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": settings.service_name}))
    provider.add_span_processor(BatchSpanProcessor(_exporter(settings.tracing)))
    # Global, so FastAPI's request spans use it too; the SDK flushes it at exit.
    trace.set_tracer_provider(provider)
    _tracer = provider.get_tracer("fleetcare")


def _exporter(mode: str) -> SpanExporter:
    if mode == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        # One span a line on stdout, like the logs (the default spreads a span over many).
        return ConsoleSpanExporter(formatter=lambda span: span.to_json(indent=None) + "\n")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    # OTEL_EXPORTER_OTLP_ENDPOINT chooses the collector (default http://localhost:4318).
    return OTLPSpanExporter()


def remember_origin(event_id: str) -> None:
    """Keep the trace context writing an outbox row until the relay publishes it."""
    if _tracer is None:
        return
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    if carrier:
        _origins[event_id] = carrier
        if len(_origins) > _MAX_ORIGINS:
            _origins.popitem(last=False)


@contextmanager
def publishing(rows: Sequence[OutboxMessage]) -> Iterator[Mapping[str, KafkaHeaders]]:
    """Producer spans for a batch of outbox rows, open until the block ends (the broker's ack).

    Yields each row's Kafka headers by event id, carrying its span's `traceparent`; empty when
    tracing is off.
    """
    if _tracer is None:
        yield {}
        return
    from opentelemetry import propagate, trace
    from opentelemetry.trace import SpanKind, StatusCode

    spans: list[Span] = []
    headers: dict[str, KafkaHeaders] = {}
    for row in rows:
        data = json.loads(row.payload).get("data", {})
        span = _tracer.start_span(
            f"send {row.type}",
            context=propagate.extract(_origins.pop(row.event_id, {})),
            kind=SpanKind.PRODUCER,
            attributes=_attributes(row.event_id, row.type, row.key, data, row.topic, "send"),
        )
        carrier: dict[str, str] = {}
        propagate.inject(carrier, context=trace.set_span_in_context(span))
        headers[row.event_id] = [(key, value.encode()) for key, value in carrier.items()]
        spans.append(span)
    try:
        yield headers
    except BaseException as exc:
        for span in spans:
            span.record_exception(exc)
            span.set_status(StatusCode.ERROR)
        raise
    finally:
        for span in spans:
            span.end()


@contextmanager
def handling(
    envelope: Envelope, topic: str, headers: Sequence[tuple[str, bytes]]
) -> Iterator[None]:
    """A consumer span around handling one event, continuing the trace its producer sent."""
    if _tracer is None:
        yield
        return
    from opentelemetry import propagate
    from opentelemetry.trace import SpanKind

    parent = propagate.extract({key: value.decode("latin-1") for key, value in headers})
    attributes = _attributes(
        str(envelope.id), envelope.type, envelope.subject, envelope.data, topic, "process"
    )
    attributes["fleetcare.correlation_id"] = envelope.correlation_id
    with _tracer.start_as_current_span(
        f"process {envelope.type}", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    ):
        yield


def note_outcome(outcome: str) -> None:
    """Record how handling ended on the current span; a dead-lettered event is an error."""
    if _tracer is None:
        return
    from opentelemetry import trace
    from opentelemetry.trace import StatusCode

    span = trace.get_current_span()
    span.set_attribute("fleetcare.outcome", outcome)
    if outcome == "dead_lettered":
        span.set_status(StatusCode.ERROR, "dead-lettered")


def _attributes(
    event_id: str, type_: str, subject: str, data: Mapping[str, Any], topic: str, operation: str
) -> dict[str, str]:
    fields = event_fields(type_, subject, data)
    return {
        "messaging.system": "kafka",
        "messaging.operation.type": operation,
        "messaging.destination.name": topic,
        "messaging.message.id": event_id,
        **{f"fleetcare.{key}": value for key, value in fields.items()},
    }
