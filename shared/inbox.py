"""Idempotent consumer: one inbox row per (group, event id), in the handler's transaction."""

from collections.abc import Collection, Sequence

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from shared.db import dialect_insert
from shared.events import Envelope
from shared.messaging import InboxMessage


async def first_delivery(session: AsyncSession, consumer: str, envelope: Envelope) -> bool:
    """Record the event as processed; False if this consumer had already processed it.

    The insert waits for a concurrent transaction holding the same key, so two deliveries
    racing in two processes still apply the event once.
    """
    return str(envelope.id) in await first_deliveries(session, consumer, [envelope])


async def first_deliveries(
    session: AsyncSession, consumer: str, envelopes: Sequence[Envelope]
) -> set[str]:
    """Record several events in one statement (a batch applied in one transaction); the ids of
    those this consumer had not processed before. An id twice in `envelopes` is recorded once."""
    rows = [{"consumer": consumer, "event_id": str(e.id), "type": e.type} for e in envelopes]
    statement = (dialect_insert(session, InboxMessage).values(rows).on_conflict_do_nothing()
                 .returning(col(InboxMessage.event_id)))
    return set((await session.scalars(statement)).all())


async def forget(session: AsyncSession, consumer: str, event_ids: Collection[str]) -> None:
    """Withdraw rows recorded in this transaction for events it did not apply after all (a
    batch cut short by a shutdown): their redelivery must apply them."""
    await session.execute(delete(InboxMessage).where(
        col(InboxMessage.consumer) == consumer, col(InboxMessage.event_id).in_(event_ids)))
