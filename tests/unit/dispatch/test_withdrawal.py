from services.dispatch.domain import OPEN_STATUSES, JobStatus, can_reassign, can_withdraw


def test_an_assigned_or_unassigned_job_is_withdrawn_when_its_fault_is_cancelled() -> None:
    assert can_withdraw(JobStatus.ASSIGNED)
    assert can_withdraw(JobStatus.UNASSIGNED)


def test_a_withdrawn_job_is_not_withdrawn_again_so_a_second_cancel_changes_nothing() -> None:
    assert not can_withdraw(JobStatus.WITHDRAWN)


def test_the_rules_read_the_status_as_stored_in_the_database() -> None:
    assert can_withdraw("assigned")
    assert not can_withdraw("withdrawn")
    assert not can_reassign("withdrawn")


def test_nobody_can_be_sent_to_a_withdrawn_job() -> None:
    assert not can_reassign(JobStatus.WITHDRAWN)


def test_a_job_still_to_be_done_can_be_reassigned() -> None:
    assert can_reassign(JobStatus.ASSIGNED)
    assert can_reassign(JobStatus.UNASSIGNED)


def test_a_withdrawn_job_leaves_its_technician_free_for_new_faults() -> None:
    assert JobStatus.WITHDRAWN not in OPEN_STATUSES
