"""Integration fixtures: a fresh PostgreSQL database with the messaging tables, the real broker."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.db import Database
from shared.migrations import upgrade_async
from shared.settings import ServiceSettings
from tests.support.databases import create_database, drop_database
from tests.support.env import kafka_bootstrap

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
async def migrated_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A new database migrated for the service named by the test's `service` marker."""
    marker = request.node.get_closest_marker("service")
    service = marker.args[0] if marker else "intake"
    url = await create_database(f"fleetcare_it_{service}")
    await upgrade_async(REPO / "services" / service, url, service)
    try:
        yield url
    finally:
        await drop_database(url)


@pytest.fixture
async def database(migrated_url: str) -> AsyncIterator[Database]:
    db = Database(migrated_url)
    try:
        yield db
    finally:
        await db.dispose()


@pytest.fixture
def settings() -> ServiceSettings:
    return ServiceSettings(
        service_name="intake", kafka_bootstrap=kafka_bootstrap(), kafka_timeout_seconds=5,
        consumer_retry_backoff_seconds=0.05, outbox_poll_seconds=0.2,
    )
