"""Pure rules of the complaints register (客户投诉): numbering, status, closure. No I/O.

A complaint is quality-caused (handled as a fault) or not (misuse: guidance and training for the
operator, cost charged as agreed). Either way it is tracked to closure with a root cause, an
immediate fix, an improvement plan, a prevention step and, where owed, compensation.
"""

from collections.abc import Collection
from datetime import datetime, timedelta
from enum import StrEnum


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"  # findings are being recorded
    RESOLVED = "resolved"  # the immediate fix is in: the customer's problem is solved
    CLOSED = "closed"  # improvement and prevention recorded too; nothing may change any more


class CauseCategory(StrEnum):
    QUALITY = "quality"
    NON_QUALITY = "non_quality"


ORDER = tuple(ComplaintStatus)
# What a complaint needs before it may close; compensation only where owed, so not required.
REQUIRED_TO_CLOSE = ("root_cause", "immediate_fix", "improvement", "prevention")
# Recording any of these starts the investigation.
FINDINGS = frozenset({"root_cause", "improvement", "prevention", "compensation"})
# Clocks of the systems that send complaints drift a little; more than this ahead is a mistake.
CLOCK_SKEW = timedelta(minutes=5)


class ComplaintError(ValueError):
    """Invalid complaint input; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ComplaintClosed(Exception):
    """The complaint is closed: the register keeps it as it was closed."""


class ComplaintIncomplete(ValueError):
    """Closing needs every field in `missing` recorded first."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"record {', '.join(missing)} before closing")
        self.missing = missing


def complaint_number(year: int, sequence: int) -> str:
    """The register number, e.g. CP-2026-0042: the year received and its running number."""
    return f"CP-{year:04d}-{sequence:04d}"


def check_dates(received_at: datetime, deadline: datetime | None, now: datetime) -> None:
    """A complaint was received in the past, and its deadline (if any) falls after that."""
    if received_at > now + CLOCK_SKEW:
        raise ComplaintError("received_at", "must not be in the future")
    if deadline is not None and deadline <= received_at:
        raise ComplaintError("deadline", "must be after received_at")


def status_after_recording(current: ComplaintStatus, recorded: Collection[str]) -> ComplaintStatus:
    """The status once the fields in `recorded` (all those now filled) are on the complaint.

    Recording moves a complaint forward, never back: a finding starts the investigation and the
    immediate fix resolves it. Raises `ComplaintClosed` for a closed complaint.
    """
    if current is ComplaintStatus.CLOSED:
        raise ComplaintClosed
    if "immediate_fix" in recorded:
        reached = ComplaintStatus.RESOLVED
    elif FINDINGS.intersection(recorded):
        reached = ComplaintStatus.INVESTIGATING
    else:
        reached = ComplaintStatus.RECEIVED
    return max(current, reached, key=ORDER.index)


def close(current: ComplaintStatus, recorded: Collection[str]) -> ComplaintStatus:
    """Close the complaint: raises `ComplaintClosed` if it already is, `ComplaintIncomplete` if
    a root cause, immediate fix, improvement or prevention step is still missing."""
    if current is ComplaintStatus.CLOSED:
        raise ComplaintClosed
    missing = [field for field in REQUIRED_TO_CLOSE if field not in recorded]
    if missing:
        raise ComplaintIncomplete(missing)
    return ComplaintStatus.CLOSED


def is_overdue(status: ComplaintStatus, deadline: datetime | None, now: datetime) -> bool:
    """Past its deadline and still not closed (a complaint without a deadline never is)."""
    return status is not ComplaintStatus.CLOSED and deadline is not None and deadline < now
