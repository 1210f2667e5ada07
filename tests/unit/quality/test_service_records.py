from datetime import UTC, datetime, timedelta

from services.quality.domain.records import (
    ClockOutcome,
    Milestones,
    RecordStatus,
    clock_outcomes,
    labour_hours,
    parts_cost,
    repair_hours,
    status_of,
)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def milestones(**known: datetime) -> Milestones:
    fields = {"acknowledged_at": None, "on_site_at": None, "completed_at": None,
              "closed_at": None, "cancelled_at": None}
    return Milestones(**(fields | known))


def test_a_record_is_open_until_the_engineer_reports_the_repair_done() -> None:
    assert status_of(milestones(on_site_at=T0)) is RecordStatus.OPEN
    assert status_of(milestones(completed_at=T0)) is RecordStatus.COMPLETED
    assert status_of(milestones(completed_at=T0, closed_at=T0)) is RecordStatus.CLOSED


def test_a_cancellation_wins_over_any_other_milestone() -> None:
    assert status_of(milestones(on_site_at=T0, cancelled_at=T0)) is RecordStatus.CANCELLED


def test_a_clock_is_breached_when_intake_said_so_even_if_its_milestone_came_later() -> None:
    outcomes = clock_outcomes(milestones(acknowledged_at=T0, on_site_at=T0), {"onsite"})
    assert outcomes == {"respond": ClockOutcome.MET, "onsite": ClockOutcome.BREACHED,
                        "resolve": ClockOutcome.OPEN}


def test_the_resolve_clock_is_met_by_the_completion_or_the_closure() -> None:
    assert clock_outcomes(milestones(closed_at=T0), set())["resolve"] is ClockOutcome.MET
    assert clock_outcomes(milestones(completed_at=T0), set())["resolve"] is ClockOutcome.MET


def test_labour_is_the_time_on_site_and_zero_when_a_time_is_missing() -> None:
    assert labour_hours(T0, T0 + timedelta(minutes=90)) == 1.5
    assert labour_hours(None, T0) == 0.0
    assert labour_hours(T0 + timedelta(hours=1), T0) == 0.0


def test_repair_time_runs_from_the_report_to_the_completion() -> None:
    assert repair_hours(T0, T0 + timedelta(hours=6)) == 6.0
    assert repair_hours(None, T0) is None


def test_consumed_parts_are_charged_at_catalogue_cost_and_unknown_costs_at_zero() -> None:
    lines: list[dict[str, object]] = [
        {"part_number": "BV-1", "consumed": 2, "unit_cost": 1250.5},
        {"part_number": "GS-9", "consumed": 3, "unit_cost": None},
        {"part_number": "PAD", "consumed": 0, "unit_cost": 80.0},
    ]
    assert parts_cost(lines) == 2501.0
