"""Sections of the periodic report on what suppliers and customers fed back: claims against
suppliers, satisfaction surveys and complaints, each compared with the previous window. Pure.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from services.quality.domain.complaints import CauseCategory
from services.quality.domain.periods import ReportWindows, Window
from services.quality.domain.reports import Compared, Count, compare, counts
from services.quality.domain.rulings import ClaimStatus
from services.quality.domain.surveys import Band


@dataclass(frozen=True)
class ClaimFacts:
    supplier_id: str
    status: str  # as the claim stands now
    amount: float  # claimed
    raised_at: datetime


@dataclass(frozen=True)
class ClaimGroup:
    key: str
    claims: Compared
    amount: Compared  # claimed amount


@dataclass(frozen=True)
class ClaimSection:
    total: ClaimGroup
    by_status: list[ClaimGroup]
    by_supplier: list[ClaimGroup]


def _claim_groups(now: Sequence[ClaimFacts], before: Sequence[ClaimFacts],
                  key: Callable[[ClaimFacts], str], always: Sequence[str] = ()
                  ) -> list[ClaimGroup]:
    def amounts(claims: Sequence[ClaimFacts]) -> defaultdict[str, float]:
        total: defaultdict[str, float] = defaultdict(float)
        for c in claims:
            total[key(c)] += c.amount
        return total

    claimed_now, claimed_before = amounts(now), amounts(before)
    tallies = counts(Counter(key(c) for c in now), Counter(key(c) for c in before), always)
    return [ClaimGroup(t.key, t.count, compare(round(claimed_now[t.key], 2),
                                               round(claimed_before[t.key], 2)))
            for t in tallies]


def claim_section(claims: Iterable[ClaimFacts], windows: ReportWindows) -> ClaimSection:
    """Claims raised in each window: how many and how much, by their status now and by
    supplier."""
    claims = list(claims)
    now = [c for c in claims if c.raised_at in windows.current]
    before = [c for c in claims if c.raised_at in windows.previous]
    return ClaimSection(
        total=ClaimGroup("all", compare(len(now), len(before)),
                         compare(round(sum(c.amount for c in now), 2),
                                 round(sum(c.amount for c in before), 2))),
        by_status=_claim_groups(now, before, lambda c: c.status, [s.value for s in ClaimStatus]),
        by_supplier=_claim_groups(now, before, lambda c: c.supplier_id),
    )


@dataclass(frozen=True)
class SurveyFacts:
    responded_at: datetime
    score: float  # weighted, 1–100
    band: str


@dataclass(frozen=True)
class SatisfactionSection:
    responses: Compared
    mean_score: Compared
    satisfied_percent: Compared  # responses not in the dissatisfied band
    bands: list[Count]


def satisfaction_section(responses: Iterable[SurveyFacts],
                         windows: ReportWindows) -> SatisfactionSection:
    """Survey responses given in each window: how many, their mean weighted score, the share
    at least basically satisfied (the satisfaction rate customers quote) and each band's
    count."""
    responses = list(responses)
    now = [r for r in responses if r.responded_at in windows.current]
    before = [r for r in responses if r.responded_at in windows.previous]

    def mean(rs: Sequence[SurveyFacts]) -> float | None:
        return round(fmean(r.score for r in rs), 2) if rs else None

    def satisfied(rs: Sequence[SurveyFacts]) -> float | None:
        content = sum(r.band != Band.DISSATISFIED for r in rs)
        return round(content / len(rs) * 100, 1) if rs else None

    return SatisfactionSection(
        responses=compare(len(now), len(before)),
        mean_score=compare(mean(now), mean(before)),
        satisfied_percent=compare(satisfied(now), satisfied(before)),
        bands=counts(Counter(r.band for r in now), Counter(r.band for r in before),
                     [b.value for b in Band]),
    )


@dataclass(frozen=True)
class ComplaintFacts:
    received_at: datetime
    closed_at: datetime | None
    deadline: datetime | None
    category: str  # quality | non_quality


@dataclass(frozen=True)
class ComplaintSection:
    received: Compared
    closed: Compared  # closed in the window, whenever received
    overdue: Compared  # open past their deadline at the window's end (or now, if earlier)
    by_category: list[Count]  # received, quality-caused or not


def complaint_section(complaints: Iterable[ComplaintFacts], windows: ReportWindows,
                      now: datetime) -> ComplaintSection:
    complaints = list(complaints)

    def received(window: Window) -> list[ComplaintFacts]:
        return [c for c in complaints if c.received_at in window]

    def closed(window: Window) -> int:
        return sum(c.closed_at is not None and c.closed_at in window for c in complaints)

    def overdue(window: Window) -> int:
        moment = min(window.end, now)
        return sum(
            c.received_at < moment and c.deadline is not None and c.deadline < moment
            and (c.closed_at is None or c.closed_at >= moment)
            for c in complaints
        )

    current, previous = windows.current, windows.previous
    return ComplaintSection(
        received=compare(len(received(current)), len(received(previous))),
        closed=compare(closed(current), closed(previous)),
        overdue=compare(overdue(current), overdue(previous)),
        by_category=counts(Counter(c.category for c in received(current)),
                           Counter(c.category for c in received(previous)),
                           [c.value for c in CauseCategory]),
    )
