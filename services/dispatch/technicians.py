"""Technicians: registration, live status and position, and the planned queue."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.dispatch.config import DispatchSettings
from services.dispatch.domain.status import OPEN_STATUSES
from services.dispatch.models import DispatchJob, DispatchTechnician
from services.dispatch.plan_state import windows_of
from services.dispatch.schemas import (
    PlannedVisit,
    ShiftWindow,
    StatusReport,
    TechnicianBody,
    TechnicianSchedule,
)
from shared.auth import Principal
from shared.errors import Problem
from shared.events import utcnow


async def register(
    session: AsyncSession, technician_id: str, body: TechnicianBody
) -> DispatchTechnician:
    """Create or replace the technician's record (live status and position are kept)."""
    fields = body.model_dump(exclude={"shift"}) | {"shift": body.shift.stored()}
    technician = await session.get(DispatchTechnician, technician_id)
    if technician is None:
        technician = DispatchTechnician(id=technician_id, **fields)
        session.add(technician)
    else:
        for key, value in fields.items():
            setattr(technician, key, value)
        technician.updated_at = utcnow()
    return technician


def check_occurred_at(occurred_at: datetime, settings: DispatchSettings) -> None:
    """An app's time may run a little ahead of ours (clock skew), not further: 422."""
    if occurred_at > utcnow() + timedelta(minutes=settings.clock_skew_minutes):
        detail = f"occurred_at is in the future (more than {settings.clock_skew_minutes:g} min)."
        raise Problem(422, "Invalid request", detail,
                      errors=[{"field": "occurred_at", "message": detail}])


def check_self(principal: Principal, technician_id: str) -> None:
    """A technician acts only for themself; dispatchers (and admins) for anyone."""
    if principal.role == "technician" and principal.technician_id != technician_id:
        raise Problem(403, "Forbidden", "A technician may only see or act for themself.")


async def technician_or_404(session: AsyncSession, technician_id: str) -> DispatchTechnician:
    technician = await session.get(DispatchTechnician, technician_id)
    if technician is None:
        raise Problem(404, "Not found", "No such technician.")
    return technician


def note_position(
    technician: DispatchTechnician, lat: float, lon: float, at: datetime
) -> None:
    """Keep the newest known position (reports from an offline phone may arrive late)."""
    if technician.position_at is None or at >= technician.position_at:
        technician.position_lat, technician.position_lon, technician.position_at = lat, lon, at
        technician.updated_at = utcnow()


async def report_status(
    session: AsyncSession,
    settings: DispatchSettings,
    technician_id: str,
    report: StatusReport,
) -> DispatchTechnician:
    """Live status (and position) as of `occurred_at`; an older report than the last is ignored."""
    check_occurred_at(report.occurred_at, settings)
    technician = await technician_or_404(session, technician_id)
    if report.lat is not None and report.lon is not None:
        note_position(technician, report.lat, report.lon, report.occurred_at)
    if technician.status_at is None or report.occurred_at >= technician.status_at:
        technician.status, technician.status_at = report.status, report.occurred_at
        technician.updated_at = utcnow()
    return technician


async def schedule(
    session: AsyncSession, settings: DispatchSettings, technician_id: str
) -> TechnicianSchedule:
    """The technician's open jobs in queue order with their planned times, and their windows."""
    technician = await technician_or_404(session, technician_id)
    now = utcnow()
    windows = windows_of(technician, now, timedelta(hours=settings.planning_horizon_hours))
    jobs = (
        await session.scalars(
            select(DispatchJob)
            .where(
                col(DispatchJob.technician_id) == technician_id,
                col(DispatchJob.status).in_([s.value for s in OPEN_STATUSES]),
            )
            .order_by(col(DispatchJob.queue_position), col(DispatchJob.seq))
        )
    ).all()
    return TechnicianSchedule(
        technician_id=technician_id,
        status=technician.status,
        windows=[ShiftWindow(start=start, end=end) for start, end in windows],
        queue=[_visit(job) for job in jobs],
    )


def _visit(job: DispatchJob) -> PlannedVisit:
    return PlannedVisit(
        job_id=job.id, fault_id=job.fault_id, fault_number=job.fault_number, status=job.status,
        queue_position=job.queue_position, site_code=job.site_code, lat=job.lat, lon=job.lon,
        arrive=job.eta, start=job.planned_start, end=job.planned_end,
        travel_minutes=None if job.travel_seconds is None else round(job.travel_seconds / 60, 1),
        onsite_due=job.onsite_due,
        meets_onsite_due=None if job.eta is None else job.eta <= job.onsite_due,
    )
