from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.quality.domain.periods import (
    Period,
    PeriodError,
    Window,
    as_utc,
    period_start,
    report_windows,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


NOW = utc(2026, 11, 27, 9, 30)


@pytest.mark.parametrize(("period", "moment", "start"), [
    (Period.WEEKLY, utc(2026, 11, 27, 9, 30), utc(2026, 11, 23)),  # a Friday
    (Period.WEEKLY, utc(2026, 11, 23, 0, 0), utc(2026, 11, 23)),  # the Monday itself
    (Period.WEEKLY, utc(2026, 11, 22, 23, 59), utc(2026, 11, 16)),  # Sunday night
    (Period.WEEKLY, utc(2027, 1, 1), utc(2026, 12, 28)),  # a week across the new year
    (Period.MONTHLY, utc(2026, 2, 28, 23), utc(2026, 2, 1)),
    (Period.QUARTERLY, utc(2026, 3, 31, 23), utc(2026, 1, 1)),
    (Period.QUARTERLY, utc(2026, 4, 1), utc(2026, 4, 1)),
    (Period.QUARTERLY, utc(2026, 8, 15), utc(2026, 7, 1)),
    (Period.QUARTERLY, utc(2026, 12, 31), utc(2026, 10, 1)),
    (Period.HALF_YEAR, utc(2026, 6, 30, 23), utc(2026, 1, 1)),
    (Period.HALF_YEAR, utc(2026, 7, 1), utc(2026, 7, 1)),
    (Period.ANNUAL, utc(2026, 12, 31, 23, 59), utc(2026, 1, 1)),
])
def test_a_period_starts_at_its_calendar_boundary_in_utc(
    period: Period, moment: datetime, start: datetime
) -> None:
    assert period_start(period, moment) == start


def test_a_moment_with_an_offset_falls_in_the_period_of_its_utc_time() -> None:
    beijing = timezone(timedelta(hours=8))
    # Monday 02:00 in Beijing is still Sunday in UTC: the previous week.
    assert period_start(Period.WEEKLY, datetime(2026, 11, 23, 2, tzinfo=beijing)) == utc(
        2026, 11, 16)


@pytest.mark.parametrize(("period", "current", "previous"), [
    (Period.WEEKLY, (utc(2026, 11, 23), utc(2026, 11, 30)), (utc(2026, 11, 16), utc(2026, 11, 23))),
    (Period.MONTHLY, (utc(2026, 11, 1), utc(2026, 12, 1)), (utc(2026, 10, 1), utc(2026, 11, 1))),
    (Period.QUARTERLY, (utc(2026, 10, 1), utc(2027, 1, 1)), (utc(2026, 7, 1), utc(2026, 10, 1))),
    (Period.HALF_YEAR, (utc(2026, 7, 1), utc(2027, 1, 1)), (utc(2026, 1, 1), utc(2026, 7, 1))),
    (Period.ANNUAL, (utc(2026, 1, 1), utc(2027, 1, 1)), (utc(2025, 1, 1), utc(2026, 1, 1))),
])
def test_by_default_the_report_covers_the_period_of_now_and_compares_with_the_one_before(
    period: Period, current: tuple[datetime, datetime], previous: tuple[datetime, datetime]
) -> None:
    windows = report_windows(period, NOW)
    assert windows.current == Window(*current)
    assert windows.previous == Window(*previous)


def test_january_is_compared_with_december_of_the_year_before() -> None:
    windows = report_windows(Period.MONTHLY, NOW, start_in=utc(2026, 1, 20))
    assert windows.current == Window(utc(2026, 1, 1), utc(2026, 2, 1))
    assert windows.previous == Window(utc(2025, 12, 1), utc(2026, 1, 1))


def test_the_first_quarter_is_compared_with_the_last_quarter_of_the_year_before() -> None:
    windows = report_windows(Period.QUARTERLY, NOW, start_in=utc(2026, 2, 1))
    assert windows.previous == Window(utc(2025, 10, 1), utc(2026, 1, 1))


def test_a_month_is_compared_with_the_whole_previous_month_even_when_shorter() -> None:
    windows = report_windows(Period.MONTHLY, NOW, start_in=utc(2026, 3, 10))
    assert windows.current.hours == 31 * 24
    assert windows.previous == Window(utc(2026, 2, 1), utc(2026, 3, 1))
    assert windows.previous.hours == 28 * 24


def test_from_picks_the_period_that_contains_it() -> None:
    windows = report_windows(Period.MONTHLY, NOW, start_in=utc(2026, 5, 17, 13))
    assert windows.current == Window(utc(2026, 5, 1), utc(2026, 6, 1))


def test_to_overrides_the_end_and_the_comparison_is_as_long_just_before() -> None:
    windows = report_windows(Period.MONTHLY, NOW, start_in=utc(2026, 11, 1),
                             end=utc(2026, 11, 11))
    assert windows.current == Window(utc(2026, 11, 1), utc(2026, 11, 11))
    assert windows.previous == Window(utc(2026, 10, 22), utc(2026, 11, 1))


@pytest.mark.parametrize(("start_in", "end", "field"), [
    (utc(2026, 11, 5), utc(2026, 11, 5), "to"),
    (utc(2026, 11, 5), utc(2026, 11, 4), "to"),
    (utc(2026, 11, 5), utc(2029, 1, 1), "to"),
    (utc(1999, 12, 31), None, "from"),
])
def test_an_impossible_window_is_refused_naming_the_parameter(
    start_in: datetime, end: datetime | None, field: str
) -> None:
    with pytest.raises(PeriodError) as error:
        report_windows(Period.MONTHLY, NOW, start_in=start_in, end=end)
    assert error.value.field == field


def test_to_without_from_must_come_after_the_start_of_the_current_period() -> None:
    with pytest.raises(PeriodError):
        report_windows(Period.MONTHLY, NOW, end=utc(2026, 10, 31))
    assert report_windows(Period.MONTHLY, NOW, end=utc(2026, 11, 2)).current.hours == 24


def test_a_date_means_midnight_utc_and_a_datetime_keeps_its_instant() -> None:
    assert as_utc(date(2026, 11, 5), "from") == utc(2026, 11, 5)
    beijing = datetime(2026, 11, 5, 8, tzinfo=timezone(timedelta(hours=8)))
    assert as_utc(beijing, "from") == utc(2026, 11, 5)


def test_a_datetime_beyond_the_calendar_in_utc_is_refused_not_crashed() -> None:
    edge = datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5)))
    with pytest.raises(PeriodError):
        as_utc(edge, "to")
