"""Reserve the parts a reported fault names, nearest warehouse first; backorder the rest."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.config import PartsSettings
from services.parts.domain import Demand, LedgerReason, merge_demands, plan_allocation
from services.parts.models import PartsBackorder, PartsCancelledFault, PartsReservation
from services.parts.stock import available_bins, record_movement, reserve_from_bin
from shared.events import (
    EventType,
    FaultReported,
    PartLine,
    PartsBackordered,
    PartsReserved,
    ReservedLine,
)
from shared.outbox import add_event, new_event


@dataclass(frozen=True)
class ReservationOutcome:
    reserved: list[ReservedLine] = field(default_factory=list)
    backordered: list[PartLine] = field(default_factory=list)
    # True when this fault had been handled before (a re-sent report): nothing was done.
    already_handled: bool = False
    # True when the fault had been cancelled before its report arrived: nothing was done.
    fault_cancelled: bool = False


async def reserve_for_fault(
    session: AsyncSession,
    settings: PartsSettings,
    fault: FaultReported,
    correlation_id: str | None,
) -> ReservationOutcome:
    """Reserve every suspected part, write backorders for shortfalls, stage the events.

    A fault already cancelled gets nothing. Runs in the caller's transaction and never commits.
    """
    if not fault.suspected_parts:
        return ReservationOutcome()
    if await session.get(PartsCancelledFault, fault.fault_id) is not None:
        return ReservationOutcome(fault_cancelled=True)
    if await _already_handled(session, fault.fault_id):
        return ReservationOutcome(already_handled=True)
    reserved: list[ReservedLine] = []
    backordered: list[PartLine] = []
    for demand in merge_demands((line.part_number, line.qty) for line in fault.suspected_parts):
        shortfall = await _reserve_demand(session, fault, demand, reserved)
        if shortfall:
            session.add(PartsBackorder(
                fault_id=fault.fault_id, part_number=demand.part_number, qty=shortfall
            ))
            backordered.append(PartLine(part_number=demand.part_number, qty=shortfall))
    if reserved:
        data = PartsReserved(fault_id=fault.fault_id, lines=reserved).model_dump(mode="json")
        add_event(session, new_event(
            settings, EventType.PARTS_RESERVED, fault.fault_id, data, correlation_id
        ))
    if backordered:
        data = PartsBackordered(fault_id=fault.fault_id, lines=backordered).model_dump(mode="json")
        add_event(session, new_event(
            settings, EventType.PARTS_BACKORDERED, fault.fault_id, data, correlation_id
        ))
    return ReservationOutcome(reserved, backordered)


async def _already_handled(session: AsyncSession, fault_id: str) -> bool:
    for model in (PartsReservation, PartsBackorder):
        query = select(col(model.id)).where(col(model.fault_id) == fault_id).limit(1)
        if (await session.scalars(query)).first() is not None:
            return True
    return False


async def _reserve_demand(
    session: AsyncSession, fault: FaultReported, demand: Demand, reserved: list[ReservedLine]
) -> int:
    """Reserve what the bins hold of one part (appending to `reserved`); returns the shortfall.

    When another transaction takes a planned bin first, re-read and re-plan the remainder.
    That ends: each lost bin was taken by a committed reservation, so the next read sees less.
    """
    remaining = demand.qty
    while remaining > 0:
        bins = await available_bins(session, demand.part_number)
        plan = plan_allocation(remaining, fault.location.lat, fault.location.lon, bins)
        lost_a_bin = False
        # Rows are locked in id order so that faults reserving the same bins do not deadlock.
        for allocation in sorted(plan.allocations, key=lambda a: a.stock_id):
            if not await reserve_from_bin(session, allocation):
                lost_a_bin = True
                continue
            reservation = PartsReservation(
                fault_id=fault.fault_id, part_number=demand.part_number,
                warehouse=allocation.warehouse, bin=allocation.bin, batch=allocation.batch,
                qty=allocation.qty,
            )
            session.add(reservation)
            record_movement(
                session, allocation, demand.part_number, on_hand_delta=0,
                reserved_delta=allocation.qty, reason=LedgerReason.RESERVATION,
                reference=fault.fault_id,
            )
            reserved.append(ReservedLine(
                reservation_id=reservation.id, part_number=demand.part_number,
                qty=allocation.qty, warehouse=allocation.warehouse, bin=allocation.bin,
            ))
            remaining -= allocation.qty
        if not lost_a_bin:
            break
    return remaining

