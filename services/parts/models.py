"""Parts tables (prefixed `parts_`) and the API's model families."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.parts.domain import BackorderStatus, PartCategory, ReservationStatus
from shared.columns import timestamp_field
from shared.events import utcnow


def _uuid() -> str:
    return str(uuid.uuid4())


class WarehouseBase(SQLModel):
    name: str = Field(min_length=1, max_length=100)
    city: str = Field(min_length=1, max_length=60)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class PartsWarehouse(WarehouseBase, table=True):
    __tablename__ = "parts_warehouse"

    code: str = Field(primary_key=True, max_length=20)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class WarehousePublic(WarehouseBase):
    code: str


class PartBase(SQLModel):
    name: str = Field(min_length=1, max_length=120)
    unit: str = Field(min_length=1, max_length=20)
    reorder_point: int = Field(ge=0, le=1_000_000)


class PartWrite(PartBase):
    category: PartCategory


class PartsPart(PartBase, table=True):
    __tablename__ = "parts_part"
    __table_args__ = (
        CheckConstraint(
            f"category IN ({', '.join(repr(c.value) for c in PartCategory)})",
            name="ck_parts_part_category",
        ),
        CheckConstraint("reorder_point >= 0", name="ck_parts_part_reorder_point"),
    )

    part_number: str = Field(primary_key=True, max_length=60)
    category: str = Field(max_length=20)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class PartPublic(PartWrite):
    part_number: str


class PartsStock(SQLModel, table=True):
    """What one bin holds of one part batch; `on_hand - reserved` is available."""

    __tablename__ = "parts_stock"
    __table_args__ = (
        UniqueConstraint("warehouse", "bin", "part_number", "batch"),
        # The last line of defence: no race or bug may drive stock negative or over-reserve.
        CheckConstraint("on_hand >= 0", name="ck_parts_stock_on_hand"),
        CheckConstraint("reserved >= 0", name="ck_parts_stock_reserved"),
        CheckConstraint("reserved <= on_hand", name="ck_parts_stock_reserved_on_hand"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    warehouse: str = Field(max_length=20, foreign_key="parts_warehouse.code")
    bin: str = Field(max_length=40)
    part_number: str = Field(max_length=60, foreign_key="parts_part.part_number", index=True)
    batch: str = Field(default="", max_length=60)
    on_hand: int = 0
    reserved: int = 0


class StockPublic(SQLModel):
    warehouse: str
    bin: str
    part_number: str
    batch: str
    on_hand: int
    reserved: int
    available: int


class StockReceipt(SQLModel):
    """Goods received into a bin."""

    warehouse: str = Field(min_length=1, max_length=20)
    bin: str = Field(min_length=1, max_length=40)
    part_number: str = Field(min_length=1, max_length=60)
    qty: int = Field(gt=0, le=1_000_000)
    batch: str = Field(default="", max_length=60)


class PartsReservation(SQLModel, table=True):
    """Stock set aside in one bin for one fault."""

    __tablename__ = "parts_reservation"
    __table_args__ = (CheckConstraint("qty > 0", name="ck_parts_reservation_qty"),)

    # The sequence gives a stable list order; `id` is what events and clients name.
    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=_uuid, max_length=36, unique=True)
    fault_id: str = Field(max_length=36, index=True)
    part_number: str = Field(max_length=60)
    warehouse: str = Field(max_length=20)
    bin: str = Field(max_length=40)
    batch: str = Field(max_length=60)
    qty: int
    status: str = Field(default=ReservationStatus.RESERVED.value, max_length=20, index=True)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class ReservationPublic(SQLModel):
    id: str
    fault_id: str
    part_number: str
    warehouse: str
    bin: str
    batch: str
    qty: int
    status: str
    created_at: datetime
    updated_at: datetime


class PartsBackorder(SQLModel, table=True):
    """Demand no bin could meet when the fault was reported."""

    __tablename__ = "parts_backorder"
    __table_args__ = (CheckConstraint("qty > 0", name="ck_parts_backorder_qty"),)

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=_uuid, max_length=36, unique=True)
    fault_id: str = Field(max_length=36, index=True)
    part_number: str = Field(max_length=60)
    qty: int
    status: str = Field(default=BackorderStatus.OPEN.value, max_length=20, index=True)
    created_at: datetime = timestamp_field(default_factory=utcnow)


class BackorderPublic(SQLModel):
    id: str
    fault_id: str
    part_number: str
    qty: int
    status: str
    created_at: datetime


class PartsLedgerEntry(SQLModel, table=True):
    """One stock movement; rows are only ever appended."""

    __tablename__ = "parts_ledger"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    warehouse: str = Field(max_length=20)
    bin: str = Field(max_length=40)
    part_number: str = Field(max_length=60, index=True)
    batch: str = Field(max_length=60)
    on_hand_delta: int
    reserved_delta: int
    reason: str = Field(max_length=20)
    reference: str = Field(max_length=100, index=True)
    at: datetime = timestamp_field(default_factory=utcnow)


class PartsCancelledFault(SQLModel, table=True):
    """A fault its depot or dispatcher cancelled: a report arriving after it reserves nothing."""

    __tablename__ = "parts_cancelled_fault"

    fault_id: str = Field(primary_key=True, max_length=36)
    cancelled_at: datetime = timestamp_field()
