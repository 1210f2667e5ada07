"""Stock rules: the ledger's reasons, whole quantities, the allocation planner. No I/O."""

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from shared.geo import haversine_km


class PartCategory(StrEnum):
    FAULT_DRIVEN = "fault_driven"
    EMERGENCY = "emergency"
    SUPPLIER_HELD = "supplier_held"
    PLANNED = "planned"


class LedgerReason(StrEnum):
    """Why a ledger row moved stock; every change of a stock row is one of these."""

    RECEIPT = "receipt"
    RESERVATION = "reservation"
    RELEASE = "release"
    ISSUE = "issue"
    CONSUMPTION = "consumption"
    RETURN = "return"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    ADJUSTMENT = "adjustment"
    QUARANTINE = "quarantine"


MAX_QUANTITY = 1_000_000


def whole_quantity(value: float, unit: str, field: str = "qty", minimum: int = 1) -> int:
    """`value` as a whole number of the part's unit, at least `minimum`; ValueError otherwise.

    Every part is stocked in a unit small enough to count (measured goods in m or g), so a
    fraction is always a mistake, never a quantity to round.
    """
    if not math.isfinite(value) or value != int(value):
        raise ValueError(f"{field} must be a whole number of {unit}")
    if value < minimum:
        raise ValueError(f"{field} must be a whole number of {unit}, at least {minimum}")
    if value > MAX_QUANTITY:
        raise ValueError(f"{field} must be a whole number of {unit}, at most {MAX_QUANTITY}")
    return int(value)


def is_low(available: int, reorder_point: int) -> bool:
    """Below the reorder point: time to replenish (a reorder point of 0 never triggers)."""
    return available < reorder_point


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
    part_number: str = ""
    supplier_id: str = ""

    def less(self, qty: int) -> "StockBin":
        return replace(self, available=self.available - qty)


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
    """The nearest warehouse that can cover all of `qty`; when none can, split nearest first.

    Distances are great-circle from the fault site; warehouses at the same distance go in code
    order. Within a warehouse the bin with the most available goes first (ties by bin, then
    batch), so a line is split over as few bins as possible. Never more than available.
    """
    if qty < 0:
        raise ValueError("qty must not be negative")
    by_warehouse: dict[str, list[StockBin]] = {}
    distance: dict[str, float] = {}
    for stock in bins:
        if stock.available > 0:
            by_warehouse.setdefault(stock.warehouse, []).append(stock)
            distance[stock.warehouse] = haversine_km(site_lat, site_lon, stock.lat, stock.lon)
    nearest_first = sorted(by_warehouse, key=lambda code: (distance[code], code))
    covering = [c for c in nearest_first if sum(b.available for b in by_warehouse[c]) >= qty]
    remaining = qty
    allocations: list[Allocation] = []
    for code in covering[:1] or nearest_first:
        fullest_first = sorted(by_warehouse[code], key=lambda b: (-b.available, b.bin, b.batch))
        for stock in fullest_first:
            if remaining == 0:
                break
            take = min(remaining, stock.available)
            allocations.append(Allocation(
                stock_id=stock.stock_id, warehouse=code, bin=stock.bin, batch=stock.batch,
                qty=take, distance_km=distance[code],
            ))
            remaining -= take
    return AllocationPlan(allocations=allocations, shortfall=remaining)


def quarantine_matches(
    stock_batch: str, stock_supplier: str, batch: str | None, supplier_id: str | None
) -> bool:
    """Whether a quarantine of (batch?, supplier?) covers a stock row of the same part.

    What the quarantine leaves out matches anything: no batch means every batch.
    """
    return (batch is None or batch == stock_batch) and (
        supplier_id is None or supplier_id == stock_supplier
    )
