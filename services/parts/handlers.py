"""Events parts consumes: faults reported and cancelled, jobs completed, stock quarantined."""

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from services.parts.completion import settle_completed_job
from services.parts.config import PartsSettings
from services.parts.quarantine import quarantine_stock
from services.parts.releases import release_for_cancelled_fault
from services.parts.reservations import reserve_for_fault
from shared.consumer import Handler
from shared.events import (
    DispatchCompleted,
    Envelope,
    EventType,
    FaultCancelled,
    FaultReported,
    QualityPartQuarantined,
    topic_for,
)

CONSUMED_TOPICS = [topic_for("intake"), topic_for("dispatch"), topic_for("quality")]


async def fault_reported(settings: PartsSettings, session: AsyncSession, event: Envelope) -> None:
    """Reserve the fault's parts; bad data raises, so the consumer retries, then dead-letters."""
    fault = FaultReported.model_validate(event.data)
    await reserve_for_fault(session, settings, fault, event.correlation_id)


async def fault_cancelled(settings: PartsSettings, session: AsyncSession, event: Envelope) -> None:
    """Give back what the fault held; a fault parts never saw is only remembered as cancelled."""
    cancellation = FaultCancelled.model_validate(event.data)
    await release_for_cancelled_fault(session, settings, cancellation, event.correlation_id)


async def dispatch_completed(
    settings: PartsSettings, session: AsyncSession, event: Envelope
) -> None:
    """Consume what the engineer used, return the rest, release what was never issued."""
    completion = DispatchCompleted.model_validate(event.data)
    await settle_completed_job(session, settings, completion, event.correlation_id)


async def part_quarantined(
    settings: PartsSettings, session: AsyncSession, event: Envelope
) -> None:
    """Block the quarantined stock and re-source the open lines it held."""
    notice = QualityPartQuarantined.model_validate(event.data)
    await quarantine_stock(session, settings, notice, notice.quarantine_id or str(event.id))


def handlers(settings: PartsSettings) -> dict[str, Handler]:
    return {
        EventType.FAULT_REPORTED: partial(fault_reported, settings),
        EventType.FAULT_CANCELLED: partial(fault_cancelled, settings),
        EventType.DISPATCH_COMPLETED: partial(dispatch_completed, settings),
        EventType.QUALITY_PART_QUARANTINED: partial(part_quarantined, settings),
    }
