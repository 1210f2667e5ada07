import pytest

from services.dispatch.domain.status import (
    OPEN_STATUSES,
    Action,
    JobStatus,
    Step,
    can_reassign,
    can_withdraw,
    step,
)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("assigned", Action.ACCEPT),
        ("accepted", Action.DEPART),
        ("en_route", Action.ARRIVE),
        ("on_site", Action.COMPLETE),
    ],
)
def test_the_app_walks_accept_depart_arrive_complete(status: str, action: Action) -> None:
    assert step(status, action) is Step.APPLY


def test_departing_without_accepting_first_is_allowed() -> None:
    assert step("assigned", Action.DEPART) is Step.APPLY


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("assigned", Action.COMPLETE),
        ("assigned", Action.ARRIVE),
        ("accepted", Action.ARRIVE),
        ("accepted", Action.COMPLETE),
        ("en_route", Action.ACCEPT),
        ("en_route", Action.COMPLETE),
        ("on_site", Action.DEPART),
        ("completed", Action.ACCEPT),
        ("unassigned", Action.ACCEPT),
    ],
)
def test_an_action_out_of_order_is_rejected(status: str, action: Action) -> None:
    assert step(status, action) is Step.REJECT


def test_an_action_the_job_already_went_through_is_a_harmless_repeat() -> None:
    assert step("accepted", Action.ACCEPT) is Step.REPEAT
    assert step("en_route", Action.DEPART) is Step.REPEAT
    assert step("on_site", Action.ARRIVE) is Step.REPEAT
    assert step("completed", Action.COMPLETE) is Step.REPEAT


def test_a_job_can_be_declined_until_the_engineer_sets_off() -> None:
    assert step("assigned", Action.DECLINE) is Step.APPLY
    assert step("accepted", Action.DECLINE) is Step.APPLY
    assert step("en_route", Action.DECLINE) is Step.REJECT
    assert step("on_site", Action.DECLINE) is Step.REJECT


def test_nothing_acts_on_a_withdrawn_job() -> None:
    assert all(step("withdrawn", action) is Step.REJECT for action in Action)


def test_an_open_job_is_withdrawn_when_its_fault_is_cancelled_but_a_finished_one_is_not() -> None:
    for status in ("unassigned", "assigned", "accepted", "en_route", "on_site"):
        assert can_withdraw(status)
    assert not can_withdraw(JobStatus.WITHDRAWN)
    assert not can_withdraw(JobStatus.COMPLETED)


def test_a_dispatcher_may_send_someone_else_until_the_engineer_is_on_site() -> None:
    for status in ("unassigned", "assigned", "accepted", "en_route"):
        assert can_reassign(status)
    for status in ("on_site", "completed", "withdrawn"):
        assert not can_reassign(status)


def test_unassigned_and_finished_jobs_keep_nobody_busy() -> None:
    for status in (JobStatus.UNASSIGNED, JobStatus.COMPLETED, JobStatus.WITHDRAWN):
        assert status not in OPEN_STATUSES
