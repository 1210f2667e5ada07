"""The requisition (领用单) lifecycle: reserved → approved → issued → consumed | released."""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ReservationStatus(StrEnum):
    RESERVED = "reserved"  # set aside on the shelf
    APPROVED = "approved"  # the requisition is approved; may leave the warehouse
    ISSUED = "issued"  # off the shelf, with the engineer
    CONSUMED = "consumed"  # the job is done: used parts consumed, the rest returned
    RELEASED = "released"  # given back (cancelled, manual, unused, quarantined)


class Action(StrEnum):
    APPROVE = "approve"
    ISSUE = "issue"
    CONSUME = "consume"
    RELEASE = "release"


class ReleaseReason(StrEnum):
    FAULT_CANCELLED = "fault_cancelled"
    MANUAL = "manual"
    JOB_COMPLETED_UNUSED = "job_completed_unused"
    QUARANTINE = "quarantine"


class BackorderStatus(StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class TransferStatus(StrEnum):
    REQUESTED = "requested"
    SHIPPED = "shipped"  # its reservation was issued: the goods left the source warehouse
    CANCELLED = "cancelled"  # its reservation was released before it was issued


# action -> (statuses it may start from, the status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[ReservationStatus], ReservationStatus]] = {
    Action.APPROVE: (frozenset({ReservationStatus.RESERVED}), ReservationStatus.APPROVED),
    Action.ISSUE: (frozenset({ReservationStatus.APPROVED}), ReservationStatus.ISSUED),
    Action.CONSUME: (frozenset({ReservationStatus.ISSUED}), ReservationStatus.CONSUMED),
    Action.RELEASE: (
        frozenset({ReservationStatus.RESERVED, ReservationStatus.APPROVED,
                   ReservationStatus.ISSUED}),
        ReservationStatus.RELEASED,
    ),
}
# Reservations that still hold units on a shelf (issued ones hold none: the units left).
ON_THE_SHELF = frozenset({ReservationStatus.RESERVED, ReservationStatus.APPROVED})
# What a cancelled fault gives back: stock still only set aside, and demand not yet met.
RELEASABLE_RESERVATIONS = ON_THE_SHELF
CANCELLABLE_BACKORDERS = frozenset({BackorderStatus.OPEN})


class TransitionRefused(Exception):
    """The action is not possible from the reservation's current status."""

    def __init__(self, action: Action, current: str) -> None:
        super().__init__(f"cannot {action.value} a reservation that is {current}")
        self.action = action
        self.current = current


def next_status(current: str, action: Action) -> ReservationStatus | None:
    """The status `action` leads to, or None when the reservation is already there.

    Repeating an action is a no-op, so a client retrying after a lost answer is safe.
    """
    sources, target = TRANSITIONS[action]
    if current == target:
        return None
    if current not in sources:
        raise TransitionRefused(action, current)
    return target


@dataclass(frozen=True)
class HeldReservation:
    """A reservation of a fault with the stock row (`stock_id`) of the bin it holds."""

    reservation_id: str
    stock_id: int
    part_number: str
    warehouse: str
    bin: str
    batch: str
    qty: int
    status: str


def released_by_cancellation(held: Iterable[HeldReservation]) -> list[HeldReservation]:
    """The reservations a cancellation of their fault releases, in the order to release them.

    Only those still on the shelf: a repeated cancellation finds none left, and issued parts
    come back only when the storekeeper books them in. Bins are taken in stock id order, the
    order every transaction locks them in, so a release and a reservation never deadlock.
    """
    releasable = [h for h in held if h.status in RELEASABLE_RESERVATIONS]
    return sorted(releasable, key=lambda h: (h.stock_id, h.reservation_id))


@dataclass(frozen=True)
class IssuedPart:
    reservation_id: str
    part_number: str
    qty: int


@dataclass(frozen=True)
class ConsumptionSplit:
    reservation_id: str
    part_number: str
    consumed: int
    returned: int


def split_consumption(
    used: Iterable[tuple[str, int]], issued: Iterable[IssuedPart]
) -> list[ConsumptionSplit]:
    """Share what the engineer reports used among the issued lines, in the order given.

    Each line consumes what is still unaccounted for of its part, up to its own quantity;
    the rest of the line goes back to stock. Used parts that were never issued (the
    engineer's own van stock) consume nothing here.
    """
    unaccounted: dict[str, int] = {}
    for part_number, qty in used:
        unaccounted[part_number] = unaccounted.get(part_number, 0) + qty
    splits = []
    for line in issued:
        consumed = min(unaccounted.get(line.part_number, 0), line.qty)
        unaccounted[line.part_number] = unaccounted.get(line.part_number, 0) - consumed
        splits.append(ConsumptionSplit(
            line.reservation_id, line.part_number, consumed, line.qty - consumed
        ))
    return splits
