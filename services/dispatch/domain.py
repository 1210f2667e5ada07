"""Pure dispatch rules: who may be sent, how long the journey takes, who goes. No I/O."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shared.geo import haversine_km


class JobStatus(StrEnum):
    UNASSIGNED = "unassigned"  # nobody qualified: waits for a dispatcher
    ASSIGNED = "assigned"
    WITHDRAWN = "withdrawn"  # the fault was cancelled: nobody goes any more


# Jobs that keep a technician busy (they are not free for a new fault).
OPEN_STATUSES = (JobStatus.ASSIGNED,)
# Jobs whose story is over: nothing a dispatcher or a later event does changes them.
FINAL_STATUSES = (JobStatus.WITHDRAWN,)


def can_withdraw(status: str) -> bool:
    """A cancelled fault's job is withdrawn unless it is already over (so a repeat is a no-op)."""
    return status not in FINAL_STATUSES


def can_reassign(status: str) -> bool:
    """Another technician may be sent only while the job is still to be done."""
    return status not in FINAL_STATUSES


@dataclass(frozen=True)
class Technician:
    id: str
    name: str
    lat: float
    lon: float
    skills: Sequence[str]
    certifications: Sequence[str]
    active: bool = True


@dataclass(frozen=True)
class JobNeeds:
    """What the fault asks of whoever is sent: a system to repair, a place, a deadline."""

    system: str | None
    lat: float
    lon: float
    onsite_due: datetime | None = None


@dataclass(frozen=True)
class Candidate:
    technician: Technician
    open_jobs: int


@dataclass(frozen=True)
class Choice:
    technician: Technician
    eta: datetime
    distance_km: float


@dataclass(frozen=True)
class TravelPolicy:
    speed_kmh: float = 60.0
    mobilisation: timedelta = timedelta(minutes=30)


def travel_time(distance_km: float, policy: TravelPolicy) -> timedelta:
    return policy.mobilisation + timedelta(hours=distance_km / policy.speed_kmh)


def _normalised(names: Iterable[str]) -> set[str]:
    return {name.strip().casefold() for name in names}


def qualified(technician: Technician, system: str | None) -> bool:
    """Active, and for a named system both skilled and certified in it (持证上岗)."""
    if not technician.active:
        return False
    if not system or not system.strip():
        return True
    needed = system.strip().casefold()
    return needed in _normalised(technician.skills) and needed in _normalised(
        technician.certifications
    )


def journey(technician: Technician, needs: JobNeeds, now: datetime, policy: TravelPolicy) -> Choice:
    """The technician's distance to the site and arrival time if sent now."""
    distance = haversine_km(technician.lat, technician.lon, needs.lat, needs.lon)
    return Choice(
        technician=technician,
        eta=now + travel_time(distance, policy),
        distance_km=round(distance, 1),
    )


def choose_technician(
    needs: JobNeeds,
    candidates: Iterable[Candidate],
    now: datetime,
    policy: TravelPolicy | None = None,
) -> Choice | None:
    """The qualified technician to send, or None when nobody qualifies.

    Meeting the on-site deadline comes first (the 8-hour commitment); among those who can
    (or, when nobody can, among everyone) a free technician beats a busy one; then the
    earliest arrival wins. Ties go to the smaller id so the choice is reproducible.
    """
    policy = policy or TravelPolicy()
    ranked: list[tuple[bool, bool, datetime, str, Choice]] = []
    for candidate in candidates:
        if not qualified(candidate.technician, needs.system):
            continue
        choice = journey(candidate.technician, needs, now, policy)
        late = needs.onsite_due is not None and choice.eta > needs.onsite_due
        ranked.append((late, candidate.open_jobs > 0, choice.eta, choice.technician.id, choice))
    if not ranked:
        return None
    return min(ranked, key=lambda entry: entry[:4])[4]
