"""Pure rules of the service record: its status, the SLA outcome per clock, labour time.

A record is assembled from events that may arrive in any order across topics (a completion can
be consumed before the report that opened the fault), so every rule here works from whatever
fields are known and never assumes an order.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

CLOCKS = ("respond", "onsite", "resolve")


class RecordStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"  # the engineer reported the repair done
    CLOSED = "closed"  # intake closed the fault on a complete completion report
    CANCELLED = "cancelled"


class ClockOutcome(StrEnum):
    MET = "met"
    BREACHED = "breached"
    OPEN = "open"  # neither met nor breached yet


@dataclass(frozen=True)
class Milestones:
    acknowledged_at: datetime | None
    on_site_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None


def status_of(m: Milestones) -> RecordStatus:
    if m.cancelled_at is not None:
        return RecordStatus.CANCELLED
    if m.closed_at is not None:
        return RecordStatus.CLOSED
    if m.completed_at is not None:
        return RecordStatus.COMPLETED
    return RecordStatus.OPEN


def milestone(clock: str, m: Milestones) -> datetime | None:
    """When the clock's commitment was fulfilled: acknowledged, engineer on site, solved."""
    if clock == "respond":
        return m.acknowledged_at
    if clock == "onsite":
        return m.on_site_at
    return m.completed_at or m.closed_at


def clock_outcomes(m: Milestones, breached: set[str]) -> dict[str, ClockOutcome]:
    """Intake owns the clocks and reports each breach once (`sla.breached`): a clock is breached
    when intake said so, met when its milestone came without a breach, open otherwise. A
    cancelled fault's unfulfilled clocks stay open (they stopped; nobody failed them)."""
    outcomes = {}
    for clock in CLOCKS:
        if clock in breached:
            outcomes[clock] = ClockOutcome.BREACHED
        elif milestone(clock, m) is not None:
            outcomes[clock] = ClockOutcome.MET
        else:
            outcomes[clock] = ClockOutcome.OPEN
    return outcomes


def labour_hours(on_site_at: datetime | None, completed_at: datetime | None) -> float:
    """Hours the engineer worked on site (arrival to completion); 0 when not both known."""
    if on_site_at is None or completed_at is None or completed_at < on_site_at:
        return 0.0
    return (completed_at - on_site_at) / timedelta(hours=1)


def repair_hours(reported_at: datetime | None, completed_at: datetime | None) -> float | None:
    """Report to repair completed: the time to restore that MTTR averages."""
    if reported_at is None or completed_at is None or completed_at < reported_at:
        return None
    return (completed_at - reported_at) / timedelta(hours=1)


def parts_cost(consumed: list[dict[str, object]]) -> float:
    """Consumed units at the catalogue cost parts reported with them (unknown cost: 0)."""
    total = 0.0
    for line in consumed:
        qty = line.get("consumed")
        cost = line.get("unit_cost")
        if isinstance(qty, int | float) and isinstance(cost, int | float):
            total += qty * cost
    return round(total, 2)
