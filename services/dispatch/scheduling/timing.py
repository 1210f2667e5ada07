"""When each visit of one technician's queue can happen, and what the queue costs.

The hard rules, as a field engineer works:
- The engineer leaves for a job once free (previous visit over, or `free_at`), not before now,
  not before the fault was reported, and not so early that they would arrive before the parts:
  departure is planned so that arrival is no earlier than `parts_ready_at` (nobody waits on site
  for parts).
- Shift windows: a drive starts inside a window and reaches the site by that window's end. The
  repair then runs to completion, past the window end if need be (an engineer does not walk away
  from a half-repaired vehicle). A job that cannot be reached inside one window waits for the next.
- A started job (the engineer has departed) keeps its planned visit; it is a fact, not a plan.

Within those rules every visit happens as early as it can: for a fixed order that minimises every
arrival, hence lateness. The cost of a queue is lexicographic: first lateness against the on-site
commitment (a late job costs its class weight times one hour plus its delay, so fewer late jobs
beat shorter delays, and A/B weigh ten times C), then travel time, with a bonus for jobs in one of
the technician's own regions ("一对一" service) worth `REGION_BONUS` of driving.
"""

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from .clock import HOUR, NEVER, free_us, job_times, leg_us, shift_us
from .model import Job, Technician, TravelModel

REGION_BONUS = HOUR // 4
# Weight of arrival time against driving time in the second cost (see job_cost). 0.1 cut mean
# arrival delay by a third and lost fewer faults on small, busy crews in the benchmark, for
# about 4 % more driving on medium (docs/performance.md).
EARLINESS = 0.1
LATE_FIXED = HOUR

# arrive, start, end, travel (µs)
Slot = tuple[int, int, int, int]
Cost = tuple[int, int]  # (lateness penalty, travel score)


class Crew(NamedTuple):
    """A technician as the timing rules see them at one moment."""

    id: str
    point: tuple[float, float]
    windows: tuple[tuple[int, int], ...]
    avail: int  # earliest departure for the first unstarted job
    now: int
    regions: frozenset[str]
    earliness: float = 0.0


def crew_of(technician: Technician, now: int, earliness: float = 0.0) -> Crew:
    return Crew(
        technician.id,
        (technician.lat, technician.lon),
        shift_us(technician),
        max(now, free_us(technician)),
        now,
        technician.regions,
        earliness,
    )


def point(job: Job) -> tuple[float, float]:
    return (job.lat, job.lon)


def legs(travel: TravelModel, crew: Crew, jobs: Sequence[Job]) -> list[int]:
    """Drive into each job of the queue, from the previous stop (the crew's position first)."""
    out = []
    here = crew.point
    for job in jobs:
        there = point(job)
        out.append(leg_us(travel, here, there))
        here = there
    return out


def reachable(crew: Crew, job: Job) -> bool:
    """Some window still allows a departure for this job (cheap pre-filter, not a guarantee)."""
    return bool(crew.windows) and crew.windows[-1][1] > max(crew.avail, job_times(job).release)


def slot_for(crew: Crew, job: Job, avail: int, leg: int) -> Slot | None:
    """The earliest visit after `avail` allowed by the rules, or None outside every window."""
    times = job_times(job)
    depart = max(avail, crew.now, times.release, times.ready - leg)
    for start, end in crew.windows:
        if depart < start:
            depart = start
        arrive = depart + leg
        if arrive <= end:
            return (arrive, arrive, arrive + times.service, leg)
    return None


def started_slot(job: Job, avail: int, leg: int, fixed: Mapping[str, Slot]) -> Slot:
    """A started job's known visit, or (none known) the drive from the crew's position now."""
    times = job_times(job)
    known = fixed.get(job.id)
    if known is not None:
        # The engineer is on the way; if the parts slipped meanwhile, they wait for them there.
        start = max(known[1], times.ready)
        return (known[0], start, known[2] + start - known[1], known[3])
    arrive = avail + leg
    start = max(arrive, times.ready)
    return (arrive, start, start + times.service, leg)


def job_cost(crew: Crew, job: Job, slot: Slot) -> Cost:
    times = job_times(job)
    late = slot[0] - times.due
    penalty = times.weight * (LATE_FIXED + late) if late > 0 else 0
    bonus = REGION_BONUS if job.region is not None and job.region in crew.regions else 0
    # Arriving earlier keeps slack for faults not reported yet: each minute of arrival counts
    # `earliness` of a minute of driving (a constant per job, so only the choice moves).
    keep_slack = int(crew.earliness * (slot[0] - times.due))
    return penalty, slot[3] - bonus + keep_slack


class Timed(NamedTuple):
    """A queue's timing: slots and cumulative costs after each job (for prefix reuse)."""

    slots: list[Slot]
    penalties: list[int]
    travels: list[int]

    def cost(self) -> Cost:
        return (self.penalties[-1], self.travels[-1]) if self.slots else (0, 0)

    def cost_before(self, index: int) -> Cost:
        return (self.penalties[index - 1], self.travels[index - 1]) if index else (0, 0)


def run(
    crew: Crew,
    jobs: Sequence[Job],
    leg_list: Sequence[int],
    fixed: Mapping[str, Slot],
    begin: int = 0,
    avail: int | None = None,
    base: Cost = (0, 0),
    keep: Timed | None = None,
) -> Cost | None:
    """Time jobs[begin:] after `avail`, adding to `base`; None when a job fits no window.

    With `keep`, slots and cumulative costs are appended to it.
    """
    here = crew.avail if avail is None else avail
    penalty, travel = base
    for index in range(begin, len(jobs)):
        job = jobs[index]
        slot = (
            started_slot(job, here, leg_list[index], fixed)
            if job.started
            else slot_for(crew, job, here, leg_list[index])
        )
        if slot is None:
            return None
        extra_penalty, extra_travel = job_cost(crew, job, slot)
        penalty += extra_penalty
        travel += extra_travel
        here = slot[2]
        if keep is not None:
            keep.slots.append(slot)
            keep.penalties.append(penalty)
            keep.travels.append(travel)
    return penalty, travel


NO_COST: Cost = (NEVER, NEVER)
