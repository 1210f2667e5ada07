"""Events dispatch consumes: a reported fault opens a job, reserved parts re-time it, a
cancelled fault withdraws it."""

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.cancellations import withdraw_for_fault
from services.dispatch.config import DispatchSettings
from services.dispatch.jobs import note_parts_ready, open_job_for_fault
from shared.consumer import Handler
from shared.events import (
    Envelope,
    EventType,
    FaultCancelled,
    FaultReported,
    PartsReserved,
    topic_for,
)

CONSUMED_TOPICS = [topic_for("intake"), topic_for("parts")]


async def on_fault_reported(
    settings: DispatchSettings, session: AsyncSession, event: Envelope
) -> None:
    fault = FaultReported.model_validate(event.data)
    await open_job_for_fault(session, settings, fault, event.correlation_id)


async def on_parts_reserved(
    settings: DispatchSettings, session: AsyncSession, event: Envelope
) -> None:
    reserved = PartsReserved.model_validate(event.data)
    await note_parts_ready(session, settings, reserved, event.correlation_id)


async def on_fault_cancelled(
    settings: DispatchSettings, session: AsyncSession, event: Envelope
) -> None:
    cancellation = FaultCancelled.model_validate(event.data)
    await withdraw_for_fault(
        session, settings, cancellation.fault_id, cancellation.cancelled_at,
        cancellation.reason, event.correlation_id,
    )


def handlers(settings: DispatchSettings) -> dict[str, Handler]:
    """The handler for each consumed event type, bound to this service's settings."""
    return {
        EventType.FAULT_REPORTED: partial(on_fault_reported, settings),
        EventType.PARTS_RESERVED: partial(on_parts_reserved, settings),
        EventType.FAULT_CANCELLED: partial(on_fault_cancelled, settings),
    }
