"""PostgreSQL stops for more than ten seconds under a running consumer, on the real broker.

The events that arrive meanwhile wait: none is dead-lettered, none is lost, and once the database
is back every one is applied exactly once without restarting anything. Stopping the test
cluster is safe because tests run one at a time; it is started again whatever happens.
"""

import asyncio
import logging
import os
import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from shared.consumer import EventConsumer
from shared.db import Database
from shared.events import Envelope, dead_letter_topic
from shared.messaging import InboxMessage, OutboxMessage
from shared.outbox import add_event, new_event
from shared.settings import ServiceSettings
from tests.integration.test_messaging import event
from tests.support.env import kafka_bootstrap
from tests.support.kafka import create_topic, read_topic
from tests.support.polling import eventually

POSTGRES_SH = Path(__file__).resolve().parents[2] / "deploy" / "postgres" / "postgres.sh"
OUTAGE_SECONDS = 12


async def postgres(action: str) -> None:
    """`postgres.sh stop|start` on the suite's cluster (PG_PORT comes from `make test`);
    `start` returns once the server accepts connections."""
    process = await asyncio.create_subprocess_exec(
        str(POSTGRES_SH), action, env=os.environ.copy(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode == 0, f"postgres.sh {action}: {output.decode()[-2000:]}"


async def publish(topic: str, events: list[Envelope]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap(), enable_idempotence=True)
    await producer.start()
    try:
        for envelope in events:
            await producer.send_and_wait(topic, value=envelope.to_bytes(), key=b"one-partition")
    finally:
        await producer.stop()


async def applied(database: Database, group: str, expected: int) -> bool:
    """Whether the group's inbox holds `expected` events."""
    async with database.session() as session:
        count = await session.scalar(
            select(func.count()).select_from(InboxMessage)
            .where(col(InboxMessage.consumer) == group)
        )
    return count == expected


async def test_events_that_arrive_while_postgres_is_down_are_applied_once_when_it_is_back(
    database: Database, settings: ServiceSettings, caplog: pytest.LogCaptureFixture
) -> None:
    group, topic = f"it-outage-{uuid.uuid4().hex[:8]}", f"it.outage.{uuid.uuid4().hex[:8]}"
    await create_topic(topic)
    await create_topic(dead_letter_topic(group))

    async def acknowledge(session: AsyncSession, envelope: Envelope) -> None:
        """The handler's effect is a row in its transaction, so "applied once" is countable."""
        add_event(session, new_event(settings, "fault.acknowledged", envelope.subject, {}))

    before = [event(str(uuid.uuid4())) for _ in range(20)]
    during = [event(str(uuid.uuid4())) for _ in range(20)]
    consumer = EventConsumer(settings, database, [topic],
                             {"quality.issue_opened": acknowledge}, group=group)
    consumer.start()
    try:
        await publish(topic, before)
        await eventually(lambda: applied(database, group, 20), timeout=30,
                         what="the first 20 applied")
        await postgres("stop")
        try:
            with caplog.at_level(logging.WARNING, logger="shared.transient"):
                await publish(topic, during)
                await asyncio.sleep(OUTAGE_SECONDS)
        finally:
            await postgres("start")
        await eventually(lambda: applied(database, group, 40), timeout=30,
                         what="all 40 applied after the outage")
        await eventually(lambda: _true(consumer.healthy), timeout=15, what="consumer healthy")
    finally:
        await consumer.stop()

    assert any("database unavailable" in r.getMessage() for r in caplog.records)
    async with database.session() as session:
        effects = (await session.execute(
            select(col(OutboxMessage.key), func.count()).group_by(col(OutboxMessage.key))
        )).all()
    assert dict(effects) == {e.subject: 1 for e in before + during}  # each applied exactly once
    assert await read_topic(dead_letter_topic(group), timeout=3) == []


async def _true(value: bool) -> bool:
    return value
