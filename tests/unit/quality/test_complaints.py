from datetime import UTC, datetime, timedelta

import pytest

from services.quality.domain.complaints import (
    REQUIRED_TO_CLOSE,
    ComplaintClosed,
    ComplaintError,
    ComplaintIncomplete,
    ComplaintStatus,
    check_dates,
    close,
    complaint_number,
    is_overdue,
    status_after_recording,
)

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def test_register_numbers_carry_the_year_and_a_four_digit_running_number() -> None:
    assert complaint_number(2026, 1) == "CP-2026-0001"
    assert complaint_number(2026, 42) == "CP-2026-0042"
    assert complaint_number(2027, 12345) == "CP-2027-12345"


def test_a_complaint_with_nothing_recorded_stays_received() -> None:
    assert status_after_recording(ComplaintStatus.RECEIVED, ()) is ComplaintStatus.RECEIVED


def test_recording_a_finding_starts_the_investigation() -> None:
    for finding in ("root_cause", "improvement", "prevention", "compensation"):
        assert (status_after_recording(ComplaintStatus.RECEIVED, {finding})
                is ComplaintStatus.INVESTIGATING)


def test_recording_the_immediate_fix_resolves_the_complaint() -> None:
    for current in (ComplaintStatus.RECEIVED, ComplaintStatus.INVESTIGATING):
        assert (status_after_recording(current, {"root_cause", "immediate_fix"})
                is ComplaintStatus.RESOLVED)


def test_the_status_never_moves_back() -> None:
    assert (status_after_recording(ComplaintStatus.RESOLVED, {"root_cause"})
            is ComplaintStatus.RESOLVED)
    assert (status_after_recording(ComplaintStatus.INVESTIGATING, ())
            is ComplaintStatus.INVESTIGATING)


def test_a_closed_complaint_takes_no_more_findings() -> None:
    with pytest.raises(ComplaintClosed):
        status_after_recording(ComplaintStatus.CLOSED, {"root_cause"})


def test_closing_needs_root_cause_immediate_fix_improvement_and_prevention() -> None:
    assert close(ComplaintStatus.RESOLVED, set(REQUIRED_TO_CLOSE)) is ComplaintStatus.CLOSED
    with pytest.raises(ComplaintIncomplete) as error:
        close(ComplaintStatus.RESOLVED, {"root_cause", "immediate_fix"})
    assert error.value.missing == ["improvement", "prevention"]


def test_compensation_is_not_needed_to_close_because_it_is_owed_only_sometimes() -> None:
    assert "compensation" not in REQUIRED_TO_CLOSE


def test_a_closed_complaint_cannot_be_closed_again() -> None:
    with pytest.raises(ComplaintClosed):
        close(ComplaintStatus.CLOSED, set(REQUIRED_TO_CLOSE))


def test_a_complaint_is_overdue_past_its_deadline_until_it_is_closed() -> None:
    past = NOW - timedelta(days=1)
    assert is_overdue(ComplaintStatus.INVESTIGATING, past, NOW)
    assert is_overdue(ComplaintStatus.RESOLVED, past, NOW)
    assert not is_overdue(ComplaintStatus.CLOSED, past, NOW)
    assert not is_overdue(ComplaintStatus.RECEIVED, NOW + timedelta(days=1), NOW)
    assert not is_overdue(ComplaintStatus.RECEIVED, None, NOW)


def test_a_complaint_cannot_be_received_in_the_future_or_be_due_before_it_arrived() -> None:
    check_dates(NOW - timedelta(days=1), NOW + timedelta(days=7), NOW)
    with pytest.raises(ComplaintError) as error:
        check_dates(NOW + timedelta(hours=1), None, NOW)
    assert error.value.field == "received_at"
    with pytest.raises(ComplaintError) as error:
        check_dates(NOW, NOW - timedelta(hours=1), NOW)
    assert error.value.field == "deadline"
