"""Consecutive events of a partition are applied in one transaction; a failing one falls back
to being applied alone, and the order of the partition is kept."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from shared import consumer as consumer_module
from shared import dead_letters as dead_letters_module
from shared.consumer import EventConsumer
from shared.db import Database
from shared.events import Envelope
from shared.messaging import InboxMessage
from shared.settings import ServiceSettings
from tests.support.polling import eventually
from tests.unit.shared.test_consumer_metrics import (
    PARTITION,
    TOPIC,
    FakeBroker,
    opened,
    record,
)


class Journal(FakeBroker):
    """One timeline of what the handler applied and what went to the dead-letter topic."""

    def __init__(self, records: list[Any], journal: list[str]) -> None:
        super().__init__(records, highwater=len(records))
        self.journal = journal

    async def send_and_wait(
        self, topic: str, value: bytes | None, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        self.journal.append("dead-lettered")
        await super().send_and_wait(topic, value, key, headers)


async def run(db: Database, broker: FakeBroker, handler: Any, service: str,
              monkeypatch: pytest.MonkeyPatch, batch_size: int = 50) -> None:
    monkeypatch.setattr(consumer_module, "make_consumer", lambda *_: broker)
    monkeypatch.setattr(dead_letters_module, "make_producer", lambda *_: broker)
    settings = ServiceSettings(service_name=service, consumer_batch_size=batch_size,
                               consumer_max_attempts=2, consumer_retry_backoff_seconds=0)
    consumer = EventConsumer(settings, db, [TOPIC], {"quality.issue_opened": handler})
    consumer.start()
    try:
        await eventually(lambda: _now(broker.committed.get(PARTITION) == broker.highwater_offset),
                         what="every record committed")
    finally:
        await consumer.stop()


async def inbox(db: Database) -> list[str]:
    async with db.session() as session:
        return sorted((await session.scalars(select(col(InboxMessage.event_id)))).all())


async def test_consecutive_events_share_one_transaction_and_are_all_committed(
    inbox_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions: list[int] = []

    async def handler(session: AsyncSession, event: Envelope) -> None:
        sessions.append(id(session))

    broker = FakeBroker([record(n, opened(f"f{n}")) for n in range(5)], highwater=5)
    await run(inbox_db, broker, handler, "unit-batch-one", monkeypatch)

    assert len(sessions) == 5 and len(set(sessions)) == 1
    assert len(await inbox(inbox_db)) == 5


async def test_an_event_delivered_twice_in_one_batch_is_applied_once(
    inbox_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied: list[str] = []

    async def handler(session: AsyncSession, event: Envelope) -> None:
        applied.append(event.subject)

    # A relay that crashed between publishing and deleting publishes the row again.
    again = opened("twice")
    values = [opened("before"), again, again, opened("after")]
    broker = FakeBroker([record(n, value) for n, value in enumerate(values)], highwater=4)
    await run(inbox_db, broker, handler, "unit-batch-twice", monkeypatch)

    assert applied == ["before", "twice", "after"]
    assert len(await inbox(inbox_db)) == 3


async def test_batches_are_cut_at_the_configured_size(
    inbox_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions: list[int] = []

    async def handler(session: AsyncSession, event: Envelope) -> None:
        sessions.append(id(session))
        await asyncio.sleep(0)

    broker = FakeBroker([record(n, opened(f"f{n}")) for n in range(5)], highwater=5)
    await run(inbox_db, broker, handler, "unit-batch-size", monkeypatch, batch_size=2)

    # Sessions may reuse an address once closed: count changes of session along the way.
    changes = sum(1 for a, b in zip(sessions, sessions[1:], strict=False) if a != b)
    assert len(sessions) == 5 and changes >= 1
    assert len(await inbox(inbox_db)) == 5


async def test_a_failing_event_is_applied_alone_and_the_others_once(
    inbox_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def handler(session: AsyncSession, event: Envelope) -> None:
        if event.subject == "poison":
            raise RuntimeError("cannot apply this one")

    good = [Envelope.from_bytes(opened(name)) for name in ("before", "after")]
    values = [good[0].to_bytes(), opened("poison"), good[1].to_bytes()]
    broker = FakeBroker([record(n, value) for n, value in enumerate(values)], highwater=3)
    await run(inbox_db, broker, handler, "unit-batch-poison", monkeypatch)

    assert await inbox(inbox_db) == sorted(str(e.id) for e in good)
    assert [value for _, value, _ in broker.sent] == [values[1]]


async def test_a_refused_record_is_dead_lettered_after_the_events_before_it(
    inbox_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal: list[str] = []

    async def handler(session: AsyncSession, event: Envelope) -> None:
        journal.append(event.subject)

    values = [opened("first"), b"{not an envelope", opened("third")]
    broker = Journal([record(n, value) for n, value in enumerate(values)], journal)
    await run(inbox_db, broker, handler, "unit-batch-order", monkeypatch)

    assert journal == ["first", "dead-lettered", "third"]


async def _now(value: bool) -> bool:
    return value
