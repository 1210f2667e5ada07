"""Seeded scenarios: stations with technicians, depots around them, a day (or days) of faults.

- Stations are scattered over an area that grows with their number (about 130 km × 130 km of
  territory each); each has four depots within a few tens of kilometres, its region.
- Technicians are spread over the stations; three in five work a 12-hour day shift (07–19), the
  others nights (19–07); each knows three or four of five skills and holds the certificates for
  them (one in ten lacks one certificate: that skill is not theirs to use). Every skill is covered
  in every shift by two technicians within 250 km of every station (where the shift has two): the
  nearest technician lacking it is trained where the draw left a gap.
- Faults arrive as a Poisson process over the days (given their number, arrival times are
  independent draws from the intensity), optionally with morning (09:00) and evening (18:00)
  peaks, at random depots; severity A 10 %, B 40 %, C 50 %; one required skill; 35 % need parts,
  ready 1–6 h after the report; on-site due 8 h after the report.
- Service times are log-normal, scaled so that the offered load — repair time plus the drive from
  the nearest station, over the shift hours of the fault days — is the requested one (0.7, or 0.85
  for the stress variant).
"""

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.dispatch.scheduling import GreatCircleTravel, Job, Technician
from shared.geo import haversine_km

SKILLS = ("brake", "bogie", "traction", "hvac", "electrical")
SEVERITY_MIX = (("A", 0.10), ("B", 0.40), ("C", 0.50))
DAY_SHIFT = (7, 19)
NIGHT_SHIFT = (19, 31)
COVER_RADIUS_KM = 250.0
COVER_COUNT = 2
START = datetime(2026, 11, 27, tzinfo=UTC)
CENTRE = (40.0, 112.0)
# A benchmark-wide travel model: 60 km/h and a short mobilisation between jobs.
TRAVEL = GreatCircleTravel(speed_kmh=60.0, mobilisation=timedelta(minutes=10))


@dataclass(frozen=True)
class Size:
    name: str
    faults: int
    technicians: int
    stations: int
    days: int


SIZES = {
    "small": Size("small", 50, 10, 4, 1),
    "medium": Size("medium", 500, 60, 15, 1),
    "large": Size("large", 5000, 400, 100, 3),
}


@dataclass(frozen=True)
class Scenario:
    size: Size
    seed: int
    load: float
    technicians: dict[str, Technician]
    faults: list[Job]  # in report order, as known when reported
    mean_service: timedelta

    @property
    def name(self) -> str:
        return f"{self.size.name}-{self.seed}{'-stress' if self.load > 0.8 else ''}"


def generate(size: Size, seed: int, load: float = 0.7, peaks: bool = True) -> Scenario:
    rng = random.Random(f"{size.name}/{seed}/{load}/{peaks}")
    stations = _stations(rng, size.stations)
    depots = [
        (f"S{index}", _near(rng, station, 25.0))
        for index, station in enumerate(stations)
        for _ in range(4)
    ]
    technicians = _technicians(rng, size, stations)
    raw = []
    for _ in range(size.faults):
        reported = START + timedelta(hours=_arrival_hour(rng, size.days, peaks))
        region, (lat, lon) = rng.choice(depots)
        parts = reported + timedelta(hours=rng.uniform(1, 6)) if rng.random() < 0.35 else None
        raw.append((reported, region, lat, lon, parts, rng.lognormvariate(0, 0.5)))
    raw.sort(key=lambda fault: fault[0])
    capacity = sum(_hours_within(t, size.days) for t in technicians.values())
    drive = sum(_nearest_drive_hours(stations, (fault[2], fault[3])) for fault in raw)
    draws = sum(fault[5] for fault in raw)
    scale_hours = max(load * capacity - drive, 0.25 * len(raw) / 2) / draws
    faults = [
        Job(
            f"F{number:05d}",
            lat,
            lon,
            _pick(rng, SEVERITY_MIX),
            rng.choice(SKILLS),
            reported,
            reported + timedelta(hours=8),
            parts_ready_at=parts,
            region=region,
            service_time=timedelta(minutes=round(max(10.0, 60 * scale_hours * draw))),
        )
        for number, (reported, region, lat, lon, parts, draw) in enumerate(raw)
    ]
    mean = sum((f.service_time for f in faults), timedelta()) / len(faults)
    return Scenario(size, seed, load, technicians, faults, mean)


