"""Reliability sections of the periodic report: MTTR, MTBF per vehicle model, and the Pareto of
recurring defects. Pure; windows and faults as in `domain.reports`.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from services.quality.domain.periods import ReportWindows, Window
from services.quality.domain.reports import SEVERITIES, Compared, FaultFacts, Split, compare

PARETO_SIZE = 10
CALENDAR_FORMULA = (
    "MTBF = vehicles of the model seen (any fault reported before the period's end)"
    " × hours in the period / failures of the model in the period"
)


@dataclass(frozen=True)
class Mttr:
    key: str  # a severity, or "all"
    repairs: Compared
    mean_hours: Compared


def mttr(split: Split, key: str = "all") -> Mttr:
    """Mean time to repair: the mean of report-to-completion hours over the faults that were
    repaired (a fault not yet completed has no repair time and is left out)."""

    def hours(faults: Sequence[FaultFacts]) -> list[float]:
        return [f.repair_hours for f in faults if f.repair_hours is not None]

    now, before = hours(split.current), hours(split.previous)
    return Mttr(key, compare(len(now), len(before)),
                compare(round(fmean(now), 2) if now else None,
                        round(fmean(before), 2) if before else None))


@dataclass(frozen=True)
class MttrSection:
    overall: Mttr
    by_severity: list[Mttr]


def mttr_section(split: Split) -> MttrSection:
    failures = split.failures()
    return MttrSection(
        overall=mttr(failures),
        by_severity=[
            mttr(Split([f for f in failures.current if f.severity == s],
                       [f for f in failures.previous if f.severity == s]), s)
            for s in SEVERITIES
        ],
    )


@dataclass(frozen=True)
class VehicleSighting:
    """A vehicle quality knows of: its model, number and first reported fault."""

    vehicle_model: str
    vehicle_number: str
    first_reported_at: datetime


@dataclass(frozen=True)
class ModelMtbf:
    vehicle_model: str
    vehicles: Compared
    failures: Compared
    mtbf_hours: Compared  # None when the model had no failure in the window


@dataclass(frozen=True)
class MtbfSection:
    method: str
    formula: str
    models: list[ModelMtbf]


def calendar_mtbf(vehicles: int, hours: float, failures: int) -> float | None:
    """Calendar-based mean time between failures of a vehicle model over a window:

        MTBF = vehicles × hours in the window / failures in the window

    Calendar-based: every vehicle counts as in service for every hour of the window, because
    quality knows no running hours (a vehicle standing in the depot accrues hours too, so the
    figure is longer than an operating-time MTBF would be). The vehicles are those quality has
    seen a fault for, reported before the window's end: quality keeps no fleet register, so a
    vehicle that never failed is not counted and the figure errs low on that side. Failures
    are faults not cancelled. With no failure the MTBF is undefined (None).
    """
    return round(vehicles * hours / failures, 2) if failures else None


def mtbf_section(split: Split, sightings: Iterable[VehicleSighting],
                 windows: ReportWindows) -> MtbfSection:
    """MTBF per vehicle model for both windows (see `calendar_mtbf`)."""
    failures = split.failures()

    def fleet(window: Window) -> Counter[str]:
        return Counter(s.vehicle_model for s in seen if s.first_reported_at < window.end)

    def failed(faults: Sequence[FaultFacts]) -> Counter[str]:
        return Counter(f.vehicle_model for f in faults if f.vehicle_model)

    seen = list(sightings)
    fleet_now, fleet_before = fleet(windows.current), fleet(windows.previous)
    failed_now, failed_before = failed(failures.current), failed(failures.previous)
    models = sorted(set(fleet_now) | set(fleet_before) | set(failed_now) | set(failed_before))
    return MtbfSection(
        method="calendar",
        formula=CALENDAR_FORMULA,
        models=[
            ModelMtbf(
                vehicle_model=m,
                vehicles=compare(fleet_now[m], fleet_before[m]),
                failures=compare(failed_now[m], failed_before[m]),
                mtbf_hours=compare(
                    calendar_mtbf(fleet_now[m], windows.current.hours, failed_now[m]),
                    calendar_mtbf(fleet_before[m], windows.previous.hours, failed_before[m]),
                ),
            )
            for m in models
        ],
    )


@dataclass(frozen=True)
class ParetoItem:
    fault_code: str
    occurrences: Compared
    vehicles: int  # distinct vehicles in the window: one code on many vehicles is habitual
    share_percent: float
    cumulative_percent: float


@dataclass(frozen=True)
class ParetoSection:
    coded_faults: Compared
    uncoded_faults: Compared
    items: list[ParetoItem]


def pareto_section(split: Split, size: int = PARETO_SIZE) -> ParetoSection:
    """The fault codes that occurred most in the window, most first (ties: more vehicles, then
    code), with each one's share of all coded failures and the cumulative share down to it."""
    failures = split.failures()
    now = Counter(f.fault_code for f in failures.current if f.fault_code)
    before = Counter(f.fault_code for f in failures.previous if f.fault_code)
    vehicles: dict[str, set[str]] = defaultdict(set)
    for f in failures.current:
        if f.fault_code and f.vehicle_number:
            vehicles[f.fault_code].add(f.vehicle_number)
    ranked = sorted(now, key=lambda c: (-now[c], -len(vehicles[c]), c))[:size]
    total = sum(now.values())
    items, running = [], 0
    for code in ranked:
        running += now[code]
        items.append(ParetoItem(
            fault_code=code,
            occurrences=compare(now[code], before[code]),
            vehicles=len(vehicles[code]),
            share_percent=round(now[code] / total * 100, 1),
            cumulative_percent=round(running / total * 100, 1),
        ))
    return ParetoSection(
        coded_faults=compare(total, sum(before.values())),
        uncoded_faults=compare(len(failures.current) - total,
                               len(failures.previous) - sum(before.values())),
        items=items,
    )
