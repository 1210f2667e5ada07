"""Events parts consumes: a reported fault reserves its parts, a cancelled one releases them."""

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from services.parts.config import PartsSettings
from services.parts.releases import release_for_cancelled_fault
from services.parts.reservations import reserve_for_fault
from shared.consumer import Handler
from shared.events import Envelope, EventType, FaultCancelled, FaultReported, topic_for

CONSUMED_TOPICS = [topic_for("intake")]


async def fault_reported(settings: PartsSettings, session: AsyncSession, event: Envelope) -> None:
    """Reserve the fault's parts; bad data raises, so the consumer retries, then dead-letters."""
    fault = FaultReported.model_validate(event.data)
    await reserve_for_fault(session, settings, fault, event.correlation_id)


async def fault_cancelled(settings: PartsSettings, session: AsyncSession, event: Envelope) -> None:
    """Give back what the fault held; a fault parts never saw is only remembered as cancelled."""
    cancellation = FaultCancelled.model_validate(event.data)
    await release_for_cancelled_fault(session, settings, cancellation, event.correlation_id)


def handlers(settings: PartsSettings) -> dict[str, Handler]:
    return {
        EventType.FAULT_REPORTED: partial(fault_reported, settings),
        EventType.FAULT_CANCELLED: partial(fault_cancelled, settings),
    }
