"""Idempotent consumer: one inbox row per (group, event id), in the handler's transaction."""

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from shared.events import Envelope
from shared.messaging import InboxMessage


async def first_delivery(session: AsyncSession, consumer: str, envelope: Envelope) -> bool:
    """Record the event as processed; False if this consumer had already processed it.

    The insert waits for a concurrent transaction holding the same key, so two deliveries
    racing in two processes still apply the event once.
    """
    values = {"consumer": consumer, "event_id": str(envelope.id), "type": envelope.type}
    dialect = session.bind.dialect.name if session.bind else ""
    statement: Executable
    if dialect == "postgresql":
        statement = pg_insert(InboxMessage).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite_insert(InboxMessage).values(**values).on_conflict_do_nothing()
    else:
        raise RuntimeError(f"unsupported database dialect {dialect!r}")
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]
