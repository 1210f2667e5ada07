"""Pure intake rules: severity, warranty, SLA due times, the status machine. No I/O."""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum


class Severity(StrEnum):
    A = "A"  # cannot run, must go back to the factory
    B = "B"  # cannot run, repairable where it stands
    C = "C"  # can still run; repair where it stands


# When the depot says neither can_run nor repairable_on_site: classify by system.
# Anything not listed is B: an unknown fault is never silently treated as harmless (C).
SEVERITY_BY_SYSTEM: dict[str, Severity] = {
    "brake": Severity.B,
    "bogie": Severity.B,
    "wheelset": Severity.B,
    "traction": Severity.B,
    "coupler": Severity.B,
    "pantograph": Severity.B,
    "hvac": Severity.C,
    "door": Severity.C,
    "lighting": Severity.C,
    "interior": Severity.C,
    "passenger_information": Severity.C,
}
# Fault codes that override the system table (codes are prefixes, e.g. "BRK-REL-01").
SEVERITY_BY_FAULT_CODE_PREFIX: dict[str, Severity] = {
    "FRAME-CRACK": Severity.A,
    "BOGIE-CRACK": Severity.A,
    "AXLE": Severity.A,
    "BRK": Severity.B,
    "HVAC": Severity.C,
    "DOOR": Severity.C,
}


def classify(
    severity: Severity | None,
    can_run: bool | None,
    repairable_on_site: bool | None,
    fault_code: str | None,
    system: str | None,
) -> Severity:
    """Explicit severity wins; then the depot's answers; then the fault-code and system tables."""
    if severity is not None:
        return severity
    if can_run is False:
        return Severity.A if repairable_on_site is False else Severity.B
    if can_run is True:
        return Severity.C
    if fault_code:
        code = fault_code.upper()
        for prefix, by_code in SEVERITY_BY_FAULT_CODE_PREFIX.items():
            if code.startswith(prefix):
                return by_code
    return SEVERITY_BY_SYSTEM.get((system or "").lower(), Severity.B)


def add_months(day: date, months: int) -> date:
    """Calendar months later; the 31st or 29 Feb falls back to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_ends(delivered_on: date, warranty_months: int) -> date:
    """The first day no longer covered."""
    return add_months(delivered_on, warranty_months)


def in_warranty(delivered_on: date, warranty_months: int, reported_at: datetime) -> bool:
    """Covered when reported on a day before the warranty ends (the local date of the report)."""
    return delivered_on <= reported_at.date() < warranty_ends(delivered_on, warranty_months)


class Responsibility(StrEnum):
    MANUFACTURER = "manufacturer"  # in warranty: free repair, responsible unit notified
    OPERATOR = "operator"  # outside warranty: paid repair offered
    UNKNOWN = "unknown"  # vehicle not registered: to be ruled


def responsibility_hint(covered: bool | None) -> Responsibility:
    if covered is None:
        return Responsibility.UNKNOWN
    return Responsibility.MANUFACTURER if covered else Responsibility.OPERATOR


@dataclass(frozen=True)
class SlaPolicy:
    respond: timedelta = timedelta(hours=2)
    onsite: timedelta = timedelta(hours=8)
    resolve: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class SlaDue:
    respond_due: datetime
    onsite_due: datetime
    resolve_due: datetime


CLOCKS = ("respond", "onsite", "resolve")


def sla_policy(
    severity: Severity, base: SlaPolicy, overrides: Mapping[Severity, Mapping[str, float]]
) -> SlaPolicy:
    """The commitments for one severity: the base policy with that class's exceptions."""
    hours = overrides.get(severity, {})
    return replace(base, **{clock: timedelta(hours=h) for clock, h in hours.items()})


def sla_due(reported_at: datetime, policy: SlaPolicy) -> SlaDue:
    return SlaDue(
        respond_due=reported_at + policy.respond,
        onsite_due=reported_at + policy.onsite,
        resolve_due=reported_at + policy.resolve,
    )


def clock_state(due: datetime, met_at: datetime | None, now: datetime) -> str:
    """`met` when satisfied by its due time, `breached` when late or overdue, else `open`."""
    if met_at is not None:
        return "met" if met_at <= due else "breached"
    return "breached" if now > due else "open"


@dataclass(frozen=True)
class Clock:
    name: str
    due: datetime
    met_at: datetime | None
    settled: bool  # already judged by the watchdog


def clocks_to_report(clocks: Iterable[Clock], now: datetime) -> list[Clock]:
    """Clocks whose due time has passed unmet (or met late) and that were not judged yet."""
    return [
        c for c in clocks
        if not c.settled and now > c.due and (c.met_at is None or c.met_at > c.due)
    ]


def met_in_time(clock: Clock) -> bool:
    """A clock whose milestone has just arrived is met: in time, and not judged before.

    A milestone sent late from the field (an offline app) may arrive after the watchdog
    already declared the clock breached; that judgement stands.
    """
    return not clock.settled and clock.met_at is not None and clock.met_at <= clock.due


def eta_at_risk(eta: datetime, onsite_due: datetime, onsite_at: datetime | None) -> bool:
    """The assigned engineer will arrive after the on-site commitment."""
    return onsite_at is None and eta > onsite_due


def record_complete(cause: str, actions: str) -> bool:
    """A completion report closes the card only when it says what was wrong and what was done."""
    return bool(cause.strip()) and bool(actions.strip())


class FaultStatus(StrEnum):
    REPORTED = "reported"
    ACKNOWLEDGED = "acknowledged"
    PARTS_RESERVED = "parts_reserved"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


_ORDER: list[FaultStatus] = [s for s in FaultStatus if s is not FaultStatus.CANCELLED]
TERMINAL = {FaultStatus.CLOSED, FaultStatus.CANCELLED}


def advance(current: FaultStatus, proposed: FaultStatus) -> FaultStatus:
    """The status after an event: never backwards, and nothing moves a closed or cancelled fault."""
    if current in TERMINAL:
        return current
    if proposed is FaultStatus.CANCELLED:
        return proposed
    return proposed if _ORDER.index(proposed) > _ORDER.index(current) else current


# What a consumed event says about the fault's progress (None: recorded on the timeline only).
STATUS_BY_EVENT: dict[str, FaultStatus | None] = {
    "fault.acknowledged": FaultStatus.ACKNOWLEDGED,
    "parts.reserved": FaultStatus.PARTS_RESERVED,
    "parts.backordered": None,
    "parts.transfer_requested": None,
    "parts.issued": None,
    "parts.released": None,
    "dispatch.assigned": FaultStatus.DISPATCHED,
    "dispatch.accepted": None,
    "dispatch.declined": None,
    "dispatch.en_route": FaultStatus.EN_ROUTE,
    "dispatch.on_site": FaultStatus.ON_SITE,
    "dispatch.completed": FaultStatus.RESOLVED,
    "quality.ruling_made": None,
}


def fault_number(reported_at: datetime, sequence: int) -> str:
    """Human-readable number, e.g. FR-20261127-000123."""
    return f"FR-{reported_at:%Y%m%d}-{sequence:06d}"
