"""Settle a fault's requisition when its job is completed (`dispatch.completed`)."""

from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from services.parts.backorders import cancel_backorders
from services.parts.config import PartsSettings
from services.parts.domain import (
    ON_THE_SHELF,
    IssuedPart,
    ReleaseReason,
    ReservationStatus,
    split_consumption,
)
from services.parts.faults import close_fault
from services.parts.lifecycle import consume_line, lock_holdings, release_line
from services.parts.replenishment import check_low_stock
from shared.events import DispatchCompleted, EventType, PartsConsumed, PartsReleased
from shared.outbox import add_event, new_event


async def settle_completed_job(
    session: AsyncSession,
    settings: PartsSettings,
    completion: DispatchCompleted,
    correlation_id: str | None,
) -> None:
    """Issued lines consume what the engineer reports used and return the rest to their
    bins; lines never issued are released; open backorders are cancelled.

    Stages `parts.consumed` and `parts.released` (reason `job_completed_unused`). A repeated
    completion finds nothing left to settle. Never commits.
    """
    fault_id = completion.fault_id
    held = await lock_holdings(
        session, fault_id, ON_THE_SHELF | {ReservationStatus.ISSUED},
        partial(close_fault, session, fault_id, completed_at=completion.occurred_at),
    )
    issued = sorted((r for r in held if r.status == ReservationStatus.ISSUED),
                    key=lambda r: r.seq or 0)
    on_the_shelf = [r for r in held if r.status in ON_THE_SHELF]
    splits = split_consumption(
        ((line.part_number, line.qty) for line in completion.parts_used),
        (IssuedPart(r.id, r.part_number, r.qty) for r in issued),
    )
    consumed = [await consume_line(session, r, split.consumed)
                for r, split in zip(issued, splits, strict=True)]
    released = [await release_line(session, r, ReleaseReason.JOB_COMPLETED_UNUSED)
                for r in on_the_shelf]
    await cancel_backorders(session, fault_id)

    def stage(type_: EventType, data: dict[str, object]) -> None:
        add_event(session, new_event(settings, type_, fault_id, data, correlation_id))

    if consumed:
        stage(EventType.PARTS_CONSUMED,
              PartsConsumed(fault_id=fault_id, lines=consumed).model_dump(mode="json"))
    if released:
        stage(EventType.PARTS_RELEASED, PartsReleased(
            fault_id=fault_id, lines=released, reason=ReleaseReason.JOB_COMPLETED_UNUSED,
        ).model_dump(mode="json", exclude_none=True))
    await check_low_stock(session, settings, {(r.part_number, r.warehouse) for r in held},
                          correlation_id)
