"""Outbox, inbox and consumer against the real broker and PostgreSQL."""

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from shared.consumer import EventConsumer
from shared.db import Database
from shared.events import Envelope, QualityIssueOpened, dead_letter_topic
from shared.messaging import InboxMessage, OutboxMessage
from shared.outbox import add_event, new_event
from shared.relay import OutboxRelay
from shared.settings import ServiceSettings
from tests.support.kafka import create_topic, publish_raw, read_topic
from tests.support.polling import eventually


async def test_committed_events_are_published_in_order_and_leave_the_outbox(
    database: Database, settings: ServiceSettings
) -> None:
    subject = str(uuid.uuid4())
    async with database.session() as session:
        for step in range(5):
            add_event(session, new_event(settings, "fault.acknowledged", subject, {"step": step}))
        await session.commit()
    relay = OutboxRelay(settings, database)
    relay.start()
    try:
        records = await read_topic("fleetcare.intake", until=5, key=subject.encode())

        async def outbox_empty() -> bool:
            async with database.session() as session:
                count = await session.scalar(select(func.count()).select_from(OutboxMessage))
            return count == 0

        await eventually(outbox_empty, timeout=5, what="outbox emptied after publishing")
    finally:
        await relay.stop()

    assert [Envelope.from_bytes(r.value).data["step"] for r in records] == [0, 1, 2, 3, 4]


async def test_a_rolled_back_transaction_publishes_nothing(
    database: Database, settings: ServiceSettings
) -> None:
    subject = str(uuid.uuid4())
    async with database.session() as session:
        add_event(session, new_event(settings, "fault.acknowledged", subject, {}))
        await session.rollback()
    relay = OutboxRelay(settings, database)
    assert await relay.publish_pending() == 0
    await relay.stop()
    assert await read_topic("fleetcare.intake", key=subject.encode(), timeout=3) == []


class Recorder:
    """A handler that remembers what it applied, in the consumer's transaction."""

    def __init__(self, fail_for: set[str] | None = None) -> None:
        self.applied: list[str] = []
        self.fail_for = fail_for or set()

    async def __call__(self, session: AsyncSession, event: Envelope) -> None:
        if event.subject in self.fail_for:
            raise RuntimeError("cannot apply this one")
        self.applied.append(event.subject)


async def run_consumer(
    settings: ServiceSettings, database: Database, recorder: Recorder, group: str
) -> EventConsumer:
    await create_topic(dead_letter_topic(group))
    consumer = EventConsumer(
        settings, database, ["fleetcare.quality"], {"quality.issue_opened": recorder}, group=group
    )
    consumer.start()
    return consumer


def event(subject: str) -> Envelope:
    """A `quality.issue_opened` that passes its schema (consumers dead-letter any other)."""
    data = QualityIssueOpened(
        issue_id=subject, number="QI-20261127-0001", vehicle_model="CRH380", basis="fault_code",
        key="BRK-01", vehicles=["C70-1"], fault_ids=[subject], window_days=30,
        opened_at=datetime.now(UTC),
    ).model_dump(mode="json")
    return Envelope(type="quality.issue_opened", source="quality", subject=subject,
                    correlation_id=subject, data=data)


async def test_an_event_delivered_twice_is_applied_once(
    database: Database, settings: ServiceSettings
) -> None:
    group = f"it-{uuid.uuid4().hex[:8]}"
    twice, after = event(str(uuid.uuid4())), event(str(uuid.uuid4()))
    for envelope in (twice, twice, after):
        await publish_raw("fleetcare.quality", envelope.to_bytes(), key=b"same-partition")
    recorder = Recorder()
    consumer = await run_consumer(settings, database, recorder, group)
    try:
        await eventually(lambda: _has(recorder, after.subject), timeout=20, what="consumed")
    finally:
        await consumer.stop()

    assert recorder.applied.count(twice.subject) == 1
    async with database.session() as session:
        inbox = await session.scalar(
            select(func.count())
            .select_from(InboxMessage)
            .where(col(InboxMessage.consumer) == group)
        )
    assert inbox == 2


async def test_a_malformed_message_is_dead_lettered_and_the_next_one_is_processed(
    database: Database, settings: ServiceSettings
) -> None:
    group = f"it-{uuid.uuid4().hex[:8]}"
    key = uuid.uuid4().hex.encode()
    good = event(str(uuid.uuid4()))
    await publish_raw("fleetcare.quality", b'{"type": "half an envelope"', key=key)
    await publish_raw("fleetcare.quality", good.to_bytes(), key=key)
    recorder = Recorder()
    consumer = await run_consumer(settings, database, recorder, group)
    try:
        await eventually(lambda: _has(recorder, good.subject), timeout=20, what="next consumed")
    finally:
        await consumer.stop()

    letters = await read_topic(f"fleetcare.dlt.{group}", key=key, timeout=5)
    assert [r.value for r in letters] == [b'{"type": "half an envelope"']
    assert dict(letters[0].headers)["fleetcare-original-topic"] == b"fleetcare.quality"


async def test_a_handler_that_keeps_failing_is_dead_lettered_after_its_attempts(
    database: Database, settings: ServiceSettings
) -> None:
    group = f"it-{uuid.uuid4().hex[:8]}"
    poison, good = event(str(uuid.uuid4())), event(str(uuid.uuid4()))
    for envelope in (poison, good):
        await publish_raw("fleetcare.quality", envelope.to_bytes(), key=b"poison-partition")
    recorder = Recorder(fail_for={poison.subject})
    consumer = await run_consumer(settings, database, recorder, group)
    try:
        await eventually(lambda: _has(recorder, good.subject), timeout=20, what="moved on")
    finally:
        await consumer.stop()

    letters = await read_topic(f"fleetcare.dlt.{group}", key=b"poison-partition", timeout=5)
    assert [Envelope.from_bytes(r.value).subject for r in letters] == [poison.subject]
    async with database.session() as session:
        applied = await session.scalar(
            select(func.count()).select_from(InboxMessage).where(
                col(InboxMessage.event_id) == str(poison.id))
        )
    assert applied == 0  # the failed attempts left no trace


async def _has(recorder: Recorder, subject: str) -> bool:
    await asyncio.sleep(0)
    return subject in recorder.applied
