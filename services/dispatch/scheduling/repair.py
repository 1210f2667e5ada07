"""Ruin and recreate: the last resort of `reoptimise` for jobs that stay late.

Relocation moves one job at a time and the make-room step two; a late job in a busy area often
needs several queues to shift at once (three engineers each taking a neighbour's job so the
nearest one is free in time). This search takes a cluster of unstarted jobs around a late one
out of the plan — the jobs near it and the jobs in the queues of the engineers who could take
it — and puts them back one by one at their cheapest places, in a randomised order (most
urgent first, or shuffled). The result is kept only if the plan's lexicographic cost (lateness,
then travel) strictly drops; otherwise every queue is restored exactly.

The random source is seeded by the caller, so a run is reproducible up to where the time budget
stops it.
"""

import math
import random
import time

from .clock import job_times
from .model import Job
from .online import nearest
from .planner import Planner
from .timing import Cost

# Queues of the late job's nearest qualified engineers whose jobs may be taken out with it.
RUIN_QUEUES = 4
# Largest cluster taken out at once: bigger clusters rarely go back cheaper and cost more.
RUIN_MAX = 10
# Consecutive failed attempts after which the search gives up before its budget.
PATIENCE = 600


def ruin_and_recreate(planner: Planner, deadline: float, rng: random.Random) -> bool:
    """Repeat ruin-and-recreate around late jobs until none is left, the budget is spent or
    `PATIENCE` attempts in a row did not help. True if the plan improved."""
    improved = False
    failures = 0
    while failures < PATIENCE and time.perf_counter() < deadline:
        late = late_jobs(planner)
        if not late:
            break
        if attempt(planner, rng.choice(late), rng):
            improved = True
            failures = 0
        else:
            failures += 1
    return improved


def late_jobs(planner: Planner) -> list[str]:
    """Unstarted jobs planned to arrive after their on-site due time."""
    found = []
    for technician_id in planner.plan.routes:
        queue = planner.queue(technician_id)
        if queue is None:
            continue
        for job, slot in zip(queue.jobs, queue.timed.slots, strict=True):
            if not job.started and slot[0] > job_times(job).due:
                found.append(job.id)
    return found


def attempt(planner: Planner, late_id: str, rng: random.Random) -> bool:
    """One ruin-and-recreate around `late_id`; kept only if the plan's cost drops."""
    plan = planner.plan
    before = total(planner)
    if before is None:
        return False
    saved = {technician_id: list(route) for technician_id, route in plan.routes.items()}
    cluster = _cluster(planner, plan.jobs[late_id], rng)
    for job_id in cluster:
        planner.take_out(job_id)
    if _recreate(planner, [plan.jobs[job_id] for job_id in cluster], rng):
        after = total(planner)
        if after is not None and after < before:
            return True
    for technician_id, route in plan.routes.items():
        if route != saved.get(technician_id, []):
            route[:] = saved.get(technician_id, [])
            planner.forget(technician_id)
    return False


def _cluster(planner: Planner, late: Job, rng: random.Random) -> list[str]:
    """The late job, then unstarted jobs from the queues of its nearest qualified engineers and
    from anywhere nearby, nearest first with a random cut-off."""
    plan = planner.plan
    pool: dict[str, float] = {}
    queues = nearest(planner, (late.lat, late.lon), planner.candidates(late), RUIN_QUEUES)
    for technician_id in queues:
        for job_id in plan.routes.get(technician_id, []):
            pool[job_id] = _distance(late, plan.jobs[job_id])
    for job_id, job in plan.jobs.items():
        if job_id in plan.visits and job_id not in pool:
            pool[job_id] = _distance(late, job)
    movable = [
        job_id
        for job_id in sorted(pool, key=pool.__getitem__)
        if job_id != late.id and not plan.jobs[job_id].started and job_id in plan.visits
    ]
    size = rng.randint(1, min(RUIN_MAX, len(movable))) if movable else 0
    # Mostly the nearest ones, sometimes one a little farther: diversity without chaos.
    chosen = [job_id for job_id in movable[: 2 * size] if rng.random() < 0.6][:size]
    return [late.id, *chosen]


def _recreate(planner: Planner, jobs: list[Job], rng: random.Random) -> bool:
    if rng.random() < 0.5:
        jobs.sort(key=lambda job: (job_times(job).due, job.id))
    else:
        rng.shuffle(jobs)
    for job in jobs:
        best = planner.best_insertion(job)
        if best is None:
            return False
        planner.insert(job, best)
    return True


def total(planner: Planner) -> Cost | None:
    """The plan's cost: the sum over every queue; None if some queue no longer fits."""
    penalty = travel = 0
    for technician_id in planner.plan.routes:
        cost = planner.cost(technician_id)
        if cost is None:
            return None
        penalty += cost[0]
        travel += cost[1]
    return penalty, travel


def _distance(a: Job, b: Job) -> float:
    # Ranking only (see queue.by_proximity).
    shrink = math.cos(math.radians(a.lat))
    return (a.lat - b.lat) ** 2 + (shrink * (a.lon - b.lon)) ** 2
