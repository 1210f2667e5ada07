"""Whole microseconds for the inner loops: exact (no float drift between planned and validated
times) and far cheaper than datetime arithmetic when thousands of routes are re-timed per second.
"""

from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import NamedTuple

from .model import Job, Technician, TravelModel

_ONE = timedelta(microseconds=1)
_EPOCH_AWARE = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
# Stands for "no bound" on either side; far outside any real plan.
NEVER = 1 << 62

HOUR = 3_600_000_000


def to_us(moment: datetime) -> int:
    epoch = _EPOCH_NAIVE if moment.tzinfo is None else _EPOCH_AWARE
    return (moment - epoch) // _ONE


def from_us(us: int, zone: tzinfo | None) -> datetime:
    """Back to a datetime, aware in `zone` (naive when the plan's times are naive)."""
    if zone is None:
        return _EPOCH_NAIVE + us * _ONE
    return (_EPOCH_AWARE + us * _ONE).astimezone(zone)


def span_us(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def leg_us(travel: TravelModel, a: tuple[float, float], b: tuple[float, float]) -> int:
    return span_us(travel.duration(a[0], a[1], b[0], b[1]))


class JobTimes(NamedTuple):
    release: int  # reported: nobody leaves for it earlier
    ready: int  # parts ready: nobody arrives earlier (-NEVER without parts)
    due: int  # on-site commitment
    service: int
    weight: int  # lateness weight of its severity class


# A and B stop a vehicle: their lateness weighs ten times a C fault's.
SEVERITY_WEIGHT = {"A": 10, "B": 10, "C": 1}


def job_times(job: Job) -> JobTimes:
    """The job's times in microseconds, computed once per Job object and kept on it.

    Not an lru_cache keyed by the job: the service builds equal Job objects afresh for every
    decision, and each lookup then compared every field (5 % of dispatch's CPU in the chaos
    run). A frozen dataclass still has a __dict__; its fields, equality and hash ignore this.
    """
    found: JobTimes | None = job.__dict__.get("_times")
    if found is None:
        found = job.__dict__["_times"] = JobTimes(
            release=to_us(job.reported_at),
            ready=-NEVER if job.parts_ready_at is None else to_us(job.parts_ready_at),
            due=to_us(job.onsite_due),
            service=span_us(job.service_time),
            weight=SEVERITY_WEIGHT.get(job.severity, SEVERITY_WEIGHT["B"]),
        )
    return found


@lru_cache(maxsize=1 << 12)
def shift_us(technician: Technician) -> tuple[tuple[int, int], ...]:
    """The technician's windows in time order (empty windows dropped)."""
    return tuple(sorted((to_us(s), to_us(e)) for s, e in technician.shifts if e > s))


def free_us(technician: Technician) -> int:
    return -NEVER if technician.free_at is None else to_us(technician.free_at)
