"""Reserve levels planned from consumption statistics: monthly buckets and the safety stock."""

import math
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

# One-sided z for a 95 % service level: a month's demand exceeds the reserve 1 time in 20.
SERVICE_LEVEL_Z = 1.65
MAX_REPORT_MONTHS = 120
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def parse_month(text: str) -> tuple[int, int]:
    """`YYYY-MM` as (year, month); ValueError for anything else."""
    found = _MONTH.match(text)
    if found is None:
        raise ValueError(f"{text!r} is not a month written YYYY-MM")
    return int(found[1]), int(found[2])


def month_of(at: datetime) -> str:
    """The UTC calendar month of a moment, `YYYY-MM`."""
    return at.astimezone(UTC).strftime("%Y-%m")


def default_period(now: datetime, months: int = 12) -> tuple[str, str]:
    """The `months` calendar months up to and including the current one (UTC)."""
    year, month = now.astimezone(UTC).year, now.astimezone(UTC).month
    index = year * 12 + month - 1 - (months - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}", f"{year:04d}-{month:02d}"


def months_between(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included; ValueError when reversed or too long."""
    year, month = parse_month(first)
    end = parse_month(last)
    if (year, month) > end:
        raise ValueError(f"{first} is after {last}")
    months = []
    while (year, month) <= end:
        months.append(f"{year:04d}-{month:02d}")
        if len(months) > MAX_REPORT_MONTHS:
            raise ValueError(f"at most {MAX_REPORT_MONTHS} months at a time")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_bounds(first: str, last: str) -> tuple[datetime, datetime]:
    """[start of `first`, start of the month after `last`) in UTC."""
    year, month = parse_month(first)
    end_year, end_month = parse_month(last)
    end_year, end_month = (end_year + 1, 1) if end_month == 12 else (end_year, end_month + 1)
    return datetime(year, month, 1, tzinfo=UTC), datetime(end_year, end_month, 1, tzinfo=UTC)


def bucket_by_month(consumed: Iterable[tuple[datetime, int]], months: Sequence[str]) -> list[int]:
    """Units consumed in each of `months` (0 for a month without consumption)."""
    totals = dict.fromkeys(months, 0)
    for at, qty in consumed:
        month = month_of(at)
        if month in totals:
            totals[month] += qty
    return [totals[month] for month in months]


@dataclass(frozen=True)
class ReserveLevel:
    mean_monthly: float
    std_monthly: float
    suggested_reserve: int


def reserve_level(monthly: Sequence[int], cover_months: float) -> ReserveLevel:
    """Cycle stock for `cover_months` of mean demand plus safety stock for a 95 % service level.

    `ceil(mean × cover_months + 1.65 × std)`, the standard deviation taken over the months
    (sample, n − 1; zero with a single month). Months without consumption count as 0.
    """
    mean = statistics.fmean(monthly) if monthly else 0.0
    std = statistics.stdev(monthly) if len(monthly) > 1 else 0.0
    # Rounded first so that float noise (2.0000000001) does not add a whole unit.
    suggested = math.ceil(round(mean * cover_months + SERVICE_LEVEL_Z * std, 9))
    return ReserveLevel(round(mean, 3), round(std, 3), max(suggested, 0))
