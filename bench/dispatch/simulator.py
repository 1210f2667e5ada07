"""Discrete-event replay of a scenario against one scheduler.

Faults reach the scheduler only when reported. An engineer departs at the planned departure of
the head of their queue; from then on that job is started and pinned (frozen: no scheduler may
move it) and the departure, drive, arrival and repair happen exactly as planned. When the repair
ends the job leaves the plan and the engineer is free where the job was. Events at the same
moment: repairs end first, then reports, then departures (a report can still change who leaves).
"""

import heapq
from dataclasses import dataclass, field, replace
from datetime import datetime

from services.dispatch.scheduling import Plan, remove, update_job
from shared.geo import haversine_km

from .policies import Effort, Scheduler
from .scenario import TRAVEL, Scenario


@dataclass(frozen=True)
class Executed:
    job_id: str
    technician_id: str
    depart: datetime
    arrive: datetime
    start: datetime
    end: datetime
    km: float


@dataclass
class Run:
    scheduler: str
    executed: dict[str, Executed] = field(default_factory=dict)
    efforts: list[Effort] = field(default_factory=list)
    reassignments: int = 0


def simulate(scenario: Scenario, scheduler: Scheduler) -> Run:
    plan = Plan(dict(scenario.technicians))
    run = Run(scheduler.name)
    reports = list(reversed(scenario.faults))
    finishing: list[tuple[datetime, str, str]] = []
    holders: dict[str, str] = {}
    while True:
        departure = _next_departure(plan)
        moments = [
            (finishing[0][0], 0) if finishing else None,
            (reports[-1].reported_at, 1) if reports else None,
            (departure[0], 2) if departure else None,
        ]
        pending = [moment for moment in moments if moment is not None]
        if not pending:
            return run
        now, kind = min(pending)
        if kind == 0:
            _, technician_id, job_id = heapq.heappop(finishing)
            job = plan.jobs[job_id]
            plan.technicians[technician_id] = replace(
                plan.technicians[technician_id], lat=job.lat, lon=job.lon, free_at=now
            )
            remove(plan, job_id, now, TRAVEL)
        elif kind == 1:
            job = reports.pop()
            run.efforts.append(scheduler.report(plan, job, now))
            run.reassignments += _count_reassignments(plan, holders)
        else:
            assert departure is not None
            _, technician_id, job_id = departure
            technician = plan.technicians[technician_id]
            started = replace(plan.jobs[job_id], started=True, pinned_to=technician_id)
            update_job(plan, started, now, TRAVEL)
            visit = plan.visits[job_id]
            km = haversine_km(technician.lat, technician.lon, started.lat, started.lon)
            run.executed[job_id] = Executed(
                job_id, technician_id, now, visit.arrive, visit.start, visit.end, km
            )
            heapq.heappush(finishing, (visit.end, technician_id, job_id))


def _next_departure(plan: Plan) -> tuple[datetime, str, str] | None:
    heads = []
    for technician_id, route in plan.routes.items():
        if route and not plan.jobs[route[0]].started:
            visit = plan.visits[route[0]]
            heads.append((visit.arrive - visit.travel, technician_id, route[0]))
    return min(heads) if heads else None


def _count_reassignments(plan: Plan, holders: dict[str, str]) -> int:
    """Planned jobs whose technician changed since the last look (churn an engineer would see)."""
    count = 0
    for job_id, visit in plan.visits.items():
        before = holders.get(job_id)
        if before is not None and before != visit.technician_id:
            count += 1
        holders[job_id] = visit.technician_id
    return count
