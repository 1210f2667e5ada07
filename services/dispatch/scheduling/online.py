"""The online decisions: place a new job, take one out, follow a job's changed data.

`place` is SLA-aware cheapest insertion: every qualified technician, every position after their
started jobs, the lexicographically cheapest change of the plan's cost (lateness first, then
travel; see timing). When even the cheapest insertion makes something late (an urgent fault in a
busy area), it tries to make room: take one unstarted, unpinned job out of a nearby queue, put the
new job there and the displaced job wherever it costs least, and keeps that if the plan as a whole
is better. Jobs that time has pushed out of every window are re-placed the same way.
"""

from datetime import datetime

from .model import Decision, Job, Plan, TravelModel, Visit
from .planner import Insertion, Planner, qualifies
from .queue import by_proximity
from .timing import Cost, point

# How many nearby technicians' queues the make-room step looks into, how many of each queue's
# jobs it tries to displace (those with the most slack: the latest due), and how many
# technicians nearest to a displaced job it considers for that job. Each try re-times about a
# dozen queues: unbounded, a busy plan (30 engineers with 25 jobs queued each) took seconds
# per decision and starved the engineers' own app actions of the plan lock (docs/reliability.md).
ROOM_QUEUES = 6
ROOM_PER_QUEUE = 4
ROOM_TARGETS = 12


def place(plan: Plan, job: Job, now: datetime, travel: TravelModel) -> Decision:
    """Plan one new (or re-released) job; may move other unstarted, unpinned jobs."""
    planner = Planner(plan, now, travel)
    plan.jobs[job.id] = job
    touched = _detach(planner, job.id)
    touched += put(planner, job)
    changed = planner.write(touched)
    changed.update(replace_evicted(planner))
    visit = plan.visits.get(job.id)
    moved = {job_id: v for job_id, v in changed.items() if job_id != job.id}
    if visit is None:
        return Decision(job.id, None, None, False, moved)
    on_time = visit.arrive <= job.onsite_due
    return Decision(job.id, visit.technician_id, visit.arrive, on_time, moved)


def remove(plan: Plan, job_id: str, now: datetime, travel: TravelModel) -> dict[str, Visit]:
    """Take a job out of the plan (withdrawn, completed, declined); re-time its queue."""
    planner = Planner(plan, now, travel)
    touched = _detach(planner, job_id)
    plan.jobs.pop(job_id, None)
    changed = planner.write(touched)
    changed.update(replace_evicted(planner))
    return changed


def update_job(plan: Plan, job: Job, now: datetime, travel: TravelModel) -> dict[str, Visit]:
    """Follow changed job data (parts ETA, accepted, started): re-time, and move the job if it
    is still free to move and another place is cheaper (ties keep it where it was: no churn)."""
    planner = Planner(plan, now, travel)
    plan.jobs[job.id] = job
    if job.id in plan.unassigned:
        plan.unassigned.remove(job.id)
    holder = planner.take_out(job.id)
    stay = None
    if holder is not None and qualifies(plan.technicians[holder], job):
        stay = planner.insertion_into(holder, job)
    touched = [holder] if holder is not None else []
    touched += put(planner, job, stay, holder)
    changed = planner.write(touched)
    changed.update(replace_evicted(planner))
    return changed


def _detach(planner: Planner, job_id: str) -> list[str]:
    plan = planner.plan
    if job_id in plan.unassigned:
        plan.unassigned.remove(job_id)
    plan.visits.pop(job_id, None)
    holder = planner.take_out(job_id)
    return [holder] if holder is not None else []


def put(
    planner: Planner, job: Job, stay: Insertion | None = None, holder: str | None = None
) -> list[str]:
    """Insert the job at its best place (or `stay`, unless strictly worse); unassigned if none.

    A started job goes back to the head of its driver's queue (`pinned_to`, else `holder`)."""
    plan = planner.plan
    driver = job.pinned_to or holder
    if job.started and driver is not None:
        # On the way already: it goes behind any other started job, whatever that costs; jobs
        # it pushes out of their windows are re-placed when the queue is written.
        best: Insertion | None = Insertion((0, 0), driver, planner.settle(driver).frozen)
    else:
        best = planner.best_insertion(job)
        if stay is not None and (best is None or not best.delta < stay.delta):
            best = stay
        if best is not None and best.delta[0] > 0:
            return _make_room(planner, job, best)
    if best is None:
        plan.unassigned.append(job.id)
        plan.visits.pop(job.id, None)
        return []
    planner.insert(job, best)
    return [best.technician_id]


def _make_room(planner: Planner, job: Job, best: Insertion) -> list[str]:
    """Insert a job whose cheapest place makes something late, displacing one queued job if that
    lowers the plan's cost."""
    plan = planner.plan
    nearby = nearest(planner, point(job), planner.candidates(job), ROOM_QUEUES)
    chosen: tuple[Cost, str, Insertion, Insertion] | None = None
    for technician_id in nearby:
        before = planner.cost(technician_id)
        if before is None:
            continue
        route = plan.routes.setdefault(technician_id, [])
        for other in _displaceable(plan, route):
            saved = list(route)
            planner.take_out(other.id)
            option = planner.insertion_into(technician_id, job)
            if option is not None:
                planner.insert(job, option)
                after = planner.cost(technician_id)
                # Placing the displaced job anywhere adds no less than zero lateness: a try
                # already worse on this queue alone is not worth finding it a place.
                if after is None or not _may_beat(after[0] - before[0], best, chosen):
                    route[:] = saved
                    planner.forget(technician_id)
                    continue
                targets = nearest(planner, point(other), planner.candidates(other), ROOM_TARGETS)
                moved = planner.best_insertion(other, targets)
                if moved is not None:
                    total = (
                        after[0] - before[0] + moved.delta[0],
                        after[1] - before[1] + moved.delta[1],
                    )
                    if total < best.delta and (chosen is None or total < chosen[0]):
                        chosen = (total, other.id, option, moved)
            route[:] = saved
            planner.forget(technician_id)
    if chosen is None:
        planner.insert(job, best)
        return [best.technician_id]
    _, other_id, option, moved = chosen
    planner.take_out(other_id)
    planner.insert(job, option)
    planner.insert(plan.jobs[other_id], moved)
    return [option.technician_id, moved.technician_id]


def _may_beat(
    lateness: int, best: Insertion, chosen: tuple[Cost, str, Insertion, Insertion] | None
) -> bool:
    bound = best.delta[0] if chosen is None else min(best.delta[0], chosen[0][0])
    return lateness <= bound


def _displaceable(plan: Plan, route: list[str]) -> list[Job]:
    """The queue's unstarted, unpinned jobs with the most slack (latest due first)."""
    movable = [plan.jobs[job_id] for job_id in route]
    movable = [job for job in movable if not job.started and job.pinned_to is None]
    movable.sort(key=lambda job: (job.onsite_due, job.id), reverse=True)
    return movable[:ROOM_PER_QUEUE]


def nearest(planner: Planner, here: tuple[float, float], among: list[str], count: int) -> list[str]:
    """The `count` technicians whose position or queued jobs are closest to `here`."""
    return by_proximity(planner.plan, here, among)[:count]


def replace_evicted(planner: Planner) -> dict[str, Visit]:
    """Re-place jobs that time pushed out of their technician's windows."""
    changed: dict[str, Visit] = {}
    while planner.evicted:
        job = planner.plan.jobs[planner.evicted.pop()]
        changed.update(planner.write(put(planner, job)))
    changed.update(planner.write(planner.reshaped))
    return changed

