"""What intake tells Prometheus about SLA clocks and a fault's journey, without I/O."""

from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from services.intake.domain import Clock, met_in_time
from services.intake.metrics import elapsed_seconds
from services.intake.models import IntakeFault
from services.intake.progress import reach_milestone

REPORTED = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


def fault(severity: str, status: str = "dispatched", onsite_settled: bool = False) -> IntakeFault:
    return IntakeFault(
        depot_id="D-BJ", vehicle_number="C70-4811", vehicle_model="C70", reporter_name="王师傅",
        reporter_phone="+86 10 5555 0101", description="brake", site_code="BJ", lat=39.9,
        lon=116.3, severity=severity, responsibility_hint="unknown", status=status,
        reported_at=REPORTED, respond_due=REPORTED + timedelta(hours=2), onsite_due=DUE,
        resolve_due=REPORTED + timedelta(hours=24), onsite_settled=onsite_settled,
    )


def met(clock: str, severity: str) -> float:
    labels = {"service": "intake", "clock": clock, "severity": severity, "outcome": "met"}
    return REGISTRY.get_sample_value("fleetcare_sla_clocks_total", labels) or 0.0


def onsite_journeys(severity: str) -> float:
    labels = {"service": "intake", "severity": severity}
    return REGISTRY.get_sample_value("fleetcare_fault_report_to_onsite_seconds_count",
                                     labels) or 0.0


def test_a_milestone_in_time_meets_its_clock_and_one_after_the_due_time_does_not() -> None:
    assert met_in_time(Clock("onsite", DUE, met_at=DUE, settled=False))
    assert not met_in_time(Clock("onsite", DUE, met_at=DUE + timedelta(seconds=1),
                                 settled=False))
    assert not met_in_time(Clock("onsite", DUE, met_at=None, settled=False))


def test_a_milestone_sent_after_the_watchdog_declared_a_breach_does_not_meet_the_clock() -> None:
    assert not met_in_time(Clock("onsite", DUE, met_at=DUE - timedelta(hours=1), settled=True))


def test_the_first_arrival_on_site_counts_the_clock_met_and_times_the_journey_once() -> None:
    before_met, before_journeys = met("onsite", "A"), onsite_journeys("A")
    arrived = fault("A")
    reach_milestone(arrived, "onsite", REPORTED + timedelta(hours=3))
    reach_milestone(arrived, "onsite", REPORTED + timedelta(hours=4))  # completed: no new arrival
    assert arrived.onsite_at == REPORTED + timedelta(hours=3)
    assert met("onsite", "A") == before_met + 1
    assert onsite_journeys("A") == before_journeys + 1


def test_a_late_arrival_is_timed_but_left_to_the_watchdog_to_judge() -> None:
    before_met, before_journeys = met("onsite", "B"), onsite_journeys("B")
    reach_milestone(fault("B", onsite_settled=True), "onsite", DUE - timedelta(minutes=5))
    reach_milestone(fault("B"), "onsite", DUE + timedelta(minutes=5))
    assert met("onsite", "B") == before_met
    assert onsite_journeys("B") == before_journeys + 2


def test_a_cancelled_faults_milestone_is_kept_but_not_judged_or_timed() -> None:
    before_met, before_journeys = met("respond", "C"), onsite_journeys("C")
    cancelled = fault("C", status="cancelled")
    reach_milestone(cancelled, "respond", REPORTED + timedelta(minutes=1))
    reach_milestone(cancelled, "onsite", REPORTED + timedelta(hours=1))
    assert cancelled.responded_at == REPORTED + timedelta(minutes=1)
    assert met("respond", "C") == before_met
    assert onsite_journeys("C") == before_journeys


def test_a_depot_clock_running_ahead_gives_no_negative_duration() -> None:
    assert elapsed_seconds(REPORTED, REPORTED + timedelta(seconds=90)) == 90.0
    assert elapsed_seconds(REPORTED + timedelta(minutes=2), REPORTED) == 0.0
