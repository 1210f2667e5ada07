"""Gauges kept fresh in the background, so a Prometheus scrape never waits for a database."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shared import metrics
from shared.consumer import EventConsumer
from shared.db import Database
from shared.kafka import KafkaHealth

log = logging.getLogger(__name__)

# Reads the service's database and sets its gauges; it writes nothing (the session is not
# committed).
Refresher = Callable[[AsyncSession], Awaitable[None]]


async def check_readiness(
    service: str,
    db: Database,
    consumer: EventConsumer | None,
    kafka: KafkaHealth | None = None,
) -> dict[str, bool]:
    """Each dependency's state for `/readyz`, also set as `fleetcare_ready` for the alerts.

    `kafka`: the broker answered the last probe, the outbox relay has no failed publish
    outstanding, and the consumer polled within 3 × `kafka_timeout_seconds` (a consumer stuck
    reconnecting, or waiting out a database outage, stops polling).
    """
    kafka_ok = (kafka is None or kafka.reachable) and (consumer is None or consumer.healthy)
    checks = {"database": await db.ping(), "kafka": kafka_ok}
    for dependency, ok in checks.items():
        metrics.READY.labels(service, dependency).set(1 if ok else 0)
    return checks


async def refresh_metrics(
    service: str,
    db: Database,
    consumer: EventConsumer | None,
    refreshers: Sequence[Refresher],
    interval: float,
    kafka: KafkaHealth | None = None,
) -> None:
    """Every `interval` seconds until cancelled: readiness, then each refresher in a session of
    its own. A refresher that fails or outlasts the interval is logged; the others still run."""
    while True:
        await check_readiness(service, db, consumer, kafka)
        for refresher in refreshers:
            try:
                async with asyncio.timeout(interval), db.session() as session:
                    await refresher(session)
            except Exception:
                log.exception(
                    "metrics refresher %s failed; trying again next round",
                    getattr(refresher, "__qualname__", repr(refresher)),
                )
        await asyncio.sleep(interval)
