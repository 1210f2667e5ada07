"""Events dispatch consumes: a reported fault opens a job and sends a technician."""

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.config import DispatchSettings
from services.dispatch.jobs import assign_for_fault
from shared.consumer import Handler
from shared.events import Envelope, EventType, FaultReported, topic_for

CONSUMED_TOPICS = [topic_for("intake")]


async def on_fault_reported(
    settings: DispatchSettings, session: AsyncSession, event: Envelope
) -> None:
    fault = FaultReported.model_validate(event.data)
    await assign_for_fault(session, settings, fault, event.correlation_id)


def handlers(settings: DispatchSettings) -> dict[str, Handler]:
    """The handler for each consumed event type, bound to this service's settings."""
    return {EventType.FAULT_REPORTED: partial(on_fault_reported, settings)}
