"""Re-optimisation of the jobs nobody has set out for yet.

Online insertion decides each job with what was known when it arrived; later jobs make some of
those choices poor. `reoptimise` runs a relocation local search over unstarted jobs: take a job
out, find its cheapest place among the technicians nearest to it (its own queue included, at any
position), and move it if the plan's lexicographic cost (lateness, then travel) strictly drops.
Late jobs are tried first, then the jobs with the longest drive in; a late job that no single
move rescues is re-placed as `place` places an urgent job (displacing one queued job), if that
lowers the plan's cost. Pinned jobs may only move within their technician's queue; started jobs
never move. It stops at a local optimum or when the time budget is spent, and first retries jobs
that nobody could take before.
"""

import random
import time
from datetime import datetime, timedelta

from .clock import job_times
from .model import Plan, TravelModel, Visit
from .online import nearest, put, replace_evicted
from .planner import Planner, qualifies
from .repair import ruin_and_recreate, total

# Technicians considered for a relocated job: its nearest ones; far ones rarely pay off and
# cost as much to evaluate as the near ones.
NEIGHBOURS = 16


def reoptimise(
    plan: Plan, now: datetime, travel: TravelModel, budget: timedelta
) -> dict[str, Visit]:
    """Improve unstarted jobs within `budget`; returns visits whose technician or ETA changed."""
    began = time.perf_counter()
    before = {job_id: (v.technician_id, v.arrive) for job_id, v in plan.visits.items()}
    planner = Planner(plan, now, travel)
    for technician_id in list(plan.routes):
        _drop_unqualified(planner, technician_id)
        planner.settle(technician_id)
    for job_id in list(plan.unassigned):
        plan.unassigned.remove(job_id)
        put(planner, plan.jobs[job_id])
    replace_evicted(planner)
    # The search gets what is left of the budget after this set-up, less as much again for
    # writing every queue back at the end (it costs about what timing them did).
    setup = time.perf_counter() - began
    deadline = began + budget.total_seconds() - setup
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        for job_id, late in _worth_trying(planner):
            if time.perf_counter() >= deadline:
                break
            moved = _relocate(planner, job_id)
            if late and not moved:
                moved = _make_room_for(planner, job_id)
            improved |= moved
    if time.perf_counter() < deadline:
        # Seeded by the plan's size: the same plan is re-optimised the same way.
        ruin_and_recreate(planner, deadline, random.Random(len(plan.jobs)))
    planner.write(plan.routes)
    replace_evicted(planner)
    return {
        job_id: visit
        for job_id, visit in plan.visits.items()
        if before.get(job_id) != (visit.technician_id, visit.arrive)
    }


def _drop_unqualified(planner: Planner, technician_id: str) -> None:
    """Unstarted jobs whose technician can no longer take them (a certificate lapsed, a skill
    was removed) leave the queue and are re-placed like jobs time pushed out."""
    plan = planner.plan
    technician = plan.technicians[technician_id]
    route = plan.routes.get(technician_id, [])
    for job_id in list(route):
        job = plan.jobs[job_id]
        if not job.started and job.pinned_to is None and not qualifies(technician, job):
            route.remove(job_id)
            plan.visits.pop(job_id, None)
            planner.evicted.append(job_id)
            planner.reshaped.add(technician_id)
            planner.forget(technician_id)


def _worth_trying(planner: Planner) -> list[tuple[str, bool]]:
    """Unstarted jobs, late ones first, then by the length of the drive in."""
    plan = planner.plan
    ranked = []
    for technician_id in plan.routes:
        queue = planner.queue(technician_id)
        if queue is None:
            continue
        for job, slot in zip(queue.jobs, queue.timed.slots, strict=True):
            if not job.started:
                late = slot[0] > job_times(job).due
                ranked.append((not late, -slot[3], job.id))
    return [(job_id, not on_time) for on_time, _, job_id in sorted(ranked)]


def _make_room_for(planner: Planner, job_id: str) -> bool:
    """A late job that no single move rescues: re-place it the way `place` handles an urgent
    job (displacing one queued job), kept only if the plan's cost drops."""
    plan = planner.plan
    saved = {technician_id: list(route) for technician_id, route in plan.routes.items()}
    before = total(planner)
    planner.take_out(job_id)
    touched = put(planner, plan.jobs[job_id])
    after = total(planner)
    if touched and before is not None and after is not None and after < before:
        return True
    if job_id in plan.unassigned:
        plan.unassigned.remove(job_id)
    for technician_id, route in plan.routes.items():
        if route != saved.get(technician_id, []):
            route[:] = saved.get(technician_id, [])
            planner.forget(technician_id)
    return False


def _relocate(planner: Planner, job_id: str) -> bool:
    plan = planner.plan
    job = plan.jobs[job_id]
    holder = next((t for t, route in plan.routes.items() if job_id in route), None)
    if holder is None:
        return False
    route = plan.routes[holder]
    index = route.index(job_id)
    with_job = planner.cost(holder)
    planner.take_out(job_id)
    without = planner.cost(holder)
    if with_job is None or without is None:
        route.insert(index, job_id)
        planner.forget(holder)
        return False
    current = (with_job[0] - without[0], with_job[1] - without[1])
    among = nearest(planner, (job.lat, job.lon), planner.candidates(job), NEIGHBOURS)
    if holder not in among:
        among.append(holder)
    best = planner.best_insertion(job, among)
    if best is not None and best.delta < current:
        planner.insert(job, best)
        return True
    route.insert(index, job_id)
    planner.forget(holder)
    return False

