"""Hard-constraint check of a plan: what a dispatcher must never see, whatever the algorithm."""

from datetime import datetime

from .model import Job, Plan, Technician, Visit


def validate(plan: Plan) -> list[str]:
    """Every violation of the hard rules (see timing), one line each; empty when the plan is sound.

    Started jobs are facts: only who holds them, their place at the head of the queue and the
    order of visits are checked for them, not the shift or parts rules of planning.
    """
    problems: list[str] = []
    seen: set[str] = set()
    for technician_id, route in plan.routes.items():
        technician = plan.technicians.get(technician_id)
        if technician is None:
            problems.append(f"route of unknown technician {technician_id}")
            continue
        previous: Visit | None = None
        unstarted_seen = False
        for job_id in route:
            job = plan.jobs.get(job_id)
            visit = plan.visits.get(job_id)
            if job is None or visit is None:
                problems.append(f"{job_id}: in {technician_id}'s queue without job or visit")
                continue
            if job_id in seen:
                problems.append(f"{job_id}: planned twice")
            seen.add(job_id)
            if job.started and unstarted_seen:
                problems.append(f"{job_id}: started but behind an unstarted job")
            unstarted_seen = unstarted_seen or not job.started
            problems += _check_visit(technician, job, visit, previous)
            previous = visit
    for job_id in plan.unassigned:
        if job_id in seen:
            problems.append(f"{job_id}: both planned and unassigned")
    lost = plan.jobs.keys() - seen - set(plan.unassigned)
    problems += [f"{job_id}: neither planned nor unassigned" for job_id in sorted(lost)]
    return problems


def _check_visit(
    technician: Technician, job: Job, visit: Visit, previous: Visit | None
) -> list[str]:
    problems = []
    who = technician.id
    if visit.technician_id != who:
        problems.append(f"{job.id}: visit says {visit.technician_id}, queue is {who}'s")
    if job.skill is not None and job.skill not in technician.qualified:
        problems.append(f"{job.id}: {who} is not certified for {job.skill}")
    if job.pinned_to is not None and job.pinned_to != who:
        problems.append(f"{job.id}: pinned to {job.pinned_to}, planned for {who}")
    if who in job.declined_by:
        problems.append(f"{job.id}: offered again to {who}, who declined it")
    if not visit.arrive <= visit.start <= visit.end:
        problems.append(f"{job.id}: visit times out of order")
    if job.parts_ready_at is not None and visit.start < job.parts_ready_at:
        problems.append(f"{job.id}: work starts before the parts are ready")
    depart = visit.arrive - visit.travel
    if previous is not None and depart < previous.end:
        problems.append(f"{job.id}: {who} leaves before finishing {previous.job_id}")
    if job.started:
        return problems
    if job.parts_ready_at is not None and visit.arrive < job.parts_ready_at:
        problems.append(f"{job.id}: engineer arrives before the parts")
    if depart < job.reported_at:
        problems.append(f"{job.id}: engineer leaves before the fault was reported")
    if previous is None and technician.free_at is not None and depart < technician.free_at:
        problems.append(f"{job.id}: {who} leaves before being free")
    if not _in_shift(technician, depart, visit.arrive):
        problems.append(f"{job.id}: {who} travels outside a shift window")
    return problems


def _in_shift(technician: Technician, depart: datetime, arrive: datetime) -> bool:
    return any(start <= depart and arrive <= end for start, end in technician.shifts)
