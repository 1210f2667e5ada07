"""Applying consumed events to the database: each exactly once (the inbox row commits with the
handler's writes), several together under a backlog, retried, dead-lettered when hopeless."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiokafka import ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncSession

from shared import metrics, tracing
from shared.db import Database
from shared.dead_letters import DeadLetters
from shared.events import Envelope
from shared.inbox import first_deliveries, first_delivery, forget
from shared.logging import event_fields, log_context
from shared.settings import ServiceSettings
from shared.transient import OutageBackoff, is_transient

# The consumer's logger: one line per handled event, whichever module writes it.
log = logging.getLogger("shared.consumer")

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]


@dataclass(frozen=True)
class Admitted:
    """A record that passed validation, with its envelope and the handler that applies it."""

    record: ConsumerRecord[bytes, bytes]
    envelope: Envelope
    handler: Handler


class EventApplier:
    """Runs handlers in transactions for one consumer group; `stopping` cuts a batch short."""

    def __init__(self, settings: ServiceSettings, db: Database, group: str,
                 dead_letters: DeadLetters, stopping: asyncio.Event) -> None:
        self.settings = settings
        self.db = db
        self.group = group
        self.dead_letters = dead_letters
        self.stopping = stopping

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

    async def handle(self, admitted: Admitted) -> None:
        """Apply one event in a transaction of its own, with its retries and dead-letter."""
        with self._context(admitted):
            outcome = await self.apply(admitted.handler, admitted.envelope,
                                       admitted.record.topic)
            if outcome is None:
                await self.dead_letters.send(
                    admitted.record, "handler_failed",
                    f"handler failed after {self.settings.consumer_max_attempts} attempts")
                outcome = "dead_lettered"
            self._done(admitted, outcome)

    async def apply_together(self, admitted: list[Admitted]) -> int:
        """Apply several events in one transaction, each with its inbox row; returns how many
        were applied (fewer than given when stopping meanwhile: the transaction holds the ones
        before). If a handler fails, the transaction rolls back and each event is applied
        alone, with its own retries and dead-letter. A database outage is waited out as for a
        single event. The inbox rows of the whole batch are written in one statement."""
        if len(admitted) == 1:
            await self.handle(admitted[0])
            return 1
        outage = OutageBackoff(f"consumer {self.group}: {len(admitted)} events")
        while True:
            try:
                started = time.perf_counter()
                outcomes: list[str] = []
                async with self.db.session() as session:
                    unapplied = await first_deliveries(
                        session, self.group, [one.envelope for one in admitted])
                    for one in admitted:
                        if outcomes and self.stopping.is_set():
                            break
                        with self._context(one):
                            fresh = str(one.envelope.id) in unapplied
                            unapplied.discard(str(one.envelope.id))
                            if fresh:
                                await one.handler(session, one.envelope)
                        outcomes.append("processed" if fresh else "duplicate")
                    if unapplied:  # cut short by a shutdown: left for the redelivery
                        await forget(session, self.group, unapplied)
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
                    if applied and self.stopping.is_set():
                        return applied
                    await self.handle(one)
                return len(admitted)

    async def apply(self, handler: Handler, envelope: Envelope, topic: str) -> str | None:
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
