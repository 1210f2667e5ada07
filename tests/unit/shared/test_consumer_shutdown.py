"""Stopping a consumer: the record being applied is finished and its offset committed, the rest
of the batch is left for the next member; stopping is bounded in time."""

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from shared import consumer as consumer_module
from shared.consumer import EventConsumer
from shared.db import Database
from shared.events import Envelope
from shared.settings import ServiceSettings
from tests.support.polling import eventually
from tests.unit.shared.test_consumer_batches import inbox
from tests.unit.shared.test_consumer_metrics import (
    PARTITION,
    TOPIC,
    FakeBroker,
    opened,
    record,
)


class Stopped(FakeBroker):
    """Remembers that the consumer left the group."""

    left = False

    async def stop(self) -> None:
        self.left = True


class Gate:
    """A handler that holds the second record until it is let through."""

    def __init__(self) -> None:
        self.applied: list[str] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, session: AsyncSession, event: Envelope) -> None:
        if event.subject == "second":
            self.entered.set()
            await self.release.wait()
        self.applied.append(event.subject)


async def test_stop_finishes_the_record_being_applied_commits_it_and_leaves_the_group(
    inbox_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = [opened(name) for name in ["first", "second", "third"]]
    broker = Stopped([record(n, value) for n, value in enumerate(values)], highwater=3)
    monkeypatch.setattr(consumer_module, "make_consumer", lambda *_: broker)
    gate = Gate()
    consumer = EventConsumer(ServiceSettings(service_name="unit-shutdown"), inbox_db, [TOPIC],
                             {"quality.issue_opened": gate})
    consumer.start()
    await asyncio.wait_for(gate.entered.wait(), 5)

    stopping = asyncio.create_task(consumer.stop())
    await asyncio.sleep(0.2)
    assert not stopping.done()  # waiting for "second" to be applied, not cancelling it
    gate.release.set()
    await asyncio.wait_for(stopping, 5)

    assert gate.applied == ["first", "second"]
    assert broker.committed == {PARTITION: 2}  # "third" is the next member's to apply
    assert broker.left
    # Its inbox row, written with the batch's, was withdrawn: the redelivery applies it.
    applied = [str(Envelope.from_bytes(value).id) for value in values[:2]]
    assert await inbox(inbox_db) == sorted(applied)


async def test_a_record_that_outlasts_the_grace_is_cancelled_and_left_uncommitted(
    inbox_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = Stopped([record(0, opened("second"))], highwater=1)
    monkeypatch.setattr(consumer_module, "make_consumer", lambda *_: broker)
    gate = Gate()
    settings = ServiceSettings(service_name="unit-shutdown-slow", kafka_timeout_seconds=0.5)
    consumer = EventConsumer(settings, inbox_db, [TOPIC], {"quality.issue_opened": gate})
    consumer.start()
    await asyncio.wait_for(gate.entered.wait(), 5)

    await asyncio.wait_for(consumer.stop(), 3)

    await eventually(lambda: _true(broker.left), timeout=2, what="group left")
    assert gate.applied == []
    assert broker.committed == {}  # redelivered to the next member; the inbox dedupes it


async def _true(value: bool) -> bool:
    return value
