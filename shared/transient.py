"""Failures of the infrastructure, not of the work: retried until the database is back.

A consumer that dead-lettered an event because PostgreSQL was restarting would lose a valid
event; these failures say nothing about the event, so they are waited out instead.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from asyncpg.exceptions import InternalClientError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

log = logging.getLogger(__name__)

# SQLSTATEs that pass by themselves: the server shutting down, crashed or still starting
# (57P01-57P03), out of connection slots (53300), a transaction that lost a serialization race
# or a deadlock it wins when run again (40001, 40P01); and the whole class 08 (connection lost).
TRANSIENT_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300", "40001", "40P01"})
CONNECTION_EXCEPTION_CLASS = "08"


def is_transient(exc: BaseException) -> bool:
    """True when `exc`, or an error it was raised from, says the database or the network to it
    is unavailable for now: connection refused or reset (any `OSError`, timeouts included), the
    pool exhausted, a connection SQLAlchemy invalidated, an `OperationalError` or
    `InterfaceError` (connection-level by DB-API definition; with SQLite also "database is
    locked"), asyncpg's client-side protocol error on a dropped connection, or one of the
    SQLSTATEs above. Anything else, an `IntegrityError` or a bug in a handler, is the work's
    own failure."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _transient_itself(current):
            return True
        # SQLAlchemy and its asyncpg adapter raise their wrappers `from` the driver's error.
        current = current.__cause__ or getattr(current, "orig", None)
    return False


def _transient_itself(exc: BaseException) -> bool:
    if isinstance(exc, OSError | PoolTimeoutError | OperationalError | InterfaceError):
        return True
    # asyncpg's own protocol state broken by a server that went away mid-operation ("cannot
    # switch to state ..."): the connection is unusable, the statement was fine.
    if isinstance(exc, InternalClientError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    return isinstance(sqlstate, str) and (
        sqlstate in TRANSIENT_SQLSTATES or sqlstate.startswith(CONNECTION_EXCEPTION_CLASS)
    )


class OutageBackoff:
    """The waits between tries while an outage lasts: `first` seconds doubling up to `cap`,
    with a warning at most every `warn_every` seconds so a long outage does not flood the log."""

    def __init__(
        self, what: str, first: float = 0.5, cap: float = 10.0, warn_every: float = 5.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.what = what
        self.first, self.cap, self.warn_every = first, cap, warn_every
        self._sleep = sleep
        self.failures = 0
        self._since = 0.0
        self._warned = 0.0

    async def wait(self, exc: BaseException) -> None:
        now = time.monotonic()
        if self.failures == 0:
            self._since = now
        if self.failures == 0 or now - self._warned >= self.warn_every:
            self._warned = now
            log.warning(
                "%s: database unavailable for %.0f s (%s: %s); retrying, nothing skipped",
                self.what, now - self._since, type(exc).__name__, str(exc)[:200],
            )
        delay = min(self.first * 2**min(self.failures, 30), self.cap)
        self.failures += 1
        await self._sleep(delay)

    def recovered(self) -> None:
        """Logs the end of an outage that `wait` reported."""
        if self.failures:
            log.info("%s: database back after %.0f s, %d retries",
                     self.what, time.monotonic() - self._since, self.failures)
