"""Dispatch use cases: open a job for a reported fault, assign it, reassign it."""

import logging
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.dispatch import domain
from services.dispatch.cancellations import is_cancelled
from services.dispatch.config import DispatchSettings
from services.dispatch.domain import JobStatus
from services.dispatch.models import DispatchJob, DispatchTechnician
from shared.errors import Problem
from shared.events import DispatchAssigned, EventType, FaultReported, utcnow
from shared.outbox import add_event, new_event

log = logging.getLogger(__name__)


def travel_policy(settings: DispatchSettings) -> domain.TravelPolicy:
    return domain.TravelPolicy(
        speed_kmh=settings.travel_speed_kmh,
        mobilisation=timedelta(minutes=settings.mobilisation_minutes),
    )


def as_technician(row: DispatchTechnician) -> domain.Technician:
    return domain.Technician(
        id=row.id,
        name=row.name,
        lat=row.lat,
        lon=row.lon,
        skills=tuple(row.skills),
        certifications=tuple(row.certifications),
        active=row.active,
    )


def job_needs(job: DispatchJob) -> domain.JobNeeds:
    return domain.JobNeeds(
        system=job.system, lat=job.lat, lon=job.lon, onsite_due=job.onsite_due
    )


async def _active_candidates(session: AsyncSession) -> list[domain.Candidate]:
    """Active technicians with how many open jobs each already holds."""
    open_jobs = dict(
        (
            await session.execute(
                select(col(DispatchJob.technician_id), func.count())
                .where(col(DispatchJob.status).in_(domain.OPEN_STATUSES))
                .group_by(col(DispatchJob.technician_id))
            )
        ).tuples().all()
    )
    technicians = await session.scalars(
        select(DispatchTechnician).where(col(DispatchTechnician.active).is_(True))
    )
    return [
        domain.Candidate(as_technician(row), open_jobs.get(row.id, 0))
        for row in technicians.all()
    ]


def _assign(
    session: AsyncSession,
    settings: DispatchSettings,
    job: DispatchJob,
    choice: domain.Choice,
    correlation_id: str | None,
) -> None:
    """Give the job to the chosen technician and stage `dispatch.assigned`."""
    job.technician_id = choice.technician.id
    job.eta = choice.eta
    job.distance_km = choice.distance_km
    job.status = JobStatus.ASSIGNED.value
    job.updated_at = utcnow()
    data = DispatchAssigned(
        fault_id=job.fault_id,
        job_id=job.id,
        technician_id=choice.technician.id,
        technician_name=choice.technician.name,
        eta=choice.eta,
        distance_km=choice.distance_km,
    )
    add_event(
        session,
        new_event(
            settings,
            EventType.DISPATCH_ASSIGNED,
            subject=job.fault_id,
            data=data.model_dump(mode="json"),
            correlation_id=correlation_id,
        ),
    )


async def assign_for_fault(
    session: AsyncSession,
    settings: DispatchSettings,
    fault: FaultReported,
    correlation_id: str | None,
) -> DispatchJob | None:
    """Open the fault's job and send the best qualified technician; the caller commits.

    A fault that already has a job (a repeated report) gets that job back and no event.
    When nobody qualifies the job stays unassigned, for a dispatcher to handle. A fault
    already cancelled gets no job (None): nobody is sent to work nobody wants.
    """
    query = select(DispatchJob).where(col(DispatchJob.fault_id) == fault.fault_id)
    existing = (await session.scalars(query)).first()
    if existing is not None:
        return existing
    if await is_cancelled(session, fault.fault_id):
        log.info("fault %s was cancelled before its report arrived: no job", fault.fault_id)
        return None
    job = DispatchJob(
        fault_id=fault.fault_id,
        fault_number=fault.number,
        severity=fault.severity,
        system=fault.system,
        site_code=fault.location.site_code,
        lat=fault.location.lat,
        lon=fault.location.lon,
        onsite_due=fault.onsite_due,
    )
    session.add(job)
    choice = domain.choose_technician(
        job_needs(job), await _active_candidates(session), utcnow(), travel_policy(settings)
    )
    if choice is not None:
        _assign(session, settings, job, choice, correlation_id)
    await session.flush()
    return job


async def reassign(
    session: AsyncSession, settings: DispatchSettings, job_id: str, technician_id: str
) -> DispatchJob:
    """A dispatcher sends someone else; the ETA is recomputed and `dispatch.assigned` repeated.

    Only an active technician certified for the fault's system may be sent (持证上岗), and
    only to a job still to be done (a withdrawn job is 409).
    """
    job = (
        await session.scalars(
            select(DispatchJob).where(col(DispatchJob.id) == job_id).with_for_update()
        )
    ).first()
    if job is None:
        raise Problem(404, "Not found", "No such job.")
    if not domain.can_reassign(job.status):
        raise Problem(409, "Conflict", f"The job is {job.status}: nobody can be sent to it.")
    row = await session.get(DispatchTechnician, technician_id)
    if row is None:
        raise _unfit("No such technician.")
    technician = as_technician(row)
    if not domain.qualified(technician, job.system):
        raise _unfit("The technician is inactive or not certified for this system.")
    choice = domain.journey(technician, job_needs(job), utcnow(), travel_policy(settings))
    _assign(session, settings, job, choice, correlation_id=None)
    return job


def _unfit(detail: str) -> Problem:
    return Problem(
        422, "Invalid request", detail,
        errors=[{"field": "technician_id", "message": detail}],
    )
