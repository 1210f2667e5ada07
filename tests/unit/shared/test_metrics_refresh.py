import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import Gauge
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import Database
from shared.metrics_refresh import check_readiness, refresh_metrics
from tests.support.metrics import sample
from tests.support.polling import eventually

ANSWERS = Gauge("fleetcare_unit_refresh_answer", "What the unit test's refresher read.",
                ["service"])


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'service.db'}")
    try:
        yield db
    finally:
        await db.dispose()


async def test_a_failing_refresher_is_logged_and_the_others_keep_their_gauges_fresh(
    database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    service = "unit-refresh"
    rounds = 0

    async def broken(session: AsyncSession) -> None:
        await session.execute(text("SELECT * FROM no_such_table"))

    async def answer(session: AsyncSession) -> None:
        nonlocal rounds
        rounds += 1
        ANSWERS.labels(service).set(await session.scalar(text("SELECT 40 + 2")) or 0)

    loop = asyncio.create_task(refresh_metrics(service, database, None, [broken, answer], 0.05))
    try:
        await eventually(lambda: _true(rounds >= 3), timeout=5, what="three refresh rounds")
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)

    assert sample("fleetcare_unit_refresh_answer", service=service) == 42
    assert sample("fleetcare_ready", service=service, dependency="database") == 1
    assert "broken failed" in caplog.text


async def test_an_unreachable_database_shows_as_not_ready(tmp_path: Path) -> None:
    service = "unit-not-ready"
    # A directory where the database file should be: every connection fails.
    unreachable = Database(f"sqlite+aiosqlite:///{tmp_path}")
    try:
        checks = await check_readiness(service, unreachable, None)
    finally:
        await unreachable.dispose()

    assert checks == {"database": False, "kafka": True}
    assert sample("fleetcare_ready", service=service, dependency="database") == 0
    assert sample("fleetcare_ready", service=service, dependency="kafka") == 1


async def _true(value: bool) -> bool:
    return value
