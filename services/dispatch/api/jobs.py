"""Jobs as dispatchers see them, and the one a technician may look at: their own."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlmodel import col

from services.dispatch.api.deps import Crew, Dispatcher, JobId, SettingsDep
from services.dispatch.domain.status import JobStatus
from services.dispatch.jobs import reassign
from services.dispatch.models import DispatchJob
from services.dispatch.schemas import JobPublic, Reassignment
from shared.app import SessionDep
from shared.errors import Problem
from shared.pagination import Cursor, Limit, Page, keyset_page

router = APIRouter()


@router.get("/jobs", summary="Jobs, oldest first, filtered and paginated")
async def list_jobs(
    session: SessionDep,
    _: Dispatcher,
    status: JobStatus | None = None,
    fault_id: Annotated[str | None, Query(max_length=36)] = None,
    technician_id: Annotated[str | None, Query(max_length=40)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[JobPublic]:
    query = select(DispatchJob)
    if status:
        query = query.where(col(DispatchJob.status) == status)
    if fault_id:
        query = query.where(col(DispatchJob.fault_id) == fault_id)
    if technician_id:
        query = query.where(col(DispatchJob.technician_id) == technician_id)
    page, next_cursor = await keyset_page(session, query, col(DispatchJob.seq), limit, cursor)
    return Page[JobPublic](
        items=[JobPublic.model_validate(j, from_attributes=True) for j in page],
        next_cursor=next_cursor,
    )


@router.get("/jobs/{job_id}", summary="A job (a technician sees only their own)")
async def get_job(job_id: JobId, session: SessionDep, principal: Crew) -> JobPublic:
    job = (await session.scalars(select(DispatchJob).where(col(DispatchJob.id) == job_id))).first()
    # A technician must not learn that someone else's job exists: 404, not 403.
    if job is None or (
        principal.role == "technician" and job.technician_id != principal.technician_id
    ):
        raise Problem(404, "Not found", "No such job.")
    return JobPublic.model_validate(job, from_attributes=True)


@router.post(
    "/jobs/{job_id}/reassign",
    summary="Send a given technician (certified, on shift or on call within 24 h)",
)
async def reassign_job(
    job_id: JobId, body: Reassignment, session: SessionDep, settings: SettingsDep,
    principal: Dispatcher,
) -> JobPublic:
    job = await reassign(session, settings, job_id, body.technician_id, principal)
    await session.commit()
    return JobPublic.model_validate(job, from_attributes=True)
