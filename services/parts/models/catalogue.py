"""The catalogue and places: warehouses, their bins, parts, and the fault-code → parts table."""

from datetime import datetime
from typing import Annotated

from pydantic import StrictFloat
from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from services.parts.domain import MAX_QUANTITY, PartCategory
from shared.columns import timestamp_field
from shared.events import utcnow
from shared.schemas import FROM_STRING, SQLRequestBody


class WarehouseBase(SQLRequestBody):
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


class BinWrite(SQLRequestBody):
    description: str = Field(default="", max_length=200)


class PartsBin(BinWrite, table=True):
    """A registered storage place (仓位) in a warehouse; goods are received only into these."""

    __tablename__ = "parts_bin"

    warehouse: str = Field(primary_key=True, max_length=20, foreign_key="parts_warehouse.code")
    bin: str = Field(primary_key=True, max_length=40)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class BinPublic(BinWrite):
    warehouse: str
    bin: str


class PartBase(SQLRequestBody):
    name: str = Field(min_length=1, max_length=120)
    unit: str = Field(min_length=1, max_length=20)
    reorder_point: int = Field(ge=0, le=MAX_QUANTITY)
    # The usual supplier: receipts default to it, quarantines can name it.
    supplier_id: str | None = Field(default=None, min_length=1, max_length=40)
    # How long the supplier needs to deliver supplier-held spares.
    lead_time_hours: float = Field(
        default=0.0, ge=0, le=24 * 365, sa_column_kwargs={"server_default": "0"}
    )
    # Catalogue cost of one unit (in the currency the manufacturer accounts in): what quality
    # charges for parts when it allocates a repair's cost.
    unit_cost: float = Field(
        default=0.0, ge=0, le=1e9, sa_column_kwargs={"server_default": "0"}
    )


class PartWrite(PartBase):
    category: Annotated[PartCategory, FROM_STRING]


class PartsPart(PartBase, table=True):
    __tablename__ = "parts_part"
    __table_args__ = (
        CheckConstraint(
            f"category IN ({', '.join(repr(c.value) for c in PartCategory)})",
            name="ck_parts_part_category",
        ),
        CheckConstraint("reorder_point >= 0", name="ck_parts_part_reorder_point"),
        CheckConstraint("lead_time_hours >= 0", name="ck_parts_part_lead_time"),
    )

    part_number: str = Field(primary_key=True, max_length=60)
    category: str = Field(max_length=20)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class PartPublic(PartWrite):
    part_number: str


class FaultCodePartWrite(SQLRequestBody):
    part_number: str = Field(min_length=1, max_length=60)
    # A JSON number; whether it is a whole number of the part's unit is checked against it.
    qty: StrictFloat = Field(ge=0, le=MAX_QUANTITY)


class FaultCodePartsWrite(SQLRequestBody):
    parts: list[FaultCodePartWrite] = Field(max_length=50)


class PartsFaultCodePart(SQLModel, table=True):
    """A part a fault code usually needs, reserved when the fault names no parts itself."""

    __tablename__ = "parts_fault_code_part"
    __table_args__ = (CheckConstraint("qty > 0", name="ck_parts_fault_code_part_qty"),)

    fault_code: str = Field(primary_key=True, max_length=60)
    part_number: str = Field(primary_key=True, max_length=60, foreign_key="parts_part.part_number")
    qty: int
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class FaultCodePart(SQLModel):
    part_number: str
    qty: int


class FaultCodePartsPublic(SQLModel):
    fault_code: str
    parts: list[FaultCodePart]
