"""Pure rules of recurring defects (惯性问题): when a defect recurs, and a quality issue's life.

A defect is one fault code, or one part, failing on vehicles of one model; each completed repair
is an occurrence of the defects it names. When occurrences on enough distinct vehicles fall
within one window, a quality issue opens. Corrective and preventive actions are tracked on it;
a fix moves it to verification, and it closes only once the window after the fix has passed
without the defect recurring. A recurrence after a fix reopens it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any


class Basis(StrEnum):
    FAULT_CODE = "fault_code"
    PART_NUMBER = "part_number"


class IssueStatus(StrEnum):
    OPEN = "open"
    VERIFYING = "verifying"  # a fix is recorded; the window after it must stay clean
    CLOSED = "closed"
    REOPENED = "reopened"  # recurred after a fix: it needs a new one


class ActionKind(StrEnum):
    CORRECTIVE = "corrective"  # removes the cause of the defect
    PREVENTIVE = "preventive"  # keeps it, or defects like it, from happening elsewhere


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"


ACTION_PROGRESS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE)
# A fix is recorded only while the issue is being worked on (not while one is verified).
WORKED_ON = frozenset({IssueStatus.OPEN, IssueStatus.REOPENED})


class IssueConflict(Exception):
    """A command the issue's current state refuses; `facts` explain why (e.g. `status`)."""

    def __init__(self, message: str, **facts: Any) -> None:
        super().__init__(message)
        self.message = message
        self.facts = facts


class InvalidFix(ValueError):
    """A fix whose own data cannot be right; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Occurrence:
    """A completed repair of one vehicle, as evidence of a defect."""

    fault_id: str
    vehicle_number: str
    occurred_at: datetime


def issue_number(opened_at: datetime, sequence: int) -> str:
    """Human-readable number, e.g. QI-2026-0001."""
    return f"QI-{opened_at:%Y}-{sequence:04d}"


def defect_keys(fault_code: str | None, parts_used: Iterable[str]) -> list[tuple[Basis, str]]:
    """The defects a completed repair is evidence of: its fault code and each part it replaced,
    in one fixed order (so that concurrent detections lock them in the same order)."""
    keys = {(Basis.PART_NUMBER, part.strip()) for part in parts_used if part.strip()}
    if fault_code and fault_code.strip():
        keys.add((Basis.FAULT_CODE, fault_code.strip()))
    return sorted(keys)


def recurrence(
    occurrences: Sequence[Occurrence], at: datetime, window: timedelta, vehicles: int
) -> list[Occurrence] | None:
    """The evidence of a recurrence around the occurrence at `at`: the occurrences of the
    earliest window (of length `window`, both ends included) that holds `at` and occurrences on
    at least `vehicles` distinct vehicles; None when no such window exists.

    Completions may be consumed out of order, so the window need not end at `at`: three
    failures within 30 days count however late the middle one is reported.
    """
    ordered = sorted(occurrences, key=lambda o: (o.occurred_at, o.fault_id))
    for start in ordered:
        if not at - window <= start.occurred_at <= at:
            continue
        end = start.occurred_at + window
        inside = [o for o in ordered if start.occurred_at <= o.occurred_at <= end]
        if len({o.vehicle_number for o in inside}) >= vehicles:
            return inside
    return None


def reopens(status: IssueStatus, fixed_at: datetime | None, occurred_at: datetime) -> bool:
    """Whether an occurrence linked to the issue reopens it: it recurred after the fix. An
    occurrence from before the fix (a late report) is only more evidence."""
    return (
        status in (IssueStatus.VERIFYING, IssueStatus.CLOSED)
        and fixed_at is not None
        and occurred_at > fixed_at
    )


def check_not_closed(status: IssueStatus) -> None:
    """Actions are added and changed until the issue closes (preventive work may go on while a
    fix is verified); a closed issue changes only by reopening when the defect recurs."""
    if status is IssueStatus.CLOSED:
        raise IssueConflict("The issue is closed; it reopens if the defect recurs.",
                            issue_status=status.value)


def move_action(current: ActionStatus, target: ActionStatus) -> bool:
    """Whether moving an action from `current` to `target` changes it; actions only move
    forward (open → in_progress → done), and the same status again is a no-op."""
    if ACTION_PROGRESS.index(target) < ACTION_PROGRESS.index(current):
        raise IssueConflict(f"An action that is {current.value} cannot go back to "
                            f"{target.value}.", current_status=current.value)
    return target != current


def corrective_done(
    actions: Iterable[tuple[ActionKind, ActionStatus, datetime | None]], since: datetime
) -> bool:
    """Whether a corrective action (kind, status, done_at) was done since the issue was last
    (re)opened: after a recurrence, the actions that failed to stop it do not count."""
    return any(
        kind is ActionKind.CORRECTIVE and status is ActionStatus.DONE
        and done_at is not None and done_at >= since
        for kind, status, done_at in actions
    )


def check_fix(
    status: IssueStatus,
    fixed_at: datetime,
    now: datetime,
    corrective_done: bool,
    last_occurrence: datetime | None,
) -> None:
    """A fix is recorded on an open or reopened issue once a corrective action of its current
    round is done; it cannot lie in the future, nor before an occurrence already seen (the
    defect would have recurred after it)."""
    if status not in WORKED_ON:
        raise IssueConflict(f"The issue is {status.value}: a fix is recorded on an open or "
                            "reopened issue.", issue_status=status.value)
    if not corrective_done:
        raise IssueConflict("A fix needs at least one corrective action done since the issue "
                            "was (re)opened.", issue_status=status.value)
    if fixed_at > now:
        raise InvalidFix("fixed_at", "cannot be in the future")
    if last_occurrence is not None and fixed_at < last_occurrence:
        raise InvalidFix("fixed_at", f"the defect occurred after it, at "
                         f"{last_occurrence.isoformat()}")


def check_closure(
    status: IssueStatus,
    fixed_at: datetime | None,
    recurred_at: datetime | None,
    now: datetime,
    window: timedelta,
) -> None:
    """Closing needs a verification: a recorded fix, no occurrence after it (`recurred_at` is
    the first one, if any) and the whole window after it elapsed."""
    if status is not IssueStatus.VERIFYING or fixed_at is None:
        raise IssueConflict("No fix is being verified: record a fix first.",
                            issue_status=status.value)
    if recurred_at is not None:
        raise IssueConflict("The defect recurred after the fix.", issue_status=status.value,
                            recurred_at=recurred_at.isoformat())
    if now < fixed_at + window:
        raise IssueConflict("The verification window after the fix has not elapsed yet.",
                            issue_status=status.value,
                            verifiable_from=(fixed_at + window).isoformat())
