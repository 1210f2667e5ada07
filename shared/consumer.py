"""Consumers: apply each event once, commit the offset after the database commit."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shared import metrics, tracing
from shared.consumer_lag import ConsumerLag
from shared.db import Database
from shared.events import (
    DLT_ERROR_HEADER,
    DLT_ORIGINAL_OFFSET_HEADER,
    DLT_ORIGINAL_PARTITION_HEADER,
    DLT_ORIGINAL_TOPIC_HEADER,
    Envelope,
    data_schema,
    dead_letter_topic,
)
from shared.inbox import first_delivery
from shared.kafka import bounded, make_consumer, make_producer
from shared.logging import event_fields, log_context
from shared.settings import ServiceSettings
from shared.transient import OutageBackoff, is_transient

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]


class Refusal(NamedTuple):
    """Why a record goes to the dead-letter topic (see `EventConsumer._refuse`)."""

    reason: str
    detail: str
    type_: str = "unknown"


@dataclass(frozen=True)
class Admitted:
    """A record that passed validation, with its envelope and the handler that applies it."""

    record: ConsumerRecord[bytes, bytes]
    envelope: Envelope
    handler: Handler


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
        self._dlt_producer: AIOKafkaProducer | None = None
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
        if self._dlt_producer is not None:
            await asyncio.gather(
                asyncio.wait_for(self._dlt_producer.stop(), 5), return_exceptions=True
            )

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
            applied = await self._apply_together(together)
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
                await self._refuse(record, *verdict)
            done = record.offset + 1
        if together:
            await flush()
        return done

    async def _process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        """Validate the message, then apply it on its own."""
        verdict = self._judge(record)
        if isinstance(verdict, Admitted):
            await self._handle(verdict)
        elif isinstance(verdict, Refusal):
            await self._refuse(record, *verdict)

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

    def _context(self, admitted: Admitted) -> contextlib.ExitStack:
        envelope, record = admitted.envelope, admitted.record
        about = event_fields(envelope.type, envelope.subject, envelope.data)
        stack = contextlib.ExitStack()
        stack.enter_context(log_context(correlation_id=envelope.correlation_id, **about))
        stack.enter_context(tracing.handling(envelope, record.topic, record.headers))
        return stack

    def _done(self, admitted: Admitted, outcome: str) -> None:
        envelope, record = admitted.envelope, admitted.record
        metrics.EVENTS_CONSUMED.labels(
            self.settings.service_name, record.topic, envelope.type, outcome).inc()
        tracing.note_outcome(outcome)
        # One line per handled event: `grep <fault id>` shows where the fault has been.
        log.info("%s %s", envelope.type, outcome,
                 extra={"event_id": str(envelope.id), "outcome": outcome})

    async def _handle(self, admitted: Admitted) -> None:
        """Apply one event in a transaction of its own, with its retries and dead-letter."""
        with self._context(admitted):
            outcome = await self._apply(admitted.handler, admitted.envelope,
                                        admitted.record.topic)
            if outcome is None:
                await self._dead_letter(admitted.record, "handler_failed", "handler failed "
                                        f"after {self.settings.consumer_max_attempts} attempts")
                outcome = "dead_lettered"
            self._done(admitted, outcome)

    async def _apply_together(self, admitted: list[Admitted]) -> int:
        """Apply several events in one transaction, each with its inbox row; returns how many
        were applied (fewer than given when stop() was asked meanwhile: the transaction holds
        the ones before). If a handler fails, the transaction rolls back and each event is
        applied alone, with its own retries and dead-letter. A database outage is waited out
        as for a single event."""
        if len(admitted) == 1:
            await self._handle(admitted[0])
            return 1
        outage = OutageBackoff(f"consumer {self.group}: {len(admitted)} events")
        while True:
            try:
                started = time.perf_counter()
                outcomes: list[str] = []
                async with self.db.session() as session:
                    for one in admitted:
                        if outcomes and self._stopping.is_set():
                            break
                        with self._context(one):
                            fresh = await first_delivery(session, self.group, one.envelope)
                            if fresh:
                                await one.handler(session, one.envelope)
                        outcomes.append("processed" if fresh else "duplicate")
                    await session.commit()
                elapsed = (time.perf_counter() - started) / len(outcomes)
                for one, outcome in zip(admitted, outcomes, strict=False):
                    metrics.EVENT_HANDLING_SECONDS.labels(
                        self.settings.service_name).observe(elapsed)
                    with self._context(one):
                        self._done(one, outcome)
                outage.recovered()
                return len(outcomes)
            except Exception as exc:
                if is_transient(exc):
                    await outage.wait(exc)
                    continue
                log.warning("%d events failed together (%s); applying them one by one",
                            len(admitted), type(exc).__name__)
                for applied, one in enumerate(admitted):
                    if applied and self._stopping.is_set():
                        return applied
                    await self._handle(one)
                return len(admitted)

    async def _apply(self, handler: Handler, envelope: Envelope, topic: str) -> str | None:
        """Run the handler in one transaction with the inbox row; None when every try failed.

        A transient failure (the database unreachable, `shared.transient`) is not the event's:
        it uses up no attempt and is retried until the database is back, however long that
        takes, with the offset uncommitted, so a crash meanwhile redelivers. aiokafka keeps
        heartbeating meanwhile; past `max_poll_interval_ms` the broker moves the partition to
        another member, the commit after recovery may be refused and the event delivered again,
        which the inbox makes harmless. Only other failures count toward the dead-letter topic.
        """
        attempts = self.settings.consumer_max_attempts
        attempt = 1
        outage = OutageBackoff(f"consumer {self.group}: {envelope.type} {envelope.id}")
        while True:
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
                outage.recovered()
                return "processed" if fresh else "duplicate"
            except Exception as exc:
                if is_transient(exc):
                    await outage.wait(exc)
                    continue
                metrics.EVENT_HANDLING_FAILURES.labels(
                    self.settings.service_name, topic, envelope.type
                ).inc()
                log.exception(
                    "handling %s %s failed (attempt %d/%d)",
                    envelope.type, envelope.id, attempt, attempts,
                )
                if attempt == attempts:
                    return None
                await asyncio.sleep(self.settings.consumer_retry_backoff_seconds * attempt)
                attempt += 1

    async def _refuse(
        self, record: ConsumerRecord[bytes, bytes], reason: str, detail: str,
        type_: str = "unknown",
    ) -> None:
        """Dead-letter a message that is not a valid event; `type_` only when it is a known type
        (a type label must come from a bounded set)."""
        await self._dead_letter(record, reason, detail)
        metrics.EVENTS_CONSUMED.labels(
            self.settings.service_name, record.topic, type_, "dead_lettered"
        ).inc()

    async def _dead_letter(
        self, record: ConsumerRecord[bytes, bytes], reason: str, detail: str
    ) -> None:
        """Send the record as it came to the group's dead-letter topic. `reason` (`malformed`,
        `unknown_type`, `invalid_data`, `handler_failed`) labels the metric and starts the
        `fleetcare-error` header, `reason: detail`."""
        timeout = self.settings.kafka_timeout_seconds
        if self._dlt_producer is None:
            producer = make_producer(self.settings)
            await bounded(producer.start(), timeout)
            self._dlt_producer = producer
        error = f"{reason}: {detail}"
        headers = [
            (DLT_ERROR_HEADER, error.encode()),
            (DLT_ORIGINAL_TOPIC_HEADER, record.topic.encode()),
            (DLT_ORIGINAL_PARTITION_HEADER, str(record.partition).encode()),
            (DLT_ORIGINAL_OFFSET_HEADER, str(record.offset).encode()),
        ]
        await bounded(
            self._dlt_producer.send_and_wait(
                dead_letter_topic(self.group), value=record.value, key=record.key, headers=headers
            ),
            timeout,
        )
        metrics.EVENTS_DEAD_LETTERED.labels(
            self.settings.service_name, record.topic, reason
        ).inc()
        log.warning(
            "dead-lettered %s[%d]@%d: %s", record.topic, record.partition, record.offset, error
        )


def invalid_fields(exc: ValueError, limit: int = 400) -> str:
    """Where a message failed validation, for the dead-letter header and the log: each error's
    location and message, never the input (it may be huge or personal), cut at `limit`."""
    if not isinstance(exc, ValidationError):
        return exc.__class__.__name__
    found = ""
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part)[:40] for part in error["loc"])
        found += ("; " if found else "") + (f"{where}: {error['msg']}" if where else error["msg"])
        if len(found) > limit:
            return f"{found[:limit - 3]}..."
    return found
