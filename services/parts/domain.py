"""Pure spare-part rules: distances, the allocation planner, releases. No I/O."""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from shared.geo import haversine_km


class PartCategory(StrEnum):
    FAULT_DRIVEN = "fault_driven"
    EMERGENCY = "emergency"
    SUPPLIER_HELD = "supplier_held"
    PLANNED = "planned"


class ReservationStatus(StrEnum):
    RESERVED = "reserved"
    RELEASED = "released"


class BackorderStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class LedgerReason(StrEnum):
    RECEIPT = "receipt"
    RESERVATION = "reservation"
    RELEASE = "release"


class ReleaseReason(StrEnum):
    FAULT_CANCELLED = "fault_cancelled"


# What a cancelled fault gives back: stock still only set aside, and demand not yet met.
RELEASABLE_RESERVATIONS = frozenset({ReservationStatus.RESERVED})
CANCELLABLE_BACKORDERS = frozenset({BackorderStatus.OPEN})


@dataclass(frozen=True)
class Demand:
    part_number: str
    qty: int


def merge_demands(lines: Iterable[tuple[str, int]]) -> list[Demand]:
    """One demand per part number (quantities summed), in order of first mention."""
    totals: dict[str, int] = {}
    for part_number, qty in lines:
        totals[part_number] = totals.get(part_number, 0) + qty
    return [Demand(part_number, qty) for part_number, qty in totals.items()]


@dataclass(frozen=True)
class StockBin:
    """A candidate source: one stock row (`stock_id`) in a warehouse at (lat, lon)."""

    stock_id: int
    warehouse: str
    lat: float
    lon: float
    bin: str
    batch: str
    available: int


@dataclass(frozen=True)
class Allocation:
    stock_id: int
    warehouse: str
    bin: str
    batch: str
    qty: int
    distance_km: float


@dataclass(frozen=True)
class AllocationPlan:
    allocations: list[Allocation]
    shortfall: int  # what no bin can supply: to be backordered

    @property
    def allocated(self) -> int:
        return sum(a.qty for a in self.allocations)


def plan_allocation(
    qty: int, site_lat: float, site_lon: float, bins: Iterable[StockBin]
) -> AllocationPlan:
    """Take `qty` from the nearest warehouse first, splitting across bins and warehouses.

    Within a warehouse the bin with the most available goes first (ties by bin, then batch
    name), so a demand is split over as few bins as possible. Never more than available.
    """
    if qty < 0:
        raise ValueError("qty must not be negative")

    def rank(item: tuple[float, StockBin]) -> tuple[float, str, int, str, str]:
        distance, stock = item
        return (distance, stock.warehouse, -stock.available, stock.bin, stock.batch)

    candidates = [
        (haversine_km(site_lat, site_lon, b.lat, b.lon), b) for b in bins if b.available > 0
    ]
    remaining = qty
    allocations: list[Allocation] = []
    for distance, stock in sorted(candidates, key=rank):
        if remaining == 0:
            break
        take = min(remaining, stock.available)
        allocations.append(
            Allocation(
                stock_id=stock.stock_id,
                warehouse=stock.warehouse,
                bin=stock.bin,
                batch=stock.batch,
                qty=take,
                distance_km=distance,
            )
        )
        remaining -= take
    return AllocationPlan(allocations=allocations, shortfall=remaining)


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

    Only releasable ones: a repeated cancellation finds none left. Bins are taken in stock id
    order, the order reservations lock them in, so a release and a reservation never deadlock.
    """
    releasable = [h for h in held if h.status in RELEASABLE_RESERVATIONS]
    return sorted(releasable, key=lambda h: (h.stock_id, h.reservation_id))
