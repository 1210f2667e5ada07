"""Intake tables (prefixed `intake_`) and the API's model families."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from sqlalchemy import JSON, Column, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.intake.domain import Severity
from shared.columns import timestamp_field
from shared.events import utcnow
from shared.schemas import FROM_STRING, Day, SQLRequestBody, Timestamp


class VehicleBase(SQLRequestBody):
    model: str = Field(min_length=1, max_length=60)
    operator: str = Field(min_length=1, max_length=120)
    delivered_on: Day
    warranty_months: int = Field(ge=0, le=600)


class IntakeVehicle(VehicleBase, table=True):
    __tablename__ = "intake_vehicle"

    number: str = Field(primary_key=True, max_length=40)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class VehiclePublic(SQLModel):
    """A vehicle as stored: not re-checked against the rules for registering one."""

    model: str
    operator: str
    delivered_on: date
    warranty_months: int
    number: str


class Reporter(SQLRequestBody):
    name: str = Field(min_length=1, max_length=100)
    phone: str = Field(min_length=3, max_length=40, regex=r"^[0-9+\-() ]+$")


class FaultLocation(SQLRequestBody):
    site_code: str = Field(min_length=1, max_length=40)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class SuspectedPart(SQLRequestBody):
    part_number: str = Field(min_length=1, max_length=60)
    qty: int = Field(gt=0, le=10_000)


class FaultCreate(SQLRequestBody):
    """The after-sales service information card as a depot system reports it."""

    depot_id: str = Field(min_length=1, max_length=40)
    vehicle_number: str = Field(min_length=1, max_length=40)
    vehicle_model: str = Field(min_length=1, max_length=60)
    reporter: Reporter
    description: str = Field(min_length=1, max_length=4000)
    reported_at: Timestamp | None = None
    location: FaultLocation
    system: str | None = Field(default=None, max_length=60)
    fault_code: str | None = Field(default=None, max_length=60)
    can_run: bool | None = None
    repairable_on_site: bool | None = None
    severity: Annotated[Severity, FROM_STRING] | None = None
    suspected_parts: list[SuspectedPart] = Field(default_factory=list, max_length=50)
    external_id: str | None = Field(default=None, min_length=1, max_length=100)


class IntakeFault(SQLModel, table=True):
    __tablename__ = "intake_fault"
    __table_args__ = (UniqueConstraint("depot_id", "external_id"),)

    # The sequence gives stable list order and the human-readable number.
    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    id: str = Field(default_factory=lambda: str(uuid.uuid4()), max_length=36, unique=True)
    number: str = Field(default="", max_length=24, index=True)
    depot_id: str = Field(max_length=40, index=True)
    vehicle_number: str = Field(max_length=40, index=True)
    vehicle_model: str = Field(max_length=60)
    vehicle_registered: bool = False
    reporter_name: str = Field(max_length=100)
    reporter_phone: str = Field(max_length=40)
    description: str = Field(max_length=4000)
    site_code: str = Field(max_length=40)
    lat: float
    lon: float
    system: str | None = Field(default=None, max_length=60)
    fault_code: str | None = Field(default=None, max_length=60)
    can_run: bool | None = None
    repairable_on_site: bool | None = None
    severity: str = Field(max_length=1)
    return_to_factory: bool = False
    suspected_parts: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    external_id: str | None = Field(default=None, max_length=100)
    status: str = Field(default="reported", max_length=20, index=True)
    in_warranty: bool | None = None
    responsibility_hint: str = Field(max_length=20)
    reported_at: datetime = timestamp_field()
    created_at: datetime = timestamp_field(default_factory=utcnow)
    respond_due: datetime = timestamp_field()
    onsite_due: datetime = timestamp_field()
    resolve_due: datetime = timestamp_field()
    responded_at: datetime | None = timestamp_field(nullable=True, default=None)
    onsite_at: datetime | None = timestamp_field(nullable=True, default=None)
    resolved_at: datetime | None = timestamp_field(nullable=True, default=None)
    parts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    assignment: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # Hash of the card as first received: a resend with the same external_id must match it.
    request_hash: str = Field(default="", max_length=64)
    acknowledged_at: datetime | None = timestamp_field(nullable=True, default=None)
    cancelled_at: datetime | None = timestamp_field(nullable=True, default=None)
    cancel_reason: str | None = Field(default=None, max_length=500)
    closed_at: datetime | None = timestamp_field(nullable=True, default=None)
    # A clock is settled once its due time has passed and the watchdog has judged it
    # (breach reported, or met in time): each breach is reported once, and never rescanned.
    respond_settled: bool = False
    onsite_settled: bool = False
    resolve_settled: bool = False


class IntakeTimelineEntry(SQLModel, table=True):
    """One state change of a fault; the source event id makes a replay a no-op."""

    __tablename__ = "intake_timeline"
    __table_args__ = (UniqueConstraint("fault_id", "event_id"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    fault_id: str = Field(max_length=36, index=True)
    event_id: str = Field(max_length=36)
    type: str = Field(max_length=60)
    source: str = Field(max_length=20)
    status: str = Field(max_length=20)
    occurred_at: datetime = timestamp_field()
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class SlaClock(SQLModel):
    due: datetime
    state: str
    met_at: datetime | None = None


class Sla(SQLModel):
    respond_due: datetime
    onsite_due: datetime
    resolve_due: datetime
    respond: SlaClock
    onsite: SlaClock
    resolve: SlaClock


class TimelineEntry(SQLModel):
    time: datetime
    type: str
    status: str
    source: str
    event_id: str
    data: dict[str, Any] = {}


class FaultPublic(SQLModel):
    id: str
    number: str
    status: str
    severity: str
    return_to_factory: bool
    in_warranty: bool | None
    vehicle_registered: bool
    responsibility_hint: str
    sla: Sla
    depot_id: str
    vehicle_number: str
    vehicle_model: str
    reporter: Reporter
    description: str
    reported_at: datetime
    created_at: datetime
    location: FaultLocation
    system: str | None
    fault_code: str | None
    can_run: bool | None
    repairable_on_site: bool | None
    suspected_parts: list[SuspectedPart]
    external_id: str | None
    parts: dict[str, Any]
    assignment: dict[str, Any] | None
    acknowledged_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    closed_at: datetime | None = None
    timeline: list[TimelineEntry] | None = None


class FaultCancel(SQLRequestBody):
    reason: str = Field(min_length=1, max_length=500)


class BatchRequest(SQLRequestBody):
    # Items are validated one by one, so that one bad card does not reject the others.
    faults: list[dict[str, Any]] = Field(min_length=1, max_length=500)


class BatchItemResult(SQLModel):
    index: int
    status: int
    fault: FaultPublic | None = None
    title: str | None = None
    detail: str | None = None
    errors: list[dict[str, str]] | None = None


class BatchResponse(SQLModel):
    results: list[BatchItemResult]
    created: int
    failed: int


class Repair(SQLModel):
    fault_id: str
    fault_number: str
    completed_at: datetime
    technician_id: str | None
    cause: str
    actions: str
    notes: str


class PartConsumed(SQLModel):
    fault_id: str
    part_number: str
    qty: int
    at: datetime


class Ruling(SQLModel):
    fault_id: str
    at: datetime
    responsibility: str | None
    supplier_id: str | None
    claim_amount: float | None


class VehicleHistory(SQLModel):
    """The vehicle's lifetime file (一车一档), assembled from the events intake has seen."""

    number: str
    vehicle: VehiclePublic | None
    warranty_ends: date | None
    faults: list[FaultPublic]
    repairs: list[Repair]
    parts_consumed: list[PartConsumed]
    rulings: list[Ruling]
