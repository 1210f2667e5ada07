"""Intake's own Prometheus metrics (docs/metrics.md): faults, SLA clocks, a fault's journey.

Counted where intake decides, inside the transaction that records the decision: a transaction
that fails and is retried (a rare conflict) may count its decision twice, as the help texts say.
"""

from datetime import datetime

from prometheus_client import Counter, Histogram

from services.intake.domain import CLOCKS, Severity

SERVICE = "intake"
_HOUR = 3600.0
_RETRIED = " A transaction that failed and was retried may count twice."

FAULTS_REPORTED = Counter(
    "fleetcare_faults_reported_total",
    "Faults accepted (single and batch; not resends of an external_id or Idempotency-Key), "
    "by severity class A/B/C." + _RETRIED,
    ["service", "severity"],
)
SLA_CLOCKS = Counter(
    "fleetcare_sla_clocks_total",
    "SLA clocks decided, once per clock of a fault: met when its milestone arrived in time, "
    "breached when the watchdog announced sla.breached." + _RETRIED,
    ["service", "clock", "severity", "outcome"],
)
SLA_AT_RISK = Counter(
    "fleetcare_sla_at_risk_total",
    "sla.at_risk announcements: an assignment planned to arrive after the due time."
    + _RETRIED,
    ["service", "clock", "severity"],
)
REPORT_TO_DISPATCH = Histogram(
    "fleetcare_fault_report_to_dispatch_seconds",
    "From intake accepting a fault to intake consuming its first dispatch.assigned "
    "(the saga's 10 s target)." + _RETRIED,
    ["service", "severity"],
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 600, 1800, _HOUR),
)
REPORT_TO_ONSITE = Histogram(
    "fleetcare_fault_report_to_onsite_seconds",
    "From the reported time to the engineer on site, in field time (the 8 h commitment)."
    + _RETRIED,
    ["service", "severity"],
    buckets=tuple(h * _HOUR for h in (0.25, 0.5, 1, 2, 3, 4, 6, 8, 10, 12, 16, 24)),
)
REPORT_TO_RESOLUTION = Histogram(
    "fleetcare_fault_report_to_resolution_seconds",
    "From the reported time to the repair completed, in field time (the 24 h commitment)."
    + _RETRIED,
    ["service", "severity"],
    buckets=tuple(h * _HOUR for h in (1, 2, 4, 8, 12, 16, 20, 24, 36, 48, 72)),
)
REPORT_GROUP_SIZE = Histogram(
    "fleetcare_intake_report_group_size",
    "Single reports (POST /v1/faults) stored together in one transaction: 1 when they arrive "
    "one at a time, more under load (group commit, services/intake/report_queue.py).",
    ["service"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
REPORT_GROUP_SIZE.labels(SERVICE)
# The histogram observed when a clock's milestone first arrives (respond has none of its own).
TIME_TO_MILESTONE = {"onsite": REPORT_TO_ONSITE, "resolve": REPORT_TO_RESOLUTION}

# Every known label set starts at 0: rates and alerts see a series before its first event.
for _severity in Severity:
    FAULTS_REPORTED.labels(SERVICE, _severity.value)
    SLA_AT_RISK.labels(SERVICE, "onsite", _severity.value)
    for _journey in (REPORT_TO_DISPATCH, REPORT_TO_ONSITE, REPORT_TO_RESOLUTION):
        _journey.labels(SERVICE, _severity.value)
    for _clock in CLOCKS:
        for _outcome in ("met", "breached"):
            SLA_CLOCKS.labels(SERVICE, _clock, _severity.value, _outcome)


def elapsed_seconds(start: datetime, end: datetime) -> float:
    """Seconds from `start` to `end`; 0 when the depot's clock ran ahead of ours."""
    return max((end - start).total_seconds(), 0.0)

