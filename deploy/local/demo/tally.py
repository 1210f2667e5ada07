"""What the demo has seen: its faults and their jobs, HTTP answers, latencies (pure counting)."""

import math
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# A fault's statuses in order (contract): a later one implies the earlier ones happened.
FAULT_STATUSES = ("reported", "acknowledged", "parts_reserved", "dispatched", "en_route",
                  "on_site", "resolved", "closed")
JOB_STATUSES = ("assigned", "accepted", "en_route", "on_site", "completed", "withdrawn")
OPEN_JOB_STATUSES = frozenset(JOB_STATUSES[:4])


def reached(status: str, milestone: str) -> bool:
    """Whether a fault in `status` has got as far as `milestone` (a cancelled one has not)."""
    return status in FAULT_STATUSES and FAULT_STATUSES.index(status) >= FAULT_STATUSES.index(
        milestone)


def status_class(code: int) -> str:
    """How an answer is counted: 304 on its own (the app's cheap poll), else by hundreds."""
    return "304" if code == 304 else f"{code // 100}xx"


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of the values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class FaultTrack:
    fault_id: str
    depot_id: str
    sent_at: datetime  # the demo's clock (UTC) when the depot first sent the card
    suspected_parts: list[dict[str, Any]]
    status: str = "reported"
    job_id: str | None = None
    job_status: str | None = None
    assigned_after: float | None = None  # seconds from sending the card to dispatch.assigned

    def moved_to(self, status: str) -> None:
        """The fault's status as intake reports it; a cancelled fault's open job is withdrawn."""
        self.status = status
        if status == "cancelled" and self.job_status in OPEN_JOB_STATUSES:
            self.job_status = "withdrawn"


@dataclass
class Tally:
    started: float = field(default_factory=time.monotonic)
    offered: int = 0  # cards the depots sent
    accepted: int = 0  # answered 201 (or 200: already had it)
    rejected: int = 0  # answered 4xx: a card the demo should not have written
    failed: int = 0  # still unanswered (refused, 5xx) when the demo gave up on it
    cancelled_by_depot: int = 0
    cancel_too_late: int = 0  # the repair was already done
    lines_issued: int = 0
    units_delivered: int = 0
    retries: int = 0
    http: Counter[str] = field(default_factory=Counter)
    faults: dict[str, FaultTrack] = field(default_factory=dict)
    server: dict[str, float] = field(default_factory=dict)  # readings of the services' /metrics
    problems: deque[str] = field(default_factory=lambda: deque(maxlen=3))

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def note(self, problem: str) -> None:
        self.problems.append(problem[:160])

    def fault_statuses(self) -> Counter[str]:
        return Counter(track.status for track in self.faults.values())

    def job_statuses(self) -> Counter[str]:
        return Counter(t.job_status for t in self.faults.values() if t.job_status is not None)

    def dispatched(self) -> int:
        """Faults an engineer was sent to (even if since cancelled)."""
        return sum(1 for t in self.faults.values()
                   if t.job_id is not None or reached(t.status, "dispatched"))

    def resolved(self) -> int:
        return sum(1 for t in self.faults.values() if reached(t.status, "resolved"))

    def assignment_latencies(self) -> list[float]:
        return [t.assigned_after for t in self.faults.values() if t.assigned_after is not None]

    def open_faults(self) -> list[FaultTrack]:
        return [t for t in self.faults.values()
                if t.status not in ("resolved", "closed", "cancelled")]
