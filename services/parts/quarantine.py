"""Quarantine (`quality.part_quarantined`): matching stock becomes unusable, and the open
lines it held are re-sourced from clean stock."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.config import PartsSettings
from services.parts.domain import (
    ON_THE_SHELF,
    LedgerReason,
    ReleaseReason,
    WaitingDemand,
    merge_demands,
    quarantine_matches,
    serving_order,
)
from services.parts.faults import FaultSite, lock_open_sites
from services.parts.ledger import StockPool, lock_part, lock_stock, move
from services.parts.lifecycle import release_line
from services.parts.models import PartsPart, PartsQuarantine, PartsReservation, PartsStock
from services.parts.replenishment import check_low_stock
from services.parts.sourcing import Sourcing, open_backorder, source_part
from shared.db import dialect_insert
from shared.events import EventType, PartsReleased, QualityPartQuarantined, ReservedLine
from shared.outbox import add_event, new_event

# A fault's released lines: the reservation and the line `parts.released` names.
Released = list[tuple[PartsReservation, ReservedLine]]


async def quarantine_stock(
    session: AsyncSession,
    settings: PartsSettings,
    notice: QualityPartQuarantined,
    quarantine_id: str,
) -> None:
    """Quarantine every matching lot, release the open lines on it and re-source them.

    Per affected fault: `parts.released` (reason `quarantine`) for the old lines, then
    `parts.reserved` / `parts.backordered` for the new ones. Units of the lot arriving later
    are quarantined on arrival. The same quarantine applied twice changes nothing.
    """
    recorded = await session.execute(
        dialect_insert(session, PartsQuarantine).values(
            id=quarantine_id, part_number=notice.part_number, batch=notice.batch,
            supplier_id=notice.supplier_id, reason=notice.reason[:500],
        ).on_conflict_do_nothing()
    )
    if not recorded.rowcount:  # type: ignore[attr-defined]
        return
    # Waits for receipts of the part in flight, so their new lots are seen and quarantined;
    # receipts that come later wait for this one and quarantine what they bring on arrival.
    await lock_part(session, notice.part_number, exclusive=True)
    pool = await lock_stock(session, part_numbers=[notice.part_number])
    lots = [b for b in pool.bins_of(notice.part_number)
            if quarantine_matches(b.batch, b.supplier_id, notice.batch, notice.supplier_id)]
    sites, released = await _release_open_lines(session, [b.stock_id for b in lots])
    reference = f"quarantine:{quarantine_id}"
    for lot in lots:
        # Read after the releases: every usable unit of the lot is quarantined.
        stock = await session.get(PartsStock, lot.stock_id, populate_existing=True)
        assert stock is not None  # locked above
        if (usable := stock.on_hand - stock.reserved - stock.quarantined) > 0:
            await move(session, lot.stock_id, LedgerReason.QUARANTINE, reference, qty=usable,
                       quarantined=usable)
        pool.take(lot.stock_id, pool.get(lot.stock_id).available)  # none left to reserve
    touched = {(lot.part_number, lot.warehouse) for lot in lots}
    part = await session.get(PartsPart, notice.part_number)
    # Re-sourced like backorders: stopped vehicles first, then the oldest lines.
    queue = serving_order(
        WaitingDemand(fault_id, min(r.seq or 0 for r, _ in lines),
                      sites[fault_id].severity if fault_id in sites else "C")
        for fault_id, lines in released.items()
    )
    for waiting in queue:
        fault_id, lines = waiting.key, released[waiting.key]
        add_event(session, new_event(settings, EventType.PARTS_RELEASED, fault_id, PartsReleased(
            fault_id=fault_id, lines=[line for _, line in lines], reason=ReleaseReason.QUARANTINE,
        ).model_dump(mode="json", exclude_none=True)))
        if fault_id in sites:
            touched |= await _re_source(session, settings, sites[fault_id], part, lines, pool)
    await check_low_stock(session, settings, touched, reference)



async def _release_open_lines(
    session: AsyncSession, stock_ids: list[int]
) -> tuple[dict[str, FaultSite], dict[str, Released]]:
    """Release the lines on the shelf of these stock rows, by fault; and the faults' sites
    (only open faults: a fault's lines can be re-sourced only while it is open)."""
    on_the_shelf = [s.value for s in ON_THE_SHELF]
    affected = await session.scalars(
        select(col(PartsReservation.fault_id)).distinct().where(
            col(PartsReservation.stock_id).in_(stock_ids),
            col(PartsReservation.status).in_(on_the_shelf))
    )
    sites = await lock_open_sites(session, list(affected))
    held = await session.scalars(
        select(PartsReservation)
        .where(col(PartsReservation.stock_id).in_(stock_ids),
               col(PartsReservation.status).in_(on_the_shelf))
        .order_by(col(PartsReservation.seq))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    released: dict[str, Released] = {}
    for reservation in held:
        line = await release_line(session, reservation, ReleaseReason.QUARANTINE)
        released.setdefault(reservation.fault_id, []).append((reservation, line))
    return sites, released


async def _re_source(
    session: AsyncSession,
    settings: PartsSettings,
    site: FaultSite,
    part: PartsPart | None,
    lines: Released,
    pool: StockPool,
) -> set[tuple[str, str]]:
    """Reserve the released quantities again from clean stock; backorder what is missing."""
    sourcing = Sourcing(site)
    # An approved requisition stays approved: only its source changed.
    approver = next((r.approved_by for r, _ in lines if r.approved_by), None)
    for demand in merge_demands((r.part_number, r.qty) for r, _ in lines):
        short = await source_part(session, settings, sourcing, part, demand.part_number,
                                  demand.qty, pool, approved_by=approver)
        if short:
            open_backorder(session, sourcing, short)
    sourcing.publish(session, settings, None)
    return sourcing.touched
