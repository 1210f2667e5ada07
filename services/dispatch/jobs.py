"""Dispatch use cases: open a fault's job, follow its parts, send someone else."""

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.dispatch.cancellations import is_cancelled
from services.dispatch.config import DispatchSettings
from services.dispatch.domain.skills import certified_skills, job_kind, required_skill
from services.dispatch.domain.status import FINAL_STATUSES, can_reassign
from services.dispatch.models import DispatchJob, DispatchPartsReady, DispatchTechnician
from services.dispatch.plan_locks import locked_job
from services.dispatch.plan_state import windows_of
from services.dispatch.planning import SNAPSHOT, follow_job, place_job
from shared import audit
from shared.auth import Principal
from shared.db import dialect_insert
from shared.errors import Problem
from shared.events import FaultReported, PartsReserved, utcnow

log = logging.getLogger(__name__)


async def open_job_for_fault(
    session: AsyncSession,
    settings: DispatchSettings,
    fault: FaultReported,
    correlation_id: str | None,
) -> DispatchJob | None:
    """Open the fault's job and plan it into the best certified technician's queue; the caller
    commits.

    A fault that already has a job (a repeated report) gets that job back and no event. A
    fault already cancelled gets no job (None): nobody is sent to work nobody wants.
    """
    # Not locked: a repeat changes nothing, and two racing deliveries collide on the unique
    # fault_id (the loser's retry finds the job).
    query = select(DispatchJob).where(col(DispatchJob.fault_id) == fault.fault_id)
    existing = (await session.scalars(query)).first()
    if existing is not None:
        return existing
    if await is_cancelled(session, fault.fault_id):
        log.info("fault %s was cancelled before its report arrived: no job", fault.fault_id)
        return None
    parts = await session.get(DispatchPartsReady, fault.fault_id)
    job = DispatchJob(
        fault_id=fault.fault_id,
        fault_number=fault.number,
        kind=job_kind(fault.severity).value,
        severity=fault.severity,
        system=fault.system,
        required_skill=required_skill(fault.system, fault.fault_code),
        depot_id=fault.depot_id,
        site_code=fault.location.site_code,
        lat=fault.location.lat,
        lon=fault.location.lon,
        reported_at=fault.reported_at,
        onsite_due=fault.onsite_due,
        parts_ready_at=parts.ready_at if parts else None,
    )
    session.add(job)
    await session.flush()
    await place_job(session, settings, job, correlation_id, fresh=True)
    return job


async def note_parts_ready(
    session: AsyncSession,
    settings: DispatchSettings,
    reserved: PartsReserved,
    correlation_id: str | None,
) -> None:
    """Parts reserved for a fault arrive at the latest line's ETA: nobody should get there
    earlier. Remembered even before the job exists; an ETA later than the planned arrival
    re-times a planned job."""
    etas = [line.eta for line in reserved.lines if line.eta is not None]
    if not etas:
        return
    ready = max(etas)
    job = await locked_job(session, fault_id=reserved.fault_id)
    known = await session.get(DispatchPartsReady, reserved.fault_id, with_for_update=True)
    if known is not None and known.ready_at >= ready:
        return
    await session.execute(
        dialect_insert(session, DispatchPartsReady)
        .values(fault_id=reserved.fault_id, ready_at=ready)
        .on_conflict_do_update(index_elements=["fault_id"], set_={"ready_at": ready})
    )
    if job is None or job.status in FINAL_STATUSES:
        return
    job.parts_ready_at = ready
    job.updated_at = utcnow()
    session.info.pop(SNAPSHOT, None)  # a kept plan would not know this job's new parts time
    if job.technician_id is None:
        # Not in anyone's queue (nobody could take it yet): nothing to re-time; when it is
        # placed, the plan reads the parts time from the row.
        return
    if job.eta is not None and ready <= job.eta:
        # The engineer gets there after the parts anyway: the plan stands and is not loaded
        # (the usual case: the reservation answers long before anyone could arrive).
        return
    await follow_job(session, settings, job, correlation_id)


def _unfit(detail: str) -> Problem:
    return Problem(
        422, "Invalid request", detail,
        errors=[{"field": "technician_id", "message": detail}],
    )


async def reassign(
    session: AsyncSession,
    settings: DispatchSettings,
    job_id: str,
    technician_id: str,
    principal: Principal,
) -> DispatchJob:
    """A dispatcher sends a given technician; `dispatch.assigned` is repeated with the new ETA.

    Only an active technician certified for the job's skill (持证上岗) who is on shift or on
    call within `reassign_within_hours` may be sent, and only until the engineer is on site
    (later, 409). The choice sticks: the planner does not move it to someone else. This is
    the only way an accepted job changes hands. The dispatcher's choice is on the audit trail.
    """
    job = await locked_job(session, job_id=job_id)
    if job is None:
        raise Problem(404, "Not found", "No such job.")
    if not can_reassign(job.status):
        raise Problem(409, "Conflict", f"The job is {job.status}: nobody can be sent to it.",
                      current_status=job.status)
    row = await session.get(DispatchTechnician, technician_id)
    if row is None:
        raise _unfit(f"No technician {technician_id}.")
    if not row.active:
        raise _unfit(f"Technician {technician_id} is inactive.")
    if job.required_skill not in certified_skills(row.skills, row.certifications):
        raise _unfit(f"Technician {technician_id} is not certified for {job.required_skill}.")
    within = timedelta(hours=settings.reassign_within_hours)
    if not windows_of(row, utcnow(), within):
        raise _unfit(f"Technician {technician_id} is neither on shift nor on call in the next "
                     f"{settings.reassign_within_hours:g} h.")
    audit.record(session, principal, "job.reassigned", job.id, {
        "fault_id": job.fault_id, "from_technician_id": job.technician_id,
        "to_technician_id": technician_id,
    })
    if job.technician_id == technician_id:
        job.assigned_by = "dispatcher"
        return job
    job.declined_by = [t for t in job.declined_by if t != technician_id]
    decision = await place_job(session, settings, job, None, pin_to=technician_id)
    if decision.technician_id != technician_id:
        raise _unfit(f"Technician {technician_id}'s calendar has no room for this job in the "
                     f"next {settings.planning_horizon_hours:g} h.")
    return job
