"""Report periods: calendar boundaries in UTC and the period a report compares with. Pure.

A weekly period starts on Monday 00:00 UTC; monthly, quarterly, half-year and annual periods on
the first day of their month, quarter (January, April, July, October), half (January, July) and
year. Windows are half-open: `start <= t < end`.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

# Reports start no earlier and no later than this: period arithmetic (the comparison reaches
# back up to two years) then stays well inside the calendar datetime can represent.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
# An overridden end may stretch a report, but not past two years: one request, bounded work.
MAX_SPAN = timedelta(days=2 * 366)


class Period(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEAR = "half-year"
    ANNUAL = "annual"


# Months per period, for the month-based periods.
_MONTHS = {Period.MONTHLY: 1, Period.QUARTERLY: 3, Period.HALF_YEAR: 6, Period.ANNUAL: 12}


class PeriodError(ValueError):
    """An impossible report window; `field` names the query parameter at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start) / timedelta(hours=1)

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class ReportWindows:
    current: Window
    previous: Window


def as_utc(moment: date | datetime, field: str) -> datetime:
    """A date means its 00:00 UTC; a datetime must carry an offset. Raises `PeriodError`."""
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time(), tzinfo=UTC)
    if moment.tzinfo is None:
        raise PeriodError(field, "needs a UTC offset (RFC 3339)")
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # year 1 or 9999 shifted past the calendar's edge
        raise PeriodError(field, "lies outside the calendar") from exc


def _add_months(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return start.replace(year=index // 12, month=index % 12 + 1)


def period_start(period: Period, moment: datetime) -> datetime:
    """The start of the period of this kind that contains `moment`."""
    day = datetime.combine(moment.astimezone(UTC).date(), time(), tzinfo=UTC)
    if period is Period.WEEKLY:
        return day - timedelta(days=day.weekday())
    months = _MONTHS[period]
    first_month = (day.month - 1) // months * months + 1
    return day.replace(month=first_month, day=1)


def shift(period: Period, start: datetime, count: int) -> datetime:
    """The start of the period `count` periods after (negative: before) the one at `start`."""
    if period is Period.WEEKLY:
        return start + timedelta(weeks=count)
    return _add_months(start, _MONTHS[period] * count)


def report_windows(
    period: Period, now: datetime, start_in: datetime | None = None, end: datetime | None = None
) -> ReportWindows:
    """The reported window and the one it is compared with.

    The window is the calendar period containing `start_in` (default: now). `end` overrides
    where it stops; the comparison is then the same length immediately before, otherwise the
    previous calendar period (a month is compared with the whole previous month, even when
    the two differ in length). Raises `PeriodError`.
    """
    anchor = start_in or now
    if not EARLIEST <= anchor < LATEST:
        raise PeriodError("from", f"must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    start = period_start(period, anchor)
    if end is None:
        return ReportWindows(
            Window(start, shift(period, start, 1)), Window(shift(period, start, -1), start)
        )
    if end <= (start_in or start):
        after = "from" if start_in else "the start of the period"
        raise PeriodError("to", f"must be after {after}")
    if end - start > MAX_SPAN:
        raise PeriodError("to", f"must lie within {MAX_SPAN.days} days of the period's start")
    return ReportWindows(Window(start, end), Window(start - (end - start), start))
