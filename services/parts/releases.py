"""Give back what a cancelled fault held: release its reservations, cancel its backorders."""

from dataclasses import dataclass, field
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from services.parts.backorders import cancel_backorders
from services.parts.config import PartsSettings
from services.parts.domain import RELEASABLE_RESERVATIONS, ReleaseReason
from services.parts.faults import close_fault
from services.parts.lifecycle import lock_holdings, release_line
from services.parts.replenishment import check_low_stock
from shared.events import EventType, FaultCancelled, PartsReleased, ReservedLine
from shared.outbox import add_event, new_event


@dataclass(frozen=True)
class ReleaseOutcome:
    released: list[ReservedLine] = field(default_factory=list)
    backorders_cancelled: int = 0


async def release_for_cancelled_fault(
    session: AsyncSession,
    settings: PartsSettings,
    cancellation: FaultCancelled,
    correlation_id: str | None,
) -> ReleaseOutcome:
    """Release the fault's lines still on the shelf, cancel its open backorders, stage
    `parts.released`.

    The cancellation is remembered, so a report of the fault arriving later reserves nothing.
    Issued lines stay with the engineer until the storekeeper books them back (`/release`).
    A repeated cancellation releases and emits nothing. Never commits.
    """
    fault_id = cancellation.fault_id
    held = await lock_holdings(
        session, fault_id, RELEASABLE_RESERVATIONS,
        partial(close_fault, session, fault_id, cancelled_at=cancellation.cancelled_at),
    )
    released = [await release_line(session, r, ReleaseReason.FAULT_CANCELLED) for r in held]
    cancelled = await cancel_backorders(session, fault_id)
    if released:
        data = PartsReleased(
            fault_id=fault_id, lines=released, reason=ReleaseReason.FAULT_CANCELLED
        ).model_dump(mode="json", exclude_none=True)
        add_event(session, new_event(
            settings, EventType.PARTS_RELEASED, fault_id, data, correlation_id
        ))
    await check_low_stock(session, settings, {(r.part_number, r.warehouse) for r in held},
                          correlation_id)
    return ReleaseOutcome(released, cancelled)
