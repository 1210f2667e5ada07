"""The event envelope and the v1 event types of the contract."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field, RootModel


class EventType(StrEnum):
    FAULT_REPORTED = "fault.reported"
    FAULT_ACKNOWLEDGED = "fault.acknowledged"
    FAULT_CANCELLED = "fault.cancelled"
    FAULT_CLOSED = "fault.closed"
    PARTS_RESERVED = "parts.reserved"
    PARTS_BACKORDERED = "parts.backordered"
    PARTS_TRANSFER_REQUESTED = "parts.transfer_requested"
    PARTS_ISSUED = "parts.issued"
    PARTS_RELEASED = "parts.released"
    PARTS_APPROVED = "parts.approved"  # contract extension: a requisition line approved
    PARTS_CONSUMED = "parts.consumed"  # contract extension: issued parts used or returned
    STOCK_LOW = "stock.low"
    DISPATCH_ASSIGNED = "dispatch.assigned"
    DISPATCH_ACCEPTED = "dispatch.accepted"
    DISPATCH_DECLINED = "dispatch.declined"
    DISPATCH_EN_ROUTE = "dispatch.en_route"
    DISPATCH_ON_SITE = "dispatch.on_site"
    DISPATCH_COMPLETED = "dispatch.completed"
    SLA_AT_RISK = "sla.at_risk"
    SLA_BREACHED = "sla.breached"
    QUALITY_ISSUE_OPENED = "quality.issue_opened"
    QUALITY_PART_QUARANTINED = "quality.part_quarantined"
    QUALITY_RULING_MADE = "quality.ruling_made"


SERVICES = ("intake", "parts", "dispatch", "quality")


def topic_for(source: str) -> str:
    """One topic per producing service."""
    return f"fleetcare.{source}"


def dead_letter_topic(group: str) -> str:
    """One dead-letter topic per consumer group (the group is named after its service)."""
    return f"fleetcare.dlt.{group}"


# Headers a dead-lettered message carries (shared/consumer.py writes them, shared/dlq.py reads).
DLT_ERROR_HEADER = "fleetcare-error"
DLT_ORIGINAL_TOPIC_HEADER = "fleetcare-original-topic"
DLT_ORIGINAL_PARTITION_HEADER = "fleetcare-original-partition"
DLT_ORIGINAL_OFFSET_HEADER = "fleetcare-original-offset"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel):
    """Every message value on Kafka; the key is the subject (the fault id).

    The bounds are the consumers' columns (inbox, timelines, fault files): an envelope that
    would not fit is refused as malformed instead of failing in a handler."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str = Field(max_length=60)
    source: str = Field(max_length=20)
    time: datetime = Field(default_factory=utcnow)
    subject: str = Field(max_length=100)
    correlation_id: str = Field(max_length=100)
    data: dict[str, Any] = Field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        return cls.model_validate_json(raw)


