"""Poison messages: a hundred bad ones among a hundred events, on the real broker and database.

Each bad message is one kind of damage a producer bug or a hostile client could put on a topic;
the consumer dead-letters every one with its reason, applies every good event once, and keeps
going.
"""

import json
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from aiokafka import AIOKafkaProducer, TopicPartition
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from shared.consumer import EventConsumer
from shared.db import Database
from shared.events import (
    Envelope,
    EventType,
    FaultAcknowledged,
    FaultClosed,
    FaultReported,
    dead_letter_topic,
)
from shared.messaging import InboxMessage, OutboxMessage
from shared.outbox import add_event, new_event
from shared.settings import ServiceSettings
from tests.support.env import kafka_bootstrap
from tests.support.kafka import committed_offsets, create_topic, read_topic
from tests.support.metrics import sample
from tests.support.polling import eventually

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def reported(fault_id: str, **changes: Any) -> dict[str, Any]:
    """Data of a `fault.reported` as intake publishes it."""
    return FaultReported(
        fault_id=fault_id, number="FR-20261127-000001", depot_id="D-BJ",
        vehicle_number="C70-0001", vehicle_model="CRH380", severity="B",
        description="制动缓解不良", location={"site_code": "BJ-S", "lat": 39.9, "lon": 116.4},
        suspected_parts=[{"part_number": "P-VALVE", "qty": 1}], reported_at=NOW,
        onsite_due=NOW + timedelta(hours=8),
    ).model_dump(mode="json") | changes


def envelope(type_: str, data: Any, **changes: Any) -> bytes:
    fault_id = str(uuid.uuid4())
    fields = {"id": str(uuid.uuid4()), "type": type_, "source": "intake",
              "time": NOW.isoformat(), "subject": fault_id, "correlation_id": fault_id,
              "data": data}
    return json.dumps(fields | changes, ensure_ascii=False).encode()


def without(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in names}


class Poison(NamedTuple):
    make: Callable[[], bytes]
    reason: str  # the dead-letter reason it must get
    named: str  # what the detail in its `fleetcare-error` header must name


F, FR = str(uuid.uuid4()), EventType.FAULT_REPORTED
POISON: dict[str, Poison] = {
    "not json": Poison(lambda: b"{not json at all", "malformed", "Invalid JSON"),
    "empty value": Poison(lambda: b"", "malformed", "Invalid JSON"),
    "json, not an envelope": Poison(lambda: b'{"hello": 1}', "malformed", "type: Field required"),
    "a list": Poison(lambda: b"[1, 2, 3]", "malformed", "Input should be an object"),
    "nested too deep": Poison(lambda: b"[" * 5000 + b"]" * 5000, "malformed", "recursion limit"),
    "data not an object": Poison(lambda: envelope(FR, [F]), "malformed", "data"),
    "subject too long": Poison(lambda: envelope(FR, reported(F), subject="S" * 500),
                               "malformed", "subject"),
    "unknown type": Poison(lambda: envelope("fault.exploded", reported(F)),
                           "unknown_type", "'fault.exploded'"),
    "missing fields": Poison(lambda: envelope(FR, without(reported(F), "number", "location")),
                             "invalid_data", "location: Field required"),
    "wrong field types": Poison(
        lambda: envelope(FR, reported(F, severity=7, suspected_parts=[{"part_number": "P",
                                                                       "qty": "two"}])),
        "invalid_data", "suspected_parts.0.qty"),
    "oversized text": Poison(lambda: envelope(FR, reported(F, description="长" * 200_000)),
                             "invalid_data", "description: String should have at most 4000"),
    "another type's data": Poison(
        lambda: envelope(FR, FaultClosed(fault_id=F, closed_at=NOW).model_dump(mode="json")),
        "invalid_data", "number: Field required"),
}


