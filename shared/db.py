"""Async database access for PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
T = TypeVar("T")

# Set in session.info by code that writes outbox rows, read after commit to wake the relay.
OUTBOX_DIRTY = "fleetcare.outbox_dirty"


class Database:
    """One engine and session factory per service; tells listeners when outbox rows commit."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine: AsyncEngine = _create_engine(url, echo=echo)
        self._commit_listeners: list[Callable[[], None]] = []

        class _Session(Session):
            pass

        event.listen(_Session, "after_commit", self._after_commit)
        self.sessions = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=_Session
        )

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def on_outbox_commit(self, listener: Callable[[], None]) -> None:
        self._commit_listeners.append(listener)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(OUTBOX_DIRTY, False):
            for listener in self._commit_listeners:
                listener()

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction the caller commits; rolled back on error."""
        async with self.sessions() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise

    async def ping(self, timeout: float = 2.0) -> bool:
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


def _create_engine(url: str, *, echo: bool) -> AsyncEngine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Several writers (API, relay, consumers) share one file: wait for the lock, don't fail.
        kwargs["connect_args"] = {"timeout": 30}
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
    return create_async_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # SQLAlchemy then emits BEGIN itself (see _sqlite_begin_immediate).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(conn: Any) -> None:
    # A deferred transaction that later writes fails at once with SQLITE_BUSY when another
    # connection wrote meanwhile; taking the write lock up front makes it wait instead.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def on_postgresql(session: AsyncSession) -> bool:
    """Whether the session writes to PostgreSQL, where transaction-scoped advisory locks order
    writers; SQLite needs none (BEGIN IMMEDIATE already serialises them)."""
    return session.bind is not None and session.bind.dialect.name == "postgresql"


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """INSERT with `on_conflict_do_*` for the session's database (PostgreSQL or SQLite)."""
    dialect = session.bind.dialect.name if session.bind else ""
    if dialect == "postgresql":
        return pg_insert(table)
    if dialect == "sqlite":
        return sqlite_insert(table)
    raise RuntimeError(f"unsupported database dialect {dialect!r}")


async def retry_once_on_conflict(
    session: AsyncSession, attempt: Callable[[], Awaitable[T]], conflict: Exception
) -> T:
    """Run `attempt` (which commits); if a concurrent request won a uniqueness race, roll back
    and run it once more — by then it finds the winner's row and answers as a replay would."""
    for _ in range(2):
        try:
            return await attempt()
        except IntegrityError:
            await session.rollback()
    raise conflict


async def run_rounds(
    db: Database, interval: float, round_: Callable[[AsyncSession], Awaitable[Any]], name: str
) -> None:
    """A background loop: one transaction per round, every `interval` seconds, until cancelled.
    A failed round is logged and the next one tries again."""
    while True:
        try:
            async with db.session() as session:
                await round_(session)
                await session.commit()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s round failed; trying again next round", name)
        await asyncio.sleep(interval)
