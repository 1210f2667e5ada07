"""The one planner every path reserves through: reports, backorders served, quarantine."""

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from services.parts.config import PartsSettings
from services.parts.domain import (
    BackorderReason,
    LedgerReason,
    ReservationStatus,
    line_eta,
    may_use_stock,
    needs_transfer,
    plan_allocation,
    supplier_lead_time,
)
from services.parts.faults import FaultSite
from services.parts.ledger import StockPool, move
from services.parts.metrics import RESERVATIONS, SERVICE
from services.parts.models import PartsBackorder, PartsPart, PartsReservation, PartsTransfer
from shared.events import (
    BackorderedLine,
    EventType,
    PartsApproved,
    PartsBackordered,
    PartsReserved,
    PartsTransferRequested,
    ReservedLine,
    utcnow,
)
from shared.outbox import add_event, new_event

AUTO_APPROVER = "auto"


@dataclass
class Sourcing:
    """What sourcing did for one fault in this transaction, announced by `publish`."""

    site: FaultSite
    reserved: list[ReservedLine] = field(default_factory=list)
    backordered: list[BackorderedLine] = field(default_factory=list)
    transfers: list[PartsTransferRequested] = field(default_factory=list)
    approvals: list[PartsApproved] = field(default_factory=list)
    # (part, warehouse) pairs whose available stock changed: candidates for `stock.low`.
    touched: set[tuple[str, str]] = field(default_factory=set)

    def publish(
        self, session: AsyncSession, settings: PartsSettings, correlation_id: str | None
    ) -> None:
        """Stage the events: reserved lines first, then their transfers and approvals."""
        fault_id = self.site.fault_id

        def stage(type_: EventType, data: dict[str, object]) -> None:
            add_event(session, new_event(settings, type_, fault_id, data, correlation_id))

        if self.reserved:
            stage(EventType.PARTS_RESERVED, PartsReserved(
                fault_id=fault_id, lines=self.reserved).model_dump(mode="json", exclude_none=True))
        for transfer in self.transfers:
            stage(EventType.PARTS_TRANSFER_REQUESTED, transfer.model_dump(mode="json"))
        for approval in self.approvals:
            stage(EventType.PARTS_APPROVED, approval.model_dump(mode="json"))
        if self.backordered:
            stage(EventType.PARTS_BACKORDERED, PartsBackordered(
                fault_id=fault_id, lines=self.backordered).model_dump(mode="json"))


async def source_part(
    session: AsyncSession,
    settings: PartsSettings,
    sourcing: Sourcing,
    part: PartsPart | None,
    part_number: str,
    qty: int,
    pool: StockPool,
    approved_by: str | None = None,
) -> BackorderedLine | None:
    """Reserve up to `qty` of the part from the pool (every stock row of the part, locked by
    the caller); returns what is left unreserved.

    Nearest covering warehouse, else split by distance (`plan_allocation`). Each line gets an
    ETA, a transfer when its warehouse is outside the local radius, and an approval when the
    fault's class is approved automatically (or `approved_by` carries an earlier approval).
    """
    site = sourcing.site
    if part is None:
        return BackorderedLine(part_number=part_number, qty=qty,
                               reason=BackorderReason.UNKNOWN_PART)
    if not may_use_stock(part.category, site.severity):
        return BackorderedLine(part_number=part_number, qty=qty,
                               reason=BackorderReason.EMERGENCY_STOCK_RESERVED)
    plan = plan_allocation(qty, site.lat, site.lon, pool.bins_of(part_number))
    auto = site.severity in settings.auto_approve_severities
    approver = AUTO_APPROVER if auto else approved_by
    now = utcnow()
    lead_time = supplier_lead_time(part.category, part.lead_time_hours)
    # The pool's rows are all locked already, so lines are made in plan order: nearest first.
    for allocation in plan.allocations:
        await move(session, allocation.stock_id, LedgerReason.RESERVATION, site.fault_id,
                   qty=allocation.qty, reserved=allocation.qty)
        pool.take(allocation.stock_id, allocation.qty)
        distance = round(allocation.distance_km, 1)
        eta = line_eta(now, allocation.distance_km, handling_hours=settings.handling_hours,
                       express_speed_kmh=settings.express_speed_kmh, lead_time_hours=lead_time)
        reservation = PartsReservation(
            fault_id=site.fault_id, part_number=part_number, stock_id=allocation.stock_id,
            warehouse=allocation.warehouse, bin=allocation.bin, batch=allocation.batch,
            qty=allocation.qty, eta=eta, distance_km=distance,
            status=(ReservationStatus.APPROVED if approver else ReservationStatus.RESERVED).value,
            approved_by=approver, approved_at=now if approver else None,
        )
        session.add(reservation)
        transfer_id = None
        shipped = needs_transfer(allocation.distance_km, settings.local_radius_km)
        RESERVATIONS.labels(SERVICE, "transfer" if shipped else "reserved").inc()
        if shipped:
            transfer = PartsTransfer(
                fault_id=site.fault_id, reservation_id=reservation.id, part_number=part_number,
                qty=allocation.qty, from_warehouse=allocation.warehouse, bin=allocation.bin,
                to_site_code=site.site_code, distance_km=distance, eta=eta,
            )
            session.add(transfer)
            transfer_id = transfer.id
            sourcing.transfers.append(PartsTransferRequested(
                fault_id=site.fault_id, transfer_id=transfer.id, reservation_id=reservation.id,
                part_number=part_number, qty=allocation.qty, from_warehouse=allocation.warehouse,
                to_site_code=site.site_code, distance_km=distance, eta=eta,
            ))
        if approver:
            sourcing.approvals.append(PartsApproved(
                fault_id=site.fault_id, reservation_id=reservation.id, approved_by=approver,
                auto=auto,
            ))
        sourcing.reserved.append(ReservedLine(
            reservation_id=reservation.id, part_number=part_number, qty=allocation.qty,
            warehouse=allocation.warehouse, bin=allocation.bin, eta=eta, transfer_id=transfer_id,
        ))
        sourcing.touched.add((part_number, allocation.warehouse))
    if plan.shortfall == 0:
        return None
    return BackorderedLine(part_number=part_number, qty=plan.shortfall)


def open_backorder(session: AsyncSession, sourcing: Sourcing, line: BackorderedLine) -> None:
    """Record demand no stock could meet, to be served by later receipts."""
    session.add(PartsBackorder(
        fault_id=sourcing.site.fault_id, part_number=line.part_number, qty=line.qty,
        outstanding=line.qty, severity=sourcing.site.severity, reason=line.reason,
    ))
    sourcing.backordered.append(line)
    RESERVATIONS.labels(SERVICE, "backordered").inc()
