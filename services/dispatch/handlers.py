"""Events dispatch consumes: a reported fault opens a job, a cancelled one withdraws it."""

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.cancellations import withdraw_for_fault
from services.dispatch.config import DispatchSettings
from services.dispatch.jobs import assign_for_fault
from shared.consumer import Handler
from shared.events import Envelope, EventType, FaultCancelled, FaultReported, topic_for

CONSUMED_TOPICS = [topic_for("intake")]


async def on_fault_reported(
    settings: DispatchSettings, session: AsyncSession, event: Envelope
) -> None:
    fault = FaultReported.model_validate(event.data)
    await assign_for_fault(session, settings, fault, event.correlation_id)


async def on_fault_cancelled(session: AsyncSession, event: Envelope) -> None:
    cancellation = FaultCancelled.model_validate(event.data)
    await withdraw_for_fault(
        session, cancellation.fault_id, cancellation.cancelled_at, cancellation.reason
    )


def handlers(settings: DispatchSettings) -> dict[str, Handler]:
    """The handler for each consumed event type, bound to this service's settings."""
    return {
        EventType.FAULT_REPORTED: partial(on_fault_reported, settings),
        EventType.FAULT_CANCELLED: on_fault_cancelled,
    }
