from dataclasses import replace
from datetime import timedelta

from services.dispatch.scheduling import (
    GreatCircleTravel,
    MatrixTravel,
    place,
    remove,
    reoptimise,
    update_job,
    validate,
)

from .scenarios import BAOTOU, DATONG, MORNING, hours, job, plan_of, technician

TRAVEL = GreatCircleTravel()
NEARBY = (40.10, 113.35)


def test_nobody_uncertified_is_sent_and_the_job_waits_unassigned() -> None:
    plan = plan_of(technician("T-1", qualified=("hvac",)))
    decision = place(plan, job("J-1", skill="brake"), MORNING, TRAVEL)
    assert decision.technician_id is None and decision.eta is None
    assert plan.unassigned == ["J-1"]
    assert validate(plan) == []


def test_the_certified_technician_is_chosen_even_when_farther() -> None:
    plan = plan_of(
        technician("T-near", at=DATONG, qualified=("hvac",)),
        technician("T-far", at=BAOTOU, qualified=("brake",)),
    )
    decision = place(plan, job("J-1", at=NEARBY), MORNING, TRAVEL)
    assert decision.technician_id == "T-far"


def test_the_engineer_arrives_when_the_parts_are_ready_not_before() -> None:
    plan = plan_of(technician("T-1"))
    ready = MORNING + hours(3)
    decision = place(plan, job("J-1", at=NEARBY, parts_ready_at=ready), MORNING, TRAVEL)
    assert decision.eta == ready
    visit = plan.visits["J-1"]
    assert visit.start == ready and visit.arrive - visit.travel > MORNING


def test_a_later_parts_eta_re_times_the_visit() -> None:
    plan = plan_of(technician("T-1"))
    place(plan, job("J-1", at=NEARBY), MORNING, TRAVEL)
    later = MORNING + hours(5)
    changed = update_job(plan, job("J-1", at=NEARBY, parts_ready_at=later), MORNING, TRAVEL)
    assert changed["J-1"].arrive == later
    assert validate(plan) == []


def test_a_job_reported_after_the_shift_waits_for_the_next_window() -> None:
    first = (MORNING, MORNING + hours(12))
    second = (MORNING + hours(24), MORNING + hours(36))
    plan = plan_of(technician("T-1", shifts=(first, second)))
    late_evening = MORNING + hours(11.9)
    decision = place(plan, job("J-1", at=NEARBY, reported=late_evening), late_evening, TRAVEL)
    visit = plan.visits["J-1"]
    assert decision.eta is not None and decision.eta > second[0]
    assert visit.arrive - visit.travel == second[0]


def test_the_drive_must_reach_the_site_before_the_window_ends() -> None:
    window = (MORNING, MORNING + hours(1))
    plan = plan_of(technician("T-1", at=BAOTOU, shifts=(window,)))
    decision = place(plan, job("J-1", at=DATONG), MORNING, TRAVEL)
    assert decision.technician_id is None


def test_service_may_run_past_the_end_of_the_window() -> None:
    window = (MORNING, MORNING + hours(1))
    plan = plan_of(technician("T-1", shifts=(window,)))
    place(plan, job("J-1", at=NEARBY, service_time=hours(3)), MORNING, TRAVEL)
    assert plan.visits["J-1"].end > window[1]
    assert validate(plan) == []


def test_an_urgent_fault_takes_the_place_of_a_queued_minor_one() -> None:
    plan = plan_of(
        technician("T-here", at=DATONG),
        technician("T-away", at=BAOTOU),
    )
    # The local engineer's day is full of C faults; the B fault can only be reached in time from
    # Datong, so a C fault moves to the engineer from Baotou (C has slack there too).
    for index in range(3):
        minor = job(f"C-{index}", at=NEARBY, severity="C", service_time=hours(2))
        place(plan, minor, MORNING, TRAVEL)
    urgent = job("B-1", at=NEARBY, reported=MORNING, onsite_due=MORNING + hours(2))
    decision = place(plan, urgent, MORNING, TRAVEL)
    assert decision.technician_id == "T-here" and decision.meets_onsite_due
    assert [visit.technician_id for visit in decision.moved.values()] == ["T-away"]
    assert all(visit.arrive <= plan.jobs[id].onsite_due for id, visit in plan.visits.items())
    assert validate(plan) == []


def test_an_accepted_job_is_never_moved_to_someone_else() -> None:
    plan = plan_of(technician("T-1", at=BAOTOU), technician("T-2", at=DATONG))
    accepted = job("J-1", at=NEARBY, pinned_to="T-1")
    decision = place(plan, accepted, MORNING, TRAVEL)
    assert decision.technician_id == "T-1"
    reoptimise(plan, MORNING, TRAVEL, timedelta(seconds=1))
    assert plan.visits["J-1"].technician_id == "T-1"


