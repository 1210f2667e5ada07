"""The online schedulers compared, each deciding one reported fault at a time on a shared Plan.

(a) `Greedy`: nearest/earliest-available — the qualified technician who can be there first if the
    job is put at the end of their queue (ties: the shorter drive); queues are never reordered.
(b) `CheapestInsertion`: SLA-aware cheapest insertion — every qualified technician, every queue
    position, lateness first then travel; nothing already planned is moved.
(c) `Ours`: the scheduling package as the dispatch service uses it — `place` (cheapest insertion
    that makes room for urgent jobs) then `reoptimise` of the unstarted jobs within a budget.
"""

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from services.dispatch.scheduling import Job, Plan, place, reoptimise
from services.dispatch.scheduling.clock import leg_us
from services.dispatch.scheduling.planner import Insertion, Planner
from services.dispatch.scheduling.timing import point, slot_for

from .scenario import TRAVEL


@dataclass(frozen=True)
class Effort:
    decision_s: float
    reoptimise_s: float | None = None


class Scheduler(Protocol):
    name: str

    def report(self, plan: Plan, job: Job, now: datetime) -> Effort: ...


class _Baseline(ABC):
    """A baseline decides with its own rule for the new job and for any job that time pushed out
    of its technician's windows."""

    name = "baseline"

    def report(self, plan: Plan, job: Job, now: datetime) -> Effort:
        began = time.perf_counter()
        # Baselines: lateness, then travel (no earliness term).
        planner = Planner(plan, now, TRAVEL, earliness=0.0)
        waiting = [job]
        while waiting:
            current = waiting.pop()
            plan.jobs[current.id] = current
            choice = self.choose(planner, current)
            if choice is None:
                plan.unassigned.append(current.id)
            else:
                planner.insert(current, choice)
                planner.write([choice.technician_id])
            waiting += [plan.jobs[job_id] for job_id in planner.evicted]
            planner.evicted.clear()
        planner.write(planner.reshaped)
        return Effort(time.perf_counter() - began)

    @abstractmethod
    def choose(self, planner: Planner, job: Job) -> Insertion | None:
        """Where the baseline puts the job, or None when nobody qualified can take it."""


class Greedy(_Baseline):
    name = "greedy"

    def choose(self, planner: Planner, job: Job) -> Insertion | None:
        best: tuple[tuple[int, int], Insertion] | None = None
        for technician_id in planner.candidates(job):
            queue = planner.queue(technician_id)
            if queue is None:
                continue
            crew = planner.crew(technician_id)
            last = queue.jobs[-1] if queue.jobs else None
            here = crew.point if last is None else point(last)
            avail = crew.avail if last is None else queue.timed.slots[-1][2]
            leg = leg_us(TRAVEL, here, point(job))
            slot = slot_for(crew, job, avail, leg)
            if slot is None:
                continue
            key = (slot[0], leg)
            if best is None or key < best[0]:
                best = (key, Insertion((0, 0), technician_id, len(queue.jobs)))
        return None if best is None else best[1]


class CheapestInsertion(_Baseline):
    name = "insertion"

    def choose(self, planner: Planner, job: Job) -> Insertion | None:
        return planner.best_insertion(job)


@dataclass
class Ours:
    budget: timedelta
    name: str = "ours"

    def report(self, plan: Plan, job: Job, now: datetime) -> Effort:
        began = time.perf_counter()
        place(plan, job, now, TRAVEL)
        placed = time.perf_counter()
        reoptimise(plan, now, TRAVEL, self.budget)
        return Effort(placed - began, time.perf_counter() - placed)
