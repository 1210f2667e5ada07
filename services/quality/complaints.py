"""The complaints register: register numbered complaints, record the investigation, close.

The caller (a route) commits.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.quality.domain.complaints import (
    CauseCategory,
    ComplaintClosed,
    ComplaintStatus,
    check_dates,
    close,
    complaint_number,
    is_overdue,
    status_after_recording,
)
from services.quality.models import (
    Compensation,
    ComplaintCounter,
    ComplaintCreate,
    ComplaintPublic,
    ComplaintUpdate,
    QualityComplaint,
    StatusChange,
)
from shared.db import dialect_insert
from shared.events import utcnow
from shared.pagination import keyset_page

TEXT_FIELDS = ("root_cause", "immediate_fix", "improvement", "prevention")


async def next_number(session: AsyncSession, year: int) -> str:
    """The year's next register number.

    One atomic upsert on the year's counter row: concurrent registrations wait for each other's
    row lock (PostgreSQL) or write lock (SQLite), and a rolled-back one gives its number back,
    so the numbers have neither duplicates nor gaps.
    """
    statement = dialect_insert(session, ComplaintCounter).values(year=year, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=["year"], set_={"last": col(ComplaintCounter.last) + 1}
    ).returning(col(ComplaintCounter.last))
    sequence = (await session.execute(statement)).scalar_one()
    return complaint_number(year, sequence)


def _entry(status: ComplaintStatus, by: str, at: datetime) -> dict[str, str]:
    return {"status": status.value, "at": at.isoformat(), "by": by}


def _change(complaint: QualityComplaint, status: ComplaintStatus, by: str, at: datetime) -> None:
    if complaint.status == status:
        return
    complaint.status = status.value
    complaint.timeline = [*complaint.timeline, _entry(status, by, at)]
    if status is ComplaintStatus.RESOLVED:
        complaint.resolved_at = at
    if status is ComplaintStatus.CLOSED:
        complaint.closed_at = at


async def register_complaint(
    session: AsyncSession, body: ComplaintCreate, registered_by: str
) -> QualityComplaint:
    """A new complaint with the next number of the year it was received (as the sender's clock
    reads it: its offset). Raises `ComplaintError` for impossible dates."""
    now = utcnow()
    received_at = body.received_at or now
    check_dates(received_at, body.deadline, now)
    number = await next_number(session, received_at.year)
    received_at = received_at.astimezone(UTC)
    complaint = QualityComplaint(
        **body.model_dump(exclude={"received_at", "deadline"}),
        number=number,
        received_at=received_at,
        deadline=body.deadline.astimezone(UTC) if body.deadline else None,
        status=ComplaintStatus.RECEIVED.value,
        registered_by=registered_by,
        timeline=[_entry(ComplaintStatus.RECEIVED, registered_by, received_at)],
    )
    session.add(complaint)
    await session.flush()
    return complaint


def recorded(complaint: QualityComplaint) -> set[str]:
    """The investigation fields the complaint has filled in."""
    filled = {field for field in TEXT_FIELDS if getattr(complaint, field)}
    if complaint.compensation_amount is not None:
        filled.add("compensation")
    return filled


def record_findings(complaint: QualityComplaint, update: ComplaintUpdate, by: str) -> None:
    """Apply what the investigation recorded and move the status on. Raises `ComplaintClosed`
    (before changing anything) and `ComplaintError`."""
    current = ComplaintStatus(complaint.status)
    if current is ComplaintStatus.CLOSED:
        raise ComplaintClosed
    changes = update.model_dump(exclude_none=True, exclude={"compensation"})
    if update.deadline is not None:
        changes["deadline"] = update.deadline.astimezone(UTC)
    check_dates(complaint.received_at, changes.get("deadline", complaint.deadline), utcnow())
    for field, value in changes.items():
        setattr(complaint, field, value)
    if update.compensation is not None:
        complaint.compensation_amount = update.compensation.amount
        complaint.compensation_note = update.compensation.note
    now = utcnow()
    _change(complaint, status_after_recording(current, recorded(complaint)), by, now)
    complaint.updated_at = now


def close_complaint(complaint: QualityComplaint, by: str) -> None:
    """Raises `ComplaintClosed` or `ComplaintIncomplete`."""
    now = utcnow()
    _change(complaint, close(ComplaintStatus(complaint.status), recorded(complaint)), by, now)
    complaint.updated_at = now


async def load_complaint(
    session: AsyncSession, complaint_id: str, *, lock: bool = False
) -> QualityComplaint | None:
    query = select(QualityComplaint).where(col(QualityComplaint.id) == complaint_id)
    return (await session.scalars(query.with_for_update() if lock else query)).first()


async def list_complaints(
    session: AsyncSession, filters: dict[str, Any], limit: int, cursor: str | None
) -> tuple[Sequence[QualityComplaint], str | None]:
    """Complaints in registration order, filtered by exact field values and `overdue`."""
    query = select(QualityComplaint)
    for field in ("depot_id", "status", "category", "fault_id", "number"):
        if filters.get(field) is not None:
            query = query.where(col(getattr(QualityComplaint, field)) == filters[field])
    overdue = (col(QualityComplaint.status) != ComplaintStatus.CLOSED.value) & (
        col(QualityComplaint.deadline) < utcnow())
    if filters.get("overdue") is True:
        query = query.where(overdue)
    elif filters.get("overdue") is False:
        query = query.where(or_(col(QualityComplaint.deadline).is_(None), ~overdue))
    return await keyset_page(session, query, col(QualityComplaint.seq), limit, cursor)


def present(complaint: QualityComplaint) -> ComplaintPublic:
    status = ComplaintStatus(complaint.status)
    compensation = (
        Compensation(amount=complaint.compensation_amount, note=complaint.compensation_note)
        if complaint.compensation_amount is not None else None
    )
    return ComplaintPublic(
        **complaint.model_dump(exclude={"seq", "category", "status", "timeline",
                                        "compensation_amount", "compensation_note"}),
        category=CauseCategory(complaint.category),
        status=status,
        overdue=is_overdue(status, complaint.deadline, utcnow()),
        compensation=compensation,
        timeline=[StatusChange.model_validate(change) for change in complaint.timeline],
    )
