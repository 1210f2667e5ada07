"""Fixtures of the shared library's unit tests."""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from shared.db import Database
from shared.messaging import InboxMessage


@pytest.fixture
async def inbox_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A throwaway SQLite database holding only the consumers' inbox table."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inbox.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all,
                            tables=[SQLModel.metadata.tables[InboxMessage.__tablename__]])
    try:
        yield db
    finally:
        await db.dispose()