def test_a_started_job_stays_at_the_head_of_its_queue() -> None:
    plan = plan_of(technician("T-1"))
    place(plan, job("J-far", at=BAOTOU), MORNING, TRAVEL)
    place(plan, job("J-near", at=NEARBY), MORNING, TRAVEL)
    first = plan.routes["T-1"][0]
    update_job(plan, replace(plan.jobs[first], started=True, pinned_to="T-1"), MORNING, TRAVEL)
    place(plan, job("J-next", at=DATONG), MORNING + hours(1), TRAVEL)
    reoptimise(plan, MORNING + hours(1), TRAVEL, timedelta(seconds=1))
    assert plan.routes["T-1"][0] == first
    assert validate(plan) == []


def test_a_declined_job_is_not_offered_to_the_same_engineer_again() -> None:
    plan = plan_of(technician("T-1", at=DATONG), technician("T-2", at=BAOTOU))
    decision = place(plan, job("J-1", at=NEARBY), MORNING, TRAVEL)
    assert decision.technician_id == "T-1"
    declined = job("J-1", at=NEARBY, declined_by=frozenset({"T-1"}))
    assert place(plan, declined, MORNING, TRAVEL).technician_id == "T-2"


def test_removing_a_job_brings_the_next_one_forward() -> None:
    plan = plan_of(technician("T-1"))
    place(plan, job("J-1", at=NEARBY), MORNING, TRAVEL)
    place(plan, job("J-2", at=DATONG), MORNING, TRAVEL)
    second = plan.routes["T-1"][1]
    eta = plan.visits[second].arrive
    changed = remove(plan, plan.routes["T-1"][0], MORNING, TRAVEL)
    assert changed[second].arrive < eta
    assert validate(plan) == []


def test_reoptimise_hands_a_job_to_an_engineer_who_came_on_duty_nearer() -> None:
    plan = plan_of(technician("T-1", at=DATONG))
    place(plan, job("J-1", at=(40.6, 109.9)), MORNING, TRAVEL)
    plan.technicians["T-2"] = technician("T-2", at=BAOTOU)
    changed = reoptimise(plan, MORNING, TRAVEL, timedelta(milliseconds=200))
    assert changed["J-1"].technician_id == "T-2"
    assert validate(plan) == []


def test_the_regions_engineer_is_preferred_when_it_costs_no_sla() -> None:
    plan = plan_of(
        technician("T-other", at=DATONG),
        technician("T-local", at=(40.12, 113.30), regions=("大同车辆段",)),
    )
    decision = place(plan, job("J-1", at=(40.09, 113.30), region="大同车辆段"), MORNING, TRAVEL)
    assert decision.technician_id == "T-local"


def test_a_travel_matrix_is_used_where_it_has_the_pair() -> None:
    matrix = MatrixTravel({(DATONG, BAOTOU): timedelta(hours=7)})
    assert matrix.duration(*DATONG, *BAOTOU) == timedelta(hours=7)
    assert matrix.duration(*BAOTOU, *DATONG) == TRAVEL.duration(*BAOTOU, *DATONG)


def test_great_circle_travel_adds_mobilisation_to_the_drive() -> None:
    travel = GreatCircleTravel(speed_kmh=60, mobilisation=timedelta(minutes=30))
    one_hour_away = (DATONG[0] + 60 / 111.2, DATONG[1])
    assert abs(travel.duration(*DATONG, *one_hour_away) - hours(1.5)) < timedelta(minutes=1)


def test_accepting_a_job_moves_it_to_the_engineer_who_accepted() -> None:
    plan = plan_of(technician("T-1", at=DATONG), technician("T-2", at=BAOTOU))
    place(plan, job("J-1", at=NEARBY), MORNING, TRAVEL)
    assert plan.visits["J-1"].technician_id == "T-1"
    changed = update_job(plan, job("J-1", at=NEARBY, pinned_to="T-2"), MORNING, TRAVEL)
    assert changed["J-1"].technician_id == "T-2"
    assert validate(plan) == []


def test_parts_slipping_after_departure_make_the_engineer_wait_on_site() -> None:
    plan = plan_of(technician("T-1"))
    place(plan, job("J-1", at=NEARBY), MORNING, TRAVEL)
    visit = plan.visits["J-1"]
    departed = visit.arrive - visit.travel
    on_the_way = job("J-1", at=NEARBY, started=True, pinned_to="T-1")
    update_job(plan, on_the_way, departed, TRAVEL)
    slipped = replace(on_the_way, parts_ready_at=visit.arrive + hours(1))
    update_job(plan, slipped, departed, TRAVEL)
    assert plan.visits["J-1"].arrive == visit.arrive
    assert plan.visits["J-1"].start == visit.arrive + hours(1)
    assert validate(plan) == []
