"""The event envelope and the v1 event types of the contract."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field


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
    """Every message value on Kafka; the key is the subject (the fault id)."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    source: str
    time: datetime = Field(default_factory=utcnow)
    subject: str
    correlation_id: str
    data: dict[str, Any] = Field(default_factory=dict)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> "Envelope":
        return cls.model_validate_json(raw)


class PartLine(BaseModel):
    part_number: str
    qty: int = Field(gt=0)


class Location(BaseModel):
    site_code: str
    lat: float
    lon: float


class FaultReported(BaseModel):
    """Data of `fault.reported`: what parts and dispatch need to act on a fault."""

    fault_id: str
    number: str
    depot_id: str
    vehicle_number: str
    vehicle_model: str
    severity: str
    description: str
    system: str | None = None
    fault_code: str | None = None
    location: Location
    suspected_parts: list[PartLine] = Field(default_factory=list)
    reported_at: datetime
    onsite_due: datetime


class ReservationLine(BaseModel):
    """A requisition line: units of one part in one bin, held for a fault."""

    reservation_id: str
    part_number: str
    qty: int
    warehouse: str
    bin: str


class ReservedLine(ReservationLine):
    # In `parts.reserved`: when the line can be at the fault site, and its transfer if shipped.
    eta: datetime | None = None
    transfer_id: str | None = None


class PartsReserved(BaseModel):
    fault_id: str
    lines: list[ReservedLine]


class PartsReleased(BaseModel):
    """Reservation lines given back (e.g. `reason: fault_cancelled`)."""

    fault_id: str
    lines: list[ReservedLine]
    reason: str


class BackorderedLine(PartLine):
    # Why stock was not used although it may exist, e.g. "emergency_stock_reserved_for_A_B".
    reason: str | None = None


class PartsBackordered(BaseModel):
    fault_id: str
    lines: list[BackorderedLine]


class PartsTransferRequested(BaseModel):
    """Reserved stock of a distant warehouse to be shipped to the fault site."""

    fault_id: str
    transfer_id: str
    reservation_id: str
    part_number: str
    qty: int
    from_warehouse: str
    to_site_code: str
    distance_km: float
    eta: datetime


class PartsApproved(BaseModel):
    """A requisition line approved (`auto` when the fault's class is approved automatically)."""

    fault_id: str
    reservation_id: str
    approved_by: str
    auto: bool


class PartsIssued(BaseModel):
    fault_id: str
    lines: list[ReservationLine]


class ConsumedLine(BaseModel):
    reservation_id: str
    part_number: str
    consumed: int
    returned: int
    # The part's catalogue cost per unit when it was consumed (extension; absent before it).
    unit_cost: float | None = None


class PartsConsumed(BaseModel):
    """Issued lines settled after the job: what was used, and what went back to stock."""

    fault_id: str
    lines: list[ConsumedLine]


class StockLow(BaseModel):
    """A part's available stock in a warehouse fell below its reorder point (subject: part)."""

    part_number: str
    warehouse: str
    available: int
    reorder_point: int


class QualityPartQuarantined(BaseModel):
    """Stock of a part (one batch and/or supplier, or all of it) must not be used."""

    part_number: str = Field(min_length=1, max_length=60)
    batch: str | None = Field(default=None, max_length=60)
    supplier_id: str | None = Field(default=None, max_length=40)
    reason: str
    quarantine_id: str | None = Field(default=None, min_length=1, max_length=60)


class QualityRulingMade(BaseModel):
    """Who is responsible for a fault, and what its repair cost (subject: the fault id)."""

    fault_id: str
    ruling_id: str
    responsibility: str  # supplier | manufacturing | design | operator | unknown
    supplier_id: str | None = None
    parts_cost: float
    labour_hours: float
    labour_cost: float
    total_cost: float
    # The claim raised against the supplier, when the supplier is responsible.
    claim_id: str | None = None
    claim_amount: float | None = None
    ruled_by: str
    ruled_at: datetime


class QualityIssueOpened(BaseModel):
    """A defect recurred on enough vehicles of one model within the window (subject: issue id).

    `basis` is "fault_code" or "part_number"; `key` its value; the evidence is the faults."""

    issue_id: str
    number: str
    vehicle_model: str
    basis: str
    key: str
    vehicles: list[str]
    fault_ids: list[str]
    window_days: float
    opened_at: datetime
    reopened: bool = False


class DispatchAssigned(BaseModel):
    fault_id: str
    job_id: str
    technician_id: str
    technician_name: str
    eta: datetime
    distance_km: float


class FaultAcknowledged(BaseModel):
    fault_id: str
    acknowledged_by: str
    occurred_at: datetime


class FaultCancelled(BaseModel):
    fault_id: str
    reason: str
    cancelled_at: AwareDatetime


class FaultClosed(BaseModel):
    fault_id: str
    closed_at: datetime


class DispatchCompleted(BaseModel):
    """The engineer's completion report: the service information card's repair part."""

    fault_id: str
    job_id: str
    technician_id: str
    occurred_at: datetime
    cause: str = ""
    actions: str = ""
    parts_used: list[PartLine] = Field(default_factory=list)
    notes: str = ""


class SlaBreached(BaseModel):
    fault_id: str
    clock: str  # respond | onsite | resolve
    due: datetime
    met_at: datetime | None = None
    detected_at: datetime


class SlaAtRisk(BaseModel):
    fault_id: str
    clock: str
    due: datetime
    eta: datetime
    technician_id: str | None = None


class SlaAtRiskUnassigned(BaseModel):
    """`sla.at_risk` from dispatch: no certified technician can take the job within the planning
    horizon, so nobody is on the way (`eta` and `technician_id` are null). A late ETA of an
    assigned job is announced by intake from `dispatch.assigned` instead (`SlaAtRisk`)."""

    fault_id: str
    job_id: str
    clock: str = "onsite"
    due: datetime
    eta: None = None
    technician_id: None = None
    reason: str = "no_technician_available"


class DispatchProgress(BaseModel):
    """The engineer's app reported a step of a job; `occurred_at` is when it happened in the
    field (an offline phone replays late), which is what SLA clocks use."""

    fault_id: str
    job_id: str
    technician_id: str
    occurred_at: datetime


class DispatchAccepted(DispatchProgress):
    pass


class DispatchDeclined(DispatchProgress):
    reason: str


class DispatchMoved(DispatchProgress):
    """`dispatch.en_route` and `dispatch.on_site`: where the phone was, when it said."""

    lat: float | None = None
    lon: float | None = None
