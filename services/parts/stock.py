"""Stock movements against bins, each recorded on the append-only ledger."""

from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, Result, case, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.domain import Allocation, LedgerReason, StockBin
from services.parts.models import (
    PartsLedgerEntry,
    PartsPart,
    PartsStock,
    PartsWarehouse,
    StockPublic,
    StockReceipt,
)
from shared.db import dialect_insert
from shared.errors import Problem

_BIN_KEY = ["warehouse", "bin", "part_number", "batch"]


class BinBatch(Protocol):
    """Where a movement happened: a batch in a bin of a warehouse."""

    @property
    def warehouse(self) -> str: ...

    @property
    def bin(self) -> str: ...

    @property
    def batch(self) -> str: ...


def present_stock(stock: PartsStock) -> StockPublic:
    return StockPublic(
        warehouse=stock.warehouse,
        bin=stock.bin,
        part_number=stock.part_number,
        batch=stock.batch,
        on_hand=stock.on_hand,
        reserved=stock.reserved,
        available=stock.on_hand - stock.reserved,
    )


def record_movement(
    session: AsyncSession,
    stock: BinBatch,
    part_number: str,
    *,
    on_hand_delta: int,
    reserved_delta: int,
    reason: LedgerReason,
    reference: str,
) -> None:
    session.add(
        PartsLedgerEntry(
            warehouse=stock.warehouse,
            bin=stock.bin,
            part_number=part_number,
            batch=stock.batch,
            on_hand_delta=on_hand_delta,
            reserved_delta=reserved_delta,
            reason=reason.value,
            reference=reference,
        )
    )


async def receive_stock(session: AsyncSession, receipt: StockReceipt, reference: str) -> PartsStock:
    """Add received goods to the bin (created by its first receipt) and record the movement.

    One upsert statement: two receipts racing into the same new bin both count, neither fails.
    """
    unknown = [
        {"field": field, "message": f"no such {field}"}
        for field, model, key in (
            ("warehouse", PartsWarehouse, receipt.warehouse),
            ("part_number", PartsPart, receipt.part_number),
        )
        if await session.get(model, key) is None
    ]
    if unknown:
        raise Problem(422, "Invalid request", "The receipt names unknown records.", errors=unknown)
    statement = dialect_insert(session, PartsStock).values(
        **receipt.model_dump(include=set(_BIN_KEY)), on_hand=receipt.qty, reserved=0
    )
    statement = statement.on_conflict_do_update(
        index_elements=_BIN_KEY,
        set_={"on_hand": col(PartsStock.on_hand) + statement.excluded.on_hand},
    )
    stock = (
        await session.scalars(
            statement.returning(PartsStock), execution_options={"populate_existing": True}
        )
    ).one()
    record_movement(
        session, receipt, receipt.part_number, on_hand_delta=receipt.qty, reserved_delta=0,
        reason=LedgerReason.RECEIPT, reference=reference,
    )
    return stock


async def available_bins(session: AsyncSession, part_number: str) -> list[StockBin]:
    """Bins holding some unreserved stock of the part, with their warehouse's position."""
    available = col(PartsStock.on_hand) - col(PartsStock.reserved)
    rows: Result[Any] = await session.execute(
        select(
            col(PartsStock.id).label("stock_id"), col(PartsStock.warehouse),
            col(PartsWarehouse.lat), col(PartsWarehouse.lon), col(PartsStock.bin),
            col(PartsStock.batch), available.label("available"),
        )
        .join(PartsWarehouse, col(PartsWarehouse.code) == col(PartsStock.warehouse))
        .where(col(PartsStock.part_number) == part_number, available > 0)
    )
    return [StockBin(**row._asdict()) for row in rows.all()]


async def reserve_from_bin(session: AsyncSession, allocation: Allocation) -> bool:
    """Set the allocation aside if the bin still has it; False when another reservation won.

    The availability test and the increment are one statement: on PostgreSQL a concurrent
    update of the row makes this one wait and re-check the condition; SQLite serialises writers.
    """
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(PartsStock)
            .where(
                col(PartsStock.id) == allocation.stock_id,
                col(PartsStock.on_hand) - col(PartsStock.reserved) >= allocation.qty,
            )
            .values(reserved=col(PartsStock.reserved) + allocation.qty)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


async def release_from_bin(session: AsyncSession, stock_id: int, qty: int) -> None:
    """Make `qty` reserved units of the bin available again, in one statement.

    A bin's `reserved` is the sum of its active reservations, so it cannot hold less than one
    of them; should that ever be broken, stop at zero rather than refuse the release forever.
    """
    reserved = col(PartsStock.reserved)
    await session.execute(
        update(PartsStock)
        .where(col(PartsStock.id) == stock_id)
        .values(reserved=case((reserved > qty, reserved - qty), else_=0))
        .execution_options(synchronize_session=False)
    )
