"""Dispatch's own Prometheus metrics (docs/metrics.md): jobs, technicians, decisions."""

from prometheus_client import Counter, Gauge, Histogram
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.dispatch.domain.status import OPEN_STATUSES, JobStatus
from services.dispatch.models import TECHNICIAN_STATUSES, DispatchJob, DispatchTechnician

SERVICE = "dispatch"
# Jobs still to be done, whether or not someone has them in their queue.
WATCHED_JOB_STATUSES = (JobStatus.UNASSIGNED.value, *(s.value for s in OPEN_STATUSES))

ESCALATIONS = Counter(
    "fleetcare_dispatch_escalations_total",
    "Offers not accepted within the accept timeout and given to someone else. A watch round "
    "that failed to commit and ran again may count an offer twice.",
    ["service"],
)
DECISION_SECONDS = Histogram(
    "fleetcare_dispatch_decision_seconds",
    "Time to plan one job: load the plan, decide, write the differences back.",
    ["service"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
JOBS = Gauge(
    "fleetcare_dispatch_jobs",
    "Open jobs by status (unassigned, assigned, accepted, en_route, on_site) at the last "
    "refresh.",
    ["service", "status"],
)
TECHNICIANS = Gauge(
    "fleetcare_dispatch_technicians",
    "Active technicians by live status (available, busy, off_duty) at the last refresh.",
    ["service", "status"],
)
# Series from the start, not from the first escalation or decision.
ESCALATIONS.labels(SERVICE)
DECISION_SECONDS.labels(SERVICE)


async def refresh_job_gauge(session: AsyncSession) -> None:
    """Recount open jobs by status; a status without jobs shows 0 (run by the refresh loop)."""
    rows = await session.execute(
        select(col(DispatchJob.status), func.count())
        .where(col(DispatchJob.status).in_(WATCHED_JOB_STATUSES))
        .group_by(col(DispatchJob.status))
    )
    counts: dict[str, int] = {status: count for status, count in rows.tuples()}
    for status in WATCHED_JOB_STATUSES:
        JOBS.labels(SERVICE, status).set(counts.get(status, 0))


async def refresh_technician_gauge(session: AsyncSession) -> None:
    """Recount active technicians by live status, 0 for a status nobody is in."""
    rows = await session.execute(
        select(col(DispatchTechnician.status), func.count())
        .where(col(DispatchTechnician.active).is_(True))
        .group_by(col(DispatchTechnician.status))
    )
    counts: dict[str, int] = {status: count for status, count in rows.tuples()}
    for status in TECHNICIAN_STATUSES:
        TECHNICIANS.labels(SERVICE, status).set(counts.get(status, 0))
