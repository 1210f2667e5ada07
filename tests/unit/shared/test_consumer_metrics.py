"""The consumer's metrics, driven through a stand-in broker and a throwaway SQLite inbox."""

import asyncio
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy.ext.asyncio import AsyncSession

from shared import consumer as consumer_module
from shared import dead_letters as dead_letters_module
from shared.consumer import EventConsumer
from shared.consumer_lag import ConsumerLag
from shared.db import Database
from shared.events import Envelope, QualityIssueOpened
from shared.settings import ServiceSettings
from tests.support.metrics import exported, sample
from tests.support.polling import eventually

TOPIC = "fleetcare.quality"
PARTITION = TopicPartition(TOPIC, 0)


class FakeBroker:
    """Answers the consumer calls our loop makes: one batch, then empty polls."""

    def __init__(self, records: list[ConsumerRecord[bytes, bytes]], highwater: int) -> None:
        self.batches = [{PARTITION: records}]
        self.committed: dict[TopicPartition, int] = {}
        self.highwater_offset = highwater
        self.sent: list[tuple[str, bytes | None, list[tuple[str, bytes]]]] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def getmany(self, timeout_ms: int) -> dict[TopicPartition, list[Any]]:
        if self.batches:
            return self.batches.pop(0)
        await asyncio.sleep(timeout_ms / 1000)
        return {}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.committed.update(offsets)

    def assignment(self) -> set[TopicPartition]:
        return {PARTITION}

    def highwater(self, partition: TopicPartition) -> int:
        return self.highwater_offset

    async def position(self, partition: TopicPartition) -> int:
        return self.committed.get(partition, 0)

    async def send_and_wait(
        self, topic: str, value: bytes | None, key: bytes | None, headers: list[tuple[str, bytes]]
    ) -> None:
        self.sent.append((topic, value, headers))


def record(offset: int, value: bytes) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        topic=TOPIC, partition=0, offset=offset, timestamp=0, timestamp_type=0, key=b"k",
        value=value, checksum=None, serialized_key_size=1, serialized_value_size=len(value),
        headers=[],
    )


def opened(subject: str) -> bytes:
    data = QualityIssueOpened(
        issue_id=subject, number="QI-20261127-0001", vehicle_model="CRH380", basis="fault_code",
        key="BRK-01", vehicles=["C70-1"], fault_ids=[subject], window_days=30,
        opened_at=datetime.now(UTC),
    ).model_dump(mode="json")
    return Envelope(type="quality.issue_opened", source="quality", subject=subject,
                    correlation_id=subject, data=data).to_bytes()


async def refuse_poison(session: AsyncSession, event: Envelope) -> None:
    if event.subject == "poison":
        raise RuntimeError("cannot apply this one")


async def test_failed_attempts_dead_letters_and_lag_are_counted_by_topic(
    inbox_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = "unit-consumer"
    poison = opened("poison")
    broker = FakeBroker(
        [record(0, b"{not an envelope"), record(1, poison), record(2, opened("good"))],
        highwater=5,
    )
    monkeypatch.setattr(consumer_module, "make_consumer", lambda *_: broker)
    monkeypatch.setattr(dead_letters_module, "make_producer", lambda *_: broker)
    settings = ServiceSettings(service_name=service, consumer_max_attempts=3,
                               consumer_retry_backoff_seconds=0)
    consumer = EventConsumer(settings, inbox_db, [TOPIC], {"quality.issue_opened": refuse_poison})
    lag = {"service": service, "topic": TOPIC, "partition": "0"}
    consumer.start()
    try:
        # High watermark 5, three messages handled and committed: two still to read.
        await eventually(lambda: _true(sample("fleetcare_consumer_lag_messages", **lag) == 2),
                         what="lag shown")
    finally:
        await consumer.stop()

    by_topic = {"service": service, "topic": TOPIC}
    assert sample("fleetcare_event_handling_failures_total", **by_topic,
                  type="quality.issue_opened") == 3
    assert sample("fleetcare_events_dead_lettered_total", **by_topic, reason="malformed") == 1
    assert sample("fleetcare_events_dead_lettered_total", **by_topic, reason="handler_failed") == 1
    assert sample("fleetcare_events_consumed_total", **by_topic, type="unknown",
                  outcome="dead_lettered") == 1
    assert sample("fleetcare_events_consumed_total", **by_topic, type="quality.issue_opened",
                  outcome="processed") == 1
    assert [value for _, value, _ in broker.sent] == [b"{not an envelope", poison]
    # A stopped consumer holds no partition: no stale series is left behind.
    assert not exported("fleetcare_consumer_lag_messages", **lag)


class Reassigned(FakeBroker):
    """A consumer whose partitions change under it, as in a rebalance."""

    def __init__(self) -> None:
        super().__init__([], highwater=10)
        self.assigned = {PARTITION, TopicPartition(TOPIC, 1)}
        self.fetched = {PARTITION}

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def highwater(self, partition: TopicPartition) -> int | None:  # type: ignore[override]
        return self.highwater_offset if partition in self.fetched else None

    async def position(self, partition: TopicPartition) -> int:
        return 4


async def test_a_partition_lost_in_a_rebalance_stops_showing_its_lag() -> None:
    service = "unit-rebalance"
    broker = Reassigned()
    lag = ConsumerLag(service, interval=0)
    kafka = cast(AIOKafkaConsumer, broker)

    await lag.update(kafka)
    assert sample("fleetcare_consumer_lag_messages", service=service, topic=TOPIC,
                  partition="0") == 6
    # No fetch answered for partition 1 yet: its lag is unknown, not zero.
    assert not exported("fleetcare_consumer_lag_messages", service=service, topic=TOPIC,
                        partition="1")

    broker.assigned = {TopicPartition(TOPIC, 1)}
    broker.fetched = {TopicPartition(TOPIC, 1)}
    await lag.update(kafka)
    assert not exported("fleetcare_consumer_lag_messages", service=service, topic=TOPIC,
                        partition="0")
    assert sample("fleetcare_consumer_lag_messages", service=service, topic=TOPIC,
                  partition="1") == 6


async def test_lag_is_not_recomputed_before_its_interval() -> None:
    service = "unit-throttle"
    broker = Reassigned()
    lag = ConsumerLag(service, interval=60)
    labels = {"service": service, "topic": TOPIC, "partition": "0"}

    await lag.update(cast(AIOKafkaConsumer, broker))
    broker.highwater_offset = 100
    await lag.update(cast(AIOKafkaConsumer, broker))

    assert sample("fleetcare_consumer_lag_messages", **labels) == 6


async def _true(value: bool) -> bool:
    return value
