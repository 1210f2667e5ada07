"""Technicians: registration (dispatcher), live status (the technician or a dispatcher), queue."""

from fastapi import APIRouter
from sqlalchemy import select
from sqlmodel import col

from services.dispatch import technicians
from services.dispatch.api.deps import Crew, Dispatcher, SettingsDep, TechnicianId
from services.dispatch.models import DispatchTechnician
from services.dispatch.schemas import (
    StatusReport,
    TechnicianBody,
    TechnicianPublic,
    TechnicianSchedule,
)
from shared.app import SessionDep
from shared.pagination import Cursor, Limit, Page, keyset_page

router = APIRouter()


def _public(technician: DispatchTechnician) -> TechnicianPublic:
    return TechnicianPublic.model_validate(technician, from_attributes=True)


@router.put("/technicians/{technician_id}", summary="Register or update a field engineer")
async def put_technician(
    technician_id: TechnicianId, body: TechnicianBody, session: SessionDep, _: Dispatcher
) -> TechnicianPublic:
    technician = await technicians.register(session, technician_id, body)
    await session.commit()
    return _public(technician)


@router.get("/technicians", summary="Field engineers, by id, paginated")
async def list_technicians(
    session: SessionDep, _: Dispatcher, limit: Limit = 50, cursor: Cursor = None
) -> Page[TechnicianPublic]:
    page, next_cursor = await keyset_page(
        session, select(DispatchTechnician), col(DispatchTechnician.id), limit, cursor
    )
    return Page[TechnicianPublic](items=[_public(t) for t in page], next_cursor=next_cursor)


@router.get("/technicians/{technician_id}", summary="A field engineer")
async def get_technician(
    technician_id: TechnicianId, session: SessionDep, principal: Crew
) -> TechnicianPublic:
    technicians.check_self(principal, technician_id)
    return _public(await technicians.technician_or_404(session, technician_id))


@router.post(
    "/technicians/{technician_id}/status",
    summary="Report live status and position (the technician themself, or a dispatcher)",
)
async def report_status(
    technician_id: TechnicianId,
    body: StatusReport,
    session: SessionDep,
    settings: SettingsDep,
    principal: Crew,
) -> TechnicianPublic:
    technicians.check_self(principal, technician_id)
    technician = await technicians.report_status(session, settings, technician_id, body)
    await session.commit()
    return _public(technician)


@router.get(
    "/technicians/{technician_id}/schedule",
    summary="The technician's planned queue (arrive, start, end) and shift windows",
)
async def get_schedule(
    technician_id: TechnicianId, session: SessionDep, settings: SettingsDep, principal: Crew
) -> TechnicianSchedule:
    technicians.check_self(principal, technician_id)
    return await technicians.schedule(session, settings, technician_id)
