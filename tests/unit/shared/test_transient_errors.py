"""Which failures wait for the database instead of counting toward the dead-letter topic.

The errors are the ones SQLAlchemy raises: asyncpg's exceptions translated by SQLAlchemy's own
asyncpg adapter, then wrapped as SQLAlchemy wraps them.
"""

import logging
import sqlite3
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import (
    AsyncAdapt_asyncpg_connection,
    AsyncAdapt_asyncpg_dbapi,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shared import transient
from shared.consumer import EventConsumer
from shared.db import Database
from shared.events import Envelope
from shared.messaging import InboxMessage
from shared.settings import ServiceSettings
from shared.transient import OutageBackoff, is_transient

DBAPI = AsyncAdapt_asyncpg_dbapi(asyncpg)


def as_sqlalchemy_raises(driver_error: Exception, invalidated: bool = False) -> Exception:
    """The exception a statement failing with `driver_error` raises from an AsyncSession."""
    try:
        AsyncAdapt_asyncpg_connection._handle_exception_no_connection(DBAPI, driver_error)
    except Exception as adapted:
        wrapped = sa_exc.DBAPIError.instance(
            "SELECT 1", {}, adapted, DBAPI.Error, connection_invalidated=invalidated
        )
        return wrapped
    raise AssertionError("the adapter did not raise")


def raised_from(error: Exception, cause: Exception) -> Exception:
    try:
        raise error from cause
    except Exception as chained:
        return chained


OUTAGES = {
    "server shutting down": as_sqlalchemy_raises(
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command")
    ),
    "server starting up": as_sqlalchemy_raises(
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up")
    ),
    "connection lost mid-statement": as_sqlalchemy_raises(
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle")
    ),
    # A connection the server dropped mid-operation during a shutdown: asyncpg's protocol state
    # machine, not the statement, refuses (seen in the chaos run as 500s on /v1/me/jobs).
    "connection broken mid-operation": as_sqlalchemy_raises(
        asyncpg.exceptions.InternalClientError(
            "cannot switch to state 11; another operation (2) is in progress")
    ),
    "no connection slots": as_sqlalchemy_raises(
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already")
    ),
    "serialization race": as_sqlalchemy_raises(
        asyncpg.exceptions.SerializationError("could not serialize access")
    ),
    "deadlock": as_sqlalchemy_raises(asyncpg.exceptions.DeadlockDetectedError("deadlock")),
    "connection invalidated": as_sqlalchemy_raises(
        asyncpg.exceptions.PostgresError("unexpected"), invalidated=True
    ),
    "connection refused": ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 55432)"),
    "connection reset": ConnectionResetError(104, "Connection reset by peer"),
    "refused under a wrapper": raised_from(RuntimeError("pool"), ConnectionRefusedError(111, "")),
    "timed out": TimeoutError(),
    "pool exhausted": sa_exc.TimeoutError("QueuePool limit of size 10 overflow 20 reached"),
    "sqlite locked": sa_exc.OperationalError(
        "INSERT", {}, sqlite3.OperationalError("database is locked")
    ),
    "interface error": sa_exc.InterfaceError(
        "SELECT 1", {}, DBAPI.InterfaceError("connection is closed")
    ),
}

OWN_FAILURES = {
    "unique violation": as_sqlalchemy_raises(
        asyncpg.exceptions.UniqueViolationError("duplicate key value")
    ),
    "check violation": as_sqlalchemy_raises(
        asyncpg.exceptions.CheckViolationError("violates check constraint")
    ),
    "undefined column": as_sqlalchemy_raises(
        asyncpg.exceptions.UndefinedColumnError("column does not exist")
    ),
    "handler bug": RuntimeError("cannot apply this one"),
    "bad value": ValueError("severity Z"),
    "key missing": KeyError("fault_id"),
}


@pytest.mark.parametrize("error", OUTAGES.values(), ids=OUTAGES.keys())
def test_an_unavailable_database_is_transient(error: Exception) -> None:
    assert is_transient(error)


@pytest.mark.parametrize("error", OWN_FAILURES.values(), ids=OWN_FAILURES.keys())
def test_a_failure_of_the_work_itself_is_not_transient(error: Exception) -> None:
    assert not is_transient(error)


def test_a_handler_error_raised_while_handling_a_database_error_is_the_handlers() -> None:
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except OSError:
            raise ValueError("the handler's own conclusion") from None
    except ValueError as error:
        assert not is_transient(error)


async def test_a_real_unreachable_sqlite_database_is_transient(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    (tmp_path / "x.db").mkdir()  # a directory where the file should be: cannot open it
    try:
        with pytest.raises(sa_exc.OperationalError) as raised:
            async with db.session() as session:
                await session.execute(InboxMessage.__table__.select())  # type: ignore[attr-defined]
    finally:
        await db.dispose()
    assert is_transient(raised.value)


async def test_outage_waits_double_up_to_ten_seconds_and_warn_every_five(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = [100.0]
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)
        clock[0] += delay

    monkeypatch.setattr(transient.time, "monotonic", lambda: clock[0])
    backoff = OutageBackoff("consumer g", sleep=sleep)
    with caplog.at_level(logging.INFO, logger="shared.transient"):
        for _ in range(8):
            await backoff.wait(ConnectionRefusedError(111, "refused"))
        backoff.recovered()

    assert slept == [0.5, 1, 2, 4, 8, 10, 10, 10]
    messages = [r.getMessage() for r in caplog.records]
    # Warned at 0 s, then at most every 5 s (waits of 0.5+1+2+4 = 7.5 s, 15.5 s, 25.5 s ...).
    assert [m for m in messages if "unavailable" in m][:3] == [
        "consumer g: database unavailable for 0 s (ConnectionRefusedError: [Errno 111] refused); "
        "retrying, nothing skipped",
        "consumer g: database unavailable for 8 s (ConnectionRefusedError: [Errno 111] refused); "
        "retrying, nothing skipped",
        "consumer g: database unavailable for 16 s (ConnectionRefusedError: [Errno 111] refused); "
        "retrying, nothing skipped",
    ]
    assert len([m for m in messages if "unavailable" in m]) < 8
    assert messages[-1] == "consumer g: database back after 46 s, 8 retries"


async def test_a_consumer_outlasts_an_outage_without_using_up_its_attempts(
    inbox_db: Database,
) -> None:
    outage_left = [2]
    applied: list[str] = []

    async def handler(session: AsyncSession, event: Envelope) -> None:
        if outage_left[0]:
            outage_left[0] -= 1
            raise as_sqlalchemy_raises(
                asyncpg.exceptions.AdminShutdownError("terminating connection"), invalidated=True
            )
        applied.append(event.subject)

    settings = ServiceSettings(service_name="unit-outage", consumer_max_attempts=1)
    consumer = EventConsumer(settings, inbox_db, ["fleetcare.quality"],
                             {"quality.issue_opened": handler})
    event = Envelope(type="quality.issue_opened", source="quality", subject="S-1",
                     correlation_id="S-1", data={})

    # One attempt allowed, two transient failures first: still processed, nothing dead-lettered.
    assert await consumer.applier.apply(handler, event, "fleetcare.quality") == "processed"
    assert applied == ["S-1"]
