"""Optional tracing: spans around handled and published events, linked by `traceparent`."""

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from aiokafka import ConsumerRecord
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode, Tracer
from sqlalchemy.ext.asyncio import AsyncSession

from shared import tracing
from shared.consumer import EventConsumer
from shared.db import Database
from shared.events import Envelope, FaultReported
from shared.logging import JsonFormatter
from shared.messaging import OutboxMessage
from shared.settings import ServiceSettings
from tests.support.services import REPO

TOPIC = "fleetcare.intake"
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


@dataclass
class Recorded:
    """Tracing switched on for one test, its finished spans kept in memory."""

    tracer: Tracer
    exporter: InMemorySpanExporter

    def spans(self) -> dict[str, ReadableSpan]:
        return {span.name: span for span in self.exporter.get_finished_spans()}


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Recorded:
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("unit")
    monkeypatch.setattr(tracing, "_tracer", tracer)
    return Recorded(tracer, exporter)


def reported(fault_id: str) -> Envelope:
    """A `fault.reported` that passes its schema (consumers dead-letter any other)."""
    now = datetime.now(UTC)
    data = FaultReported(
        fault_id=fault_id, number="FR-20261127-000001", depot_id="D-BJ", vehicle_number="C70-1",
        vehicle_model="CRH380", severity="B", description="brake fault",
        location={"site_code": "BJ-S", "lat": 39.9, "lon": 116.4}, reported_at=now,
        onsite_due=now,
    ).model_dump(mode="json")
    return Envelope(type="fault.reported", source="intake", subject=fault_id,
                    correlation_id=fault_id, data=data)


@pytest.fixture
def consumer_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("parts"))
    logger = logging.getLogger("shared.consumer")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


async def test_a_handled_event_is_traced_and_logged_with_its_fault(
    recorded: Recorded, inbox_db: Database, consumer_log: io.StringIO
) -> None:
    async def reserve(session: AsyncSession, event: Envelope) -> None:
        logging.getLogger("unit.handler").info("reserving")

    envelope = reported("F-1")
    value = envelope.to_bytes()
    record = ConsumerRecord(
        topic=TOPIC, partition=0, offset=0, timestamp=0, timestamp_type=0, key=b"F-1",
        value=value, checksum=None, serialized_key_size=3, serialized_value_size=len(value),
        headers=[("traceparent", TRACEPARENT.encode())],
    )
    consumer = EventConsumer(ServiceSettings(service_name="parts"), inbox_db, [TOPIC],
                             {"fault.reported": reserve})

    await consumer._process(record)

    span = recorded.spans()["process fault.reported"]
    assert span.kind is SpanKind.CONSUMER
    assert f"{span.context.trace_id:032x}" == TRACE_ID
    assert dict(span.attributes or {}) == {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": TOPIC,
        "messaging.message.id": str(envelope.id),
        "fleetcare.event_type": "fault.reported",
        "fleetcare.fault_id": "F-1",
        "fleetcare.correlation_id": "F-1",
        "fleetcare.outcome": "processed",
    }
    (line,) = [json.loads(text) for text in consumer_log.getvalue().splitlines()]
    assert line["message"] == "fault.reported processed"
    assert (line["fault_id"], line["event_type"], line["correlation_id"]) == (
        "F-1", "fault.reported", "F-1")
    assert line["event_id"] == str(envelope.id)


def test_a_published_event_continues_the_trace_that_wrote_it_and_its_consumer_that_one(
    recorded: Recorded,
) -> None:
    envelope = reported("F-2")
    row = OutboxMessage(event_id=str(envelope.id), topic=TOPIC, key="F-2", type=envelope.type,
                        payload=envelope.model_dump_json())
    with recorded.tracer.start_as_current_span("POST /v1/faults"):
        tracing.remember_origin(row.event_id)

    with tracing.publishing([row]) as headers:
        sent = headers[row.event_id]
    with tracing.handling(envelope, TOPIC, sent):
        pass

    spans = recorded.spans()
    request, send, process = (spans[name] for name in
                              ("POST /v1/faults", "send fault.reported", "process fault.reported"))
    assert dict(sent)["traceparent"].decode().split("-")[2] == f"{send.context.span_id:016x}"
    assert send.kind is SpanKind.PRODUCER
    assert send.parent is not None and send.parent.span_id == request.context.span_id
    assert process.parent is not None and process.parent.span_id == send.context.span_id
    assert {request.context.trace_id, send.context.trace_id, process.context.trace_id} == {
        request.context.trace_id}
    assert (send.attributes or {})["fleetcare.fault_id"] == "F-2"


