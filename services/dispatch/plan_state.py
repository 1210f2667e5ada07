"""The plan as the database holds it: loaded into the scheduler's model for one decision, and
every difference the decision made written back (technician, queue position, timing)."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.dispatch.config import DispatchSettings
from services.dispatch.domain.calendar import Calendar, CalendarError, availability, parse_calendar
from services.dispatch.domain.skills import JobKind, certified_skills
from services.dispatch.domain.status import OPEN_STATUSES, PINNED_STATUSES, STARTED_STATUSES
from services.dispatch.models import DispatchJob, DispatchTechnician
from services.dispatch.scheduling import Job, Plan, Technician, Window
from services.dispatch.visits import service_time, stored_visit

log = logging.getLogger(__name__)


@dataclass
class Snapshot:
    """A plan built from the database at `now`, with the rows it came from."""

    now: datetime
    plan: Plan
    rows: dict[str, DispatchJob]
    technicians: dict[str, DispatchTechnician]
    # Where each technician starts from (last known position, else the home station).
    origins: dict[str, tuple[float, float]] = field(default_factory=dict)


def calendar_of(row: DispatchTechnician) -> Calendar:
    """The technician's calendar; one stored before calendars were checked and unreadable now
    counts as always available (as every technician was then)."""
    try:
        return parse_calendar(row.shift)
    except CalendarError as exc:
        log.warning("technician %s: unreadable shift calendar (%s): always available", row.id, exc)
        return Calendar()


def windows_of(
    row: DispatchTechnician, now: datetime, horizon: timedelta
) -> tuple[Window, ...]:
    off_duty_since = (row.status_at or now) if row.status == "off_duty" else None
    return availability(calendar_of(row), now, horizon, off_duty_since)


def origin(
    row: DispatchTechnician, now: datetime, settings: DispatchSettings
) -> tuple[float, float]:
    fresh = timedelta(hours=settings.position_max_age_hours)
    if (
        row.position_lat is not None
        and row.position_lon is not None
        and row.position_at is not None
        and now - row.position_at <= fresh
    ):
        return row.position_lat, row.position_lon
    return row.lat, row.lon


def pinned(row: DispatchJob) -> bool:
    """Accepted or started, or sent there by a dispatcher: the planner never moves it."""
    return row.technician_id is not None and (
        row.status in PINNED_STATUSES or row.assigned_by == "dispatcher"
    )


def as_job(row: DispatchJob, settings: DispatchSettings) -> Job:
    return Job(
        id=row.id,
        lat=row.lat,
        lon=row.lon,
        severity=row.severity,
        skill=row.required_skill,
        reported_at=row.reported_at,
        onsite_due=row.onsite_due,
        # Returning a vehicle to the factory needs no parts on site.
        parts_ready_at=None if row.kind == JobKind.FACTORY_RETURN else row.parts_ready_at,
        region=row.depot_id,
        service_time=service_time(row.kind, settings),
        pinned_to=row.technician_id if pinned(row) else None,
        started=row.status in STARTED_STATUSES,
        declined_by=frozenset(row.declined_by),
    )


async def active_technicians(session: AsyncSession) -> list[DispatchTechnician]:
    query = select(DispatchTechnician).where(col(DispatchTechnician.active).is_(True))
    return list((await session.scalars(query)).all())


def could_take(technician: DispatchTechnician, job: DispatchJob) -> bool:
    """Certified for the job's skill and not among those who declined it (shifts aside)."""
    return technician.id not in job.declined_by and job.required_skill in certified_skills(
        technician.skills, technician.certifications
    )


async def load(
    session: AsyncSession,
    settings: DispatchSettings,
    now: datetime,
    leave_out: str | None = None,
    technician_rows: Sequence[DispatchTechnician] | None = None,
    only: str | None = None,
) -> Snapshot:
    """Active technicians with their windows, and their open jobs in queue order (started first).

    `leave_out` is a job about to be (re-)placed: it is not in anyone's queue. Jobs held by an
    inactive technician stay out of the plan as they are. `technician_rows`: the active
    technicians, when the caller already has them. `only`: one technician's queue alone, for
    a change that cannot leave it (their accepted or started job re-timed or done).
    """
    horizon = timedelta(hours=settings.planning_horizon_hours)
    if technician_rows is None:
        technician_rows = await active_technicians(session)
    if only is not None:
        technician_rows = [row for row in technician_rows if row.id == only]
    snapshot = Snapshot(now, Plan(technicians={}), {}, {t.id: t for t in technician_rows})
    for row in technician_rows:
        snapshot.origins[row.id] = origin(row, now, settings)
        lat, lon = snapshot.origins[row.id]
        snapshot.plan.technicians[row.id] = Technician(
            id=row.id, lat=lat, lon=lon,
            qualified=certified_skills(row.skills, row.certifications),
            regions=frozenset(row.regions),
            shifts=windows_of(row, now, horizon),
        )
    job_rows = (
        await session.scalars(
            select(DispatchJob)
            .where(
                col(DispatchJob.status).in_([s.value for s in OPEN_STATUSES]),
                col(DispatchJob.technician_id).in_(list(snapshot.technicians)),
            )
            .order_by(col(DispatchJob.seq))
            .with_for_update()
        )
    ).all()
    queued = sorted(
        (row for row in job_rows if row.id != leave_out),
        key=lambda r: (r.status not in STARTED_STATUSES, r.queue_position is None,
                       r.queue_position or 0, r.seq or 0),
    )
    for job in queued:
        assert job.technician_id is not None
        snapshot.rows[job.id] = job
        snapshot.plan.jobs[job.id] = as_job(job, settings)
        snapshot.plan.routes.setdefault(job.technician_id, []).append(job.id)
        visit = stored_visit(job)
        if visit is not None:
            snapshot.plan.visits[job.id] = visit
    return snapshot
