"""Quality issues at work: reading them with their evidence, corrective and preventive actions,
recording the fix, and closing once the system verified the defect did not recur.

Every use case takes `now` from its caller, so that the verification window can be tested
without waiting for it.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.quality.domain.defects import (
    ActionKind,
    ActionStatus,
    IssueStatus,
    check_closure,
    check_fix,
    check_not_closed,
    corrective_done,
    move_action,
)
from services.quality.models import (
    ActionBase,
    ActionCreate,
    ActionUpdate,
    EvidencePublic,
    FixCreate,
    IssueDetail,
    IssueSummary,
    QualityDefectOccurrence,
    QualityIssue,
    QualityIssueAction,
)
from shared.auth import Principal
from shared.pagination import keyset_page

Occurrence = QualityDefectOccurrence


async def find_issue(session: AsyncSession, ref: str, *, lock: bool = False
                     ) -> QualityIssue | None:
    """The issue by id or by number (QI-2026-0001); locked for a change when `lock`."""
    query = select(QualityIssue).where(
        or_(col(QualityIssue.id) == ref, col(QualityIssue.number) == ref))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(query)).first()


async def list_issues(
    session: AsyncSession, filters: dict[str, str | None], limit: int, cursor: str | None
) -> tuple[list[IssueSummary], str | None]:
    """Issues in the order they opened, filtered by exact field values."""
    query = select(QualityIssue).where(*(
        col(getattr(QualityIssue, field)) == value
        for field, value in filters.items() if value is not None))
    rows, next_cursor = await keyset_page(session, query, col(QualityIssue.seq), limit, cursor)
    return await summaries(session, rows), next_cursor


async def summaries(session: AsyncSession, issues: Sequence[QualityIssue]) -> list[IssueSummary]:
    """The issues with how much evidence each has: occurrences and distinct vehicles."""
    ids = [issue.id for issue in issues]
    counts = {
        issue_id: (faults, vehicles)
        for issue_id, faults, vehicles in (await session.execute(
            select(col(Occurrence.issue_id), func.count(),
                   func.count(func.distinct(col(Occurrence.vehicle_number))))
            .where(col(Occurrence.issue_id).in_(ids)).group_by(col(Occurrence.issue_id))
        )).all()
    }
    return [
        IssueSummary(**issue.model_dump(exclude={"seq"}),
                     evidence_count=counts.get(issue.id, (0, 0))[0],
                     vehicle_count=counts.get(issue.id, (0, 0))[1])
        for issue in issues
    ]


async def detail(session: AsyncSession, issue: QualityIssue) -> IssueDetail:
    """The issue with its evidence (oldest first) and its actions (in the order added)."""
    (summary,) = await summaries(session, [issue])
    evidence = (await session.scalars(
        select(Occurrence).where(col(Occurrence.issue_id) == issue.id)
        .order_by(col(Occurrence.occurred_at), col(Occurrence.id)))).all()
    actions = await _actions(session, issue.id)
    return IssueDetail(
        **summary.model_dump(),
        evidence=[EvidencePublic.model_validate(o, from_attributes=True) for o in evidence],
        actions=[ActionBase.model_validate(a, from_attributes=True) for a in actions],
    )


async def _actions(session: AsyncSession, issue_id: str) -> Sequence[QualityIssueAction]:
    return (await session.scalars(
        select(QualityIssueAction).where(col(QualityIssueAction.issue_id) == issue_id)
        .order_by(col(QualityIssueAction.created_at), col(QualityIssueAction.id)))).all()


def add_action(
    session: AsyncSession, issue: QualityIssue, body: ActionCreate, principal: Principal,
    now: datetime,
) -> QualityIssueAction:
    check_not_closed(IssueStatus(issue.status))
    action = QualityIssueAction(
        issue_id=issue.id, kind=body.kind.value, description=body.description,
        owner=body.owner, due_date=body.due_date, created_by=principal.sub[:100], created_at=now,
    )
    session.add(action)
    issue.updated_at = now
    return action


async def update_action(
    session: AsyncSession, issue: QualityIssue, action_id: str, body: ActionUpdate,
    now: datetime,
) -> QualityIssueAction | None:
    """The action after the change; None when the issue has no such action."""
    action = await session.get(QualityIssueAction, action_id, with_for_update=True)
    if action is None or action.issue_id != issue.id:
        return None
    check_not_closed(IssueStatus(issue.status))
    if body.status is not None and move_action(ActionStatus(action.status), body.status):
        action.status = body.status.value
        if body.status is ActionStatus.DONE:
            action.done_at = now
    if body.owner is not None:
        action.owner = body.owner
    if body.due_date is not None:
        action.due_date = body.due_date
    issue.updated_at = now
    return action


async def record_fix(
    session: AsyncSession, issue: QualityIssue, body: FixCreate, now: datetime
) -> None:
    """The fix moves the issue to verification (see `domain.defects.check_fix`)."""
    actions = await _actions(session, issue.id)
    done = corrective_done(
        ((ActionKind(a.kind), ActionStatus(a.status), a.done_at) for a in actions),
        issue.reopened_at or issue.opened_at,
    )
    last = await session.scalar(select(func.max(col(Occurrence.occurred_at))).where(
        *_same_defect(issue)))
    check_fix(IssueStatus(issue.status), body.fixed_at, now, done, last)
    issue.status = IssueStatus.VERIFYING.value
    issue.fixed_at = body.fixed_at
    issue.fix_description = body.description
    issue.updated_at = now


async def close_issue(session: AsyncSession, issue: QualityIssue, now: datetime) -> None:
    """Close a verified issue; closing a closed one changes nothing. The verification is the
    system's own: no occurrence of the defect on the model after the fix, window elapsed."""
    if issue.status == IssueStatus.CLOSED:
        return
    recurred_at = None
    if issue.fixed_at is not None:
        recurred_at = await session.scalar(select(func.min(col(Occurrence.occurred_at))).where(
            *_same_defect(issue), col(Occurrence.occurred_at) > issue.fixed_at))
    # The window in force when the issue opened: changing the setting does not move goalposts.
    check_closure(IssueStatus(issue.status), issue.fixed_at, recurred_at, now,
                  timedelta(days=issue.window_days))
    issue.status = IssueStatus.CLOSED.value
    issue.closed_at = now
    issue.updated_at = now


def _same_defect(issue: QualityIssue) -> list[Any]:
    """Every occurrence of the issue's defect on its model, linked to the issue or not."""
    return [col(Occurrence.vehicle_model) == issue.vehicle_model,
            col(Occurrence.basis) == issue.basis, col(Occurrence.key) == issue.key]

