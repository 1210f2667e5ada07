"""A technician's timed queue, remembered between calls while nothing it depends on changes,
and the proximity ranking that decides which queues are worth trying first."""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .clock import NEVER
from .model import Job, Plan, Technician, TravelModel
from .timing import Slot, Timed

# What a remembered timing was computed with: technician record, travel model, earliness weight.
Basis = tuple[Technician, TravelModel, float]


@dataclass
class Queue:
    jobs: list[Job]
    legs: list[int]
    timed: Timed
    fixed: dict[str, Slot]

    @property
    def frozen(self) -> int:
        """How many jobs at the head are started (they stay first, in their order)."""
        count = 0
        while count < len(self.jobs) and self.jobs[count].started:
            count += 1
        return count



def recall(
    memo: dict[str, Any],
    technician_id: str,
    basis: Basis,
    jobs: list[Job],
    fixed: dict[str, Slot],
    now: int,
) -> Queue | None:
    """A timing from an earlier call, if nothing it depends on changed: the same technician
    record, travel model and earliness weight, the same job records in the same order, the same
    started visits, and no planned departure before now (so `now` cannot have moved any visit)."""
    found = memo.get(technician_id)
    if found is None:
        return None
    known, queue, earliest = found
    if any(a is not b for a, b in zip(known[:2], basis[:2], strict=True)):
        return None
    if known[2] != basis[2] or earliest < now:
        return None
    if queue.fixed != fixed or len(queue.jobs) != len(jobs):
        return None
    if any(a is not b for a, b in zip(queue.jobs, jobs, strict=True)):
        return None
    return queue


def remember(
    memo: dict[str, Any],
    technician_id: str,
    basis: Basis,
    queue: Queue,
) -> None:
    # A started job without a known visit is timed from `now`: such a queue is not remembered.
    if any(job.started and job.id not in queue.fixed for job in queue.jobs):
        return
    departures = [
        slot[0] - slot[3]
        for job, slot in zip(queue.jobs, queue.timed.slots, strict=True)
        if not job.started
    ]
    memo[technician_id] = (basis, queue, min(departures, default=NEVER))


def by_proximity(plan: Plan, here: tuple[float, float], among: Iterable[str]) -> list[str]:
    """Technicians ordered by how close their position or a queued job is to `here`."""
    # Ranking only: squared planar degrees, longitude shrunk by latitude, is enough and cheap.
    shrink = math.cos(math.radians(here[0]))
    lat, lon = here

    def closeness(technician_id: str) -> float:
        tech = plan.technicians[technician_id]
        best = (lat - tech.lat) ** 2 + (shrink * (lon - tech.lon)) ** 2
        for job_id in plan.routes.get(technician_id, ()):
            job = plan.jobs[job_id]
            best = min(best, (lat - job.lat) ** 2 + (shrink * (lon - job.lon)) ** 2)
        return best

    return sorted(among, key=closeness)
