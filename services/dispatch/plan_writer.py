"""Writing a planning decision back: every job whose technician, place or timing changed, and
what is announced.

`dispatch.assigned` when a job's technician changed or its ETA moved by at least
`eta_notice_minutes` (smaller shifts are not even written, so the app's ETag stays);
`sla.at_risk` (`SlaAtRiskUnassigned`) when a job is left with nobody. A late ETA is announced by
intake from `dispatch.assigned`, not twice.
"""

import dataclasses
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.config import DispatchSettings
from services.dispatch.domain.status import JobStatus
from services.dispatch.models import DispatchJob
from services.dispatch.plan_state import Snapshot, pinned
from services.dispatch.scheduling import Plan, Visit, validate
from shared.events import DispatchAssigned, EventType, SlaAtRiskUnassigned
from shared.geo import haversine_km
from shared.outbox import add_event, new_event

log = logging.getLogger(__name__)


def _check(plan: Plan, technician_ids: set[str]) -> None:
    """Log any hard-rule violation in the queues a decision re-timed (a scheduler bug; the
    others keep visits timed at earlier decisions, which `validate` would flag as stale)."""
    touched = Plan(
        technicians={t: plan.technicians[t] for t in technician_ids},
        jobs={j: plan.jobs[j] for t in technician_ids for j in plan.routes.get(t, [])},
        routes={t: plan.routes.get(t, []) for t in technician_ids},
        visits=plan.visits,
    )
    problems = validate(touched)
    if problems:
        log.warning("plan has %d problem(s), e.g. %s", len(problems), "; ".join(problems[:3]))


@dataclasses.dataclass(frozen=True)
class Placement:
    """The job a decision placed: new (its first outcome is announced even if nobody can take
    it), and whether a dispatcher chose the technician."""

    row: DispatchJob
    fresh: bool
    by_dispatcher: bool


def write_back(
    session: AsyncSession,
    settings: DispatchSettings,
    snapshot: Snapshot,
    correlation_id: str | None,
    changed: Mapping[str, Visit],
    placement: Placement | None = None,
) -> None:
    """Apply the plan after a decision to its rows (`changed`: the visits it re-timed)."""
    _check(snapshot.plan, {visit.technician_id for visit in changed.values()})
    positions = {
        job_id: (technician_id, index)
        for technician_id, route in snapshot.plan.routes.items()
        for index, job_id in enumerate(route)
    }
    for job_id, row in snapshot.rows.items():
        mine = placement if placement is not None and row is placement.row else None
        if job_id in positions:
            technician_id, index = positions[job_id]
            _plan(session, settings, snapshot, row, technician_id, index,
                  bool(mine and mine.by_dispatcher), correlation_id)
        elif mine is not None or not pinned(row):
            unassign(session, settings, snapshot.now, row, bool(mine and mine.fresh),
                      correlation_id)
        else:
            log.warning("job %s no longer fits %s's shifts; kept (accepted or dispatcher's)",
                        job_id, row.technician_id)


def _plan(
    session: AsyncSession,
    settings: DispatchSettings,
    snapshot: Snapshot,
    row: DispatchJob,
    technician_id: str,
    index: int,
    by_dispatcher: bool,
    correlation_id: str | None,
) -> None:
    visit = snapshot.plan.visits[row.id]
    handed_over = row.technician_id != technician_id or row.status == JobStatus.UNASSIGNED
    moved = row.eta is None or abs(visit.arrive - row.eta) >= timedelta(
        minutes=settings.eta_notice_minutes
    )
    if not (handed_over or moved or row.queue_position != index):
        return  # unchanged: no write, so the app's ETag stays the same
    row.queue_position = index
    row.updated_at = snapshot.now
    if not (handed_over or moved):
        return
    if handed_over:
        row.technician_id = technician_id
        row.status = JobStatus.ASSIGNED.value
        row.assigned_by = "dispatcher" if by_dispatcher else "planner"
        row.assigned_at = snapshot.now
        row.accepted_at = row.departed_at = None
    row.eta, row.planned_start, row.planned_end = visit.arrive, visit.start, visit.end
    row.travel_seconds = int(visit.travel.total_seconds())
    if row.status == JobStatus.ON_SITE:
        return  # the engineer is there: the journey's distance stands, nobody awaits an ETA
    route = snapshot.plan.routes[technician_id]
    previous = snapshot.plan.jobs[route[index - 1]] if index else None
    here = (previous.lat, previous.lon) if previous else snapshot.origins[technician_id]
    row.distance_km = round(haversine_km(*here, row.lat, row.lon), 1)
    data = DispatchAssigned(
        fault_id=row.fault_id, job_id=row.id, technician_id=technician_id,
        technician_name=snapshot.technicians[technician_id].name,
        eta=visit.arrive, distance_km=row.distance_km,
    )
    add_event(session, new_event(settings, EventType.DISPATCH_ASSIGNED, subject=row.fault_id,
                                 data=data.model_dump(mode="json"), correlation_id=correlation_id))


def unassign(
    session: AsyncSession,
    settings: DispatchSettings,
    now: datetime,
    row: DispatchJob,
    fresh: bool,
    correlation_id: str | None,
) -> None:
    """Nobody can take the job: it waits for a retry or a dispatcher, and the SLA is at risk
    (announced when the job becomes unassigned, not again on every retry)."""
    if row.status == JobStatus.UNASSIGNED and not fresh:
        return
    log.info("job %s (fault %s) unassigned: no certified technician available", row.id,
             row.fault_id)
    row.status = JobStatus.UNASSIGNED.value
    row.technician_id = None
    row.assigned_by = "planner"
    row.queue_position = row.travel_seconds = None
    row.eta = row.planned_start = row.planned_end = row.distance_km = None
    row.assigned_at = row.accepted_at = row.departed_at = None
    row.updated_at = now
    data = SlaAtRiskUnassigned(fault_id=row.fault_id, job_id=row.id, due=row.onsite_due)
    add_event(session, new_event(settings, EventType.SLA_AT_RISK, subject=row.fault_id,
                                 data=data.model_dump(mode="json"), correlation_id=correlation_id))
