import pytest

from services.parts.domain import (
    ON_THE_SHELF,
    TRANSITIONS,
    Action,
    ConsumptionSplit,
    IssuedPart,
    ReservationStatus,
    TransitionRefused,
    next_status,
    split_consumption,
)

RESERVED, APPROVED, ISSUED = ReservationStatus.RESERVED, ReservationStatus.APPROVED, \
    ReservationStatus.ISSUED
CONSUMED, RELEASED = ReservationStatus.CONSUMED, ReservationStatus.RELEASED


def test_a_line_goes_reserved_approved_issued_consumed() -> None:
    assert next_status(RESERVED, Action.APPROVE) == APPROVED
    assert next_status(APPROVED, Action.ISSUE) == ISSUED
    assert next_status(ISSUED, Action.CONSUME) == CONSUMED


def test_a_line_can_be_released_until_it_is_consumed() -> None:
    for status in (RESERVED, APPROVED, ISSUED):
        assert next_status(status, Action.RELEASE) == RELEASED
    with pytest.raises(TransitionRefused):
        next_status(CONSUMED, Action.RELEASE)


def test_repeating_a_step_is_a_no_op() -> None:
    for action, (_, target) in TRANSITIONS.items():
        assert next_status(target, action) is None


def test_parts_are_not_issued_before_the_requisition_is_approved() -> None:
    with pytest.raises(TransitionRefused) as refused:
        next_status(RESERVED, Action.ISSUE)
    assert refused.value.current == "reserved"


def test_nothing_moves_a_released_line_except_releasing_it_again() -> None:
    for action in (Action.APPROVE, Action.ISSUE, Action.CONSUME):
        with pytest.raises(TransitionRefused):
            next_status(RELEASED, action)
    assert next_status(RELEASED, Action.RELEASE) is None


def test_an_issued_line_cannot_be_approved_again() -> None:
    with pytest.raises(TransitionRefused):
        next_status(ISSUED, Action.APPROVE)


def test_only_reserved_and_approved_lines_hold_units_on_the_shelf() -> None:
    assert set(ON_THE_SHELF) == {RESERVED, APPROVED}


def test_statuses_compare_equal_to_the_strings_stored_in_the_database() -> None:
    assert next_status("reserved", Action.APPROVE) == "approved"


def issued(reservation_id: str, part: str, qty: int) -> IssuedPart:
    return IssuedPart(reservation_id, part, qty)


def test_what_was_issued_but_not_used_goes_back() -> None:
    splits = split_consumption([("BRK", 1)], [issued("r1", "BRK", 3)])
    assert splits == [ConsumptionSplit("r1", "BRK", consumed=1, returned=2)]


def test_use_is_shared_over_issued_lines_in_order_up_to_each_line() -> None:
    splits = split_consumption([("BRK", 4)], [issued("r1", "BRK", 3), issued("r2", "BRK", 3)])
    assert [(s.consumed, s.returned) for s in splits] == [(3, 0), (1, 2)]


def test_reported_lines_of_the_same_part_are_added_up() -> None:
    splits = split_consumption([("BRK", 1), ("BRK", 1)], [issued("r1", "BRK", 2)])
    assert [(s.consumed, s.returned) for s in splits] == [(2, 0)]


def test_using_more_than_was_issued_consumes_only_what_was_issued() -> None:
    splits = split_consumption([("BRK", 9)], [issued("r1", "BRK", 2)])
    assert [(s.consumed, s.returned) for s in splits] == [(2, 0)]


def test_an_issued_part_the_engineer_did_not_use_all_goes_back() -> None:
    splits = split_consumption([("HVAC", 1)], [issued("r1", "BRK", 2)])
    assert [(s.consumed, s.returned) for s in splits] == [(0, 2)]


def test_nothing_issued_means_nothing_to_settle() -> None:
    assert split_consumption([("BRK", 1)], []) == []
