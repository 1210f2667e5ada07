"""Dispatch tables (prefixed `dispatch_`) and the API's model families."""

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import JSON, CheckConstraint, Column, Integer
from sqlmodel import Field, SQLModel

from services.dispatch.domain import JobStatus
from shared.columns import timestamp_field
from shared.events import utcnow

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
ShiftKey = Annotated[str, StringConstraints(min_length=1, max_length=40)]
ShiftValue = Annotated[str, StringConstraints(max_length=60)]
MAX_SHIFT_FIELDS = 8


def _coordinates(table: str) -> tuple[CheckConstraint, ...]:
    return (
        CheckConstraint("lat BETWEEN -90 AND 90", name=f"ck_{table}_lat"),
        CheckConstraint("lon BETWEEN -180 AND 180", name=f"ck_{table}_lon"),
    )


_JOB_STATUSES = ", ".join(f"'{status.value}'" for status in JobStatus)


class TechnicianBody(SQLModel):
    """A field engineer as the dispatcher registers them (PUT replaces the whole record)."""

    name: str = Field(min_length=1, max_length=100)
    station: str = Field(min_length=1, max_length=100)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    skills: list[Name] = Field(default_factory=list, max_length=50)
    certifications: list[Name] = Field(default_factory=list, max_length=50)
    regions: list[Name] = Field(default_factory=list, max_length=50)
    # e.g. {"start": "08:00", "end": "20:00", "timezone": "Asia/Shanghai"}
    shift: dict[ShiftKey, ShiftValue] = Field(default_factory=dict, max_length=MAX_SHIFT_FIELDS)
    active: bool = True


class TechnicianPublic(TechnicianBody):
    id: str
    updated_at: datetime


class DispatchTechnician(SQLModel, table=True):
    __tablename__ = "dispatch_technician"
    __table_args__ = _coordinates("dispatch_technician")

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=100)
    station: str = Field(max_length=100)
    lat: float
    lon: float
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    certifications: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    regions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    shift: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True, index=True)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class DispatchJob(SQLModel, table=True):
    """One job per fault: the unique fault_id makes a repeated report a no-op."""

    __tablename__ = "dispatch_job"
    __table_args__ = (
        *_coordinates("dispatch_job"),
        CheckConstraint(f"status IN ({_JOB_STATUSES})", name="ck_dispatch_job_status"),
        CheckConstraint(
            "distance_km IS NULL OR distance_km >= 0", name="ck_dispatch_job_distance"
        ),
    )

    # The sequence gives a stable list order for cursor pagination.
    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=36, unique=True)
    fault_id: str = Field(max_length=36, unique=True)
    fault_number: str = Field(max_length=24)
    severity: str = Field(max_length=1)
    system: str | None = Field(default=None, max_length=60)
    site_code: str = Field(max_length=40)
    lat: float
    lon: float
    onsite_due: datetime = timestamp_field()
    status: str = Field(default=JobStatus.UNASSIGNED.value, max_length=20, index=True)
    technician_id: str | None = Field(default=None, max_length=40, index=True)
    eta: datetime | None = timestamp_field(nullable=True, default=None)
    distance_km: float | None = None
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class DispatchCancelledFault(SQLModel, table=True):
    """A fault intake cancelled: remembered so that a late report of it opens no job."""

    __tablename__ = "dispatch_cancelled_fault"

    fault_id: str = Field(primary_key=True, max_length=36)
    cancelled_at: datetime = timestamp_field()


class JobPublic(SQLModel):
    id: str
    fault_id: str
    fault_number: str
    severity: str
    system: str | None
    site_code: str
    lat: float
    lon: float
    onsite_due: datetime
    status: str
    technician_id: str | None
    eta: datetime | None
    distance_km: float | None
    created_at: datetime
    updated_at: datetime


class Reassignment(SQLModel):
    technician_id: str = Field(min_length=1, max_length=40)
