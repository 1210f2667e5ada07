"""Idempotent consumer: one inbox row per (group, event id), in the handler's transaction."""

from sqlalchemy.ext.asyncio import AsyncSession

from shared.db import dialect_insert
from shared.events import Envelope
from shared.messaging import InboxMessage


async def first_delivery(session: AsyncSession, consumer: str, envelope: Envelope) -> bool:
    """Record the event as processed; False if this consumer had already processed it.

    The insert waits for a concurrent transaction holding the same key, so two deliveries
    racing in two processes still apply the event once.
    """
    values = {"consumer": consumer, "event_id": str(envelope.id), "type": envelope.type}
    statement = dialect_insert(session, InboxMessage).values(**values).on_conflict_do_nothing()
    result = await session.execute(statement)
    return bool(result.rowcount)  # type: ignore[attr-defined]
