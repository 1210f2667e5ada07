"""The complaints register (客户投诉): numbered complaints tracked to closure."""

import uuid
from datetime import datetime
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel
from sqlalchemy import JSON, Column, Integer
from sqlmodel import Field, SQLModel

from services.quality.domain.complaints import CauseCategory, ComplaintStatus
from shared.columns import timestamp_field
from shared.events import utcnow
from shared.schemas import FROM_STRING, RequestBody, Timestamp

__all__ = [
    "Compensation", "ComplaintCounter", "ComplaintCreate", "ComplaintPublic", "ComplaintUpdate",
    "QualityComplaint", "StatusChange",
]

LONG_TEXT = 2000


class ComplaintCounter(SQLModel, table=True):
    """The last register number given out in each year (numbers run per year)."""

    __tablename__ = "quality_complaint_counter"

    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    last: int


class QualityComplaint(SQLModel, table=True):
    __tablename__ = "quality_complaint"

    # Insertion order: stable list order and keyset pages.
    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=36, unique=True)
    number: str = Field(max_length=20, unique=True)
    depot_id: str = Field(max_length=40, index=True)
    complainant: str | None = Field(default=None, max_length=200)
    vehicle_number: str | None = Field(default=None, max_length=40)
    fault_id: str | None = Field(default=None, max_length=100, index=True)
    summary: str = Field(max_length=4000)
    category: str = Field(max_length=20, index=True)
    status: str = Field(max_length=20, index=True)
    received_at: datetime = timestamp_field()
    deadline: datetime | None = timestamp_field(nullable=True, index=True, default=None)
    root_cause: str | None = Field(default=None, max_length=LONG_TEXT)
    immediate_fix: str | None = Field(default=None, max_length=LONG_TEXT)
    improvement: str | None = Field(default=None, max_length=LONG_TEXT)
    prevention: str | None = Field(default=None, max_length=LONG_TEXT)
    compensation_amount: float | None = None
    compensation_note: str | None = Field(default=None, max_length=1000)
    registered_by: str = Field(max_length=100)
    # Every status change: [{status, at, by}], oldest first.
    timeline: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    resolved_at: datetime | None = timestamp_field(nullable=True, default=None)
    closed_at: datetime | None = timestamp_field(nullable=True, default=None)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class Compensation(RequestBody):
    amount: float = pydantic.Field(ge=0, le=1e9)
    note: str | None = pydantic.Field(default=None, min_length=1, max_length=1000)


class ComplaintCreate(RequestBody):
    """A complaint as received from an operator."""

    depot_id: str = pydantic.Field(min_length=1, max_length=40)
    complainant: str | None = pydantic.Field(default=None, min_length=1, max_length=200)
    vehicle_number: str | None = pydantic.Field(default=None, min_length=1, max_length=40)
    # A quality-caused complaint is handled as a fault: this links that fault.
    fault_id: str | None = pydantic.Field(default=None, min_length=1, max_length=100)
    received_at: Timestamp | None = None
    summary: str = pydantic.Field(min_length=1, max_length=4000)
    category: Annotated[CauseCategory, FROM_STRING]
    deadline: Timestamp | None = None


class ComplaintUpdate(RequestBody):
    """What the investigation records; fields left out (or null) stay as they are."""

    category: Annotated[CauseCategory, FROM_STRING] | None = None
    vehicle_number: str | None = pydantic.Field(default=None, min_length=1, max_length=40)
    fault_id: str | None = pydantic.Field(default=None, min_length=1, max_length=100)
    deadline: Timestamp | None = None
    root_cause: str | None = pydantic.Field(default=None, min_length=1, max_length=LONG_TEXT)
    immediate_fix: str | None = pydantic.Field(default=None, min_length=1, max_length=LONG_TEXT)
    improvement: str | None = pydantic.Field(default=None, min_length=1, max_length=LONG_TEXT)
    prevention: str | None = pydantic.Field(default=None, min_length=1, max_length=LONG_TEXT)
    compensation: Compensation | None = None


class StatusChange(BaseModel):
    status: ComplaintStatus
    at: datetime
    by: str


class ComplaintPublic(BaseModel):
    id: str
    number: str
    depot_id: str
    complainant: str | None
    vehicle_number: str | None
    fault_id: str | None
    summary: str
    category: CauseCategory
    status: ComplaintStatus
    received_at: datetime
    deadline: datetime | None
    overdue: bool
    root_cause: str | None
    immediate_fix: str | None
    improvement: str | None
    prevention: str | None
    compensation: Compensation | None
    registered_by: str
    timeline: list[StatusChange]
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
