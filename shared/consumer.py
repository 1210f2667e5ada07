"""Consumers: apply each event once, commit the offset after the database commit."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, ConsumerRecord
from pydantic import ValidationError

from shared import metrics
from shared.applying import Admitted, EventApplier, Handler
from shared.consumer_lag import ConsumerLag
from shared.db import Database
from shared.dead_letters import DeadLetters, Refusal, invalid_fields
from shared.events import Envelope, data_schema
from shared.kafka import bounded, make_consumer
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

__all__ = ["EventConsumer", "Handler"]


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
        # A handler for a type with no schema could never run: its events are dead-lettered.
        if unknown := sorted(t for t in handlers if data_schema(t) is None):
            raise ValueError(f"no event schema for the handled types {unknown}")
        self.handlers = handlers
        self.group = group or settings.consumer_group or settings.service_name
        self.last_poll_ok = 0.0
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.dead_letters = DeadLetters(settings, self.group)
        self.applier = EventApplier(settings, db, self.group, self.dead_letters, self._stopping)
        self._lag = ConsumerLag(settings.service_name)

    @property
    def healthy(self) -> bool:
        return time.monotonic() - self.last_poll_ok < 3 * self.settings.kafka_timeout_seconds

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.group}")

    async def stop(self) -> None:
        """Stop cleanly: finish the record being applied, commit the offsets of what was
        processed and leave the group, so the partitions move to another member at once and
        nothing is delivered twice. Bounded by `kafka_timeout_seconds`; past it (a record
        waiting out a database outage) the loop is cancelled and the uncommitted rest is
        redelivered, which the inbox makes harmless."""
        self._stopping.set()
        if self._task:
            try:
                await asyncio.wait_for(
                    asyncio.shield(self._task), self.settings.kafka_timeout_seconds
                )
            except TimeoutError:
                log.warning("consumer %s: not stopped within %g s; cancelling",
                            self.group, self.settings.kafka_timeout_seconds)
            except Exception as exc:
                log.warning("consumer %s: stopped with %s", self.group, exc)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.dead_letters.close()

    async def _run(self) -> None:
        timeout = self.settings.kafka_timeout_seconds
        while not self._stopping.is_set():
            consumer = make_consumer(self.settings, self.group, self.topics)
            try:
                await bounded(consumer.start(), timeout)
                await self._consume(consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer %s: %s; reconnecting", self.group, exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), 1.0)
            finally:
                self._lag.clear()
                # stop() sends LeaveGroup: the group rebalances now, not after a session timeout.
                await asyncio.shield(
                    asyncio.gather(asyncio.wait_for(consumer.stop(), 5), return_exceptions=True)
                )

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        """Poll and apply until stop() is asked; returns between records, never inside one."""
        timeout = self.settings.kafka_timeout_seconds
        while not self._stopping.is_set():
            batch = await bounded(consumer.getmany(timeout_ms=500), timeout + 5)
            self.last_poll_ok = time.monotonic()
            for partition, records in batch.items():
                done = await self._process_all(records)
                # Only after the records' transactions committed: a crash redelivers, never loses.
                if done is not None:
                    await bounded(consumer.commit({partition: done}), timeout)
            await self._lag.update(consumer)

    async def _process_all(self, records: list[ConsumerRecord[bytes, bytes]]) -> int | None:
        """Apply one partition's records in order, consecutive applicable ones together in one
        transaction (up to `consumer_batch_size`): under a backlog one commit, and one planning
        snapshot in dispatch, serve many events. Returns the offset to commit next (None when
        stopped before the first record)."""
        done = None
        together: list[Admitted] = []

        async def flush() -> bool:
            """Apply what is gathered; False when stop() cut it short."""
            nonlocal done, together
            applied = await self.applier.apply_together(together)
            if applied:
                done = together[applied - 1].record.offset + 1
            complete = applied == len(together)
            together = []
            return complete

        for record in records:
            if self._stopping.is_set():
                break
            verdict = self._judge(record)
            if isinstance(verdict, Admitted):
                together.append(verdict)
                if len(together) >= self.settings.consumer_batch_size and not await flush():
                    return done
                continue
            if together and not await flush():
                return done
            if isinstance(verdict, Refusal):  # after the records before it, in order
                await self.dead_letters.refuse(record, verdict)
            done = record.offset + 1
        if together:
            await flush()
        return done

    async def _process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """Validate the message, then apply it on its own."""
        verdict = self._judge(record)
        if isinstance(verdict, Admitted):
            await self.applier.handle(verdict)
        elif isinstance(verdict, Refusal):
            await self.dead_letters.refuse(record, verdict)

    def _judge(self, record: ConsumerRecord[bytes, bytes]) -> Admitted | Refusal | None:
        """The record with its envelope and handler when it is to be applied; a refusal for
        the dead-letter topic (sent before any database write, so nothing of it is
        half-applied); None for a type the group does not handle (counted as ignored)."""
        try:
            envelope = Envelope.from_bytes(record.value or b"")
        except (ValidationError, ValueError) as exc:
            return Refusal("malformed", f"not an envelope: {invalid_fields(exc)}")
        schema = data_schema(envelope.type)
        if schema is None:
            return Refusal("unknown_type", f"unknown event type {envelope.type!r}")
        # The data of a type this group does not handle is not its to judge (else one
        # producer's bad event would fill every group's dead-letter topic).
        handler = self.handlers.get(envelope.type)
        if handler is None:
            metrics.EVENTS_CONSUMED.labels(
                self.settings.service_name, record.topic, envelope.type, "ignored").inc()
            return None
        try:
            schema.model_validate(envelope.data)
        except ValidationError as exc:
            return Refusal("invalid_data", f"{envelope.type} data: {invalid_fields(exc)}",
                           envelope.type)
        return Admitted(record, envelope, handler)
