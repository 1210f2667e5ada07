"""Dispatch HTTP routes: thin — parse, authorise, call the use case, commit, return."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import Select, select
from sqlmodel import col

from services.dispatch.config import DispatchSettings
from services.dispatch.domain import JobStatus
from services.dispatch.jobs import reassign
from services.dispatch.models import (
    DispatchJob,
    DispatchTechnician,
    JobPublic,
    Reassignment,
    TechnicianBody,
    TechnicianPublic,
)
from shared.app import SessionDep, settings_dependency
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.events import utcnow
from shared.pagination import Cursor, Limit, Page, keyset_page

router = APIRouter(prefix="/v1", tags=["dispatch"])

TechnicianId = Annotated[str, Path(min_length=1, max_length=40)]
JobId = Annotated[str, Path(min_length=1, max_length=36)]
Dispatcher = Annotated[Principal, Depends(require_role("dispatcher"))]
FieldStaff = Annotated[Principal, Depends(require_role("technician"))]
JobReaders = Annotated[Principal, Depends(require_role("dispatcher", "technician"))]


SettingsDep = Annotated[DispatchSettings, Depends(settings_dependency(DispatchSettings))]


@router.put("/technicians/{technician_id}", summary="Register or update a field engineer")
async def put_technician(
    technician_id: TechnicianId, body: TechnicianBody, session: SessionDep, _: Dispatcher
) -> TechnicianPublic:
    technician = await session.get(DispatchTechnician, technician_id)
    if technician is None:
        technician = DispatchTechnician(id=technician_id, **body.model_dump())
        session.add(technician)
    else:
        for key, value in body.model_dump().items():
            setattr(technician, key, value)
        technician.updated_at = utcnow()
    await session.commit()
    return TechnicianPublic.model_validate(technician, from_attributes=True)


@router.get("/technicians", summary="Field engineers, by id, paginated")
async def list_technicians(
    session: SessionDep, _: Dispatcher, limit: Limit = 50, cursor: Cursor = None
) -> Page[TechnicianPublic]:
    page, next_cursor = await keyset_page(
        session, select(DispatchTechnician), col(DispatchTechnician.id), limit, cursor
    )
    return Page[TechnicianPublic](
        items=[TechnicianPublic.model_validate(t, from_attributes=True) for t in page],
        next_cursor=next_cursor,
    )


async def _page_of_jobs(
    session: SessionDep, query: Select[DispatchJob], limit: int, cursor: str | None
) -> Page[JobPublic]:
    page, next_cursor = await keyset_page(session, query, col(DispatchJob.seq), limit, cursor)
    return Page[JobPublic](
        items=[JobPublic.model_validate(j, from_attributes=True) for j in page],
        next_cursor=next_cursor,
    )


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
    return await _page_of_jobs(session, query, limit, cursor)


@router.get("/me/jobs", summary="The calling technician's own jobs, paginated")
async def my_jobs(
    session: SessionDep,
    principal: FieldStaff,
    status: JobStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[JobPublic]:
    if principal.technician_id is None:
        raise Problem(403, "Forbidden", "Only a technician's token names their own jobs.")
    query = select(DispatchJob).where(col(DispatchJob.technician_id) == principal.technician_id)
    if status:
        query = query.where(col(DispatchJob.status) == status)
    return await _page_of_jobs(session, query, limit, cursor)


@router.get("/jobs/{job_id}", summary="A job (a technician sees only their own)")
async def get_job(job_id: JobId, session: SessionDep, principal: JobReaders) -> JobPublic:
    job = (await session.scalars(select(DispatchJob).where(col(DispatchJob.id) == job_id))).first()
    # A technician must not learn that someone else's job exists: 404, not 403.
    if job is None or (
        principal.role == "technician" and job.technician_id != principal.technician_id
    ):
        raise Problem(404, "Not found", "No such job.")
    return JobPublic.model_validate(job, from_attributes=True)


@router.post("/jobs/{job_id}/reassign", summary="Send another technician to the job")
async def reassign_job(
    job_id: JobId,
    body: Reassignment,
    session: SessionDep,
    settings: SettingsDep,
    _: Dispatcher,
) -> JobPublic:
    job = await reassign(session, settings, job_id, body.technician_id)
    await session.commit()
    return JobPublic.model_validate(job, from_attributes=True)
