"""Planning decisions on the database's plan: place a job, follow a changed one, take one out.

Each loads the plan (under a lock), lets the scheduler decide, and writes every difference back
with its announcements (see plan_writer).
"""

import dataclasses
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.dispatch.config import DispatchSettings
from services.dispatch.metrics import DECISION_SECONDS, SERVICE
from services.dispatch.models import DispatchJob
from services.dispatch.plan_locks import lock_plan
from services.dispatch.plan_state import (
    Snapshot,
    active_technicians,
    as_job,
    could_take,
    load,
    pinned,
)
from services.dispatch.plan_writer import Placement, unassign, write_back
from services.dispatch.scheduling import (
    Decision,
    GreatCircleTravel,
    Visit,
    place,
    remove,
    reoptimise,
    update_job,
)
from shared.events import utcnow

# session.info key: the plan as the last new job's placement left it, in this transaction.
SNAPSHOT = "dispatch.plan_snapshot"


def travel_model(settings: DispatchSettings) -> GreatCircleTravel:
    return GreatCircleTravel(
        speed_kmh=settings.travel_speed_kmh,
        mobilisation=timedelta(minutes=settings.mobilisation_minutes),
    )


async def place_job(
    session: AsyncSession,
    settings: DispatchSettings,
    row: DispatchJob,
    correlation_id: str | None,
    *,
    fresh: bool = False,
    pin_to: str | None = None,
) -> Decision:
    """(Re-)place a job from scratch: a `fresh` one, a declined or lapsed one, an unassigned one,
    or (`pin_to`) one a dispatcher sends to a given technician. The caller commits."""
    with DECISION_SECONDS.labels(SERVICE).time():
        now = utcnow()
        # New jobs placed one after another in one transaction (a batch of reports) share the
        # snapshot: the plan lock is held throughout, and each decision updated it in memory.
        kept: Snapshot | None = session.info.pop(SNAPSHOT, None) if fresh and not pin_to else None
        session.info.pop(SNAPSHOT, None)
        technicians = (list(kept.technicians.values()) if kept
                       else await active_technicians(session))
        if row.technician_id is None and not any(could_take(t, row) for t in technicians):
            # Nobody certified (a flood of faults for a skill nobody holds): no plan to load.
            unassign(session, settings, now, row, fresh, correlation_id)
            return Decision(row.id, None, None, False)
        await lock_plan(session)
        if kept is not None:
            snapshot = dataclasses.replace(kept, now=now)
        else:
            snapshot = await load(session, settings, now, leave_out=row.id,
                                  technician_rows=technicians)
        snapshot.rows[row.id] = row
        job = dataclasses.replace(as_job(row, settings), started=False, pinned_to=pin_to)
        decision = place(snapshot.plan, job, now, travel_model(settings))
        changed = dict(decision.moved)
        if row.id in snapshot.plan.visits:
            changed[row.id] = snapshot.plan.visits[row.id]
        write_back(session, settings, snapshot, correlation_id, changed,
                    Placement(row, fresh, bool(pin_to)))
        if fresh and not pin_to:
            session.info[SNAPSHOT] = snapshot
        return decision


async def follow_job(
    session: AsyncSession,
    settings: DispatchSettings,
    row: DispatchJob,
    correlation_id: str | None,
    visit: Visit | None = None,
    *,
    queue_locked: bool = False,
) -> None:
    """Re-time (and possibly move) a planned job whose data changed: parts ETA, accepted,
    started (`visit`: the journey or stay as it really is). Unplanned jobs are left alone.

    A pinned job (accepted, started, a dispatcher's choice) cannot move: only its technician's
    queue is loaded and re-timed, so an engineer's app action costs one queue, not the plan
    (`queue_locked`: the caller holds that queue's lock, `lock_queue`, not the plan's)."""
    now = utcnow()
    session.info.pop(SNAPSHOT, None)  # this decision changes the plan behind a kept snapshot
    only = row.technician_id if pinned(row) else None
    await _lock(session, only, queue_locked)
    snapshot = await load(session, settings, now, only=only)
    if row.id not in snapshot.rows:
        return
    if visit is not None:
        snapshot.plan.visits[row.id] = visit
    changed = update_job(snapshot.plan, as_job(row, settings), now, travel_model(settings))
    write_back(session, settings, snapshot, correlation_id, changed)


async def take_out(
    session: AsyncSession,
    settings: DispatchSettings,
    row: DispatchJob,
    correlation_id: str | None,
    *,
    queue_locked: bool = False,
) -> None:
    """The job is over (completed, withdrawn): the rest of its technician's queue moves up
    (only that queue is loaded: nothing else changes; `queue_locked` as for follow_job)."""
    now = utcnow()
    session.info.pop(SNAPSHOT, None)
    await _lock(session, row.technician_id, queue_locked)
    snapshot = await load(session, settings, now, only=row.technician_id)
    if row.id not in snapshot.rows:
        return
    del snapshot.rows[row.id]
    changed = remove(snapshot.plan, row.id, now, travel_model(settings))
    write_back(session, settings, snapshot, correlation_id, changed)


async def _lock(session: AsyncSession, only: str | None, queue_locked: bool) -> None:
    if not queue_locked:
        await lock_plan(session)
    elif only is None:
        # A job that may move needs the whole plan, which a queue's holder cannot ask for.
        raise RuntimeError("a change beyond one technician's queue under a queue lock")


async def improve_plan(
    session: AsyncSession, settings: DispatchSettings, now: datetime | None = None
) -> int:
    """Re-optimise the unstarted jobs of the whole plan within `reoptimise_budget_ms` (later
    faults make earlier choices poor; technicians' shifts, skills or positions changed);
    accepted and started jobs stay with their engineers. Returns how many jobs moved or were
    re-timed. The caller commits."""
    now = now or utcnow()
    session.info.pop(SNAPSHOT, None)
    await lock_plan(session)
    snapshot = await load(session, settings, now)
    if not snapshot.plan.jobs:
        return 0
    budget = timedelta(milliseconds=settings.reoptimise_budget_ms)
    changed = reoptimise(snapshot.plan, now, travel_model(settings), budget)
    write_back(session, settings, snapshot, None, changed)
    return len(changed)
