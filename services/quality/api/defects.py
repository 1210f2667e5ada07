"""Quality HTTP routes: recurring defects (quality issues, their actions, fix and closure)."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from services.quality.domain.defects import Basis, InvalidFix, IssueConflict, IssueStatus
from services.quality.issues import (
    add_action,
    close_issue,
    detail,
    find_issue,
    list_issues,
    record_fix,
    update_action,
)
from services.quality.models import (
    ActionBase,
    ActionCreate,
    ActionUpdate,
    FixCreate,
    IssueDetail,
    IssueSummary,
    QualityIssue,
)
from shared.app import SessionDep
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.events import utcnow
from shared.idempotency import IdempotencyKey, fingerprint, idempotent_write
from shared.pagination import Cursor, Limit, Page

router = APIRouter(prefix="/v1/quality-issues", tags=["quality"])

Quality = Annotated[Principal, Depends(require_role("quality"))]
Readers = Annotated[Principal, Depends(require_role("quality", "dispatcher"))]
IssueId = Annotated[str, Path(min_length=1, max_length=36,
                               description="The issue's id or its number (QI-2026-0001).")]
ActionId = Annotated[str, Path(min_length=1, max_length=36)]


async def _issue(session: AsyncSession, ref: str) -> QualityIssue:
    issue = await find_issue(session, ref, lock=True)
    if issue is None:
        raise Problem(404, "Not found", "No such quality issue.")
    return issue


def _refused(error: IssueConflict) -> Problem:
    return Problem(409, "Conflict", error.message, **error.facts)


def _invalid(error: InvalidFix) -> Problem:
    return Problem(422, "Invalid request", error.message,
                   errors=[{"field": error.field, "message": error.message}])


async def _change(
    session: AsyncSession, principal: Principal, key: str | None, body: Any, status: int,
    change: Callable[[], Awaitable[Any]],
) -> JSONResponse:
    """Apply `change` once per Idempotency-Key and commit; domain refusals become problems."""

    async def write() -> tuple[int, Any]:
        try:
            result = await change()
        except IssueConflict as error:
            raise _refused(error) from error
        except InvalidFix as error:
            raise _invalid(error) from error
        return status, result.model_dump(mode="json")

    return await idempotent_write(session, principal, key, fingerprint(body), write)


@router.get("", summary="Quality issues (recurring defects, opened automatically)")
async def get_issues(
    session: SessionDep,
    _: Readers,
    status: IssueStatus | None = None,
    vehicle_model: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    basis: Basis | None = None,
    key: Annotated[str | None, Query(min_length=1, max_length=60)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[IssueSummary]:
    filters = {"status": status.value if status else None, "vehicle_model": vehicle_model,
               "basis": basis.value if basis else None, "key": key}
    items, next_cursor = await list_issues(session, filters, limit, cursor)
    return Page[IssueSummary](items=items, next_cursor=next_cursor)


@router.get("/{issue_id}", summary="A quality issue with its evidence and actions")
async def get_issue(issue_id: IssueId, session: SessionDep, _: Readers) -> IssueDetail:
    issue = await find_issue(session, issue_id)
    if issue is None:
        raise Problem(404, "Not found", "No such quality issue.")
    return await detail(session, issue)


@router.post("/{issue_id}/actions", status_code=201, response_model=ActionBase,
             summary="Add a corrective or preventive action (owner, due date)")
async def post_action(
    issue_id: IssueId, body: ActionCreate, session: SessionDep, principal: Quality,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def change() -> ActionBase:
        issue = await _issue(session, issue_id)
        action = add_action(session, issue, body, principal, utcnow())
        return ActionBase.model_validate(action, from_attributes=True)

    payload = {"issue": issue_id} | body.model_dump(mode="json")
    return await _change(session, principal, idempotency_key, payload, 201, change)


@router.patch("/{issue_id}/actions/{action_id}", response_model=ActionBase,
              summary="Move an action forward (open → in_progress → done), reassign, reschedule")
async def patch_action(
    issue_id: IssueId, action_id: ActionId, body: ActionUpdate, session: SessionDep,
    principal: Quality,
) -> JSONResponse:
    async def change() -> ActionBase:
        issue = await _issue(session, issue_id)
        action = await update_action(session, issue, action_id, body, utcnow())
        if action is None:
            raise Problem(404, "Not found", "The issue has no such action.")
        return ActionBase.model_validate(action, from_attributes=True)

    payload = {"issue": issue_id, "action": action_id} | body.model_dump(mode="json")
    return await _change(session, principal, None, payload, 200, change)


@router.post("/{issue_id}/fix", response_model=IssueDetail,
             summary="Record the fix: the issue moves to verification")
async def post_fix(
    issue_id: IssueId, body: FixCreate, session: SessionDep, principal: Quality,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def change() -> IssueDetail:
        issue = await _issue(session, issue_id)
        await record_fix(session, issue, body, utcnow())
        return await detail(session, issue)

    payload = {"issue": issue_id} | body.model_dump(mode="json")
    return await _change(session, principal, idempotency_key, payload, 200, change)


@router.post("/{issue_id}/close", response_model=IssueDetail,
             summary="Close the issue: needs a fix and a clean verification window after it")
async def post_close(
    issue_id: IssueId, session: SessionDep, principal: Quality,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def change() -> IssueDetail:
        issue = await _issue(session, issue_id)
        await close_issue(session, issue, utcnow())
        return await detail(session, issue)

    return await _change(session, principal, idempotency_key, {"issue": issue_id}, 200, change)
