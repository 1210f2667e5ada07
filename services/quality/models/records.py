"""The service record (售后服务信息卡): one row per fault, assembled from the events about it."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from shared.columns import timestamp_field
from shared.events import utcnow


class ServiceRecordBase(SQLModel):
    fault_id: str = Field(primary_key=True, max_length=100)
    # From fault.reported (None until it arrived: events of one fault may come in any order
    # across topics).
    fault_number: str | None = Field(default=None, max_length=40)
    depot_id: str | None = Field(default=None, max_length=40, index=True)
    vehicle_number: str | None = Field(default=None, max_length=40, index=True)
    vehicle_model: str | None = Field(default=None, max_length=60, index=True)
    severity: str | None = Field(default=None, max_length=1)
    system: str | None = Field(default=None, max_length=60)
    fault_code: str | None = Field(default=None, max_length=60, index=True)
    description: str | None = Field(default=None, max_length=4000)
    site_code: str | None = Field(default=None, max_length=40)
    reported_at: datetime | None = timestamp_field(nullable=True, index=True, default=None)
    onsite_due: datetime | None = timestamp_field(nullable=True, default=None)
    acknowledged_at: datetime | None = timestamp_field(nullable=True, default=None)
    # The engineer's side, from dispatch events (field times: occurred_at on the phone).
    technician_id: str | None = Field(default=None, max_length=40)
    assigned_at: datetime | None = timestamp_field(nullable=True, default=None)
    on_site_at: datetime | None = timestamp_field(nullable=True, default=None)
    completed_at: datetime | None = timestamp_field(nullable=True, index=True, default=None)
    cause: str | None = Field(default=None, max_length=2000)
    actions: str | None = Field(default=None, max_length=4000)
    notes: str | None = Field(default=None, max_length=4000)
    closed_at: datetime | None = timestamp_field(nullable=True, default=None)
    cancelled_at: datetime | None = timestamp_field(nullable=True, default=None)
    # open | completed | closed | cancelled (see domain.records.status_of)
    status: str = Field(default="open", max_length=20, index=True)


class ServiceRecord(ServiceRecordBase, table=True):
    __tablename__ = "quality_service_record"

    # [{part_number, qty}] as the engineer reported them used.
    parts_used: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    # [{reservation_id, part_number, consumed, returned, unit_cost}] as parts settled them.
    parts_consumed: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    # Clocks intake reported breached: {clock: {due, met_at, detected_at}}.
    breaches: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    updated_at: datetime = timestamp_field(default_factory=utcnow)
