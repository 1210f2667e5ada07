"""The outbox relay: publishes committed outbox rows to Kafka in insertion order, then deletes
them (a crash in between republishes; consumers absorb that)."""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import delete, select, text
from sqlmodel import col

from shared import metrics
from shared.db import Database
from shared.events import utcnow
from shared.kafka import KafkaHealth
from shared.logging import event_fields
from shared.messaging import OutboxMessage
from shared.outbox_sender import OutboxSender
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)
# The advisory lock a relay holds while it publishes (each service has its own database).
_RELAY_LOCK = 0x0B7B_0C5E
_TURN_RETRY_SECONDS = 0.05


class BrokerUnavailable(Exception):
    """Publishing a batch to Kafka failed; its rows stay in the outbox."""


class OutboxRelay:
    """Publishes outbox rows in insertion order, then deletes them.

    Woken right after a commit that wrote outbox rows, and polling as a fallback (for rows left
    by a crash or written while the broker was down). A crash between publish and delete
    republishes; consumers are idempotent, so that is harmless. Replicas sharing one database
    take turns (`_turn`), so they neither publish a row twice nor reorder a fault's events.
    """

    def __init__(
        self, settings: ServiceSettings, db: Database, health: KafkaHealth | None = None
    ) -> None:
        self.settings = settings
        self.db = db
        self.health = health
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.sender = OutboxSender(settings)
        self._task: asyncio.Task[None] | None = None
        db.on_outbox_commit(self._wake.set)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Finish the round under way, then publish what is left (rows the last requests and
        events committed), all within `kafka_timeout_seconds`; what misses it waits in the
        table for another replica or the next start."""
        self._stopping.set()
        self._wake.set()
        try:
            async with asyncio.timeout(self.settings.kafka_timeout_seconds):
                if self._task:
                    await asyncio.shield(self._task)
                while await self.publish_pending() == self.settings.outbox_batch_size:
                    pass
        except Exception as exc:
            log.warning("outbox relay: final flush incomplete, rows stay in the outbox: %r", exc)
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.sender.close()

    async def _run(self) -> None:
        poll = self.settings.outbox_poll_seconds
        while not self._stopping.is_set():
            # Cleared before reading, so a commit during the publish wakes the next round.
            self._wake.clear()
            try:
                published = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox relay: publish failed, will retry: %s", exc)
                metrics.OUTBOX_FAILURES.labels(self.settings.service_name).inc()
                # A database failure says nothing about the broker.
                if self.health and isinstance(exc, BrokerUnavailable):
                    self.health.note_publish(False)
                await self.sender.close()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), poll)
                continue
            if published is None:
                # Another replica is publishing; its next round takes our rows too, but ours
                # may come sooner.
                await asyncio.sleep(_TURN_RETRY_SECONDS)
                continue
            if self.health:
                self.health.note_publish(True)
            if published < self.settings.outbox_batch_size:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), poll)

    async def publish_pending(self) -> int | None:
        """Publish one batch of pending rows; returns how many were published, None when
        another replica's relay has the turn."""
        async with self._turn() as mine:
            if mine:
                return await self._publish_batch()
        # The replica with the turn reports the backlog; a stale figure here would outlive it.
        metrics.OUTBOX_PENDING.labels(self.settings.service_name).set(0)
        metrics.OUTBOX_OLDEST_PENDING_AGE.labels(self.settings.service_name).set(0)
        return None

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[bool]:
        """Whether this relay may publish now. On PostgreSQL a transaction-scoped advisory lock,
        held on a connection of its own while the batch is read, published and deleted (a
        crashed holder's lock goes with its connection). SQLite serves one process: always."""
        if self.db.is_sqlite:
            yield True
            return
        async with self.db.engine.connect() as conn, conn.begin():
            taken = await conn.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _RELAY_LOCK}
            )
            yield bool(taken)

    async def _publish_batch(self) -> int:
        # Read and delete in short transactions: no row is locked while Kafka is slow.
        async with self.db.session() as session:
            rows = (
                await session.scalars(
                    select(OutboxMessage)
                    .order_by(col(OutboxMessage.id))
                    .limit(self.settings.outbox_batch_size)
                )
            ).all()
        service = self.settings.service_name
        metrics.OUTBOX_PENDING.labels(service).set(len(rows))
        metrics.OUTBOX_OLDEST_PENDING_AGE.labels(service).set(
            _seconds_since(min(row.created_at for row in rows), utcnow()) if rows else 0
        )
        if not rows:
            return 0
        try:
            await self.sender.send(rows)
        except Exception as exc:
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        published_at = utcnow()
        async with self.db.session() as session:
            await session.execute(
                delete(OutboxMessage).where(
                    col(OutboxMessage.id).in_([row.id for row in rows])
                )
            )
            await session.commit()
        for row in rows:
            metrics.EVENTS_PUBLISHED.labels(service, row.topic, row.type).inc()
            metrics.OUTBOX_PUBLISH_LAG.labels(service).observe(
                _seconds_since(row.created_at, published_at)
            )
            data = json.loads(row.payload).get("data", {})
            log.info("published %s", row.type,
                     extra=event_fields(row.type, row.key, data) | {"event_id": row.event_id})
        return len(rows)


def _seconds_since(moment: datetime, now: datetime) -> float:
    # Another replica's clock may run slightly ahead of ours.
    return max((now - moment).total_seconds(), 0.0)