class Acknowledge:
    """The handler: acknowledges each reported fault through the outbox (one row each)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings

    async def __call__(self, session: AsyncSession, event: Envelope) -> None:
        fault = FaultReported.model_validate(event.data)
        data = FaultAcknowledged(fault_id=fault.fault_id, acknowledged_by="poison-test",
                                 occurred_at=NOW).model_dump(mode="json")
        add_event(session, new_event(self.settings, EventType.FAULT_ACKNOWLEDGED,
                                     fault.fault_id, data, event.correlation_id))


async def publish(topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    """One producer for the whole burst, in order (a single partition keeps the interleaving)."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap(), enable_idempotence=True)
    await producer.start()
    try:
        for key, value in messages:
            await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def handled(database: Database, group: str) -> tuple[int, int, int]:
    """Outbox rows the handler wrote, distinct faults among them, inbox rows of the group."""
    async with database.session() as session:
        rows = select(func.count(), func.count(func.distinct(col(OutboxMessage.key)))).where(
            col(OutboxMessage.type) == EventType.FAULT_ACKNOWLEDGED)
        written, faults = (await session.execute(rows)).one()
        inbox = await session.scalar(select(func.count()).select_from(InboxMessage).where(
            col(InboxMessage.consumer) == group))
    return written, faults, inbox or 0


async def test_a_hundred_poison_messages_among_a_hundred_events_are_dead_lettered_with_reasons(
    database: Database, settings: ServiceSettings
) -> None:
    run = uuid.uuid4().hex[:8]
    source, group = f"fleetcare.it-poison-{run}", f"it-poison-{run}"
    await create_topic(source)
    await create_topic(dead_letter_topic(group))
    kinds = [list(POISON)[n % len(POISON)] for n in range(100)]
    good = [str(uuid.uuid4()) for _ in range(100)]
    burst: list[tuple[bytes, bytes]] = []
    for n, (fault_id, kind) in enumerate(zip(good, kinds, strict=True)):
        value = Envelope(type=EventType.FAULT_REPORTED, source="intake", subject=fault_id,
                         correlation_id=fault_id, data=reported(fault_id)).to_bytes()
        burst += [(fault_id.encode(), value), (f"poison-{n}".encode(), POISON[kind].make())]
    await publish(source, burst)

    consumer = EventConsumer(settings, database, [source],
                             {EventType.FAULT_REPORTED: Acknowledge(settings)}, group=group)
    consumer.start()
    try:
        await eventually(lambda: _consumed(settings.service_name, source, 200), timeout=60,
                         interval=0.2, what="the burst consumed")
        assert await handled(database, group) == (100, 100, 100)
        assert consumer._task is not None and not consumer._task.done()
        assert consumer.healthy

        after = str(uuid.uuid4())
        await publish(source, [(after.encode(), Envelope(
            type=EventType.FAULT_REPORTED, source="intake", subject=after, correlation_id=after,
            data=reported(after)).to_bytes())])

        async def applied_after() -> bool:
            return (await handled(database, group))[0] == 101

        await eventually(applied_after, timeout=20, what="an event after the burst applied")
        # Dead-lettered offsets are committed with the rest: a restart would not see them again.
        await eventually(lambda: _committed(group, source, 201), timeout=10,
                         what="every offset committed")
    finally:
        await consumer.stop()

    letters = await read_topic(dead_letter_topic(group), until=101, timeout=3)
    assert len(letters) == 100
    for letter in letters:
        n = int(letter.key.removeprefix(b"poison-"))
        poison = POISON[kinds[n]]
        error = dict(letter.headers)["fleetcare-error"].decode()
        assert error.startswith(f"{poison.reason}: ") and poison.named in error, (kinds[n], error)
        assert letter.value == burst[2 * n + 1][1]  # as it came, for a replay after a fix
    by_reason = Counter(POISON[kind].reason for kind in kinds)
    for reason, count in by_reason.items():
        assert sample("fleetcare_events_dead_lettered_total", service=settings.service_name,
                      topic=source, reason=reason) == count
    assert sample("fleetcare_events_consumed_total", service=settings.service_name,
                  topic=source, type=EventType.FAULT_REPORTED, outcome="processed") == 101
    # Nothing dead-lettered is marked processed: a replay after a fix applies it.
    assert await handled(database, group) == (101, 101, 101)


async def _consumed(service: str, topic: str, count: int) -> bool:
    """Whether the consumer has settled `count` messages: applied or dead-lettered."""
    outcomes = [(EventType.FAULT_REPORTED, "processed"), (EventType.FAULT_REPORTED,
                "dead_lettered"), ("unknown", "dead_lettered")]
    return sum(sample("fleetcare_events_consumed_total", service=service, topic=topic,
                      type=type_, outcome=outcome) for type_, outcome in outcomes) == count


async def _committed(group: str, topic: str, offset: int) -> bool:
    """Whether the group committed up to `offset` on the topic's one partition."""
    return (await committed_offsets(group)).get(TopicPartition(topic, 0)) == offset