# Bounds of event data: wide enough for every producer's own limits (ids and codes are at most
# 100 characters in every service, free text at most 4000), so only hostile or broken messages
# fail them, before a handler tries to store what does not fit.
Id = Annotated[str, Field(max_length=100)]
Text = Annotated[str, Field(max_length=4000)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Severity = Annotated[str, Field(pattern="^[ABC]$")]
Clock = Annotated[str, Field(pattern="^(respond|onsite|resolve)$")]
Responsibility = Annotated[
    str, Field(pattern="^(supplier|manufacturing|design|operator|unknown)$")
]
Basis = Annotated[str, Field(pattern="^(fault_code|part_number)$")]


class PartLine(BaseModel):
    part_number: Id
    qty: int = Field(gt=0, le=100_000)


class Location(BaseModel):
    site_code: Id
    lat: Latitude
    lon: Longitude


class FaultReported(BaseModel):
    """Data of `fault.reported`: what parts and dispatch need to act on a fault."""

    fault_id: Id
    number: Id
    depot_id: Id
    vehicle_number: Id
    vehicle_model: Id
    severity: Severity
    description: Text
    system: Id | None = None
    fault_code: Id | None = None
    location: Location
    suspected_parts: list[PartLine] = Field(default_factory=list)
    reported_at: datetime
    onsite_due: datetime


class ReservationLine(BaseModel):
    """A requisition line: units of one part in one bin, held for a fault."""

    reservation_id: Id
    part_number: Id
    qty: int
    warehouse: Id
    bin: Id


class ReservedLine(ReservationLine):
    # In `parts.reserved`: when the line can be at the fault site, and its transfer if shipped.
    eta: datetime | None = None
    transfer_id: Id | None = None


class PartsReserved(BaseModel):
    fault_id: Id
    lines: list[ReservedLine]


class PartsReleased(BaseModel):
    """Reservation lines given back (e.g. `reason: fault_cancelled`)."""

    fault_id: Id
    lines: list[ReservedLine]
    reason: Id


class BackorderedLine(PartLine):
    # Why stock was not used although it may exist, e.g. "emergency_stock_reserved_for_A_B".
    reason: Id | None = None


class PartsBackordered(BaseModel):
    fault_id: Id
    lines: list[BackorderedLine]


class PartsTransferRequested(BaseModel):
    """Reserved stock of a distant warehouse to be shipped to the fault site."""

    fault_id: Id
    transfer_id: Id
    reservation_id: Id
    part_number: Id
    qty: int
    from_warehouse: Id
    to_site_code: Id
    distance_km: float
    eta: datetime


class PartsApproved(BaseModel):
    """A requisition line approved (`auto` when the fault's class is approved automatically)."""

    fault_id: Id
    reservation_id: Id
    approved_by: Text
    auto: bool


class PartsIssued(BaseModel):
    fault_id: Id
    lines: list[ReservationLine]


class ConsumedLine(BaseModel):
    reservation_id: Id
    part_number: Id
    consumed: int
    returned: int
    # The part's catalogue cost per unit when it was consumed (extension; absent before it).
    unit_cost: float | None = None


class PartsConsumed(BaseModel):
    """Issued lines settled after the job: what was used, and what went back to stock."""

    fault_id: Id
    lines: list[ConsumedLine]


class StockLow(BaseModel):
    """A part's available stock in a warehouse fell below its reorder point (subject: part)."""

    part_number: Id
    warehouse: Id
    available: int
    reorder_point: int


class QualityPartQuarantined(BaseModel):
    """Stock of a part (one batch and/or supplier, or all of it) must not be used."""

    part_number: str = Field(min_length=1, max_length=60)
    batch: str | None = Field(default=None, max_length=60)
    supplier_id: str | None = Field(default=None, max_length=40)
    reason: Text
    quarantine_id: str | None = Field(default=None, min_length=1, max_length=60)


class QualityRulingMade(BaseModel):
    """Who is responsible for a fault, and what its repair cost (subject: the fault id)."""

    fault_id: Id
    ruling_id: Id
    responsibility: Responsibility
    supplier_id: Id | None = None
    parts_cost: float
    labour_hours: float
    labour_cost: float
    total_cost: float
    # The claim raised against the supplier, when the supplier is responsible.
    claim_id: Id | None = None
    claim_amount: float | None = None
    ruled_by: Text
    ruled_at: datetime


class QualityIssueOpened(BaseModel):
    """A defect recurred on enough vehicles of one model within the window (subject: issue id).

    `basis` is "fault_code" or "part_number"; `key` its value; the evidence is the faults."""

    issue_id: Id
    number: Id
    vehicle_model: Id
    basis: Basis
    key: Id
    vehicles: list[Id]
    fault_ids: list[Id]
    window_days: float
    opened_at: datetime
    reopened: bool = False


class DispatchAssigned(BaseModel):
    fault_id: Id
    job_id: Id
    technician_id: Id
    technician_name: Text
    eta: datetime
    distance_km: float


class FaultAcknowledged(BaseModel):
    fault_id: Id
    acknowledged_by: Text
    occurred_at: datetime


class FaultCancelled(BaseModel):
    fault_id: Id
    reason: Text
    cancelled_at: AwareDatetime


class FaultClosed(BaseModel):
    fault_id: Id
    closed_at: datetime


class DispatchCompleted(BaseModel):
    """The engineer's completion report: the service information card's repair part."""

    fault_id: Id
    job_id: Id
    technician_id: Id
    occurred_at: datetime
    cause: Text = ""
    actions: Text = ""
    parts_used: list[PartLine] = Field(default_factory=list)
    notes: Text = ""


class SlaBreached(BaseModel):
    fault_id: Id
    clock: Clock
    due: datetime
    met_at: datetime | None = None
    detected_at: datetime


class SlaAtRisk(BaseModel):
    fault_id: Id
    clock: Clock
    due: datetime
    eta: datetime
    technician_id: Id | None = None


class SlaAtRiskUnassigned(BaseModel):
    """`sla.at_risk` from dispatch: no certified technician can take the job within the planning
    horizon, so nobody is on the way (`eta` and `technician_id` are null). A late ETA of an
    assigned job is announced by intake from `dispatch.assigned` instead (`SlaAtRisk`)."""

    fault_id: Id
    job_id: Id
    clock: Clock = "onsite"
    due: datetime
    eta: None = None
    technician_id: None = None
    reason: Id = "no_technician_available"


class SlaAtRiskEither(RootModel[SlaAtRisk | SlaAtRiskUnassigned]):
    """Data of `sla.at_risk`, from either producer: intake's late ETA or dispatch's nobody."""


class DispatchProgress(BaseModel):
    """The engineer's app reported a step of a job; `occurred_at` is when it happened in the
    field (an offline phone replays late), which is what SLA clocks use."""

    fault_id: Id
    job_id: Id
    technician_id: Id
    occurred_at: datetime


class DispatchAccepted(DispatchProgress):
    pass


class DispatchDeclined(DispatchProgress):
    reason: Text


class DispatchMoved(DispatchProgress):
    """`dispatch.en_route` and `dispatch.on_site`: where the phone was, when it said."""

    lat: Latitude | None = None
    lon: Longitude | None = None


# The schema of each type's `data`: consumers validate an event against it before its handler
# runs. Unknown fields are ignored, so a producer may add fields before its consumers read them.
EVENT_SCHEMAS: dict[EventType, type[BaseModel]] = {
    EventType.FAULT_REPORTED: FaultReported,
    EventType.FAULT_ACKNOWLEDGED: FaultAcknowledged,
    EventType.FAULT_CANCELLED: FaultCancelled,
    EventType.FAULT_CLOSED: FaultClosed,
    EventType.PARTS_RESERVED: PartsReserved,
    EventType.PARTS_BACKORDERED: PartsBackordered,
    EventType.PARTS_TRANSFER_REQUESTED: PartsTransferRequested,
    EventType.PARTS_ISSUED: PartsIssued,
    EventType.PARTS_RELEASED: PartsReleased,
    EventType.PARTS_APPROVED: PartsApproved,
    EventType.PARTS_CONSUMED: PartsConsumed,
    EventType.STOCK_LOW: StockLow,
    EventType.DISPATCH_ASSIGNED: DispatchAssigned,
    EventType.DISPATCH_ACCEPTED: DispatchAccepted,
    EventType.DISPATCH_DECLINED: DispatchDeclined,
    EventType.DISPATCH_EN_ROUTE: DispatchMoved,
    EventType.DISPATCH_ON_SITE: DispatchMoved,
    EventType.DISPATCH_COMPLETED: DispatchCompleted,
    EventType.SLA_AT_RISK: SlaAtRiskEither,
    EventType.SLA_BREACHED: SlaBreached,
    EventType.QUALITY_ISSUE_OPENED: QualityIssueOpened,
    EventType.QUALITY_PART_QUARANTINED: QualityPartQuarantined,
    EventType.QUALITY_RULING_MADE: QualityRulingMade,
}


def data_schema(type_: str) -> type[BaseModel] | None:
    """The schema of a type's `data`; None for a type that is not one of ours."""
    try:
        return EVENT_SCHEMAS[EventType(type_)]
    except ValueError:
        return None
