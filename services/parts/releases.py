"""Give back what a cancelled fault held: release its reservations, cancel its backorders."""

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, Result, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.config import PartsSettings
from services.parts.domain import (
    CANCELLABLE_BACKORDERS,
    RELEASABLE_RESERVATIONS,
    BackorderStatus,
    HeldReservation,
    LedgerReason,
    ReleaseReason,
    ReservationStatus,
    released_by_cancellation,
)
from services.parts.models import (
    PartsBackorder,
    PartsCancelledFault,
    PartsReservation,
    PartsStock,
)
from services.parts.stock import record_movement, release_from_bin
from shared.db import dialect_insert
from shared.events import EventType, FaultCancelled, PartsReleased, ReservedLine, utcnow
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
    """Release the fault's reservations, cancel its open backorders, stage `parts.released`.

    The cancellation is remembered, so a report of the fault arriving later reserves nothing.
    Only reservations still held are touched: a repeated cancellation releases nothing and
    emits nothing. Runs in the caller's transaction and never commits.
    """
    fault_id = cancellation.fault_id
    await session.execute(
        dialect_insert(session, PartsCancelledFault)
        .values(fault_id=fault_id, cancelled_at=cancellation.cancelled_at)
        .on_conflict_do_nothing()
    )
    released: list[ReservedLine] = []
    for held in released_by_cancellation(await _held_reservations(session, fault_id)):
        if await _release(session, held, fault_id):
            released.append(ReservedLine(
                reservation_id=held.reservation_id, part_number=held.part_number,
                qty=held.qty, warehouse=held.warehouse, bin=held.bin,
            ))
    cancelled = cast(CursorResult[Any], await session.execute(
        update(PartsBackorder)
        .where(
            col(PartsBackorder.fault_id) == fault_id,
            col(PartsBackorder.status).in_([s.value for s in CANCELLABLE_BACKORDERS]),
        )
        .values(status=BackorderStatus.CANCELLED.value)
    ))
    if released:
        data = PartsReleased(
            fault_id=fault_id, lines=released, reason=ReleaseReason.FAULT_CANCELLED
        ).model_dump(mode="json")
        add_event(session, new_event(
            settings, EventType.PARTS_RELEASED, fault_id, data, correlation_id
        ))
    return ReleaseOutcome(released, cancelled.rowcount)


async def _held_reservations(session: AsyncSession, fault_id: str) -> list[HeldReservation]:
    """Every reservation of the fault, whatever its status, with its bin's stock row."""
    rows: Result[Any] = await session.execute(
        select(
            col(PartsReservation.id).label("reservation_id"),
            col(PartsStock.id).label("stock_id"),
            col(PartsReservation.part_number),
            col(PartsReservation.warehouse),
            col(PartsReservation.bin),
            col(PartsReservation.batch),
            col(PartsReservation.qty),
            col(PartsReservation.status),
        )
        .join(PartsStock, and_(
            col(PartsStock.warehouse) == col(PartsReservation.warehouse),
            col(PartsStock.bin) == col(PartsReservation.bin),
            col(PartsStock.part_number) == col(PartsReservation.part_number),
            col(PartsStock.batch) == col(PartsReservation.batch),
        ))
        .where(col(PartsReservation.fault_id) == fault_id)
    )
    return [HeldReservation(**row._asdict()) for row in rows.all()]


async def _release(session: AsyncSession, held: HeldReservation, fault_id: str) -> bool:
    """Release one reservation and its units in the bin; False if it was no longer held.

    The status test and change are one statement, so two transactions releasing the same
    reservation give its units back once: the later one waits, re-checks and finds it gone.
    """
    result = cast(CursorResult[Any], await session.execute(
        update(PartsReservation)
        .where(
            col(PartsReservation.id) == held.reservation_id,
            col(PartsReservation.status).in_([s.value for s in RELEASABLE_RESERVATIONS]),
        )
        .values(status=ReservationStatus.RELEASED.value, updated_at=utcnow())
    ))
    if result.rowcount != 1:
        return False
    await release_from_bin(session, held.stock_id, held.qty)
    record_movement(
        session, held, held.part_number, on_hand_delta=0, reserved_delta=-held.qty,
        reason=LedgerReason.RELEASE, reference=fault_id,
    )
    return True
