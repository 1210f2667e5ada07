import random
import time
from dataclasses import replace
from datetime import timedelta

from services.dispatch.scheduling import GreatCircleTravel, place, reoptimise, validate
from services.dispatch.scheduling.planner import Insertion, Planner
from services.dispatch.scheduling.repair import late_jobs, ruin_and_recreate, total

from .scenarios import DATONG, MORNING, hours, job, plan_of, technician

TRAVEL = GreatCircleTravel()
NEARBY = (40.10, 113.35)


def _overloaded_planner() -> Planner:
    """Five two-hour jobs all queued on one engineer while a second one nearby is idle."""
    plan = plan_of(technician("T-1", at=DATONG), technician("T-2", at=NEARBY))
    planner = Planner(plan, MORNING, TRAVEL)
    for index in range(5):
        queued = job(f"J-{index}", at=NEARBY, service_time=hours(2))
        planner.insert(queued, Insertion((0, 0), "T-1", index))
    return planner


def test_ruin_and_recreate_rescues_late_jobs_and_never_raises_the_cost() -> None:
    planner = _overloaded_planner()
    before = total(planner)
    assert before is not None and before[0] > 0 and late_jobs(planner)
    improved = ruin_and_recreate(planner, time.perf_counter() + 1.0, random.Random(0))
    after = total(planner)
    assert improved and after is not None and after < before
    assert late_jobs(planner) == []
    planner.write(planner.plan.routes)
    assert validate(planner.plan) == []


def test_a_failed_attempt_restores_every_queue_exactly() -> None:
    planner = _overloaded_planner()
    planner.plan.technicians.pop("T-2")
    planner.plan.routes.pop("T-2", None)
    routes = {tid: list(route) for tid, route in planner.plan.routes.items()}
    before = total(planner)
    # One engineer, every job already in the best order there is: nothing can get cheaper.
    assert not ruin_and_recreate(planner, time.perf_counter() + 0.2, random.Random(1))
    assert planner.plan.routes == routes and total(planner) == before


def test_reoptimise_takes_a_job_from_an_engineer_whose_certificate_lapsed() -> None:
    plan = plan_of(technician("T-1", at=NEARBY), technician("T-2", at=DATONG))
    assert place(plan, job("J-1", at=NEARBY), MORNING, TRAVEL).technician_id == "T-1"
    plan.technicians["T-1"] = replace(plan.technicians["T-1"], qualified=frozenset({"doors"}))
    changed = reoptimise(plan, MORNING, TRAVEL, timedelta(milliseconds=200))
    assert changed["J-1"].technician_id == "T-2"
    assert validate(plan) == []


def test_an_accepted_job_stays_with_its_engineer_even_after_a_certificate_change() -> None:
    plan = plan_of(technician("T-1", at=NEARBY), technician("T-2", at=DATONG))
    place(plan, job("J-1", at=NEARBY, pinned_to="T-1"), MORNING, TRAVEL)
    plan.technicians["T-1"] = replace(plan.technicians["T-1"], qualified=frozenset({"doors"}))
    reoptimise(plan, MORNING, TRAVEL, timedelta(milliseconds=200))
    assert plan.routes["T-1"] == ["J-1"]
