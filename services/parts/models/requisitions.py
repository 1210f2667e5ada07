"""Faults as parts knows them, and what they hold: reservations, backorders, transfers."""

import uuid
from datetime import datetime

from pydantic import StrictFloat
from sqlalchemy import CheckConstraint, Column, ForeignKeyConstraint, Integer
from sqlmodel import Field, SQLModel

from services.parts.domain import (
    MAX_QUANTITY,
    BackorderStatus,
    ReservationStatus,
    TransferStatus,
)
from shared.columns import timestamp_field
from shared.events import utcnow
from shared.schemas import SQLRequestBody


def _uuid() -> str:
    return str(uuid.uuid4())


def _one_of(column: str, values: type[BackorderStatus | ReservationStatus | TransferStatus],
            name: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN ({', '.join(repr(v.value) for v in values)})", name=name)


class PartsFault(SQLModel, table=True):
    """What later steps (backorders, approval, quarantine) need to know of a fault.

    Written by `fault.reported`; a cancellation or completion seen first writes the row
    without the report, and a report arriving after a cancellation reserves nothing.
    """

    __tablename__ = "parts_fault"

    fault_id: str = Field(primary_key=True, max_length=36)
    severity: str | None = Field(default=None, max_length=1)
    site_code: str | None = Field(default=None, max_length=40)
    lat: float | None = None
    lon: float | None = None
    onsite_due: datetime | None = timestamp_field(default=None, nullable=True)
    reported_at: datetime | None = timestamp_field(default=None, nullable=True)
    cancelled_at: datetime | None = timestamp_field(default=None, nullable=True)
    completed_at: datetime | None = timestamp_field(default=None, nullable=True)


class PartsReservation(SQLModel, table=True):
    """A requisition line: stock of one bin set aside, then approved, issued, consumed."""

    __tablename__ = "parts_reservation"
    __table_args__ = (
        CheckConstraint("qty > 0", name="ck_parts_reservation_qty"),
        _one_of("status", ReservationStatus, "ck_parts_reservation_status"),
        CheckConstraint(
            "consumed_qty >= 0 AND returned_qty >= 0 AND consumed_qty + returned_qty <= qty",
            name="ck_parts_reservation_outcome",
        ),
        ForeignKeyConstraint(
            ["stock_id"], ["parts_stock.id"], name="fk_parts_reservation_stock"
        ),
    )

    # The sequence gives a stable list order; `id` is what events and clients name.
    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=_uuid, max_length=36, unique=True)
    fault_id: str = Field(max_length=36, index=True)
    part_number: str = Field(max_length=60)
    stock_id: int = Field(index=True)
    warehouse: str = Field(max_length=20)
    bin: str = Field(max_length=40)
    batch: str = Field(max_length=60)
    qty: int
    status: str = Field(default=ReservationStatus.RESERVED.value, max_length=20, index=True)
    eta: datetime | None = timestamp_field(default=None, nullable=True)
    distance_km: float | None = None
    approved_by: str | None = Field(default=None, max_length=100)
    approved_at: datetime | None = timestamp_field(default=None, nullable=True)
    release_reason: str | None = Field(default=None, max_length=30)
    consumed_qty: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    returned_qty: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
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
    eta: datetime | None
    distance_km: float | None
    approved_by: str | None
    approved_at: datetime | None
    release_reason: str | None
    consumed_qty: int
    returned_qty: int
    created_at: datetime
    updated_at: datetime


class ConsumeRequest(SQLRequestBody):
    # Units used of the issued line (default: all of it); the rest goes back to the bin.
    consumed: StrictFloat | None = Field(default=None, ge=0, le=MAX_QUANTITY)


class PartsBackorder(SQLModel, table=True):
    """Demand no bin could meet: served by later receipts until `outstanding` is 0."""

    __tablename__ = "parts_backorder"
    __table_args__ = (
        CheckConstraint("qty > 0", name="ck_parts_backorder_qty"),
        CheckConstraint(
            "outstanding >= 0 AND outstanding <= qty", name="ck_parts_backorder_outstanding"
        ),
        _one_of("status", BackorderStatus, "ck_parts_backorder_status"),
    )

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=_uuid, max_length=36, unique=True)
    fault_id: str = Field(max_length=36, index=True)
    part_number: str = Field(max_length=60, index=True)
    qty: int
    outstanding: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    severity: str = Field(default="B", max_length=1, sa_column_kwargs={"server_default": "B"})
    reason: str | None = Field(default=None, max_length=40)
    status: str = Field(default=BackorderStatus.OPEN.value, max_length=20, index=True)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    fulfilled_at: datetime | None = timestamp_field(default=None, nullable=True)


class BackorderPublic(SQLModel):
    id: str
    fault_id: str
    part_number: str
    qty: int
    outstanding: int
    severity: str
    reason: str | None
    status: str
    created_at: datetime
    fulfilled_at: datetime | None


class PartsTransfer(SQLModel, table=True):
    """Reserved stock shipped from a distant warehouse to the fault site by express."""

    __tablename__ = "parts_transfer"
    __table_args__ = (
        CheckConstraint("qty > 0", name="ck_parts_transfer_qty"),
        _one_of("status", TransferStatus, "ck_parts_transfer_status"),
    )

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=_uuid, max_length=36, unique=True)
    fault_id: str = Field(max_length=36, index=True)
    reservation_id: str = Field(max_length=36, index=True)
    part_number: str = Field(max_length=60)
    qty: int
    from_warehouse: str = Field(max_length=20)
    bin: str = Field(max_length=40)
    to_site_code: str = Field(max_length=40)
    distance_km: float
    eta: datetime = timestamp_field()
    status: str = Field(default=TransferStatus.REQUESTED.value, max_length=20)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class TransferPublic(SQLModel):
    id: str
    fault_id: str
    reservation_id: str
    part_number: str
    qty: int
    from_warehouse: str
    bin: str
    to_site_code: str
    distance_km: float
    eta: datetime
    status: str
    created_at: datetime
    updated_at: datetime
