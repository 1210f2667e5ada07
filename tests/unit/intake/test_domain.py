from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.intake.domain import (
    FaultStatus,
    Responsibility,
    Severity,
    SlaPolicy,
    add_months,
    advance,
    classify,
    clock_state,
    fault_number,
    in_warranty,
    responsibility_hint,
    sla_due,
)

BEIJING = timezone(timedelta(hours=8))


def test_explicit_severity_wins_over_every_other_hint() -> None:
    assert classify(Severity.C, can_run=False, repairable_on_site=False,
                    fault_code="AXLE-1", system="brake") is Severity.C


@pytest.mark.parametrize(
    ("can_run", "repairable", "expected"),
    [(False, False, Severity.A), (False, True, Severity.B), (False, None, Severity.B),
     (True, None, Severity.C), (True, False, Severity.C)],
)
def test_can_run_and_repairable_on_site_decide_the_class(
    can_run: bool, repairable: bool | None, expected: Severity
) -> None:
    assert classify(None, can_run, repairable, None, None) is expected


def test_fault_code_table_is_used_when_the_depot_gave_no_answers() -> None:
    assert classify(None, None, None, "bogie-crack-07", "hvac") is Severity.A
    assert classify(None, None, None, "HVAC-12", None) is Severity.C


def test_system_table_is_used_when_the_code_is_unknown() -> None:
    assert classify(None, None, None, "ZZZ-1", "Door") is Severity.C
    assert classify(None, None, None, None, "brake") is Severity.B


def test_unknown_fault_is_b_never_silently_c() -> None:
    assert classify(None, None, None, None, None) is Severity.B
    assert classify(None, None, None, "NEVER-SEEN", "teleporter") is Severity.B


def test_months_are_added_by_calendar_and_clamped_to_month_end() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 11, 15), 14) == date(2026, 1, 15)


def test_warranty_covers_until_the_day_before_it_ends() -> None:
    delivered = date(2024, 2, 29)
    last_day = datetime(2025, 2, 27, 23, 59, tzinfo=UTC)
    end_day = datetime(2025, 2, 28, 0, 0, tzinfo=UTC)
    assert in_warranty(delivered, 12, last_day)
    assert not in_warranty(delivered, 12, end_day)


def test_warranty_uses_the_local_date_of_the_report() -> None:
    # 2025-03-01 00:30 in Beijing is still 2025-02-28 in UTC: the depot's date counts.
    reported = datetime(2025, 3, 1, 0, 30, tzinfo=BEIJING)
    assert not in_warranty(date(2024, 3, 1), 12, reported)
    assert in_warranty(date(2024, 3, 1), 12, reported - timedelta(hours=1))


def test_a_fault_before_delivery_is_not_covered() -> None:
    assert not in_warranty(date(2025, 1, 10), 24, datetime(2025, 1, 9, tzinfo=UTC))


def test_responsibility_hint_follows_warranty() -> None:
    assert responsibility_hint(True) is Responsibility.MANUFACTURER
    assert responsibility_hint(False) is Responsibility.OPERATOR
    assert responsibility_hint(None) is Responsibility.UNKNOWN


def test_sla_due_times_count_from_the_report_in_its_own_offset() -> None:
    reported = datetime(2026, 2, 28, 20, 0, tzinfo=BEIJING)
    due = sla_due(reported, SlaPolicy())
    assert due.respond_due == datetime(2026, 2, 28, 22, 0, tzinfo=BEIJING)
    assert due.onsite_due == datetime(2026, 2, 28, 20, 0, tzinfo=UTC)  # across midnight
    assert due.resolve_due == datetime(2026, 3, 1, 20, 0, tzinfo=BEIJING)


def test_a_clock_met_exactly_at_its_due_time_is_met() -> None:
    due = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert clock_state(due, due, now=due + timedelta(days=1)) == "met"
    assert clock_state(due, due + timedelta(microseconds=1), now=due) == "breached"
    assert clock_state(due, None, now=due) == "open"
    assert clock_state(due, None, now=due + timedelta(seconds=1)) == "breached"


def test_status_never_moves_backwards() -> None:
    assert advance(FaultStatus.DISPATCHED, FaultStatus.PARTS_RESERVED) is FaultStatus.DISPATCHED
    assert advance(FaultStatus.REPORTED, FaultStatus.ON_SITE) is FaultStatus.ON_SITE


def test_closed_and_cancelled_faults_stay_put() -> None:
    assert advance(FaultStatus.CANCELLED, FaultStatus.DISPATCHED) is FaultStatus.CANCELLED
    assert advance(FaultStatus.CLOSED, FaultStatus.CANCELLED) is FaultStatus.CLOSED
    assert advance(FaultStatus.ON_SITE, FaultStatus.CANCELLED) is FaultStatus.CANCELLED


def test_fault_number_carries_the_report_date_and_sequence() -> None:
    assert fault_number(datetime(2026, 11, 27, 9, tzinfo=UTC), 123) == "FR-20261127-000123"
