from datetime import UTC, datetime, timedelta

from services.quality.domain.defects import (
    Basis,
    Occurrence,
    defect_keys,
    issue_number,
    recurrence,
)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)


def on(day: float, vehicle: str, fault: str | None = None) -> Occurrence:
    return Occurrence(fault or f"F-{vehicle}-{day}", vehicle, T0 + timedelta(days=day))


def test_a_repair_is_evidence_of_its_fault_code_and_of_every_part_it_replaced() -> None:
    keys = defect_keys(" BRK-017 ", ["VALVE-2", "PAD-1", "VALVE-2", " "])
    assert keys == [(Basis.FAULT_CODE, "BRK-017"), (Basis.PART_NUMBER, "PAD-1"),
                    (Basis.PART_NUMBER, "VALVE-2")]


def test_a_repair_without_fault_code_or_parts_is_evidence_of_nothing() -> None:
    assert defect_keys(None, []) == []
    assert defect_keys("  ", []) == []


def test_three_vehicles_within_the_window_make_a_recurrence_with_all_of_them_as_evidence() -> None:
    found = [on(0, "C70-1"), on(10, "C70-2"), on(29, "C70-3")]
    evidence = recurrence(found, found[-1].occurred_at, WINDOW, 3)
    assert evidence == found


def test_two_vehicles_are_not_enough_for_a_threshold_of_three() -> None:
    found = [on(0, "C70-1"), on(1, "C70-2")]
    assert recurrence(found, found[-1].occurred_at, WINDOW, 3) is None


def test_the_same_vehicle_failing_again_counts_once_but_stays_in_the_evidence() -> None:
    found = [on(0, "C70-1"), on(2, "C70-1"), on(3, "C70-2")]
    assert recurrence(found, found[-1].occurred_at, WINDOW, 3) is None
    found.append(on(4, "C70-3"))
    evidence = recurrence(found, found[-1].occurred_at, WINDOW, 3)
    assert evidence is not None and len(evidence) == 4


def test_failures_spread_wider_than_the_window_are_no_recurrence() -> None:
    found = [on(0, "C70-1"), on(20, "C70-2"), on(31, "C70-3")]
    assert recurrence(found, found[-1].occurred_at, WINDOW, 3) is None


def test_the_window_includes_both_of_its_ends() -> None:
    found = [on(0, "C70-1"), on(15, "C70-2"), on(30, "C70-3")]
    assert recurrence(found, found[-1].occurred_at, WINDOW, 3) == found


def test_a_late_reported_failure_completes_a_recurrence_that_ends_after_it() -> None:
    # Consumed in the order 0, 20, 10: the window that holds all three ends after day 10.
    found = [on(0, "C70-1"), on(20, "C70-2"), on(10, "C70-3")]
    evidence = recurrence(found, T0 + timedelta(days=10), WINDOW, 3)
    assert evidence is not None and {o.vehicle_number for o in evidence} == {
        "C70-1", "C70-2", "C70-3"}


def test_a_recurrence_must_hold_the_failure_being_counted() -> None:
    # Days 0..2 recur on their own; the failure on day 100 is not part of that.
    found = [on(0, "C70-1"), on(1, "C70-2"), on(2, "C70-3"), on(100, "C70-4")]
    assert recurrence(found, T0 + timedelta(days=100), WINDOW, 3) is None


def test_the_evidence_is_the_earliest_qualifying_window_only() -> None:
    found = [on(0, "C70-1"), on(5, "C70-2"), on(10, "C70-3"), on(38, "C70-4")]
    evidence = recurrence(found, T0 + timedelta(days=10), WINDOW, 3)
    assert evidence == found[:3]


def test_issue_numbers_carry_the_year_and_a_zero_padded_sequence() -> None:
    assert issue_number(T0, 1) == "QI-2026-0001"
    assert issue_number(T0, 12345) == "QI-2026-12345"
