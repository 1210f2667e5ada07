"""Sourcing on `fault.reported`: reserve what the fault needs, backorder the rest."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.config import PartsSettings
from services.parts.domain import Demand, merge_demands
from services.parts.faults import FaultSite, ReportSeen, record_report
from services.parts.ledger import lock_stock
from services.parts.models import PartsFaultCodePart, PartsPart
from services.parts.replenishment import check_low_stock
from services.parts.sourcing import Sourcing, open_backorder, source_part
from shared.events import BackorderedLine, FaultReported, ReservedLine


@dataclass(frozen=True)
class ReservationOutcome:
    reserved: list[ReservedLine] = field(default_factory=list)
    backordered: list[BackorderedLine] = field(default_factory=list)
    # True when this fault had been handled before (a re-sent report): nothing was done.
    already_handled: bool = False
    # True when the fault was cancelled (or its job completed) before its report arrived.
    fault_cancelled: bool = False


async def demands_of(session: AsyncSession, fault: FaultReported) -> list[Demand]:
    """The parts the fault names; when it names none, those its fault code usually needs."""
    if fault.suspected_parts:
        return merge_demands((line.part_number, line.qty) for line in fault.suspected_parts)
    if not fault.fault_code:
        return []
    mapped = await session.scalars(
        select(PartsFaultCodePart)
        .where(col(PartsFaultCodePart.fault_code) == fault.fault_code)
        .order_by(col(PartsFaultCodePart.part_number))
    )
    return [Demand(m.part_number, m.qty) for m in mapped]


async def reserve_for_fault(
    session: AsyncSession,
    settings: PartsSettings,
    fault: FaultReported,
    correlation_id: str | None,
) -> ReservationOutcome:
    """Reserve every needed part nearest-first, backorder shortfalls, stage the events.

    The fault is remembered (site, class) for later steps. A repeated report, or one for a
    fault already cancelled, does nothing. Runs in the caller's transaction, never commits.
    """
    demands = await demands_of(session, fault)
    # Stock rows before the fault's row: the lock order every transaction keeps.
    pool = await lock_stock(session, part_numbers=[d.part_number for d in demands])
    seen = await record_report(session, fault)
    if seen is ReportSeen.REPEATED:
        return ReservationOutcome(already_handled=True)
    if seen is ReportSeen.CLOSED:
        return ReservationOutcome(fault_cancelled=True)
    site = FaultSite(fault.fault_id, fault.severity, fault.location.site_code,
                     fault.location.lat, fault.location.lon)
    sourcing = Sourcing(site)
    wanted = [d.part_number for d in demands]
    parts = {p.part_number: p for p in await session.scalars(
        select(PartsPart).where(col(PartsPart.part_number).in_(wanted))
    )}
    for demand in demands:
        short = await source_part(session, settings, sourcing, parts.get(demand.part_number),
                                  demand.part_number, demand.qty, pool)
        if short:
            open_backorder(session, sourcing, short)
    sourcing.publish(session, settings, correlation_id)
    await check_low_stock(session, settings, sourcing.touched, correlation_id)
    return ReservationOutcome(sourcing.reserved, sourcing.backordered)
