"""Travel-time models: great-circle distance at a configured speed, or a supplied matrix."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from shared.geo import haversine_km

Point = tuple[float, float]

# Legs are asked for again and again while routes are re-timed; past this many the memo is
# dropped rather than grown without bound.
_MEMO_LIMIT = 1_000_000


@dataclass(frozen=True)
class GreatCircleTravel:
    """Mobilisation (getting ready, setting off) plus the great-circle drive at `speed_kmh`."""

    speed_kmh: float = 60.0
    mobilisation: timedelta = timedelta(minutes=30)
    _memo: dict[tuple[float, float, float, float], timedelta] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if self.speed_kmh <= 0:
            raise ValueError("speed_kmh must be positive")

    def distance_km(self, from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> float:
        return haversine_km(from_lat, from_lon, to_lat, to_lon)

    def duration(self, from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> timedelta:
        key = (from_lat, from_lon, to_lat, to_lon)
        memo = self._memo
        found = memo.get(key)
        if found is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            km = haversine_km(from_lat, from_lon, to_lat, to_lon)
            found = memo[key] = self.mobilisation + timedelta(hours=km / self.speed_kmh)
        return found


@dataclass(frozen=True)
class MatrixTravel:
    """Durations looked up in a supplied matrix between known points (e.g. from a road router).

    Points are matched exactly by (lat, lon); a pair missing from the matrix falls back to
    `fallback` (great-circle by default), so a partial matrix is still usable.
    """

    durations: Mapping[tuple[Point, Point], timedelta]
    fallback: GreatCircleTravel = field(default_factory=GreatCircleTravel)

    def duration(self, from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> timedelta:
        found = self.durations.get(((from_lat, from_lon), (to_lat, to_lon)))
        if found is None:
            return self.fallback.duration(from_lat, from_lon, to_lat, to_lon)
        return found
