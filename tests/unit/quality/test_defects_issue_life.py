from datetime import UTC, datetime, timedelta

import pytest

from services.quality.domain.defects import (
    ActionKind,
    ActionStatus,
    InvalidFix,
    IssueConflict,
    IssueStatus,
    check_closure,
    check_fix,
    check_not_closed,
    corrective_done,
    move_action,
    reopens,
)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)
WINDOW = timedelta(days=30)


def test_an_occurrence_after_the_fix_reopens_an_issue_under_verification_or_closed() -> None:
    assert reopens(IssueStatus.VERIFYING, T0, T0 + DAY)
    assert reopens(IssueStatus.CLOSED, T0, T0 + 90 * DAY)


def test_an_occurrence_reported_late_from_before_the_fix_reopens_nothing() -> None:
    assert not reopens(IssueStatus.VERIFYING, T0, T0 - DAY)


def test_an_issue_still_being_worked_on_only_gathers_evidence() -> None:
    assert not reopens(IssueStatus.OPEN, None, T0)
    assert not reopens(IssueStatus.REOPENED, T0, T0 + DAY)


def test_actions_move_forward_and_repeating_a_status_is_a_no_op() -> None:
    assert move_action(ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
    assert move_action(ActionStatus.IN_PROGRESS, ActionStatus.DONE)
    assert move_action(ActionStatus.OPEN, ActionStatus.DONE)
    assert not move_action(ActionStatus.DONE, ActionStatus.DONE)


def test_an_action_done_cannot_go_back() -> None:
    with pytest.raises(IssueConflict) as refused:
        move_action(ActionStatus.DONE, ActionStatus.IN_PROGRESS)
    assert refused.value.facts == {"current_status": "done"}


def test_a_closed_issue_takes_no_more_actions_but_one_under_verification_does() -> None:
    check_not_closed(IssueStatus.VERIFYING)
    with pytest.raises(IssueConflict):
        check_not_closed(IssueStatus.CLOSED)


def test_only_a_corrective_action_done_in_the_current_round_allows_a_fix() -> None:
    reopened_at = T0 + 10 * DAY
    assert corrective_done([(ActionKind.CORRECTIVE, ActionStatus.DONE, T0 + 11 * DAY)],
                           reopened_at)
    assert not corrective_done([(ActionKind.CORRECTIVE, ActionStatus.DONE, T0 + DAY)],
                               reopened_at)
    assert not corrective_done([(ActionKind.PREVENTIVE, ActionStatus.DONE, T0 + 11 * DAY)],
                               reopened_at)
    assert not corrective_done([(ActionKind.CORRECTIVE, ActionStatus.IN_PROGRESS, None)], T0)


def test_a_fix_without_a_corrective_action_done_is_refused() -> None:
    with pytest.raises(IssueConflict):
        check_fix(IssueStatus.OPEN, T0, T0 + DAY, corrective_done=False, last_occurrence=None)


def test_a_fix_is_recorded_once_until_the_defect_recurs() -> None:
    with pytest.raises(IssueConflict) as refused:
        check_fix(IssueStatus.VERIFYING, T0, T0 + DAY, corrective_done=True,
                  last_occurrence=None)
    assert refused.value.facts == {"issue_status": "verifying"}
    check_fix(IssueStatus.REOPENED, T0, T0 + DAY, corrective_done=True, last_occurrence=None)


def test_a_fix_in_the_future_or_before_a_known_occurrence_is_invalid() -> None:
    with pytest.raises(InvalidFix) as future:
        check_fix(IssueStatus.OPEN, T0 + DAY, T0, corrective_done=True, last_occurrence=None)
    with pytest.raises(InvalidFix) as early:
        check_fix(IssueStatus.OPEN, T0, T0 + DAY, corrective_done=True,
                  last_occurrence=T0 + DAY / 2)
    assert future.value.field == early.value.field == "fixed_at"


def test_closing_without_a_fix_fails() -> None:
    with pytest.raises(IssueConflict) as refused:
        check_closure(IssueStatus.OPEN, None, None, T0, WINDOW)
    assert refused.value.facts == {"issue_status": "open"}


def test_closing_before_the_window_after_the_fix_elapsed_fails_and_says_when_it_can() -> None:
    with pytest.raises(IssueConflict) as refused:
        check_closure(IssueStatus.VERIFYING, T0, None, T0 + 29 * DAY, WINDOW)
    assert refused.value.facts["verifiable_from"] == (T0 + WINDOW).isoformat()


def test_closing_after_a_recurrence_following_the_fix_fails() -> None:
    with pytest.raises(IssueConflict) as refused:
        check_closure(IssueStatus.VERIFYING, T0, T0 + DAY, T0 + 31 * DAY, WINDOW)
    assert refused.value.facts["recurred_at"] == (T0 + DAY).isoformat()


def test_a_clean_elapsed_window_after_the_fix_verifies_the_closure() -> None:
    check_closure(IssueStatus.VERIFYING, T0, None, T0 + WINDOW, WINDOW)
