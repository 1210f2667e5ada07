"""Stock by bin, the ledger it is the projection of, stock-low state and quarantines."""

from datetime import datetime

from pydantic import StrictFloat
from sqlalchemy import CheckConstraint, Column, ForeignKeyConstraint, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.parts.domain import MAX_QUANTITY, LedgerReason
from shared.columns import timestamp_field
from shared.events import utcnow
from shared.schemas import SQLRequestBody


class PartsStock(SQLModel, table=True):
    """What one bin holds of one lot (part, batch, supplier): the sum of its ledger rows.

    `available = on_hand - reserved - quarantined`.
    """

    __tablename__ = "parts_stock"
    __table_args__ = (
        UniqueConstraint(
            "warehouse", "bin", "part_number", "batch", "supplier_id", name="uq_parts_stock_lot"
        ),
        ForeignKeyConstraint(
            ["warehouse", "bin"], ["parts_bin.warehouse", "parts_bin.bin"],
            name="fk_parts_stock_bin",
        ),
        # The last line of defence: no race or bug may drive stock negative or over-commit it.
        CheckConstraint("on_hand >= 0", name="ck_parts_stock_on_hand"),
        CheckConstraint("reserved >= 0", name="ck_parts_stock_reserved"),
        CheckConstraint("quarantined >= 0", name="ck_parts_stock_quarantined"),
        CheckConstraint("reserved + quarantined <= on_hand", name="ck_parts_stock_held_on_hand"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    warehouse: str = Field(max_length=20, foreign_key="parts_warehouse.code")
    bin: str = Field(max_length=40)
    part_number: str = Field(max_length=60, foreign_key="parts_part.part_number", index=True)
    batch: str = Field(default="", max_length=60)
    supplier_id: str = Field(default="", max_length=40, sa_column_kwargs={"server_default": ""})
    on_hand: int = 0
    reserved: int = 0
    quarantined: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class StockPublic(SQLModel):
    warehouse: str
    bin: str
    part_number: str
    batch: str
    supplier_id: str
    on_hand: int
    reserved: int
    quarantined: int
    available: int


class StockReceipt(SQLRequestBody):
    """Goods received into a registered bin."""

    warehouse: str = Field(min_length=1, max_length=20)
    bin: str = Field(min_length=1, max_length=40)
    part_number: str = Field(min_length=1, max_length=60)
    # A JSON number; whether it is a whole number of the part's unit is checked against it.
    qty: StrictFloat = Field(ge=0, le=MAX_QUANTITY)
    batch: str = Field(default="", max_length=60)
    # Defaults to the part's usual supplier.
    supplier_id: str | None = Field(default=None, min_length=1, max_length=40)
    # The delivery note, shown as the ledger row's reference (default: a generated one).
    reference: str | None = Field(default=None, min_length=1, max_length=80)


class PartsLedgerEntry(SQLModel, table=True):
    """One stock movement of one stock row; rows are only ever appended.

    The deltas of a stock row's entries add up to its on_hand, reserved and quarantined. A
    consumption moves nothing (the units left with the issue) but records `qty` used.
    """

    __tablename__ = "parts_ledger"
    __table_args__ = (
        CheckConstraint(
            f"reason IN ({', '.join(repr(r.value) for r in LedgerReason)})",
            name="ck_parts_ledger_reason",
        ),
        CheckConstraint("qty >= 0", name="ck_parts_ledger_qty"),
        ForeignKeyConstraint(["stock_id"], ["parts_stock.id"], name="fk_parts_ledger_stock"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    stock_id: int = Field(index=True)
    warehouse: str = Field(max_length=20)
    bin: str = Field(max_length=40)
    part_number: str = Field(max_length=60, index=True)
    batch: str = Field(max_length=60)
    on_hand_delta: int
    reserved_delta: int
    quarantined_delta: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    qty: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    reason: str = Field(max_length=20)
    reference: str = Field(max_length=100, index=True)
    at: datetime = timestamp_field(default_factory=utcnow)


class LedgerEntryPublic(SQLModel):
    id: int
    at: datetime
    reason: str
    warehouse: str
    bin: str
    part_number: str
    batch: str
    on_hand_delta: int
    reserved_delta: int
    quarantined_delta: int
    qty: int
    reference: str


class PartsStockLow(SQLModel, table=True):
    """Whether a part is below its reorder point in a warehouse: `stock.low` fires on the way
    down only, and re-arms once available is back at the reorder point."""

    __tablename__ = "parts_stock_low"

    part_number: str = Field(primary_key=True, max_length=60)
    warehouse: str = Field(primary_key=True, max_length=20)
    low: bool = False
    changed_at: datetime = timestamp_field(default_factory=utcnow)


class PartsQuarantine(SQLModel, table=True):
    """A quarantine quality declared: matching stock, now and arriving later, is unusable."""

    __tablename__ = "parts_quarantine"

    id: str = Field(primary_key=True, max_length=60)
    part_number: str = Field(max_length=60, index=True)
    batch: str | None = Field(default=None, max_length=60)
    supplier_id: str | None = Field(default=None, max_length=40)
    reason: str = Field(max_length=500)
    received_at: datetime = timestamp_field(default_factory=utcnow)
