from dataclasses import replace

from services.parts.domain import (
    CANCELLABLE_BACKORDERS,
    BackorderStatus,
    HeldReservation,
    ReservationStatus,
    released_by_cancellation,
)


def held(
    reservation_id: str, stock_id: int, status: str = ReservationStatus.RESERVED, qty: int = 1
) -> HeldReservation:
    return HeldReservation(reservation_id, stock_id, "BRK-1", "BJ", "A-01", "", qty, status)


def ids(reservations: list[HeldReservation]) -> list[str]:
    return [r.reservation_id for r in reservations]


def test_a_cancellation_releases_every_reservation_still_held() -> None:
    reservations = [held("r1", 1, qty=2), held("r2", 2, qty=3)]
    assert released_by_cancellation(reservations) == reservations


def test_reservations_already_released_are_not_released_again() -> None:
    reservations = [held("r1", 1, ReservationStatus.RELEASED), held("r2", 2)]
    assert ids(released_by_cancellation(reservations)) == ["r2"]


def test_a_second_cancellation_finds_nothing_to_release() -> None:
    first = released_by_cancellation([held("r1", 1), held("r2", 2)])
    after_first = [replace(r, status=ReservationStatus.RELEASED) for r in first]
    assert released_by_cancellation(after_first) == []


def test_reservations_in_a_status_not_known_to_be_releasable_are_left_alone() -> None:
    assert released_by_cancellation([held("r1", 1, status="issued")]) == []


def test_a_fault_without_reservations_releases_nothing() -> None:
    assert released_by_cancellation([]) == []


def test_bins_are_released_in_stock_order_like_reservations_lock_them() -> None:
    reservations = [held("r3", 9), held("r1", 2), held("r2", 2), held("r0", 5)]
    assert ids(released_by_cancellation(reservations)) == ["r1", "r2", "r0", "r3"]


def test_statuses_compare_equal_to_the_strings_stored_in_the_database() -> None:
    assert ids(released_by_cancellation([held("r1", 1, status="reserved")])) == ["r1"]


def test_only_open_backorders_are_cancelled() -> None:
    assert set(CANCELLABLE_BACKORDERS) == {BackorderStatus.OPEN}
    assert BackorderStatus.CANCELLED not in CANCELLABLE_BACKORDERS
