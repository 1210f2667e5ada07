"""Requisition lines moving through their lifecycle; each step is a ledger movement.

The callers hold the locks: the line's stock row first, then the reservation row.
"""

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from sqlalchemy import Result, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.arrivals import book_in
from services.parts.domain import (
    LedgerReason,
    ReleaseReason,
    ReservationStatus,
    TransferStatus,
)
from services.parts.ledger import lock_stock, move
from services.parts.models import PartsPart, PartsReservation, PartsTransfer
from shared.events import (
    ConsumedLine,
    PartsApproved,
    ReservationLine,
    ReservedLine,
    utcnow,
)


def approve_line(reservation: PartsReservation, approver: str) -> PartsApproved:
    """Approve the requisition line: it may now leave the warehouse. Moves no stock."""
    now = utcnow()
    reservation.status = ReservationStatus.APPROVED.value
    reservation.approved_by, reservation.approved_at, reservation.updated_at = approver, now, now
    return PartsApproved(fault_id=reservation.fault_id, reservation_id=reservation.id,
                         approved_by=approver, auto=False)


async def issue_line(session: AsyncSession, reservation: PartsReservation) -> ReservationLine:
    """The units leave the shelf: on hand and reserved both fall; its transfer ships."""
    qty = reservation.qty
    await move(session, reservation.stock_id, LedgerReason.ISSUE, reservation.fault_id,
               qty=qty, on_hand=-qty, reserved=-qty)
    _set_status(reservation, ReservationStatus.ISSUED)
    await _settle_transfer(session, reservation.id, TransferStatus.SHIPPED)
    return ReservationLine(reservation_id=reservation.id, part_number=reservation.part_number,
                      qty=qty, warehouse=reservation.warehouse, bin=reservation.bin)


async def consume_line(
    session: AsyncSession, reservation: PartsReservation, consumed: int
) -> ConsumedLine:
    """Record `consumed` units of the issued line as used; the rest returns to its bin."""
    returned = reservation.qty - consumed
    if consumed:
        # The units left with the issue; the row records the use for consumption statistics.
        await move(session, reservation.stock_id, LedgerReason.CONSUMPTION, reservation.fault_id,
                   qty=consumed)
    if returned:
        await book_in(session, reservation.stock_id, LedgerReason.RETURN, reservation.fault_id,
                      returned)
    reservation.consumed_qty, reservation.returned_qty = consumed, returned
    _set_status(reservation, ReservationStatus.CONSUMED)
    part = await session.get(PartsPart, reservation.part_number)
    return ConsumedLine(reservation_id=reservation.id, part_number=reservation.part_number,
                        consumed=consumed, returned=returned,
                        unit_cost=part.unit_cost if part is not None else None)


async def release_line(
    session: AsyncSession, reservation: PartsReservation, reason: ReleaseReason
) -> ReservedLine:
    """Give the line back: set-aside units become available, issued units come back in."""
    qty = reservation.qty
    if reservation.status == ReservationStatus.ISSUED:
        await book_in(session, reservation.stock_id, LedgerReason.RETURN, reservation.fault_id,
                      qty)
        reservation.returned_qty = qty
    else:
        await move(session, reservation.stock_id, LedgerReason.RELEASE, reservation.fault_id,
                   qty=qty, reserved=-qty)
        await _settle_transfer(session, reservation.id, TransferStatus.CANCELLED)
    reservation.release_reason = reason.value
    _set_status(reservation, ReservationStatus.RELEASED)
    return ReservedLine(reservation_id=reservation.id, part_number=reservation.part_number,
                        qty=qty, warehouse=reservation.warehouse, bin=reservation.bin)


def _set_status(reservation: PartsReservation, status: ReservationStatus) -> None:
    reservation.status = status.value
    reservation.updated_at = utcnow()


async def _settle_transfer(session: AsyncSession, reservation_id: str, to: TransferStatus) -> None:
    await session.execute(
        update(PartsTransfer)
        .where(col(PartsTransfer.reservation_id) == reservation_id,
               col(PartsTransfer.status) == TransferStatus.REQUESTED.value)
        .values(status=to.value, updated_at=utcnow())
    )


async def lock_holdings(
    session: AsyncSession,
    fault_id: str,
    statuses: Collection[ReservationStatus],
    close: Callable[[], Awaitable[None]],
) -> list[PartsReservation]:
    """Lock the fault's reservations in `statuses` after their stock rows, closing the fault
    in between (`close` locks its row) so that no new reservation can slip in afterwards.

    A line created between the first look and `close` is locked last, out of order: that
    needs a third transaction racing for the same fault, and a deadlock there is retried.
    """
    wanted = [s.value for s in statuses]
    reservation = PartsReservation
    first_look: Result[Any] = await session.execute(
        select(col(reservation.stock_id)).where(
            col(reservation.fault_id) == fault_id, col(reservation.status).in_(wanted))
    )
    locked = {stock_id for (stock_id,) in first_look.all()}
    await lock_stock(session, stock_ids=locked)
    await close()
    held = list(await session.scalars(
        select(reservation)
        .where(col(reservation.fault_id) == fault_id, col(reservation.status).in_(wanted))
        .order_by(col(reservation.stock_id), col(reservation.seq))
        .with_for_update()
        .execution_options(populate_existing=True)
    ))
    if late := {r.stock_id for r in held} - locked:
        await lock_stock(session, stock_ids=late)
    return held
