"""Consumer lag per assigned partition: `fleetcare_consumer_lag_messages`."""

import asyncio
import contextlib
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import IllegalStateError

from shared import metrics


class ConsumerLag:
    """Sets the lag (high watermark - position) of each partition a consumer holds.

    Updated from the consumer loop at most every `interval` seconds and within `budget` seconds,
    so message handling never waits long for it. Partitions the consumer no longer holds (after
    a rebalance or a reconnect) lose their series rather than keep showing a stale lag.
    """

    def __init__(self, service: str, interval: float = 5.0, budget: float = 1.0) -> None:
        self.service = service
        self.interval = interval
        self.budget = budget
        self._shown: set[TopicPartition] = set()
        self._due = 0.0

    async def update(self, consumer: AIOKafkaConsumer) -> None:
        """Call after each batch is committed, so the position counts only handled messages."""
        now = time.monotonic()
        if now < self._due:
            return
        self._due = now + self.interval
        self._drop(self._shown - consumer.assignment())
        # Out of time: the partitions not reached keep their last value until the next update.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.budget):
                for partition in sorted(consumer.assignment()):
                    await self._show(consumer, partition)

    def clear(self) -> None:
        """The consumer stopped: it holds no partition any more."""
        self._drop(set(self._shown))

    async def _show(self, consumer: AIOKafkaConsumer, partition: TopicPartition) -> None:
        # Checked again for each partition: a rebalance may revoke it during an earlier await.
        if partition not in consumer.assignment():
            return
        highwater = consumer.highwater(partition)
        if highwater is None:  # known only once a fetch for the partition has answered
            return
        try:
            # Immediate unless the position is still being looked up after an assignment.
            position = await consumer.position(partition)
        except IllegalStateError:  # revoked while waiting
            return
        metrics.CONSUMER_LAG.labels(self.service, partition.topic, str(partition.partition)).set(
            max(highwater - position, 0)
        )
        self._shown.add(partition)

    def _drop(self, partitions: set[TopicPartition]) -> None:
        for partition in partitions:
            metrics.CONSUMER_LAG.remove(self.service, partition.topic, str(partition.partition))
        self._shown -= partitions
