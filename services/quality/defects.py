"""Recurring defects: quality issues opened when one fault recurs across vehicles of a model.

A completed repair (`dispatch.completed`) is an occurrence of its fault code and of each part it
replaced, recorded once per (fault, defect). The record needs the vehicle too, which comes with
`fault.reported`: whichever of the two events is consumed last records the occurrence. When the
occurrences of a defect on one model reach the threshold within the window, a quality issue
opens (`quality.issue_opened`, subject: the issue id) with them as evidence. Later occurrences
are linked to it without a new event; one after a fix reopens it (`quality.issue_opened` again,
`reopened: true`, naming the occurrences that recurred).
"""

from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.quality.config import QualitySettings
from services.quality.domain.defects import (
    Basis,
    IssueStatus,
    Occurrence,
    defect_keys,
    issue_number,
    recurrence,
    reopens,
)
from services.quality.models import QualityDefectOccurrence, QualityIssue, ServiceRecord
from shared.consumer import Handler
from shared.db import on_postgresql
from shared.events import Envelope, EventType, QualityIssueOpened, utcnow
from shared.outbox import add_event, new_event


async def serialise(session: AsyncSession, name: str) -> None:
    """Take a transaction-scoped lock on `name` (PostgreSQL; SQLite writers are serial already),
    so that two consumers never count the same defect's occurrences at once."""
    if on_postgresql(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:name))"),
                              {"name": name})


async def detect_recurrence(
    settings: QualitySettings, session: AsyncSession, envelope: Envelope
) -> None:
    """Record the fault's occurrences once its record knows both the vehicle and the repair."""
    record = await session.get(ServiceRecord, envelope.subject)
    if (record is None or record.completed_at is None or not record.vehicle_model
            or not record.vehicle_number):
        return
    keys = defect_keys(record.fault_code, [str(p.get("part_number", ""))
                                           for p in record.parts_used])
    for basis, key in keys:  # all locks first, in one order: no deadlock between consumers
        await serialise(session, f"quality-defect:{record.vehicle_model}:{basis}:{key}")
    for basis, key in keys:
        occurrence = await _record_occurrence(session, record, basis, key)
        if occurrence is not None:
            await _treat(session, settings, occurrence, envelope.correlation_id)


async def _record_occurrence(
    session: AsyncSession, record: ServiceRecord, basis: Basis, key: str
) -> QualityDefectOccurrence | None:
    """The new occurrence; None when it was recorded already (or cannot be: over-long key)."""
    if len(key) > 60:
        return None
    seen = await session.scalar(select(col(QualityDefectOccurrence.id)).where(
        col(QualityDefectOccurrence.fault_id) == record.fault_id,
        col(QualityDefectOccurrence.basis) == basis.value,
        col(QualityDefectOccurrence.key) == key,
    ))
    if seen is not None:
        return None
    assert record.completed_at and record.vehicle_model and record.vehicle_number
    occurrence = QualityDefectOccurrence(
        fault_id=record.fault_id, fault_number=record.fault_number,
        vehicle_model=record.vehicle_model, vehicle_number=record.vehicle_number,
        basis=basis.value, key=key, occurred_at=record.completed_at,
    )
    session.add(occurrence)
    await session.flush()
    return occurrence


async def _treat(
    session: AsyncSession, settings: QualitySettings, new: QualityDefectOccurrence,
    correlation_id: str,
) -> None:
    """Link the occurrence to its defect's issue (reopening it if it recurred after the fix),
    or open an issue if the occurrence completes a recurrence."""
    issue = (await session.scalars(
        select(QualityIssue).where(
            col(QualityIssue.vehicle_model) == new.vehicle_model,
            col(QualityIssue.basis) == new.basis, col(QualityIssue.key) == new.key)
        .with_for_update().execution_options(populate_existing=True)
    )).first()
    now = utcnow()
    if issue is not None:
        new.issue_id = issue.id
        if reopens(IssueStatus(issue.status), issue.fixed_at, new.occurred_at):
            issue.status = IssueStatus.REOPENED.value
            issue.reopened_at = now
            issue.reopen_count += 1
            issue.closed_at = None
            _announce(session, settings, issue, [new], now, correlation_id, reopened=True)
        issue.updated_at = now
        return
    window = timedelta(days=settings.recurrence_window_days)
    nearby = await _occurrences(session, new, new.occurred_at - window, new.occurred_at + window)
    evidence = recurrence(
        [Occurrence(o.fault_id, o.vehicle_number, o.occurred_at) for o in nearby],
        new.occurred_at, window, settings.recurrence_vehicles,
    )
    if evidence is None:
        return
    issue = await _open_issue(session, settings, new, now)
    linked = [o for o in nearby if o.fault_id in {e.fault_id for e in evidence}]
    for occurrence in linked:
        occurrence.issue_id = issue.id
    _announce(session, settings, issue, linked, now, correlation_id, reopened=False)


async def _occurrences(
    session: AsyncSession, of: QualityDefectOccurrence, start: datetime, end: datetime
) -> list[QualityDefectOccurrence]:
    occurrence = QualityDefectOccurrence
    return list((await session.scalars(select(occurrence).where(
        col(occurrence.vehicle_model) == of.vehicle_model, col(occurrence.basis) == of.basis,
        col(occurrence.key) == of.key, col(occurrence.occurred_at) >= start,
        col(occurrence.occurred_at) <= end,
    ).order_by(col(occurrence.occurred_at), col(occurrence.id)))).all())


async def _open_issue(
    session: AsyncSession, settings: QualitySettings, first: QualityDefectOccurrence,
    now: datetime,
) -> QualityIssue:
    # Numbers then commit in order, so keyset pages by seq never skip a late-committing issue.
    await serialise(session, "quality-issue-seq")
    issue = QualityIssue(
        vehicle_model=first.vehicle_model, basis=first.basis, key=first.key,
        status=IssueStatus.OPEN.value, threshold_vehicles=settings.recurrence_vehicles,
        window_days=settings.recurrence_window_days, opened_at=now, updated_at=now,
    )
    session.add(issue)
    await session.flush()
    assert issue.seq is not None
    issue.number = issue_number(now, issue.seq)
    return issue


def _announce(
    session: AsyncSession, settings: QualitySettings, issue: QualityIssue,
    evidence: list[QualityDefectOccurrence], at: datetime, correlation_id: str, *,
    reopened: bool,
) -> None:
    data = QualityIssueOpened(
        issue_id=issue.id, number=issue.number, vehicle_model=issue.vehicle_model,
        basis=issue.basis, key=issue.key,
        vehicles=sorted({o.vehicle_number for o in evidence}),
        fault_ids=[o.fault_id for o in evidence], window_days=issue.window_days,
        opened_at=at, reopened=reopened,
    )
    add_event(session, new_event(settings, EventType.QUALITY_ISSUE_OPENED, issue.id,
                                 data.model_dump(mode="json"), correlation_id))


# Event type → what this topic does with it, after the event is filed and the record updated.
def reactions(settings: QualitySettings) -> dict[str, Handler]:
    """Event type → detection, with the service's threshold and window."""
    detect = partial(detect_recurrence, settings)
    return {EventType.DISPATCH_COMPLETED: detect, EventType.FAULT_REPORTED: detect}