def test_an_event_not_about_a_fault_is_traced_with_its_subject(recorded: Recorded) -> None:
    low = Envelope(type="stock.low", source="parts", subject="BRK-VALVE-01",
                   correlation_id="BRK-VALVE-01", data={"part_number": "BRK-VALVE-01"})

    with tracing.handling(low, "fleetcare.parts", []):
        pass

    attributes = recorded.spans()["process stock.low"].attributes or {}
    assert attributes["fleetcare.subject"] == "BRK-VALVE-01"
    assert "fleetcare.fault_id" not in attributes


def test_a_dead_lettered_event_is_an_error_span(recorded: Recorded) -> None:
    with tracing.handling(reported("F-3"), TOPIC, []):
        tracing.note_outcome("dead_lettered")

    assert recorded.spans()["process fault.reported"].status.status_code is StatusCode.ERROR


def test_a_failed_publish_marks_its_spans_as_errors(recorded: Recorded) -> None:
    envelope = reported("F-4")
    row = OutboxMessage(event_id=str(envelope.id), topic=TOPIC, key="F-4", type=envelope.type,
                        payload=envelope.model_dump_json())

    with pytest.raises(TimeoutError), tracing.publishing([row]):
        raise TimeoutError

    assert recorded.spans()["send fault.reported"].status.status_code is StatusCode.ERROR


# A child process that never touches a database file or the network.
SUBPROCESS_ENV = {"FLEETCARE_DATABASE_URL": "sqlite+aiosqlite:///:memory:"}


def run_python(code: str, **env: str) -> str:
    """What `code` prints in a fresh interpreter (tracing is set up once per process)."""
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, timeout=60, env=os.environ | SUBPROCESS_ENV | env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_with_tracing_off_no_sdk_or_exporter_is_imported_and_nothing_is_traced() -> None:
    printed = run_python(
        "import sys\n"
        "from services.intake.main import create_app\n"
        "from shared import tracing\n"
        "create_app()\n"
        "with tracing.publishing([]) as headers:\n"
        "    assert headers == {}\n"
        "print(sorted(m for m in sys.modules\n"
        "             if m.startswith(('opentelemetry.sdk', 'opentelemetry.exporter'))))\n",
        FLEETCARE_TRACING="off",
    )

    assert printed.strip() == "[]"


# A request reports a fault and stages its event; the relay then publishes it.
CONSOLE_RUN = """
import asyncio
import httpx
from fastapi import FastAPI
from shared import tracing
from shared.events import Envelope
from shared.messaging import OutboxMessage
from shared.settings import ServiceSettings

tracing.configure(ServiceSettings(service_name="intake"))
app = FastAPI(telemetry=tracing.FASTAPI_TELEMETRY)
event = Envelope(type="fault.reported", source="intake", subject="F-5", correlation_id="F-5",
                 data={"fault_id": "F-5"})

@app.post("/v1/faults")
async def report() -> None:
    tracing.remember_origin(str(event.id))

@app.get("/healthz")
async def healthz() -> None:
    return None

async def main() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        await c.post("/v1/faults")
        await c.get("/healthz")
    row = OutboxMessage(event_id=str(event.id), topic="fleetcare.intake", key="F-5",
                        type=event.type, payload=event.model_dump_json())
    with tracing.publishing([row]):
        pass

asyncio.run(main())
"""


def test_console_tracing_prints_a_request_and_the_event_it_published_as_one_trace() -> None:
    printed = run_python(CONSOLE_RUN, FLEETCARE_TRACING="console")

    # One JSON span a line; health probes are not traced.
    request, send = [json.loads(line) for line in printed.splitlines()]
    assert (request["name"], send["name"]) == ("POST /v1/faults", "send fault.reported")
    assert send["context"]["trace_id"] == request["context"]["trace_id"]
    assert send["parent_id"] == request["context"]["span_id"]
    assert send["attributes"]["fleetcare.fault_id"] == "F-5"
    assert send["resource"]["attributes"]["service.name"] == "intake"
