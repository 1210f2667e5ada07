"""Small hand-made scenarios for the scheduling tests (Datong area, one day)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from services.dispatch.scheduling import Job, Plan, Technician

DAY = datetime(2026, 11, 27, tzinfo=UTC)
MORNING = DAY + timedelta(hours=8)
DATONG = (40.0768, 113.3001)
BAOTOU = (40.6574, 109.8403)


def hours(count: float) -> timedelta:
    return timedelta(hours=count)


def technician(
    id: str,
    at: tuple[float, float] = DATONG,
    qualified: tuple[str, ...] = ("brake",),
    shifts: tuple[tuple[datetime, datetime], ...] = ((MORNING, MORNING + timedelta(hours=12)),),
    regions: tuple[str, ...] = (),
) -> Technician:
    return Technician(
        id, at[0], at[1], frozenset(qualified), frozenset(regions), shifts=shifts
    )


def job(
    id: str,
    at: tuple[float, float] = DATONG,
    reported: datetime = MORNING,
    severity: str = "B",
    skill: str | None = "brake",
    **changes: Any,
) -> Job:
    return replace(Job(id, at[0], at[1], severity, skill, reported, reported + hours(8)), **changes)


def plan_of(*technicians: Technician) -> Plan:
    return Plan({t.id: t for t in technicians})
