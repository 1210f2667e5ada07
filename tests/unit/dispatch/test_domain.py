from datetime import UTC, datetime, timedelta

import pytest

from services.dispatch.domain import (
    Candidate,
    JobNeeds,
    Technician,
    TravelPolicy,
    choose_technician,
    haversine_km,
    qualified,
    travel_time,
)

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DATONG = (40.0768, 113.3001)
BAOTOU = (40.6574, 109.8403)
BEIJING = (39.9042, 116.4074)


def technician(
    id: str = "T-1",
    at: tuple[float, float] = DATONG,
    skills: tuple[str, ...] = ("brake",),
    certifications: tuple[str, ...] = ("brake",),
    active: bool = True,
) -> Technician:
    return Technician(
        id=id, name=f"Engineer {id}", lat=at[0], lon=at[1],
        skills=skills, certifications=certifications, active=active,
    )


def needs(
    system: str | None = "brake",
    at: tuple[float, float] = DATONG,
    onsite_due: datetime | None = NOW + timedelta(hours=8),
) -> JobNeeds:
    return JobNeeds(system=system, lat=at[0], lon=at[1], onsite_due=onsite_due)


def free(*technicians: Technician) -> list[Candidate]:
    return [Candidate(t, open_jobs=0) for t in technicians]


def test_distance_between_two_cities_matches_the_great_circle() -> None:
    # Beijing–Datong is about 265 km as the crow flies (the railway is longer).
    assert haversine_km(*BEIJING, *DATONG) == pytest.approx(265, abs=3)


def test_distance_to_the_same_point_is_zero_and_symmetric() -> None:
    assert haversine_km(*DATONG, *DATONG) == 0
    assert haversine_km(*DATONG, *BAOTOU) == pytest.approx(haversine_km(*BAOTOU, *DATONG))


def test_travel_time_is_mobilisation_plus_distance_over_speed() -> None:
    policy = TravelPolicy(speed_kmh=60, mobilisation=timedelta(minutes=30))
    assert travel_time(120, policy) == timedelta(hours=2, minutes=30)
    assert travel_time(0, policy) == timedelta(minutes=30)


def test_a_technician_needs_both_the_skill_and_the_certificate() -> None:
    assert qualified(technician(skills=("brake",), certifications=("brake",)), "brake")
    assert not qualified(technician(skills=("brake",), certifications=()), "brake")
    assert not qualified(technician(skills=(), certifications=("brake",)), "brake")
    assert not qualified(technician(skills=("hvac",), certifications=("hvac",)), "brake")


def test_skills_and_certificates_match_whatever_the_case() -> None:
    engineer = technician(skills=("Brake",), certifications=("BRAKE",))
    assert qualified(engineer, "brake")
    assert qualified(engineer, "bRaKe")


def test_an_inactive_technician_is_never_qualified() -> None:
    assert not qualified(technician(active=False), "brake")
    assert not qualified(technician(active=False), None)


def test_any_active_technician_may_go_when_the_fault_names_no_system() -> None:
    assert qualified(technician(skills=(), certifications=()), None)
    assert qualified(technician(skills=(), certifications=()), "")


def test_the_nearest_qualified_technician_is_chosen() -> None:
    near = technician("T-near", at=DATONG)
    far = technician("T-far", at=BEIJING)
    choice = choose_technician(needs(at=DATONG), free(far, near), NOW)
    assert choice is not None
    assert choice.technician.id == "T-near"
    assert choice.distance_km == 0
    assert choice.eta == NOW + timedelta(minutes=30)


def test_the_choice_reports_the_distance_and_eta_of_the_journey() -> None:
    choice = choose_technician(needs(at=DATONG), free(technician(at=BEIJING)), NOW)
    assert choice is not None
    assert choice.distance_km == pytest.approx(265, abs=3)
    expected = NOW + travel_time(haversine_km(*BEIJING, *DATONG), TravelPolicy())
    assert choice.eta == expected


def test_a_busy_technician_loses_to_a_free_one_further_away() -> None:
    busy_near = Candidate(technician("T-busy", at=DATONG), open_jobs=1)
    free_far = Candidate(technician("T-free", at=BAOTOU), open_jobs=0)
    choice = choose_technician(needs(at=DATONG), [busy_near, free_far], NOW)
    assert choice is not None
    assert choice.technician.id == "T-free"


def test_a_busy_technician_is_sent_when_nobody_free_qualifies() -> None:
    busy = Candidate(technician("T-busy"), open_jobs=2)
    unskilled = Candidate(technician("T-hvac", skills=("hvac",), certifications=("hvac",)), 0)
    choice = choose_technician(needs(), [busy, unskilled], NOW)
    assert choice is not None
    assert choice.technician.id == "T-busy"


def test_meeting_the_onsite_deadline_beats_being_free() -> None:
    # Beijing to Datong takes over 5 h: only the busy engineer in Datong makes a 2-hour deadline.
    busy_near = Candidate(technician("T-busy", at=DATONG), open_jobs=1)
    free_far = Candidate(technician("T-free", at=BEIJING), open_jobs=0)
    choice = choose_technician(
        needs(at=DATONG, onsite_due=NOW + timedelta(hours=2)), [busy_near, free_far], NOW
    )
    assert choice is not None
    assert choice.technician.id == "T-busy"


def test_when_nobody_can_meet_the_deadline_the_earliest_free_arrival_goes() -> None:
    late_due = NOW + timedelta(minutes=10)
    # Beijing is some 265 km from Datong, Baotou some 300 km.
    nearer = technician("T-beijing", at=BEIJING)
    further = technician("T-baotou", at=BAOTOU)
    choice = choose_technician(needs(at=DATONG, onsite_due=late_due), free(further, nearer), NOW)
    assert choice is not None
    assert choice.technician.id == "T-beijing"
    assert choice.eta > late_due


def test_uncertified_technicians_are_not_sent_even_when_nearest() -> None:
    uncertified_near = technician("T-near", at=DATONG, certifications=())
    certified_far = technician("T-far", at=BEIJING)
    choice = choose_technician(needs(at=DATONG), free(uncertified_near, certified_far), NOW)
    assert choice is not None
    assert choice.technician.id == "T-far"


def test_nobody_is_chosen_when_nobody_qualifies() -> None:
    candidates = free(
        technician("T-1", skills=("hvac",), certifications=("hvac",)),
        technician("T-2", active=False),
    )
    assert choose_technician(needs(system="brake"), candidates, NOW) is None
    assert choose_technician(needs(), [], NOW) is None


def test_system_matching_in_the_choice_ignores_case() -> None:
    engineer = technician(skills=("Traction",), certifications=("TRACTION",))
    choice = choose_technician(needs(system="traction"), free(engineer), NOW)
    assert choice is not None
    assert choice.technician.id == engineer.id


def test_equally_placed_technicians_are_chosen_reproducibly_by_id() -> None:
    choice = choose_technician(needs(), free(technician("T-2"), technician("T-1")), NOW)
    assert choice is not None
    assert choice.technician.id == "T-1"


def test_slower_travel_and_longer_mobilisation_push_the_eta_out() -> None:
    policy = TravelPolicy(speed_kmh=30, mobilisation=timedelta(hours=1))
    choice = choose_technician(needs(at=DATONG), free(technician(at=BEIJING)), NOW, policy)
    assert choice is not None
    distance = haversine_km(*BEIJING, *DATONG)
    assert choice.eta == NOW + timedelta(hours=1) + timedelta(hours=distance / 30)
