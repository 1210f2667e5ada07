"""Quality tables: recurring defects (occurrences, quality issues, their actions) and
quarantines; and the API's model families for them."""

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import Column, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from services.quality.domain.defects import ActionKind, ActionStatus
from shared.columns import timestamp_field
from shared.events import utcnow
from shared.schemas import FROM_STRING, Day, SQLRequestBody, Timestamp

__all__ = [
    "ActionBase", "ActionCreate", "ActionUpdate", "EvidencePublic", "FixCreate", "IssueDetail",
    "IssueSummary", "QualityDefectOccurrence", "QualityIssue", "QualityIssueAction",
    "QualityIssueBase", "QualityQuarantine", "QuarantineBase", "QuarantineCreate",
]

Description = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=2000)]
Owner = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
PartNumber = Annotated[str, StringConstraints(pattern=r"^\S+$", min_length=1, max_length=60)]
Batch = Annotated[str, StringConstraints(pattern=r"^\S+$", min_length=1, max_length=60)]
SupplierId = Annotated[str, StringConstraints(pattern=r"^\S+$", min_length=1, max_length=40)]


def _uuid() -> str:
    return str(uuid.uuid4())


class QualityDefectOccurrence(SQLModel, table=True):
    """A completed repair as evidence of one defect (a fault code or a part on a model)."""

    __tablename__ = "quality_defect_occurrence"
    __table_args__ = (
        UniqueConstraint("fault_id", "basis", "key"),
        Index("ix_quality_defect_occurrence_defect", "vehicle_model", "basis", "key",
              "occurred_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
    fault_id: str = Field(max_length=100)
    fault_number: str | None = Field(default=None, max_length=40)
    vehicle_model: str = Field(max_length=60)
    vehicle_number: str = Field(max_length=40)
    basis: str = Field(max_length=20)  # fault_code | part_number
    key: str = Field(max_length=60)
    # When the repair was completed (the engineer's field time).
    occurred_at: datetime = timestamp_field()
    issue_id: str | None = Field(default=None, max_length=36, index=True)


class QualityIssueBase(SQLModel):
    id: str = Field(default_factory=_uuid, max_length=36, unique=True)
    number: str = Field(default="", max_length=24, index=True)
    vehicle_model: str = Field(max_length=60, index=True)
    basis: str = Field(max_length=20)
    key: str = Field(max_length=60)
    status: str = Field(max_length=20, index=True)  # domain.defects.IssueStatus
    # The rule that opened it: this many vehicles within this many days.
    threshold_vehicles: int
    window_days: float
    opened_at: datetime = timestamp_field()
    reopened_at: datetime | None = timestamp_field(nullable=True, default=None)
    reopen_count: int = 0
    # The latest fix recorded (kept after a recurrence, to show what did not hold).
    fixed_at: datetime | None = timestamp_field(nullable=True, default=None)
    fix_description: str | None = Field(default=None, max_length=2000)
    closed_at: datetime | None = timestamp_field(nullable=True, default=None)
    updated_at: datetime = timestamp_field(default_factory=utcnow)


class QualityIssue(QualityIssueBase, table=True):
    """A recurring defect under treatment; one per defect, reopened when it recurs."""

    __tablename__ = "quality_issue"
    __table_args__ = (UniqueConstraint("vehicle_model", "basis", "key"),)

    # The sequence gives stable list order and the human-readable number.
    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))


class ActionCreate(SQLRequestBody):
    kind: Annotated[ActionKind, FROM_STRING]
    description: Description
    owner: Owner
    due_date: Day


class ActionUpdate(SQLRequestBody):
    """What may change on an action; absent fields stay as they are."""

    status: Annotated[ActionStatus, FROM_STRING] | None = None
    owner: Owner | None = None
    due_date: Day | None = None


class ActionBase(SQLModel):
    id: str = Field(default_factory=_uuid, primary_key=True, max_length=36)
    issue_id: str = Field(max_length=36, index=True)
    kind: str = Field(max_length=20)
    description: str = Field(max_length=2000)
    owner: str = Field(max_length=100)
    due_date: date
    status: str = Field(default=ActionStatus.OPEN.value, max_length=20)
    created_by: str = Field(max_length=100)
    created_at: datetime = timestamp_field(default_factory=utcnow)
    done_at: datetime | None = timestamp_field(nullable=True, default=None)


class QualityIssueAction(ActionBase, table=True):
    """A corrective or preventive action on a quality issue, with its owner and due date."""

    __tablename__ = "quality_issue_action"


class FixCreate(SQLRequestBody):
    fixed_at: Timestamp
    description: Description


class EvidencePublic(SQLModel):
    fault_id: str
    fault_number: str | None
    vehicle_number: str
    occurred_at: datetime


class IssueSummary(QualityIssueBase):
    evidence_count: int
    vehicle_count: int


class IssueDetail(IssueSummary):
    evidence: list[EvidencePublic]
    actions: list[ActionBase]


class QuarantineCreate(SQLRequestBody):
    part_number: PartNumber
    batch: Batch | None = None
    supplier_id: SupplierId | None = None
    reason: Reason


class QuarantineBase(SQLModel):
    id: str = Field(max_length=40, unique=True)
    part_number: str = Field(max_length=60, index=True)
    batch: str | None = Field(default=None, max_length=60)
    supplier_id: str | None = Field(default=None, max_length=40)
    reason: str = Field(max_length=500)
    created_by: str = Field(max_length=100)
    created_at: datetime = timestamp_field(default_factory=utcnow)


class QualityQuarantine(QuarantineBase, table=True):
    """Stock of a part (a batch, a supplier's, or all of it) that must not be used."""

    __tablename__ = "quality_quarantine"

    seq: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True))
