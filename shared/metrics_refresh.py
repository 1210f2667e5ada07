"""Gauges kept fresh in the background, so a Prometheus scrape never waits for a database."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shared import metrics
from shared.consumer import EventConsumer
from shared.db import Database

log = logging.getLogger(__name__)

# Reads the service's database and sets its gauges; it writes nothing (the session is not
# committed).
Refresher = Callable[[AsyncSession], Awaitable[None]]


async def check_readiness(
    service: str, db: Database, consumer: EventConsumer | None
) -> dict[str, bool]:
    """What `/readyz` answers, by dependency; also sets `fleetcare_ready` for the alerts."""
    checks = {"database": await db.ping(), "kafka": consumer.healthy if consumer else True}
    for dependency, ok in checks.items():
        metrics.READY.labels(service, dependency).set(1 if ok else 0)
    return checks


async def refresh_metrics(
    service: str,
    db: Database,
    consumer: EventConsumer | None,
    refreshers: Sequence[Refresher],
    interval: float,
) -> None:
    """Every `interval` seconds until cancelled: readiness, then each refresher in a session of
    its own. A refresher that fails or outlasts the interval is logged; the others still run."""
    while True:
        await check_readiness(service, db, consumer)
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
