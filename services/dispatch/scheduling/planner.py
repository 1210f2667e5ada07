"""One operation's working view of a plan: queue timings per technician, insertion, removal.

Timings are computed for the operation's `now` and cached until that technician's queue changes;
visits are written back to the plan only for queues that changed (`write`).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .clock import from_us, leg_us, span_us, to_us
from .model import Job, Plan, Technician, TravelModel, Visit
from .queue import Queue, by_proximity, recall, remember
from .timing import (
    EARLINESS,
    Cost,
    Crew,
    Slot,
    Timed,
    crew_of,
    job_cost,
    legs,
    point,
    reachable,
    run,
    slot_for,
)

# See best_insertion.
NEAR_ENOUGH = 24


@dataclass(frozen=True, order=True)
class Insertion:
    delta: Cost
    technician_id: str
    position: int


def qualifies(technician: Technician, job: Job) -> bool:
    """Certified for the job's skill, not pinned to someone else, not declined by them."""
    if job.pinned_to is not None and job.pinned_to != technician.id:
        return False
    if technician.id in job.declined_by:
        return False
    return job.skill is None or job.skill in technician.qualified


class Planner:
    def __init__(
        self, plan: Plan, now: datetime, travel: TravelModel, earliness: float = EARLINESS
    ) -> None:
        self.plan = plan
        self.travel = travel
        # Baselines plan with 0: lateness, then travel only.
        self.earliness = earliness
        self.now = to_us(now)
        self.zone = now.tzinfo
        self._queues: dict[str, Queue | None] = {}
        self._crews: dict[str, Crew] = {}
        # Jobs that no longer fit their technician's windows (time moved on); callers re-place them.
        self.evicted: list[str] = []
        # Technicians whose queue lost a job that way: their visits must be written back.
        self.reshaped: set[str] = set()

    def crew(self, technician_id: str) -> Crew:
        found = self._crews.get(technician_id)
        if found is None:
            found = self._crews[technician_id] = crew_of(
                self.plan.technicians[technician_id], self.now, self.earliness
            )
        return found

    def _fixed(self, jobs: Iterable[Job]) -> dict[str, Slot]:
        fixed = {}
        for job in jobs:
            visit = self.plan.visits.get(job.id)
            if job.started and visit is not None:
                fixed[job.id] = (
                    to_us(visit.arrive), to_us(visit.start), to_us(visit.end), span_us(visit.travel)
                )
        return fixed

    def queue(self, technician_id: str) -> Queue | None:
        """The technician's timed queue, or None when some job of it fits no window any more."""
        if technician_id in self._queues:
            return self._queues[technician_id]
        technician = self.plan.technicians[technician_id]
        jobs = [self.plan.jobs[job_id] for job_id in self.plan.routes.get(technician_id, [])]
        fixed = self._fixed(jobs)
        memo = self.plan.memo
        found = recall(memo, technician_id, (technician, self.travel, self.earliness), jobs,
                       fixed, self.now)
        if found is None:
            crew = self.crew(technician_id)
            leg_list = legs(self.travel, crew, jobs)
            timed = Timed([], [], [])
            if run(crew, jobs, leg_list, fixed, keep=timed) is not None:
                found = Queue(jobs, leg_list, timed, fixed)
                remember(memo, technician_id, (technician, self.travel, self.earliness), found)
        self._queues[technician_id] = found
        return found

    def settle(self, technician_id: str) -> Queue:
        """The queue, after evicting the jobs that time pushed out of every window (a removal
        can do that too: the engineer no longer waits out the night next to the next job)."""
        route = self.plan.routes.setdefault(technician_id, [])
        while (found := self.queue(technician_id)) is None:
            crew = self.crew(technician_id)
            jobs = [self.plan.jobs[job_id] for job_id in route]
            timed = Timed([], [], [])
            run(crew, jobs, legs(self.travel, crew, jobs), self._fixed(jobs), keep=timed)
            unfit = jobs[len(timed.slots)].id
            route.remove(unfit)
            self.plan.visits.pop(unfit, None)
            self.evicted.append(unfit)
            self.reshaped.add(technician_id)
            self.forget(technician_id)
        return found

    def candidates(self, job: Job) -> list[str]:
        return [tid for tid, tech in self.plan.technicians.items() if qualifies(tech, job)]

    def insertion_into(self, technician_id: str, job: Job) -> Insertion | None:
        """The cheapest place for `job` in this technician's queue, behind its started jobs."""
        crew = self.crew(technician_id)
        if not reachable(crew, job):
            return None
        queue = self.queue(technician_id)
        if queue is None:
            return None
        jobs, timed = queue.jobs, queue.timed
        base = timed.cost()
        fixed = queue.fixed
        here = point(job)
        best: Insertion | None = None
        for position in range(queue.frozen, len(jobs) + 1):
            before = crew.point if position == 0 else point(jobs[position - 1])
            leg_in = leg_us(self.travel, before, here)
            avail = crew.avail if position == 0 else timed.slots[position - 1][2]
            slot = slot_for(crew, job, avail, leg_in)
            if slot is None:
                continue
            penalty, travel = timed.cost_before(position)
            own_penalty, own_travel = job_cost(crew, job, slot)
            reached = (penalty + own_penalty, travel + own_travel)
            cost: Cost | None = reached
            if position < len(jobs):
                rest = jobs[position:]
                rest_legs = [leg_us(self.travel, here, point(rest[0])), *queue.legs[position + 1 :]]
                cost = run(crew, rest, rest_legs, fixed, avail=slot[2], base=reached)
            if cost is None:
                continue
            option = Insertion((cost[0] - base[0], cost[1] - base[1]), technician_id, position)
            if best is None or option < best:
                best = option
        return best

    def best_insertion(self, job: Job, among: Iterable[str] | None = None) -> Insertion | None:
        """The cheapest insertion over `among` (default: every qualified technician), nearest
        technicians first. Once `NEAR_ENOUGH` have been tried and one of them takes the job
        without making anything late, farther ones are not tried: their extra drive would not
        pay (this is what keeps a decision within milliseconds at hundreds of technicians)."""
        best: Insertion | None = None
        among = self.candidates(job) if among is None else among
        ranked = by_proximity(self.plan, point(job), among)
        for tried, technician_id in enumerate(ranked):
            if tried >= NEAR_ENOUGH and best is not None and best.delta[0] == 0:
                break
            option = self.insertion_into(technician_id, job)
            if option is not None and (best is None or option < best):
                best = option
        return best

    def insert(self, job: Job, at: Insertion) -> None:
        self.plan.jobs[job.id] = job
        self.plan.routes.setdefault(at.technician_id, []).insert(at.position, job.id)
        self._queues.pop(at.technician_id, None)

    def take_out(self, job_id: str) -> str | None:
        """Remove the job from its queue (not from the plan's jobs); its technician, if any."""
        for technician_id, route in self.plan.routes.items():
            if job_id in route:
                route.remove(job_id)
                self._queues.pop(technician_id, None)
                return technician_id
        return None

    def forget(self, technician_id: str) -> None:
        """Drop the cached timing after the route was changed directly."""
        self._queues.pop(technician_id, None)

    def cost(self, technician_id: str) -> Cost | None:
        queue = self.queue(technician_id)
        return None if queue is None else queue.timed.cost()

    def write(self, technician_ids: Iterable[str]) -> dict[str, Visit]:
        """Store the visits of these queues in the plan; returns those whose technician or ETA
        changed (including newly planned ones)."""
        changed: dict[str, Visit] = {}
        for technician_id in dict.fromkeys(technician_ids):
            queue = self.settle(technician_id)
            for job, slot in zip(queue.jobs, queue.timed.slots, strict=True):
                old = self.plan.visits.get(job.id)
                visit = Visit(
                    job.id,
                    technician_id,
                    arrive=from_us(slot[0], self.zone),
                    start=from_us(slot[1], self.zone),
                    end=from_us(slot[2], self.zone),
                    travel=timedelta(microseconds=slot[3]),
                )
                self.plan.visits[job.id] = visit
                if old is None or (old.technician_id, old.arrive) != (technician_id, visit.arrive):
                    changed[job.id] = visit
        return changed
