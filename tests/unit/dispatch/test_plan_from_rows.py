"""How stored technicians and jobs become the scheduler's model (no database: rows in memory)."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.dispatch.config import DispatchSettings
from services.dispatch.models import DispatchJob, DispatchTechnician
from services.dispatch.plan_state import as_job, origin, pinned, windows_of
from services.dispatch.visits import journey, stay, stored_visit

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
SETTINGS = DispatchSettings(travel_speed_kmh=60, onsite_repair_minutes=120,
                            factory_return_minutes=60, position_max_age_hours=12)
SITE = (39.86, 116.29)


def job(**overrides: Any) -> DispatchJob:
    fields: dict[str, Any] = {
        "id": "J-1", "fault_id": "F-1", "fault_number": "FR-1", "kind": "onsite_repair",
        "severity": "B", "system": "brake", "required_skill": "brake", "depot_id": "D-BJ",
        "site_code": "BJ-FENGTAI", "lat": SITE[0], "lon": SITE[1], "reported_at": NOW,
        "onsite_due": NOW + timedelta(hours=8), "status": "assigned", "technician_id": "T-1",
        "assigned_by": "planner", "declined_by": [],
    }
    return DispatchJob(**(fields | overrides))


def technician(**overrides: Any) -> DispatchTechnician:
    fields: dict[str, Any] = {
        "id": "T-1", "name": "Zhang Wei", "station": "Beijing", "lat": 39.95, "lon": 116.30,
        "skills": ["brake"], "certifications": ["brake"], "regions": ["D-BJ"], "shift": {},
        "status": "available",
    }
    return DispatchTechnician(**(fields | overrides))


def test_an_offered_job_may_still_move_to_someone_else() -> None:
    planned = as_job(job(status="assigned"), SETTINGS)
    assert planned.pinned_to is None and not planned.started


@pytest.mark.parametrize("status", ["accepted", "en_route", "on_site"])
def test_an_accepted_or_started_job_is_pinned_to_its_engineer(status: str) -> None:
    assert as_job(job(status=status), SETTINGS).pinned_to == "T-1"


def test_a_dispatchers_choice_is_pinned_even_before_it_is_accepted() -> None:
    assert pinned(job(assigned_by="dispatcher"))
    assert as_job(job(assigned_by="dispatcher"), SETTINGS).pinned_to == "T-1"


def test_only_jobs_the_engineer_set_off_for_are_started() -> None:
    assert as_job(job(status="en_route"), SETTINGS).started
    assert as_job(job(status="on_site"), SETTINGS).started
    assert not as_job(job(status="accepted"), SETTINGS).started


def test_the_job_carries_its_skill_region_decliners_and_parts() -> None:
    ready = NOW + timedelta(hours=3)
    planned = as_job(job(declined_by=["T-2"], parts_ready_at=ready), SETTINGS)
    assert planned.skill == "brake" and planned.region == "D-BJ"
    assert planned.declined_by == {"T-2"} and planned.parts_ready_at == ready
    assert planned.service_time == timedelta(hours=2)


def test_a_factory_return_waits_for_no_parts_and_takes_its_own_time() -> None:
    planned = as_job(job(kind="factory_return", severity="A", parts_ready_at=NOW), SETTINGS)
    assert planned.parts_ready_at is None
    assert planned.service_time == timedelta(hours=1)


def test_a_technician_starts_from_a_recent_position_else_from_the_station() -> None:
    recent = technician(position_lat=40.0, position_lon=116.5, position_at=NOW - timedelta(hours=1))
    stale = technician(position_lat=40.0, position_lon=116.5, position_at=NOW - timedelta(days=1))
    assert origin(recent, NOW, SETTINGS) == (40.0, 116.5)
    assert origin(stale, NOW, SETTINGS) == (39.95, 116.30)
    assert origin(technician(), NOW, SETTINGS) == (39.95, 116.30)


def test_an_off_duty_technician_has_no_windows_until_reporting_again() -> None:
    off = technician(status="off_duty", status_at=NOW - timedelta(hours=1))
    assert windows_of(off, NOW, timedelta(hours=72)) == ()
    assert windows_of(technician(), NOW, timedelta(hours=72)) == ((NOW, NOW + timedelta(hours=72)),)


def test_a_calendar_stored_before_calendars_were_checked_counts_as_always_available() -> None:
    legacy = technician(shift={"start": "morning", "end": "evening"})
    assert windows_of(legacy, NOW, timedelta(hours=8)) == ((NOW, NOW + timedelta(hours=8)),)


def test_once_departed_the_eta_is_the_drive_from_where_the_engineer_set_off() -> None:
    ten_km_north = (SITE[0] + 10 / 111.2, SITE[1])
    visit = journey(job(), "T-1", NOW, ten_km_north, SETTINGS)
    assert visit.travel == pytest.approx(timedelta(minutes=10), abs=timedelta(seconds=5))
    assert visit.arrive == NOW + visit.travel == visit.start
    assert visit.end == visit.start + timedelta(hours=2)


def test_an_engineer_arriving_before_the_parts_starts_when_they_come() -> None:
    ready = NOW + timedelta(hours=2)
    visit = journey(job(parts_ready_at=ready), "T-1", NOW, SITE, SETTINGS)
    assert visit.arrive == NOW and visit.start == ready


def test_on_site_the_work_runs_from_the_arrival() -> None:
    arrived = NOW + timedelta(minutes=40)
    visit = stay(job(departed_at=NOW), "T-1", arrived, SETTINGS)
    assert (visit.arrive, visit.start, visit.travel) == (arrived, arrived, timedelta(minutes=40))
    assert visit.end == arrived + timedelta(hours=2)


def test_the_stored_plan_of_a_job_is_its_visit() -> None:
    eta = NOW + timedelta(hours=1)
    row = job(eta=eta, planned_start=eta, planned_end=eta + timedelta(hours=2),
              travel_seconds=1800)
    visit = stored_visit(row)
    assert visit is not None
    assert (visit.arrive, visit.travel) == (eta, timedelta(minutes=30))
    assert stored_visit(job(technician_id=None, status="unassigned")) is None
