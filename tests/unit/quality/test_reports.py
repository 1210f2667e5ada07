from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.quality.domain.periods import Period, report_windows
from services.quality.domain.records import ClockOutcome
from services.quality.domain.reliability import (
    VehicleSighting,
    calendar_mtbf,
    mtbf_section,
    mttr_section,
    pareto_section,
)
from services.quality.domain.reports import (
    Change,
    Compared,
    FaultFacts,
    Split,
    clock_compliance,
    compare,
    fault_section,
)

NOW = datetime(2026, 11, 27, 9, tzinfo=UTC)
WINDOWS = report_windows(Period.MONTHLY, NOW)  # November, compared with October
NOV = datetime(2026, 11, 10, tzinfo=UTC)
OCT = datetime(2026, 10, 10, tzinfo=UTC)
MET, BREACHED, OPEN = ClockOutcome.MET, ClockOutcome.BREACHED, ClockOutcome.OPEN


def fault(reported_at: datetime = NOV, **fields: Any) -> FaultFacts:
    base = FaultFacts(
        reported_at=reported_at, severity="B", system="brake", depot_id="D-BJ",
        vehicle_model="C70", vehicle_number="C70-1", fault_code="BRK-101", repair_hours=None,
        cancelled=False, sla={"respond": OPEN, "onsite": OPEN, "resolve": OPEN},
    )
    return replace(base, **fields)


def test_a_change_is_a_difference_and_a_percent_of_the_previous_figure() -> None:
    assert compare(15, 12) == Compared(15, 12, Change(3, 25.0))
    assert compare(9, 12) == Compared(9, 12, Change(-3, -25.0))


def test_the_percent_change_is_null_when_the_previous_figure_is_zero_or_unknown() -> None:
    assert compare(4, 0) == Compared(4, 0, Change(4, None))
    assert compare(4.5, None) == Compared(4.5, None, None)
    assert compare(None, None).change is None


def test_faults_are_split_by_the_window_they_were_reported_in() -> None:
    split = Split.of([fault(NOV), fault(OCT), fault(datetime(2026, 12, 1, tzinfo=UTC)),
                      fault(datetime(2026, 11, 1, tzinfo=UTC))], WINDOWS)
    assert len(split.current) == 2 and len(split.previous) == 1


def test_faults_are_counted_by_severity_system_depot_and_model_against_last_period() -> None:
    split = Split([fault(severity="A"), fault(severity="A", system="doors"),
                   fault(severity="C", depot_id="D-GZ", vehicle_model="CRH380A"),
                   fault(system=None)],
                  [fault(OCT, severity="A"), fault(OCT, system="hvac")])
    section = fault_section(split)
    assert section.total == compare(4, 2)
    assert [(c.key, c.count.current, c.count.previous) for c in section.by_severity] == [
        ("A", 2, 1), ("B", 1, 1), ("C", 1, 0)]
    assert [(c.key, c.count.current) for c in section.by_system] == [
        ("brake", 2), ("doors", 1), ("unspecified", 1), ("hvac", 0)]
    assert [(c.key, c.count.current) for c in section.by_depot] == [("D-BJ", 3), ("D-GZ", 1)]
    assert {c.key for c in section.by_vehicle_model} == {"C70", "CRH380A"}


def test_cancelled_faults_are_no_failures_but_are_counted_apart() -> None:
    split = Split([fault(), fault(cancelled=True)], [])
    section = fault_section(split)
    assert section.total.current == 1
    assert section.cancelled.current == 1
    assert [c.count.current for c in section.by_severity] == [0, 1, 0]


def test_sla_compliance_is_met_over_met_plus_breached_and_open_clocks_stay_out() -> None:
    def onsite(outcome: ClockOutcome, when: datetime = NOV) -> FaultFacts:
        return fault(when, sla={"onsite": outcome})

    split = Split([onsite(MET), onsite(MET), onsite(MET), onsite(BREACHED), onsite(OPEN)],
                  [onsite(MET, OCT), onsite(BREACHED, OCT)])
    result = clock_compliance(split, "onsite")
    assert (result.met.current, result.breached.current, result.open.current) == (3, 1, 1)
    assert result.compliance_percent == Compared(75.0, 50.0, Change(25.0, 50.0))


def test_sla_compliance_is_null_when_no_clock_was_decided() -> None:
    result = clock_compliance(Split([fault()], []), "respond")
    assert result.compliance_percent == Compared(None, None, None)


def test_a_breach_counts_even_when_the_fault_was_cancelled_later() -> None:
    result = clock_compliance(Split([fault(cancelled=True, sla={"respond": BREACHED})], []),
                              "respond")
    assert result.breached.current == 1


