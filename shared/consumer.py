"""Consumers: apply each event once, commit the offset after the database commit."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shared import metrics
from shared.db import Database
from shared.events import Envelope, dead_letter_topic
from shared.inbox import first_delivery
from shared.kafka import bounded, make_consumer, make_producer
from shared.logging import correlation_id
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]


class EventConsumer:
    """Runs one consumer group: inbox for idempotence, retries, then the dead-letter topic."""

    def __init__(
        self,
        settings: ServiceSettings,
        db: Database,
        topics: list[str],
        handlers: Mapping[str, Handler],
        group: str | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.topics = topics
        self.handlers = handlers
        self.group = group or settings.consumer_group or settings.service_name
        self.last_poll_ok = 0.0
        self._task: asyncio.Task[None] | None = None
        self._dlt_producer: AIOKafkaProducer | None = None

    @property
    def healthy(self) -> bool:
        return time.monotonic() - self.last_poll_ok < 3 * self.settings.kafka_timeout_seconds

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.group}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._dlt_producer is not None:
            await asyncio.gather(
                asyncio.wait_for(self._dlt_producer.stop(), 5), return_exceptions=True
            )

    async def _run(self) -> None:
        timeout = self.settings.kafka_timeout_seconds
        while True:
            consumer = make_consumer(self.settings, self.group, self.topics)
            try:
                await bounded(consumer.start(), timeout)
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer %s: %s; reconnecting", self.group, exc)
                await asyncio.sleep(1.0)
            finally:
                await asyncio.shield(
                    asyncio.gather(asyncio.wait_for(consumer.stop(), 5), return_exceptions=True)
                )

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        timeout = self.settings.kafka_timeout_seconds
        while True:
            batch = await bounded(consumer.getmany(timeout_ms=500), timeout + 5)
            self.last_poll_ok = time.monotonic()
            for partition, records in batch.items():
                for record in records:
                    await self._process(record)
                # Only after every record's transaction committed: a crash redelivers, never loses.
                await bounded(consumer.commit({partition: records[-1].offset + 1}), timeout)

    async def _process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        service = self.settings.service_name
        try:
            envelope = Envelope.from_bytes(record.value or b"")
        except (ValidationError, ValueError) as exc:
            await self._dead_letter(record, f"malformed envelope: {exc.__class__.__name__}")
            metrics.EVENTS_CONSUMED.labels(service, "unknown", "dead_lettered").inc()
            return
        handler = self.handlers.get(envelope.type)
        if handler is None:
            metrics.EVENTS_CONSUMED.labels(service, envelope.type, "ignored").inc()
            return
        token = correlation_id.set(envelope.correlation_id)
        try:
            outcome = await self._apply(handler, envelope)
            if outcome is None:
                await self._dead_letter(record, "handler failed after retries")
                outcome = "dead_lettered"
            metrics.EVENTS_CONSUMED.labels(service, envelope.type, outcome).inc()
        finally:
            correlation_id.reset(token)

    async def _apply(self, handler: Handler, envelope: Envelope) -> str | None:
        """Run the handler in one transaction with the inbox row; None when every try failed."""
        attempts = self.settings.consumer_max_attempts
        for attempt in range(1, attempts + 1):
            try:
                started = time.perf_counter()
                async with self.db.session() as session:
                    fresh = await first_delivery(session, self.group, envelope)
                    if fresh:
                        await handler(session, envelope)
                    await session.commit()
                metrics.EVENT_HANDLING_SECONDS.labels(self.settings.service_name).observe(
                    time.perf_counter() - started
                )
                return "processed" if fresh else "duplicate"
            except Exception:
                log.exception(
                    "handling %s %s failed (attempt %d/%d)",
                    envelope.type, envelope.id, attempt, attempts,
                )
                await asyncio.sleep(self.settings.consumer_retry_backoff_seconds * attempt)
        return None

    async def _dead_letter(self, record: ConsumerRecord[bytes, bytes], reason: str) -> None:
        timeout = self.settings.kafka_timeout_seconds
        if self._dlt_producer is None:
            producer = make_producer(self.settings)
            await bounded(producer.start(), timeout)
            self._dlt_producer = producer
        headers = [
            ("fleetcare-error", reason.encode()),
            ("fleetcare-original-topic", record.topic.encode()),
            ("fleetcare-original-partition", str(record.partition).encode()),
            ("fleetcare-original-offset", str(record.offset).encode()),
        ]
        await bounded(
            self._dlt_producer.send_and_wait(
                dead_letter_topic(self.group), value=record.value, key=record.key, headers=headers
            ),
            timeout,
        )
        log.warning(
            "dead-lettered %s[%d]@%d: %s", record.topic, record.partition, record.offset, reason
        )

