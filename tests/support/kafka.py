"""Talk to the real test broker directly: publish raw bytes, read a topic."""

import asyncio
import time

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.support.env import kafka_bootstrap


async def publish_raw(topic: str, value: bytes, key: bytes | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap(), enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=key)
    finally:
        await producer.stop()


async def read_topic(
    topic: str, until: int = 1, timeout: float = 15.0, key: bytes | None = None
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read from the beginning (no group) until `until` records match `key`, or time runs out."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka_bootstrap(), auto_offset_reset="earliest",
        enable_auto_commit=False, group_id=None,
    )
    await consumer.start()
    found: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout
    try:
        while len(found) < until and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for records in batch.values():
                found += [r for r in records if key is None or r.key == key]
            await asyncio.sleep(0)
    finally:
        await consumer.stop()
    return found


async def create_topic(name: str, partitions: int = 1) -> None:
    """Topics are not auto-created on our brokers; a test's own group needs its DLT made."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()


async def partitions(topics: list[str]) -> list[TopicPartition]:
    """Every partition of the topics, as the broker describes them (a group-less consumer's
    `topics()` does not fill the metadata `partitions_for_topic` reads, on aiokafka 0.14)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    await admin.start()
    try:
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    return [TopicPartition(topic["topic"], p["partition"])
            for topic in described for p in topic["partitions"]]


async def committed_offsets(group: str) -> dict[TopicPartition, int]:
    """The next offset the consumer group will read, per partition it has committed on."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp: meta.offset for tp, meta in found.items() if meta.offset >= 0}


async def lag(group: str, topics: list[str]) -> int:
    """Messages on `topics` that the consumer group has not committed yet."""
    found = await partitions(topics)
    done = await committed_offsets(group)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), group_id=None)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(found)
    finally:
        await consumer.stop()
    return sum(end - done.get(tp, 0) for tp, end in ends.items())
