"""Periodic quality reports: the faults of two windows, compared figure by figure. Pure.

Every fault figure is about the faults *reported* in a window (a fault reported on the last
evening of a month belongs to that month, however late it was repaired), and each is compared
with the same figure of the previous window: `{current, previous, change}`.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.quality.domain.periods import ReportWindows
from services.quality.domain.records import CLOCKS, ClockOutcome

SEVERITIES = ("A", "B", "C")
UNSPECIFIED = "unspecified"
Number = int | float


@dataclass(frozen=True)
class FaultFacts:
    """What a report needs of one service record."""

    reported_at: datetime
    severity: str | None
    system: str | None
    depot_id: str | None
    vehicle_model: str | None
    vehicle_number: str | None
    fault_code: str | None
    repair_hours: float | None  # report to completion; None while not completed
    cancelled: bool
    sla: Mapping[str, ClockOutcome]


@dataclass(frozen=True)
class Change:
    absolute: Number
    percent: float | None  # None when the previous figure is 0


@dataclass(frozen=True)
class Compared:
    current: Number | None
    previous: Number | None
    change: Change | None  # None when either figure is unknown


def compare(current: Number | None, previous: Number | None) -> Compared:
    """A figure beside its previous value, with the change as a difference and in percent."""
    if current is None or previous is None:
        return Compared(current, previous, None)
    percent = round((current - previous) / previous * 100, 1) if previous else None
    return Compared(current, previous, Change(round(current - previous, 2), percent))


@dataclass(frozen=True)
class Split:
    """The faults reported in the report's window and in the window it is compared with."""

    current: Sequence[FaultFacts]
    previous: Sequence[FaultFacts]

    @classmethod
    def of(cls, faults: Iterable[FaultFacts], windows: ReportWindows) -> "Split":
        faults = list(faults)
        return cls([f for f in faults if f.reported_at in windows.current],
                   [f for f in faults if f.reported_at in windows.previous])

    def failures(self) -> "Split":
        """Cancelled faults were no failures (reported by mistake, or a duplicate)."""
        return Split([f for f in self.current if not f.cancelled],
                     [f for f in self.previous if not f.cancelled])


@dataclass(frozen=True)
class Count:
    """How many (faults, claims, responses, ...) fell under one key."""

    key: str
    count: Compared


def counts(now: Counter[str], before: Counter[str], always: Sequence[str] = ()) -> list[Count]:
    """Counts per key; `always` keys first (even at 0), then the others, most first."""
    others = sorted((set(now) | set(before)) - set(always), key=lambda k: (-now[k], -before[k], k))
    return [Count(k, compare(now[k], before[k])) for k in [*always, *others]]


@dataclass(frozen=True)
class FaultSection:
    total: Compared  # failures: reported and not cancelled
    cancelled: Compared
    by_severity: list[Count]
    by_system: list[Count]
    by_depot: list[Count]
    by_vehicle_model: list[Count]


def _breakdown(split: Split, key: Callable[[FaultFacts], str | None],
               always: Sequence[str] = ()) -> list[Count]:
    return counts(Counter(key(f) or UNSPECIFIED for f in split.current),
                  Counter(key(f) or UNSPECIFIED for f in split.previous), always)


def fault_section(split: Split) -> FaultSection:
    failures = split.failures()
    return FaultSection(
        total=compare(len(failures.current), len(failures.previous)),
        cancelled=compare(len(split.current) - len(failures.current),
                          len(split.previous) - len(failures.previous)),
        by_severity=_breakdown(failures, lambda f: f.severity, SEVERITIES),
        by_system=_breakdown(failures, lambda f: f.system),
        by_depot=_breakdown(failures, lambda f: f.depot_id),
        by_vehicle_model=_breakdown(failures, lambda f: f.vehicle_model),
    )


@dataclass(frozen=True)
class ClockCompliance:
    clock: str
    met: Compared
    breached: Compared
    open: Compared  # neither met nor breached yet: not in the ratio
    compliance_percent: Compared  # met / (met + breached)


def clock_compliance(split: Split, clock: str) -> ClockCompliance:
    """Compliance of one SLA clock = met / (met + breached), over every fault reported (a
    breach counts even when the fault was cancelled later); None when none was decided."""

    def outcomes(faults: Sequence[FaultFacts]) -> Counter[ClockOutcome]:
        return Counter(f.sla.get(clock, ClockOutcome.OPEN) for f in faults)

    def ratio(tally: Counter[ClockOutcome]) -> float | None:
        decided = tally[ClockOutcome.MET] + tally[ClockOutcome.BREACHED]
        return round(tally[ClockOutcome.MET] / decided * 100, 2) if decided else None

    now, before = outcomes(split.current), outcomes(split.previous)

    def counted(outcome: ClockOutcome) -> Compared:
        return compare(now[outcome], before[outcome])

    return ClockCompliance(
        clock=clock,
        met=counted(ClockOutcome.MET),
        breached=counted(ClockOutcome.BREACHED),
        open=counted(ClockOutcome.OPEN),
        compliance_percent=compare(ratio(now), ratio(before)),
    )


def sla_section(split: Split) -> list[ClockCompliance]:
    return [clock_compliance(split, clock) for clock in CLOCKS]
