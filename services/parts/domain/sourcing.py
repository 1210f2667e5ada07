"""Sourcing rules: who may use which stock, when a line arrives, which backorder goes first."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from services.parts.domain.stock import PartCategory

# Classes whose vehicle cannot run: they may draw on emergency stock and are served first.
URGENT_SEVERITIES = frozenset({"A", "B"})


class BackorderReason(StrEnum):
    """Why a line was backordered although stock may exist (plain shortage has no reason)."""

    EMERGENCY_STOCK_RESERVED = "emergency_stock_reserved_for_A_B"
    UNKNOWN_PART = "unknown_part"


def may_use_stock(category: str, severity: str) -> bool:
    """Emergency spares are kept for faults that stop the vehicle (classes A and B)."""
    return category != PartCategory.EMERGENCY or severity in URGENT_SEVERITIES


def line_eta(
    now: datetime,
    distance_km: float,
    *,
    handling_hours: float,
    express_speed_kmh: float,
    lead_time_hours: float = 0.0,
) -> datetime:
    """When a reserved line can be at the fault site.

    Handling (pick and pack) plus the drive by express at `express_speed_kmh`, plus the
    supplier's lead time for supplier-held spares.
    """
    hours = handling_hours + distance_km / express_speed_kmh + lead_time_hours
    return now + timedelta(hours=hours)


def supplier_lead_time(category: str, lead_time_hours: float) -> float:
    """Only supplier-held spares wait for their supplier; the others are on our shelves."""
    return lead_time_hours if category == PartCategory.SUPPLIER_HELD else 0.0


def needs_transfer(distance_km: float, local_radius_km: float) -> bool:
    """A line from farther than the local radius is shipped to the site as a transfer."""
    return distance_km > local_radius_km


@dataclass(frozen=True)
class WaitingDemand:
    """Demand waiting for stock (a backorder, or lines to re-source); `seq` orders by age."""

    key: str
    seq: int
    severity: str


def serving_order(waiting: Iterable[WaitingDemand]) -> list[WaitingDemand]:
    """Stopped vehicles (A and B) first, then the rest; oldest first within each group."""
    return sorted(waiting, key=lambda w: (w.severity not in URGENT_SEVERITIES, w.seq))
