"""Transactional outbox: events are written with the state change, in the same transaction;
the relay (`shared/relay.py`) publishes them after the commit."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shared import tracing
from shared.db import OUTBOX_DIRTY
from shared.events import Envelope, topic_for
from shared.messaging import OutboxMessage
from shared.settings import ServiceSettings


def add_event(session: AsyncSession, envelope: Envelope) -> Envelope:
    """Stage an event in the caller's transaction; it is published only if that commits."""
    session.add(
        OutboxMessage(
            event_id=str(envelope.id),
            topic=topic_for(envelope.source),
            key=envelope.subject,
            type=envelope.type,
            payload=envelope.model_dump_json(),
        )
    )
    session.info[OUTBOX_DIRTY] = True
    tracing.remember_origin(str(envelope.id))
    return envelope


def new_event(
    settings: ServiceSettings,
    type_: str,
    subject: str,
    data: dict[str, Any],
    correlation_id: str | None = None,
) -> Envelope:
    return Envelope(
        type=type_,
        source=settings.service_name,
        subject=subject,
        correlation_id=correlation_id or subject,
        data=data,
    )
