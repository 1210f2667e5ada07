"""Units arriving on a shelf (receipts, returns): quarantined at once if their lot is."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.domain import LedgerReason, quarantine_matches
from services.parts.ledger import move
from services.parts.models import PartsQuarantine, PartsStock


async def book_in(
    session: AsyncSession, stock_id: int, reason: LedgerReason, reference: str, qty: int
) -> None:
    """Add `qty` units to the stock row, straight into quarantine if a quarantine covers it.

    A lot that quality quarantined stays unusable whatever comes back or arrives later.
    """
    await move(session, stock_id, reason, reference, qty=qty, on_hand=qty)
    stock = await session.get(PartsStock, stock_id)
    assert stock is not None  # the movement above found it
    quarantines = await session.scalars(
        select(PartsQuarantine)
        .where(col(PartsQuarantine.part_number) == stock.part_number)
        .order_by(col(PartsQuarantine.received_at))
    )
    for quarantine in quarantines:
        if quarantine_matches(stock.batch, stock.supplier_id, quarantine.batch,
                              quarantine.supplier_id):
            await move(session, stock_id, LedgerReason.QUARANTINE,
                       f"quarantine:{quarantine.id}", qty=qty, quarantined=qty)
            return
