"""Backorders: served by receipts (stopped vehicles first, then oldest), cancelled with faults."""

from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.config import PartsSettings
from services.parts.domain import (
    CANCELLABLE_BACKORDERS,
    BackorderStatus,
    WaitingDemand,
    serving_order,
)
from services.parts.faults import lock_open_sites
from services.parts.ledger import StockPool
from services.parts.models import PartsBackorder, PartsPart
from services.parts.sourcing import Sourcing, source_part
from shared.events import utcnow


async def fulfil_backorders(
    session: AsyncSession,
    settings: PartsSettings,
    part_number: str,
    pool: StockPool,
) -> set[tuple[str, str]]:
    """Serve open backorders of the part from the locked pool; returns the (part, warehouse)
    pairs whose stock changed.

    Each served fault gets `parts.reserved` (and its transfers and approvals), so it moves on
    as if the stock had been there when it was reported; a backorder partly served keeps the
    rest outstanding. Faults cancelled or completed meanwhile are skipped.
    """
    waiting = await session.scalars(
        select(col(PartsBackorder.fault_id)).distinct().where(
            col(PartsBackorder.part_number) == part_number,
            col(PartsBackorder.status) == BackorderStatus.OPEN.value,
        )
    )
    fault_ids = list(waiting)
    if not fault_ids:
        return set()
    sites = await lock_open_sites(session, fault_ids)
    backorders = {
        b.id: b for b in await session.scalars(
            select(PartsBackorder)
            .where(col(PartsBackorder.part_number) == part_number,
                   col(PartsBackorder.status) == BackorderStatus.OPEN.value,
                   col(PartsBackorder.fault_id).in_(list(sites)))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }
    part = await session.get(PartsPart, part_number)
    queue = serving_order(
        WaitingDemand(b.id, b.seq or 0, sites[b.fault_id].severity)
        for b in backorders.values()
    )
    sourcings: dict[str, Sourcing] = {}
    for waiting_backorder in queue:
        if not any(stock.available > 0 for stock in pool.bins_of(part_number)):
            break
        backorder = backorders[waiting_backorder.key]
        sourcing = sourcings.setdefault(backorder.fault_id, Sourcing(sites[backorder.fault_id]))
        short = await source_part(session, settings, sourcing, part, part_number,
                                  backorder.outstanding, pool)
        backorder.outstanding = short.qty if short else 0
        if backorder.outstanding == 0:
            backorder.status = BackorderStatus.FULFILLED.value
            backorder.fulfilled_at = utcnow()
    touched: set[tuple[str, str]] = set()
    for sourcing in sourcings.values():
        sourcing.publish(session, settings, None)  # each fault's own story
        touched |= sourcing.touched
    return touched


async def cancel_backorders(session: AsyncSession, fault_id: str) -> int:
    """Cancel the fault's open backorders (its job no longer needs them); returns how many."""
    result = cast(CursorResult[Any], await session.execute(
        update(PartsBackorder)
        .where(col(PartsBackorder.fault_id) == fault_id,
               col(PartsBackorder.status).in_([s.value for s in CANCELLABLE_BACKORDERS]))
        .values(status=BackorderStatus.CANCELLED.value)
    ))
    return result.rowcount
