from datetime import UTC, datetime, timedelta

from services.intake.domain import (
    Clock,
    Severity,
    SlaPolicy,
    clocks_to_report,
    eta_at_risk,
    record_complete,
    sla_policy,
)

DUE = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


def test_a_severity_override_changes_only_the_named_clock() -> None:
    policy = sla_policy(Severity.C, SlaPolicy(), {Severity.C: {"resolve": 72}})
    assert policy == SlaPolicy(resolve=timedelta(hours=72))
    assert sla_policy(Severity.A, SlaPolicy(), {Severity.C: {"resolve": 72}}) == SlaPolicy()


def test_an_unmet_clock_is_reported_once_its_due_time_has_passed() -> None:
    clock = Clock("onsite", DUE, met_at=None, settled=False)
    assert clocks_to_report([clock], now=DUE) == []
    assert clocks_to_report([clock], now=DUE + timedelta(seconds=1)) == [clock]


def test_a_clock_already_judged_is_not_reported_again() -> None:
    clock = Clock("onsite", DUE, met_at=None, settled=True)
    assert clocks_to_report([clock], now=DUE + timedelta(hours=1)) == []


def test_a_clock_met_in_time_is_never_reported_and_one_met_late_is() -> None:
    in_time = Clock("respond", DUE, met_at=DUE, settled=False)
    late = Clock("onsite", DUE, met_at=DUE + timedelta(minutes=1), settled=False)
    assert clocks_to_report([in_time, late], now=DUE + timedelta(hours=1)) == [late]


def test_an_eta_after_the_onsite_due_time_puts_the_fault_at_risk() -> None:
    assert eta_at_risk(DUE + timedelta(minutes=1), DUE, onsite_at=None)
    assert not eta_at_risk(DUE, DUE, onsite_at=None)
    assert not eta_at_risk(DUE + timedelta(hours=1), DUE, onsite_at=DUE - timedelta(hours=1))


def test_a_completion_report_closes_the_card_only_with_cause_and_actions() -> None:
    assert record_complete("valve seized", "replaced valve")
    assert not record_complete("valve seized", "  ")
    assert not record_complete("", "replaced valve")
