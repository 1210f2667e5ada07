"""The scheduling problem as plain data: technicians, jobs, plans. No I/O, no framework.

The dispatch service builds these from its database for every decision; the benchmark builds them
from generated scenarios. Both call the same functions of this package (see __init__).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

Window = tuple[datetime, datetime]


@dataclass(frozen=True)
class Technician:
    id: str
    lat: float  # where they will start from: last known position, or the home station
    lon: float
    # Skills they are certified for (skills ∩ certifications): only these jobs may go to them.
    qualified: frozenset[str]
    regions: frozenset[str] = frozenset()
    # When they can be sent: working hours and night on-call, leave already taken out.
    shifts: tuple[Window, ...] = ()
    # Busy until then (e.g. on site with a started job), then free at (lat, lon).
    free_at: datetime | None = None


@dataclass(frozen=True)
class Job:
    id: str
    lat: float
    lon: float
    severity: str  # "A" | "B" | "C"
    skill: str | None  # required certified skill; None: any technician
    reported_at: datetime
    onsite_due: datetime
    # Earliest useful arrival: an engineer arriving before the parts can do nothing.
    parts_ready_at: datetime | None = None
    region: str | None = None
    service_time: timedelta = timedelta(hours=2)
    # Accepted by (or started by) this technician: never moved to someone else.
    pinned_to: str | None = None
    # The engineer has departed: its place at the head of the queue is frozen.
    started: bool = False
    # Technicians who declined it: it is not offered to them again.
    declined_by: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Visit:
    job_id: str
    technician_id: str
    arrive: datetime  # when the engineer gets there (may wait for parts before starting)
    start: datetime
    end: datetime
    travel: timedelta


@dataclass
class Plan:
    technicians: dict[str, Technician]
    jobs: dict[str, Job] = field(default_factory=dict)
    # Each technician's queue, in visiting order.
    routes: dict[str, list[str]] = field(default_factory=dict)
    # Computed timing of every planned job.
    visits: dict[str, Visit] = field(default_factory=dict)
    # Jobs no qualified technician can take in any shift of the horizon.
    unassigned: list[str] = field(default_factory=list)
    # The scheduler's memo of queue timings between calls (checked before use): may stay empty.
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


class TravelModel(Protocol):
    """How long a drive takes; great-circle at a configured speed, or a supplied matrix."""

    def duration(self, from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> timedelta:
        ...


@dataclass(frozen=True)
class Decision:
    """What placing one new job decided."""

    job_id: str
    technician_id: str | None
    eta: datetime | None
    meets_onsite_due: bool
    # Other jobs whose technician or ETA changed as a consequence (re-planned, not yet started).
    moved: Mapping[str, Visit] = field(default_factory=dict)
