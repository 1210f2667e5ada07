"""Goods received into registered bins; each receipt then serves waiting backorders."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.arrivals import book_in
from services.parts.backorders import fulfil_backorders
from services.parts.config import PartsSettings
from services.parts.domain import LedgerReason, whole_quantity
from services.parts.ledger import lock_part, lock_stock
from services.parts.models import (
    PartsBin,
    PartsPart,
    PartsStock,
    PartsWarehouse,
    StockPublic,
    StockReceipt,
)
from services.parts.replenishment import check_low_stock
from shared.db import dialect_insert
from shared.errors import Problem

_LOT = ["warehouse", "bin", "part_number", "batch", "supplier_id"]


def present_stock(stock: PartsStock) -> StockPublic:
    return StockPublic(
        warehouse=stock.warehouse, bin=stock.bin, part_number=stock.part_number,
        batch=stock.batch, supplier_id=stock.supplier_id, on_hand=stock.on_hand,
        reserved=stock.reserved, quarantined=stock.quarantined,
        available=stock.on_hand - stock.reserved - stock.quarantined,
    )


async def check_receipt(session: AsyncSession, receipt: StockReceipt) -> tuple[PartsPart, int]:
    """The received part and whole quantity; 422 naming every bad field, before any write."""
    errors: list[dict[str, str]] = []
    part = await session.get(PartsPart, receipt.part_number)
    if part is None:
        errors.append({"field": "part_number", "message": "no such part"})
    if await session.get(PartsWarehouse, receipt.warehouse) is None:
        errors.append({"field": "warehouse", "message": "no such warehouse"})
    elif await session.get(PartsBin, (receipt.warehouse, receipt.bin)) is None:
        errors.append({"field": "bin", "message": f"bin {receipt.bin} is not registered in "
                       f"warehouse {receipt.warehouse}"})
    qty = 0
    try:
        qty = whole_quantity(receipt.qty, part.unit if part else "units")
    except ValueError as exc:
        errors.append({"field": "qty", "message": str(exc)})
    if errors or part is None:
        raise Problem(422, "Invalid request", "The receipt cannot be booked.", errors=errors)
    return part, qty


async def receive_stock(
    session: AsyncSession, settings: PartsSettings, receipt: StockReceipt, reference: str
) -> PartsStock:
    """Book goods into the bin's lot (created by its first receipt), then serve backorders.

    Units of a quarantined lot go straight into quarantine. Never commits.
    """
    part, qty = await check_receipt(session, receipt)
    supplier_id = receipt.supplier_id or part.supplier_id or ""
    lot = {"warehouse": receipt.warehouse, "bin": receipt.bin, "part_number": part.part_number,
           "batch": receipt.batch, "supplier_id": supplier_id}
    await lock_part(session, part.part_number, exclusive=False)
    # Existing rows first, in id order; a new row is created after them, so the order holds.
    await lock_stock(session, part_numbers=[part.part_number])
    await session.execute(
        dialect_insert(session, PartsStock).values(**lot, on_hand=0, reserved=0, quarantined=0)
        .on_conflict_do_nothing(index_elements=_LOT)
    )
    stock_id = await session.scalar(
        select(col(PartsStock.id)).where(*(col(getattr(PartsStock, k)) == v
                                           for k, v in lot.items()))
    )
    assert stock_id is not None  # inserted or already there
    await book_in(session, stock_id, LedgerReason.RECEIPT, reference, qty)
    pool = await lock_stock(session, part_numbers=[part.part_number])
    touched = await fulfil_backorders(session, settings, part.part_number, pool)
    await check_low_stock(session, settings, touched | {(part.part_number, receipt.warehouse)},
                          reference)
    stock = await session.get(PartsStock, stock_id, populate_existing=True)
    assert stock is not None
    return stock
