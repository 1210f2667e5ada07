"""The assignment watch: offers nobody accepted in time go to someone else, jobs left
unassigned are tried again (a technician may have come on shift or been registered), and the
plan's unstarted jobs are re-optimised (see planning.improve_plan)."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.dispatch.config import DispatchSettings
from services.dispatch.domain.skills import certified_skills
from services.dispatch.domain.status import JobStatus
from services.dispatch.metrics import ESCALATIONS, SERVICE
from services.dispatch.models import DispatchJob
from services.dispatch.plan_locks import lock_plan
from services.dispatch.plan_state import active_technicians, could_take
from services.dispatch.planning import improve_plan, place_job
from shared.db import Database, run_rounds
from shared.events import utcnow

log = logging.getLogger(__name__)
BATCH = 50
# Unassigned jobs looked at per round to find the BATCH some technician could take.
RETRY_SCAN = 200


async def _due(
    session: AsyncSession, limit: int, *where: ColumnElement[bool]
) -> list[DispatchJob]:
    await lock_plan(session)
    query = (
        select(DispatchJob)
        .where(*where)
        .order_by(col(DispatchJob.onsite_due), col(DispatchJob.seq))
        .limit(limit)
        # Two dispatch processes never escalate the same job: each takes rows the other has not.
        .with_for_update(skip_locked=True)
    )
    return list((await session.scalars(query)).all())


async def escalate_lapsed(session: AsyncSession, settings: DispatchSettings, now: datetime) -> int:
    """Re-place every assignment older than `accept_timeout_minutes` and still not accepted,
    never to the technician who let it lapse; returns how many. The caller commits."""
    cutoff = now - timedelta(minutes=settings.accept_timeout_minutes)
    lapsed = await _due(
        session,
        BATCH,
        col(DispatchJob.status) == JobStatus.ASSIGNED,
        col(DispatchJob.assigned_at) < cutoff,
    )
    for job in lapsed:
        silent = job.technician_id
        log.warning("job %s (fault %s): %s did not accept within %g min; escalating",
                    job.id, job.fault_id, silent, settings.accept_timeout_minutes)
        ESCALATIONS.labels(SERVICE).inc()
        if silent is not None:
            job.declined_by = [*job.declined_by, silent]
        await place_job(session, settings, job, None)
    return len(lapsed)


async def retry_unassigned(session: AsyncSession, settings: DispatchSettings) -> int:
    """Try again to place jobs nobody could take, most urgent first, among those some active
    technician is certified for and has not declined (the others wait for a dispatcher or a
    new engineer); returns how many found a technician."""
    technicians = await active_technicians(session)
    skills = set().union(*(certified_skills(t.skills, t.certifications) for t in technicians))
    waiting = await _due(
        session,
        RETRY_SCAN,
        col(DispatchJob.status) == JobStatus.UNASSIGNED,
        col(DispatchJob.required_skill).in_(skills),
    )
    hopeful = [job for job in waiting if any(could_take(t, job) for t in technicians)]
    placed = 0
    for job in hopeful[:BATCH]:
        decision = await place_job(session, settings, job, None)
        placed += decision.technician_id is not None
    return placed


async def watch_assignments(settings: DispatchSettings, db: Database) -> None:
    """Escalate, retry and re-optimise every `escalation_interval_seconds` until cancelled."""

    async def round_(session: AsyncSession) -> None:
        await escalate_lapsed(session, settings, utcnow())
        await retry_unassigned(session, settings)
        if settings.reoptimise_budget_ms > 0:
            await improve_plan(session, settings)

    await run_rounds(db, settings.escalation_interval_seconds, round_, "assignment watch")
