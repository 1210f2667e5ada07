"""Dispatch tables (prefixed `dispatch_`); the API's models are in `schemas`."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Integer, Text, text
from sqlmodel import Field, SQLModel

from services.dispatch.domain.skills import GENERAL_SKILL, JobKind
from services.dispatch.domain.status import JobStatus
from shared.columns import timestamp_field
from shared.events import utcnow

TECHNICIAN_STATUSES = ("available", "busy", "off_duty")
ASSIGNERS = ("planner", "dispatcher")


def _coordinates(table: str, lat: str = "lat", lon: str = "lon") -> tuple[CheckConstraint, ...]:
    return (
        CheckConstraint(f"{lat} BETWEEN -90 AND 90", name=f"ck_{table}_{lat}"),
        CheckConstraint(f"{lon} BETWEEN -180 AND 180", name=f"ck_{table}_{lon}"),
    )


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class DispatchTechnician(SQLModel, table=True):
    __tablename__ = "dispatch_technician"
    __table_args__ = (
        *_coordinates("dispatch_technician"),
        *_coordinates("dispatch_technician", "position_lat", "position_lon"),
        CheckConstraint(
            _one_of("status", TECHNICIAN_STATUSES), name="ck_dispatch_technician_status"
        ),
    )

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=100)
    station: str = Field(max_length=100)
    lat: float  # the home station
    lon: float
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    certifications: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    regions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The shift calendar as sent (see domain.calendar).
    shift: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    active: bool = Field(default=True, index=True)
    # Live status and last known position, as the app last reported them.
    status: str = Field(
        default="available", max_length=20, sa_column_kwargs={"server_default": "available"}
    )
    status_at: datetime | None = timestamp_field(nullable=True, default=None)
    position_lat: float | None = None
    position_lon: float | None = None
    position_at: datetime | None = timestamp_field(nullable=True, default=None)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


_JOB_STATUSES = tuple(status.value for status in JobStatus)
_JOB_KINDS = tuple(kind.value for kind in JobKind)


class DispatchJob(SQLModel, table=True):
    """One job per fault: the unique fault_id makes a repeated report a no-op."""

    __tablename__ = "dispatch_job"
    __table_args__ = (
        *_coordinates("dispatch_job"),
        CheckConstraint(_one_of("status", _JOB_STATUSES), name="ck_dispatch_job_status"),
        CheckConstraint(_one_of("kind", _JOB_KINDS), name="ck_dispatch_job_kind"),
        CheckConstraint(_one_of("assigned_by", ASSIGNERS), name="ck_dispatch_job_assigned_by"),
        CheckConstraint(
            "distance_km IS NULL OR distance_km >= 0", name="ck_dispatch_job_distance"
        ),
        CheckConstraint(
            "queue_position IS NULL OR queue_position >= 0", name="ck_dispatch_job_queue_position"
        ),
    )

    # The sequence gives a stable list order for cursor pagination.
    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=36, unique=True)
    fault_id: str = Field(max_length=36, unique=True)
    fault_number: str = Field(max_length=24)
    kind: str = Field(
        default=JobKind.ONSITE_REPAIR.value, max_length=20,
        sa_column_kwargs={"server_default": JobKind.ONSITE_REPAIR.value},
    )
    severity: str = Field(max_length=1)
    system: str | None = Field(default=None, max_length=60)
    required_skill: str = Field(
        default=GENERAL_SKILL, max_length=60, sa_column_kwargs={"server_default": GENERAL_SKILL}
    )
    depot_id: str | None = Field(default=None, max_length=40)  # the region it belongs to
    site_code: str = Field(max_length=40)
    lat: float
    lon: float
    reported_at: datetime = timestamp_field()
    onsite_due: datetime = timestamp_field()
    # When the reserved parts can be at the site (latest line of `parts.reserved`).
    parts_ready_at: datetime | None = timestamp_field(nullable=True, default=None)
    status: str = Field(default=JobStatus.UNASSIGNED.value, max_length=20, index=True)
    technician_id: str | None = Field(default=None, max_length=40, index=True)
    # Whether the planner or a dispatcher chose the technician (a dispatcher's choice sticks).
    assigned_by: str = Field(
        default="planner", max_length=20, sa_column_kwargs={"server_default": "planner"}
    )
    # Technicians who declined the job or let the offer lapse: it is not offered to them again.
    declined_by: list[str] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=text("'[]'")),
    )
    # The plan: place in the technician's queue, arrival (eta), start and end of the work.
    queue_position: int | None = None
    eta: datetime | None = timestamp_field(nullable=True, default=None)
    planned_start: datetime | None = timestamp_field(nullable=True, default=None)
    planned_end: datetime | None = timestamp_field(nullable=True, default=None)
    travel_seconds: int | None = None
    distance_km: float | None = None
    assigned_at: datetime | None = timestamp_field(nullable=True, default=None)
    # As the app reported them (occurred_at), not when the server heard.
    accepted_at: datetime | None = timestamp_field(nullable=True, default=None)
    departed_at: datetime | None = timestamp_field(nullable=True, default=None)
    arrived_at: datetime | None = timestamp_field(nullable=True, default=None)
    completed_at: datetime | None = timestamp_field(nullable=True, default=None)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class DispatchAppAction(SQLModel, table=True):
    """An app action processed once: a replay of its client_event_id gets this answer back."""

    __tablename__ = "dispatch_app_action"

    technician_id: str = Field(primary_key=True, max_length=40)
    client_event_id: str = Field(primary_key=True, max_length=100)
    job_id: str = Field(max_length=36, index=True)
    action: str = Field(max_length=20)
    request_hash: str = Field(max_length=64)
    occurred_at: datetime = timestamp_field()
    response: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime = timestamp_field(default_factory=utcnow)


class DispatchPartsReady(SQLModel, table=True):
    """When a fault's reserved parts can be on site; kept even if `parts.reserved` comes first."""

    __tablename__ = "dispatch_parts_ready"

    fault_id: str = Field(primary_key=True, max_length=36)
    ready_at: datetime = timestamp_field()


class DispatchCancelledFault(SQLModel, table=True):
    """A fault intake cancelled: remembered so that a late report of it opens no job."""

    __tablename__ = "dispatch_cancelled_fault"

    fault_id: str = Field(primary_key=True, max_length=36)
    cancelled_at: datetime = timestamp_field()