def _nearest_drive_hours(stations: list[tuple[float, float]], site: tuple[float, float]) -> float:
    station = min(stations, key=lambda s: haversine_km(s[0], s[1], site[0], site[1]))
    return TRAVEL.duration(*station, *site) / timedelta(hours=1)


def _stations(rng: random.Random, count: int) -> list[tuple[float, float]]:
    side_km = 130.0 * math.sqrt(count)
    half = side_km / 2
    return [
        _offset(CENTRE, rng.uniform(-half, half), rng.uniform(-half, half)) for _ in range(count)
    ]


def _offset(at: tuple[float, float], north_km: float, east_km: float) -> tuple[float, float]:
    lat = at[0] + north_km / 111.2
    return lat, at[1] + east_km / (111.2 * math.cos(math.radians(at[0])))


def _near(rng: random.Random, at: tuple[float, float], spread_km: float) -> tuple[float, float]:
    return _offset(at, rng.gauss(0, spread_km / 2), rng.gauss(0, spread_km / 2))


def _pick(rng: random.Random, mix: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([name for name, _ in mix], [weight for _, weight in mix])[0]


def _arrival_hour(rng: random.Random, days: int, peaks: bool) -> float:
    """Rejection sampling from the intensity: flat, or with a morning and an evening peak."""
    while True:
        hour = rng.uniform(0, 24 * days)
        clock = hour % 24
        intensity = 1.0
        if peaks:
            intensity += 1.5 * math.exp(-((clock - 9) ** 2) / 4.5)
            intensity += 1.2 * math.exp(-((clock - 18) ** 2) / 4.5)
        if rng.uniform(0, 3.7 if peaks else 1.0) <= intensity:
            return hour


def _windows(shift: tuple[int, int], days: int) -> tuple[tuple[datetime, datetime], ...]:
    windows = []
    for day in range(-1, days + 1):
        begin = START + timedelta(hours=24 * day + shift[0])
        end = START + timedelta(hours=24 * day + shift[1])
        # Faults of the last day are due up to 8 h after it: the shifts covering that are kept.
        if end > START and begin < START + timedelta(hours=24 * days + 8):
            windows.append((begin, end))
    return tuple(windows)


def _hours_within(technician: Technician, days: int) -> float:
    horizon = (START, START + timedelta(days=days))
    total = timedelta()
    for begin, end in technician.shifts:
        overlap = min(end, horizon[1]) - max(begin, horizon[0])
        total += max(overlap, timedelta())
    return total / timedelta(hours=1)


@dataclass
class _Crew:
    station: int
    shift: tuple[int, int]
    qualified: set[str]


def _technicians(
    rng: random.Random, size: Size, stations: list[tuple[float, float]]
) -> dict[str, Technician]:
    crews: list[_Crew] = []
    days = round(0.6 * size.technicians)
    for index in range(size.technicians):
        skills = set(rng.sample(SKILLS, rng.choice((3, 4))))
        certified = set(skills)
        if rng.random() < 0.1:
            certified.discard(rng.choice(sorted(skills)))
        # Three in five on days, where the peaks are; every station has both shifts.
        shift = DAY_SHIFT if index < days else NIGHT_SHIFT
        crews.append(_Crew(index % len(stations), shift, skills & certified))
    for station in stations:
        for shift in (DAY_SHIFT, NIGHT_SHIFT):
            on_shift = [c for c in crews if c.shift == shift]

            def away(crew: _Crew, here: tuple[float, float] = station) -> float:
                return haversine_km(*stations[crew.station], *here)

            for skill in SKILLS:
                covering = [c for c in on_shift if skill in c.qualified]
                if sum(away(c) <= COVER_RADIUS_KM for c in covering) >= COVER_COUNT:
                    continue
                # The nearest technician on that shift who lacks it is trained and certified.
                others = [c for c in on_shift if skill not in c.qualified]
                if others:
                    min(others, key=away).qualified.add(skill)
    return {
        f"T{index:03d}": Technician(
            f"T{index:03d}",
            *stations[crew.station],
            frozenset(crew.qualified),
            frozenset({f"S{crew.station}"}),
            shifts=_windows(crew.shift, size.days),
        )
        for index, crew in enumerate(crews)
    }
