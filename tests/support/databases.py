"""Fresh PostgreSQL databases for a test run, created and dropped on the real server."""

import asyncio
import uuid
import warnings

import asyncpg

from tests.support.env import postgres_server_url


def _dsn(database: str) -> str:
    return postgres_server_url().replace("postgresql+asyncpg://", "postgresql://") + f"/{database}"


async def create_database(prefix: str) -> str:
    """Create an empty database and return its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(_dsn("postgres"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{postgres_server_url()}/{name}"


async def drop_database(url: str) -> None:
    """Drop it; a database left behind by a failed drop is harmless in the test cluster."""
    name = url.rsplit("/", 1)[1]
    for attempt in range(5):
        conn = await asyncpg.connect(_dsn("postgres"))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except asyncpg.PostgresError as exc:
            if attempt == 4:
                warnings.warn(f"could not drop test database {name}: {exc}", stacklevel=2)
            await asyncio.sleep(0.5)
        finally:
            await conn.close()
