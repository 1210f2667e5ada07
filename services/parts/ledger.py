"""The stock ledger: every change of a stock row is one guarded update plus one ledger row.

Lock order, kept by every transaction so that none deadlocks another: the part row (receipts
share it, a quarantine takes it alone), stock rows (ascending id), fault rows (ascending id),
then reservations, backorders, transfers, stock-low state.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Result, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.domain import LedgerReason, StockBin
from services.parts.models import PartsLedgerEntry, PartsPart, PartsStock, PartsWarehouse
from shared.errors import Problem


class StockConflict(Problem):
    """A movement would break the stock invariants (never expected under the row lock)."""

    def __init__(self, stock_id: int, reason: LedgerReason) -> None:
        super().__init__(
            409, "Stock conflict",
            f"Stock row {stock_id} cannot take this {reason.value}; retry the request.",
        )


async def move(
    session: AsyncSession,
    stock_id: int,
    reason: LedgerReason,
    reference: str,
    *,
    qty: int,
    on_hand: int = 0,
    reserved: int = 0,
    quarantined: int = 0,
) -> None:
    """Apply the deltas to the stock row and append the ledger row, in the caller's transaction.

    The invariants (nothing negative, `reserved + quarantined <= on_hand`) are the update's own
    condition, so no interleaving can break them; a refused movement raises StockConflict.
    """
    stock = PartsStock
    new_on_hand = col(stock.on_hand) + on_hand
    new_reserved = col(stock.reserved) + reserved
    new_quarantined = col(stock.quarantined) + quarantined
    result: Result[Any] = await session.execute(
        update(stock)
        .where(
            col(stock.id) == stock_id,
            new_on_hand >= 0, new_reserved >= 0, new_quarantined >= 0,
            new_reserved + new_quarantined <= new_on_hand,
        )
        .values(on_hand=new_on_hand, reserved=new_reserved, quarantined=new_quarantined)
        .returning(col(stock.warehouse), col(stock.bin), col(stock.part_number),
                   col(stock.batch))
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    if row is None:
        raise StockConflict(stock_id, reason)
    session.add(PartsLedgerEntry(
        stock_id=stock_id, warehouse=row.warehouse, bin=row.bin, part_number=row.part_number,
        batch=row.batch, on_hand_delta=on_hand, reserved_delta=reserved,
        quarantined_delta=quarantined, qty=qty, reason=reason.value, reference=reference,
    ))


async def lock_part(session: AsyncSession, part_number: str, *, exclusive: bool) -> None:
    """Lock the part's catalogue row: shared by receipts, exclusive for a quarantine.

    A receipt may create a new stock row, which a concurrent lock on the part's stock rows
    cannot see; this lock makes a quarantine and the receipts of its part take turns.
    """
    await session.execute(
        select(col(PartsPart.part_number))
        .where(col(PartsPart.part_number) == part_number)
        .with_for_update(read=not exclusive)
    )


class StockPool:
    """Stock rows this transaction has locked, with what each still has available."""

    def __init__(self, bins: Iterable[StockBin]) -> None:
        self._bins = {b.stock_id: b for b in bins}

    def bins_of(self, part_number: str) -> list[StockBin]:
        return [b for b in self._bins.values() if b.part_number == part_number]

    def get(self, stock_id: int) -> StockBin:
        return self._bins[stock_id]

    def take(self, stock_id: int, qty: int) -> None:
        """`qty` units of the row were reserved or quarantined (negative: released)."""
        self._bins[stock_id] = self._bins[stock_id].less(qty)


async def lock_stock(
    session: AsyncSession,
    *,
    part_numbers: Iterable[str] = (),
    stock_ids: Iterable[int] = (),
) -> StockPool:
    """Lock every stock row of the parts (and the rows by id), in id order; read them fresh."""
    parts, ids = sorted(set(part_numbers)), sorted(set(stock_ids))
    stock = PartsStock
    available = col(stock.on_hand) - col(stock.reserved) - col(stock.quarantined)
    rows: Result[Any] = await session.execute(
        select(
            col(stock.id).label("stock_id"), col(stock.warehouse), col(PartsWarehouse.lat),
            col(PartsWarehouse.lon), col(stock.bin), col(stock.batch),
            available.label("available"), col(stock.part_number), col(stock.supplier_id),
        )
        .join(PartsWarehouse, col(PartsWarehouse.code) == col(stock.warehouse))
        .where(col(stock.part_number).in_(parts) | col(stock.id).in_(ids))
        .order_by(col(stock.id))
        .with_for_update(of=stock)
    )
    return StockPool(StockBin(**row._asdict()) for row in rows.all())


@dataclass(frozen=True)
class Mismatch:
    """A stock row whose ledger does not add up to it: (on_hand, reserved, quarantined)."""

    stock_id: int
    warehouse: str
    bin: str
    part_number: str
    batch: str
    ledger: tuple[int, int, int]
    stock: tuple[int, int, int]


async def ledger_matches_stock(session: AsyncSession) -> list[Mismatch]:
    """Every stock row whose ledger sums differ from it; empty when stock tells the truth.

    Ledger rows always name an existing stock row (a foreign key), so comparing from the
    stock side covers every row of the ledger.
    """
    entry = PartsLedgerEntry
    sums = (
        select(
            col(entry.stock_id).label("stock_id"),
            func.sum(entry.on_hand_delta).label("on_hand"),
            func.sum(entry.reserved_delta).label("reserved"),
            func.sum(entry.quarantined_delta).label("quarantined"),
        )
        .group_by(col(entry.stock_id))
        .subquery()
    )
    rows = await session.execute(
        select(PartsStock, sums.c.on_hand, sums.c.reserved, sums.c.quarantined)
        .outerjoin(sums, sums.c.stock_id == col(PartsStock.id))
        .order_by(col(PartsStock.id))
        .execution_options(populate_existing=True)
    )
    mismatches = []
    for stock, on_hand, reserved, quarantined in rows.all():
        ledger = (int(on_hand or 0), int(reserved or 0), int(quarantined or 0))
        actual = (stock.on_hand, stock.reserved, stock.quarantined)
        if ledger != actual:
            mismatches.append(Mismatch(
                stock.id, stock.warehouse, stock.bin, stock.part_number, stock.batch, ledger,
                actual,
            ))
    return mismatches