def test_mttr_is_the_mean_report_to_completion_time_of_the_repaired_faults() -> None:
    split = Split([fault(repair_hours=4.0, severity="A"), fault(repair_hours=10.0),
                   fault(repair_hours=None), fault(repair_hours=30.0, cancelled=True)],
                  [fault(OCT, repair_hours=12.0)])
    section = mttr_section(split)
    assert section.overall.mean_hours == Compared(7.0, 12.0, Change(-5.0, -41.7))
    assert section.overall.repairs == compare(2, 1)
    assert [(m.key, m.mean_hours.current) for m in section.by_severity] == [
        ("A", 4.0), ("B", 10.0), ("C", None)]


def test_calendar_mtbf_is_vehicles_times_hours_over_failures() -> None:
    assert calendar_mtbf(vehicles=10, hours=720, failures=4) == 1800.0
    assert calendar_mtbf(vehicles=10, hours=720, failures=0) is None


def test_mtbf_counts_the_vehicles_seen_before_each_windows_end() -> None:
    sightings = [VehicleSighting("C70", f"C70-{i}", OCT) for i in range(1, 4)] + [
        VehicleSighting("C70", "C70-9", NOV)]
    split = Split([fault(vehicle_number="C70-1"), fault(vehicle_number="C70-9"),
                   fault(cancelled=True)],
                  [fault(OCT), fault(OCT), fault(OCT)])
    section = mtbf_section(split, sightings, WINDOWS)
    assert section.method == "calendar"
    [c70] = section.models
    assert c70.vehicles == compare(4, 3)
    assert c70.failures == compare(2, 3)
    # November: 4 vehicles × 720 h / 2 failures; October: 3 × 744 h / 3.
    assert c70.mtbf_hours.current == 1440.0
    assert c70.mtbf_hours.previous == 744.0


def test_a_model_without_failures_in_the_window_has_no_mtbf() -> None:
    section = mtbf_section(Split([], []), [VehicleSighting("C70", "C70-1", OCT)], WINDOWS)
    assert section.models[0].mtbf_hours == Compared(None, None, None)


def test_the_pareto_ranks_fault_codes_with_their_cumulative_share() -> None:
    codes = ["BRK-101"] * 5 + ["BOG-201"] * 3 + ["TRC-301"] * 2
    split = Split([fault(fault_code=c, vehicle_number=f"V{i}") for i, c in enumerate(codes)]
                  + [fault(fault_code=None)], [fault(OCT, fault_code="BOG-201")])
    section = pareto_section(split)
    assert [(i.fault_code, i.occurrences.current, i.share_percent, i.cumulative_percent)
            for i in section.items] == [
        ("BRK-101", 5, 50.0, 50.0), ("BOG-201", 3, 30.0, 80.0), ("TRC-301", 2, 20.0, 100.0)]
    assert section.items[1].occurrences.previous == 1
    assert section.items[0].vehicles == 5
    assert section.coded_faults.current == 10 and section.uncoded_faults.current == 1


def test_the_pareto_keeps_the_top_ten_and_their_shares_stay_of_all_coded_faults() -> None:
    split = Split([fault(fault_code=f"C{i:02d}") for i in range(12) for _ in range(12 - i)], [])
    section = pareto_section(split)
    assert len(section.items) == 10
    total = sum(range(1, 13))
    assert section.items[-1].cumulative_percent == pytest.approx(
        round((total - 2 - 1) / total * 100, 1))


def test_pareto_ties_go_to_the_code_seen_on_more_vehicles() -> None:
    split = Split([fault(fault_code="A-1", vehicle_number="V1"),
                   fault(fault_code="A-1", vehicle_number="V1"),
                   fault(fault_code="B-2", vehicle_number="V1"),
                   fault(fault_code="B-2", vehicle_number="V2")], [])
    assert [i.fault_code for i in pareto_section(split).items] == ["B-2", "A-1"]


def test_an_empty_period_gives_zero_counts_and_no_averages() -> None:
    split = Split([], [])
    assert fault_section(split).total == Compared(0, 0, Change(0, None))
    assert mttr_section(split).overall.mean_hours == Compared(None, None, None)
    assert pareto_section(split).items == []


def test_a_fault_reported_at_the_windows_end_belongs_to_the_next_window() -> None:
    end = WINDOWS.current.end - timedelta(microseconds=1)
    split = Split.of([fault(end), fault(WINDOWS.current.end)], WINDOWS)
    assert len(split.current) == 1
