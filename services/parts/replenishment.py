"""Replenishment: `stock.low` once per crossing, and reserve levels from consumption."""

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Result, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.config import PartsSettings
from services.parts.domain import (
    LedgerReason,
    bucket_by_month,
    default_period,
    is_low,
    month_bounds,
    months_between,
    parse_month,
    reserve_level,
)
from services.parts.models import (
    ConsumptionReport,
    MonthConsumption,
    PartsLedgerEntry,
    PartsPart,
    PartsStock,
    PartsStockLow,
    WarehouseConsumption,
)
from shared.db import dialect_insert
from shared.errors import Problem
from shared.events import EventType, StockLow, utcnow
from shared.outbox import add_event, new_event


async def check_low_stock(
    session: AsyncSession,
    settings: PartsSettings,
    touched: Iterable[tuple[str, str]],
    correlation_id: str | None = None,
) -> None:
    """Publish `stock.low` for each (part, warehouse) that just fell below its reorder point.

    The state row flips only on a crossing, in one conditional update: falling below fires
    once, staying below fires nothing, climbing back to the reorder point re-arms it.
    """
    for part_number, warehouse in sorted(set(touched)):
        part = await session.get(PartsPart, part_number)
        if part is None:
            continue
        available = await _available(session, part_number, warehouse)
        low = is_low(available, part.reorder_point)
        # One statement: a first row is a crossing when it is low (a new line starts not low);
        # an existing one changes, and is returned, only when `low` flips.
        now = utcnow()
        flipped = await session.scalar(
            dialect_insert(session, PartsStockLow)
            .values(part_number=part_number, warehouse=warehouse, low=low, changed_at=now)
            .on_conflict_do_update(index_elements=["part_number", "warehouse"],
                                   set_={"low": low, "changed_at": now},
                                   where=col(PartsStockLow.low) != low)
            .returning(col(PartsStockLow.low))
        )
        if flipped and low:
            data = StockLow(part_number=part_number, warehouse=warehouse, available=available,
                            reorder_point=part.reorder_point).model_dump(mode="json")
            add_event(session, new_event(
                settings, EventType.STOCK_LOW, part_number, data, correlation_id
            ))


async def lines_below_reorder_point(session: AsyncSession) -> int:
    """How many stock lines (part x warehouse) have less available than the part's reorder
    point (the rule of `is_low`, counted in the database)."""
    stock = PartsStock
    below = (
        select(col(stock.part_number), col(stock.warehouse))
        .join(PartsPart, col(PartsPart.part_number) == col(stock.part_number))
        .group_by(col(stock.part_number), col(stock.warehouse), col(PartsPart.reorder_point))
        .having(func.sum(col(stock.on_hand) - col(stock.reserved) - col(stock.quarantined))
                < col(PartsPart.reorder_point))
    )
    return int(await session.scalar(select(func.count()).select_from(below.subquery())) or 0)


async def _available(session: AsyncSession, part_number: str, warehouse: str) -> int:
    stock = PartsStock
    total = await session.scalar(
        select(func.coalesce(func.sum(
            col(stock.on_hand) - col(stock.reserved) - col(stock.quarantined)), 0))
        .where(col(stock.part_number) == part_number, col(stock.warehouse) == warehouse)
    )
    return int(total or 0)


async def consumption_report(
    session: AsyncSession,
    settings: PartsSettings,
    part_number: str,
    first: str | None = None,
    last: str | None = None,
) -> ConsumptionReport:
    """Units consumed per warehouse and UTC month, with the reserve level each suggests.

    The period defaults to the twelve months up to the current one. Warehouses listed: those
    holding stock rows of the part and those that consumed it in the period. 422 naming
    `from` or `to` for months that are malformed, reversed or too many.
    """
    default_first, default_last = default_period(utcnow())
    first, last = first or default_first, last or default_last
    months = _period(first, last)
    start, end = month_bounds(first, last)
    entry = PartsLedgerEntry
    rows: Result[Any] = await session.execute(
        select(col(entry.warehouse), col(entry.at), col(entry.qty)).where(
            col(entry.part_number) == part_number,
            col(entry.reason) == LedgerReason.CONSUMPTION.value,
            col(entry.at) >= start, col(entry.at) < end,
        )
    )
    consumed: dict[str, list[tuple[Any, int]]] = {}
    for row in rows.all():
        consumed.setdefault(row.warehouse, []).append((row.at, row.qty))
    stocking = await session.scalars(
        select(col(PartsStock.warehouse)).where(col(PartsStock.part_number) == part_number)
    )
    warehouses = []
    for warehouse in sorted(set(stocking.all()) | set(consumed)):
        monthly = bucket_by_month(consumed.get(warehouse, []), months)
        level = reserve_level(monthly, settings.reserve_cover_months)
        warehouses.append(WarehouseConsumption(
            warehouse=warehouse,
            months=[MonthConsumption(month=m, consumed=n)
                    for m, n in zip(months, monthly, strict=True)],
            mean_monthly=level.mean_monthly, std_monthly=level.std_monthly,
            suggested_reserve=level.suggested_reserve,
        ))
    return ConsumptionReport(part_number=part_number, from_=first, to=last,
                             warehouses=warehouses)


def _period(first: str, last: str) -> list[str]:
    errors = []
    for field, value in (("from", first), ("to", last)):
        try:
            parse_month(value)
        except ValueError as exc:
            errors.append({"field": field, "message": str(exc)})
    if not errors:
        try:
            return months_between(first, last)
        except ValueError as exc:
            errors.append({"field": "from", "message": str(exc)})
    raise Problem(422, "Invalid request", "The period is not valid.", errors=errors)
