"""Recording on a fault's timeline, and announcing what intake itself decides."""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.config import IntakeSettings
from services.intake.models import IntakeFault, IntakeTimelineEntry
from shared.events import Envelope
from shared.outbox import add_event, new_event


def record(
    session: AsyncSession, fault: IntakeFault, envelope: Envelope, occurred_at: datetime
) -> None:
    """One timeline entry per event; the fault's status after it is kept with it."""
    session.add(
        IntakeTimelineEntry(
            fault_id=fault.id,
            event_id=str(envelope.id),
            type=envelope.type,
            source=envelope.source,
            status=fault.status,
            occurred_at=occurred_at,
            data=envelope.data,
        )
    )


def announce(
    session: AsyncSession,
    settings: IntakeSettings,
    fault: IntakeFault,
    type_: str,
    data: dict[str, Any],
    occurred_at: datetime,
    correlation_id: str | None = None,
) -> Envelope:
    """Publish an intake event (through the outbox) and put it on the fault's timeline."""
    envelope = add_event(
        session, new_event(settings, type_, fault.id, data, correlation_id or fault.id)
    )
    record(session, fault, envelope, occurred_at)
    return envelope
