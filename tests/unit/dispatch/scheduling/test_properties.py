"""Property-based: whatever arrives, in whatever order, the plan never breaks a hard rule."""

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.dispatch.scheduling import (
    GreatCircleTravel,
    Job,
    Plan,
    Technician,
    place,
    remove,
    reoptimise,
    update_job,
    validate,
)

from .scenarios import MORNING, hours

TRAVEL = GreatCircleTravel()
SKILLS = ("brake", "bogie", "hvac")
START = MORNING - hours(8)


@st.composite
def technicians(draw: st.DrawFn, index: int) -> Technician:
    qualified = draw(st.frozensets(st.sampled_from(SKILLS), max_size=3))
    shifts = []
    for _ in range(draw(st.integers(0, 2))):
        begin = START + hours(draw(st.integers(0, 40)))
        shifts.append((begin, begin + hours(draw(st.sampled_from((4, 8, 12))))))
    return Technician(
        f"T-{index}",
        draw(st.floats(39.5, 40.5)),
        draw(st.floats(112.5, 114.0)),
        qualified,
        shifts=tuple(shifts),
    )


@st.composite
def jobs(draw: st.DrawFn, index: int, technician_ids: list[str]) -> Job:
    reported = START + timedelta(minutes=draw(st.integers(0, 24 * 60)))
    parts = draw(st.none() | st.integers(0, 12 * 60))
    return Job(
        f"J-{index}",
        draw(st.floats(39.5, 40.5)),
        draw(st.floats(112.5, 114.0)),
        draw(st.sampled_from("ABC")),
        draw(st.none() | st.sampled_from(SKILLS)),
        reported,
        reported + hours(8),
        parts_ready_at=None if parts is None else reported + timedelta(minutes=parts),
        service_time=timedelta(minutes=draw(st.integers(15, 240))),
        pinned_to=draw(st.none() | st.sampled_from(technician_ids)),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Plan, list[Job], list[int]]:
    crew = [draw(technicians(i)) for i in range(draw(st.integers(1, 5)))]
    ids = [t.id for t in crew]
    work = [draw(jobs(i, ids)) for i in range(draw(st.integers(1, 14)))]
    # After each report: 0 nothing, 1 a later parts ETA, 2 someone departs, 3 a job is removed,
    # 4 reoptimise, 5 an engineer (maybe another one) accepts it.
    actions = [draw(st.integers(0, 5)) for _ in work]
    return Plan({t.id: t for t in crew}), sorted(work, key=lambda j: j.reported_at), actions


def assert_hard_rules_hold(plan: Plan) -> None:
    assert validate(plan) == []
    for technician_id, route in plan.routes.items():
        technician = plan.technicians[technician_id]
        for job_id in route:
            job, visit = plan.jobs[job_id], plan.visits[job_id]
            assert job.skill is None or job.skill in technician.qualified
            assert job.pinned_to in (None, technician_id)
            if job.parts_ready_at is not None:
                assert visit.start >= job.parts_ready_at
            if not job.started:
                depart = visit.arrive - visit.travel
                assert any(s <= depart and visit.arrive <= e for s, e in technician.shifts)
                if job.parts_ready_at is not None:
                    assert visit.arrive >= job.parts_ready_at


def depart_first(plan: Plan, now: datetime) -> datetime:
    """The earliest planned departure after `now` happens: that job starts (and is pinned)."""
    heads = [
        (plan.visits[route[0]].arrive - plan.visits[route[0]].travel, tid, route[0])
        for tid, route in plan.routes.items()
        if route and not plan.jobs[route[0]].started
    ]
    if not heads:
        return now
    when, technician_id, job_id = min(heads)
    now = max(now, when)
    started = replace(plan.jobs[job_id], started=True, pinned_to=technician_id)
    update_job(plan, started, now, TRAVEL)
    return now


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_certificates_shifts_parts_and_pins_hold_after_every_change(
    scenario: tuple[Plan, list[Job], list[int]],
) -> None:
    plan, work, actions = scenario
    now = START
    for job, action in zip(work, actions, strict=True):
        now = max(now, job.reported_at)
        place(plan, job, now, TRAVEL)
        assert_hard_rules_hold(plan)
        if action == 1:
            later = max(now, job.parts_ready_at or now) + hours(3)
            update_job(plan, replace(plan.jobs[job.id], parts_ready_at=later), now, TRAVEL)
        elif action == 2:
            now = depart_first(plan, now)
        elif action == 3:
            remove(plan, job.id, now, TRAVEL)
        elif action == 4:
            reoptimise(plan, now, TRAVEL, timedelta(milliseconds=50))
        elif action == 5 and not plan.jobs[job.id].started:
            accepting = sorted(plan.technicians)[int(job.lat * 1000) % len(plan.technicians)]
            update_job(plan, replace(plan.jobs[job.id], pinned_to=accepting), now, TRAVEL)
        assert_hard_rules_hold(plan)
