"""The engineer's mobile app: their own jobs (cheap to poll) and the five job actions."""

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlmodel import col

from services.dispatch.api.deps import FieldStaff, JobId, SettingsDep
from services.dispatch.config import DispatchSettings
from services.dispatch.domain.caching import etag_of, not_modified
from services.dispatch.domain.status import Action, JobStatus
from services.dispatch.mobile import act
from services.dispatch.models import DispatchJob
from services.dispatch.schemas import AppAction, Completion, Decline, JobPublic, Movement
from shared.app import SessionDep
from shared.auth import Principal
from shared.db import retry_once_on_conflict
from shared.errors import Problem
from shared.pagination import Cursor, Limit, Page, keyset_page

router = APIRouter()
IfNoneMatch = Annotated[str | None, Header(alias="If-None-Match", max_length=2000)]
ANSWERS: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such job, or not the caller's"},
    409: {"description": "Out of order (`current_status` says where the job is), or a "
                         "client_event_id reused for another action"},
    422: {"description": "Invalid body, or occurred_at without offset or in the future"},
}


def _own_id(principal: Principal) -> str:
    if principal.technician_id is None:
        raise Problem(403, "Forbidden", "Only a technician's token names their own jobs.")
    return principal.technician_id


@router.get(
    "/me/jobs", response_model=Page[JobPublic],
    summary="The calling technician's own jobs; ETag / If-None-Match answer 304 when unchanged",
    responses={304: {"description": "Not modified since the ETag given in If-None-Match"}},
)
async def my_jobs(
    session: SessionDep,
    principal: FieldStaff,
    status: JobStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    query = select(DispatchJob).where(col(DispatchJob.technician_id) == _own_id(principal))
    if status:
        query = query.where(col(DispatchJob.status) == status)
    page, next_cursor = await keyset_page(session, query, col(DispatchJob.seq), limit, cursor)
    body = Page[JobPublic](
        items=[JobPublic.model_validate(j, from_attributes=True) for j in page],
        next_cursor=next_cursor,
    ).model_dump(mode="json")
    tag = etag_of(body)
    # Per user, and to be revalidated every time: the phone asks, a 304 costs no body.
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if not_modified(if_none_match, tag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(body, headers=headers)


async def _act(
    session: SessionDep,
    settings: DispatchSettings,
    principal: Principal,
    job_id: str,
    action: Action,
    body: AppAction,
) -> JSONResponse:
    technician_id = _own_id(principal)

    # Two deliveries of one action racing: the loser's insert of the same client_event_id
    # fails, and its retry answers as the replay it is.
    async def attempt() -> JSONResponse:
        answer = await act(session, settings, technician_id, job_id, action, body)
        await session.commit()
        return JSONResponse(answer)

    return await retry_once_on_conflict(
        session, attempt,
        Problem(409, "Conflict", "A concurrent request changed this job; retry it."),
    )


@router.post("/jobs/{job_id}/accept", response_model=JobPublic, responses=ANSWERS,
             summary="Accept an assigned job")
async def accept(
    job_id: JobId, body: AppAction, session: SessionDep, settings: SettingsDep,
    principal: FieldStaff,
) -> JSONResponse:
    return await _act(session, settings, principal, job_id, Action.ACCEPT, body)


@router.post("/jobs/{job_id}/decline", response_model=JobPublic, responses=ANSWERS,
             summary="Decline a job not yet departed for: it goes to someone else")
async def decline(
    job_id: JobId, body: Decline, session: SessionDep, settings: SettingsDep,
    principal: FieldStaff,
) -> JSONResponse:
    return await _act(session, settings, principal, job_id, Action.DECLINE, body)


@router.post("/jobs/{job_id}/depart", response_model=JobPublic, responses=ANSWERS,
             summary="Set off for the job (accepts it if not yet accepted)")
async def depart(
    job_id: JobId, body: Movement, session: SessionDep, settings: SettingsDep,
    principal: FieldStaff,
) -> JSONResponse:
    return await _act(session, settings, principal, job_id, Action.DEPART, body)


@router.post("/jobs/{job_id}/arrive", response_model=JobPublic, responses=ANSWERS,
             summary="Arrive on site (the on-site clock is met at occurred_at)")
async def arrive(
    job_id: JobId, body: Movement, session: SessionDep, settings: SettingsDep,
    principal: FieldStaff,
) -> JSONResponse:
    return await _act(session, settings, principal, job_id, Action.ARRIVE, body)


@router.post("/jobs/{job_id}/complete", response_model=JobPublic, responses=ANSWERS,
             summary="Complete the job with the repair report (cause, actions, parts used)")
async def complete(
    job_id: JobId, body: Completion, session: SessionDep, settings: SettingsDep,
    principal: FieldStaff,
) -> JSONResponse:
    return await _act(session, settings, principal, job_id, Action.COMPLETE, body)
