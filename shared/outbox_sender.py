"""The outbox relay's Kafka side: one producer, started when first needed and dropped after a
failure (the next round starts a fresh one), and a batch of rows sent in order."""

import asyncio
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from shared import tracing
from shared.kafka import bounded, make_producer
from shared.messaging import OutboxMessage
from shared.settings import ServiceSettings

log = logging.getLogger("shared.relay")


class OutboxSender:
    """Sends outbox rows to their topics; every call bounded by `kafka_timeout_seconds`."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._producer: AIOKafkaProducer | None = None

    async def send(self, rows: Sequence[OutboxMessage]) -> None:
        producer = await self._ensure_producer()
        timeout = self.settings.kafka_timeout_seconds
        # Sends are pipelined; an idempotent producer keeps per-partition order on retries.
        with tracing.publishing(rows) as headers:
            futures = [
                await bounded(
                    producer.send(row.topic, value=row.payload.encode(), key=row.key.encode(),
                                  headers=headers.get(row.event_id)),
                    timeout,
                )
                for row in rows
            ]
            await bounded(asyncio.gather(*futures), timeout)

    async def close(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await _quiet_stop(producer)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = make_producer(self.settings)
            try:
                await bounded(producer.start(), self.settings.kafka_timeout_seconds)
            except BaseException:
                await asyncio.shield(_quiet_stop(producer))
                raise
            self._producer = producer
        return self._producer


async def _quiet_stop(producer: AIOKafkaProducer) -> None:
    try:
        await asyncio.wait_for(producer.stop(), 5)
    except Exception as exc:
        log.debug("producer stop failed: %s", exc)
