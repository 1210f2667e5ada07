"""One evaluator for every method: the executed (or, for hindsight, planned) visits of a scenario,
checked against the hard rules with the scheduling package's own `validate`, and scored."""

import statistics
from dataclasses import dataclass, field
from datetime import timedelta

from services.dispatch.scheduling import Plan, Visit, validate

from .scenario import Scenario
from .simulator import Executed

HOUR = timedelta(hours=1)


@dataclass
class Score:
    method: str
    scenario: str
    sla: float  # % of faults with an engineer on site by the due time (unserved count as missed)
    sla_by_class: dict[str, float]
    delay_mean_h: float  # report to arrival
    delay_p95_h: float
    slack_p5_h: float  # due minus arrival, 5th percentile (negative: late)
    km: float
    unserved: int
    violations: list[str]
    reassignments_per_100: float | None = None
    decision_ms: list[float] = field(default_factory=list)
    reoptimise_ms: list[float] = field(default_factory=list)


def score(scenario: Scenario, method: str, executed: dict[str, Executed]) -> Score:
    faults = scenario.faults
    met = {"A": [0, 0], "B": [0, 0], "C": [0, 0]}
    delays, slacks = [], []
    for job in faults:
        visit = executed.get(job.id)
        on_time = visit is not None and visit.arrive <= job.onsite_due
        met[job.severity][0] += on_time
        met[job.severity][1] += 1
        if visit is not None:
            delays.append((visit.arrive - job.reported_at) / HOUR)
            slacks.append((job.onsite_due - visit.arrive) / HOUR)
    total_met = sum(m for m, _ in met.values())
    return Score(
        method=method,
        scenario=scenario.name,
        sla=100.0 * total_met / len(faults),
        sla_by_class={k: 100.0 * m / n if n else 100.0 for k, (m, n) in met.items()},
        delay_mean_h=statistics.fmean(delays) if delays else float("nan"),
        delay_p95_h=percentile(delays, 95),
        slack_p5_h=percentile(slacks, 5),
        km=sum(visit.km for visit in executed.values()),
        unserved=len(faults) - len(executed),
        violations=violations(scenario, executed),
    )


def violations(scenario: Scenario, executed: dict[str, Executed]) -> list[str]:
    """Hard-rule breaches of what was executed, as a plan of unstarted visits would be checked."""
    plan = Plan(dict(scenario.technicians), {job.id: job for job in scenario.faults})
    for visit in sorted(executed.values(), key=lambda v: v.depart):
        plan.routes.setdefault(visit.technician_id, []).append(visit.job_id)
        plan.visits[visit.job_id] = Visit(
            visit.job_id,
            visit.technician_id,
            visit.arrive,
            visit.start,
            visit.end,
            visit.arrive - visit.depart,
        )
    plan.unassigned = [job.id for job in scenario.faults if job.id not in executed]
    return validate(plan)


def percentile(values: list[float], rank: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(rank / 100 * (len(ordered) - 1))))
    return ordered[index]
