from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.dispatch.domain.calendar import CalendarError, availability, parse_calendar

# Friday 27 November 2026, 10:00 in Shanghai (UTC+8).
FRIDAY_10 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def windows(shift: dict[str, Any], now: datetime = FRIDAY_10, horizon: timedelta = 3 * DAY,
            off_duty_since: datetime | None = None) -> list[tuple[datetime, datetime]]:
    return list(availability(parse_calendar(shift), now, horizon, off_duty_since))


def test_an_empty_calendar_is_always_available_over_the_horizon() -> None:
    assert windows({}) == [(FRIDAY_10, FRIDAY_10 + 3 * DAY)]


def test_start_and_end_alone_mean_the_same_hours_every_day() -> None:
    found = windows({"start": "08:00", "end": "20:00", "timezone": "Asia/Shanghai"})
    # 08:00-20:00 Shanghai is 00:00-12:00 UTC: today's shift is already open.
    assert found == [(utc(27, 0), utc(27, 12)), (utc(28, 0), utc(28, 12)),
                     (utc(29, 0), utc(29, 12)), (utc(30, 0), FRIDAY_10 + 3 * DAY)]


def test_working_hours_follow_the_listed_weekdays() -> None:
    weekdays = {"hours": [{"days": [1, 2, 3, 4, 5], "start": "08:00", "end": "18:00"}]}
    # Friday, then nothing at the weekend, then Monday 30 November.
    assert windows(weekdays, horizon=timedelta(days=3, hours=12)) == [(utc(27, 0), utc(27, 10)),
                                                  (utc(30, 0), utc(30, 10))]


def test_a_night_on_call_runs_across_midnight_into_the_next_day() -> None:
    nights = {"on_call": [{"days": [5], "start": "20:00", "end": "08:00"}]}
    # Friday 20:00 to Saturday 08:00 in Shanghai.
    assert windows(nights) == [(utc(27, 12), utc(28, 0))]


def test_last_nights_on_call_still_counts_after_midnight() -> None:
    nights = {"on_call": [{"days": [4], "start": "22:00", "end": "06:00"}]}
    friday_02_local = utc(26, 18)
    assert windows(nights, now=friday_02_local) == [(utc(26, 14), utc(26, 22))]


def test_hours_and_on_call_that_touch_make_one_window() -> None:
    shift = {"hours": [{"days": [5], "start": "08:00", "end": "20:00"}],
             "on_call": [{"days": [5], "start": "20:00", "end": "08:00"}]}
    assert windows(shift) == [(utc(27, 0), utc(28, 0))]


def test_an_end_of_24_00_is_midnight() -> None:
    assert windows({"hours": [{"days": [5], "start": "18:00", "end": "24:00"}]}) == [
        (utc(27, 10), utc(27, 16))
    ]


def test_leave_is_taken_out_of_the_windows() -> None:
    shift = {"start": "08:00", "end": "20:00",
             "leave": [{"from": "2026-11-27T12:00:00+08:00", "to": "2026-11-29T00:00:00+08:00"}]}
    assert windows(shift, horizon=2 * DAY) == [(utc(27, 0), utc(27, 4)), (utc(29, 0), utc(29, 2))]


def test_leave_applies_to_an_always_available_technician_too() -> None:
    shift = {"leave": [{"from": "2026-11-27T00:00:00Z", "to": "2026-11-28T02:00:00Z"}]}
    assert windows(shift) == [(utc(28, 2), FRIDAY_10 + 3 * DAY)]


def test_off_duty_loses_the_rest_of_todays_shift_but_not_tomorrows() -> None:
    shift = {"start": "08:00", "end": "20:00"}
    found = windows(shift, off_duty_since=FRIDAY_10)
    assert found[0] == (utc(28, 0), utc(28, 12))
    assert found[0][0] > FRIDAY_10


def test_off_duty_reported_before_the_shift_began_leaves_it_alone() -> None:
    shift = {"start": "08:00", "end": "20:00"}
    assert windows(shift, off_duty_since=utc(26, 20)) == windows(shift)


def test_off_duty_without_a_calendar_means_unavailable_until_reported_otherwise() -> None:
    assert windows({}, off_duty_since=FRIDAY_10 - DAY) == []


def test_windows_end_at_the_horizon() -> None:
    assert windows({"start": "08:00", "end": "20:00"}, horizon=timedelta(hours=4)) == [
        (utc(27, 0), utc(27, 6))
    ]


def test_a_calendar_in_another_time_zone_is_read_in_its_own_time() -> None:
    found = windows({"start": "09:00", "end": "17:00", "timezone": "UTC"}, horizon=DAY)
    assert found == [(utc(27, 9), utc(27, 17))]


def test_keys_unknown_to_the_calendar_are_ignored_when_reading_a_stored_one() -> None:
    assert windows({"start": "08:00", "end": "20:00", "note": "old format"}) == windows(
        {"start": "08:00", "end": "20:00"}
    )


@pytest.mark.parametrize(
    ("shift", "named"),
    [
        ({"start": "08:00"}, "shift.end"),
        ({"start": "8am", "end": "20:00"}, "shift.start"),
        ({"hours": [{"start": "25:00", "end": "26:00"}]}, "hours[0].start"),
        ({"hours": [{"days": [0], "start": "08:00", "end": "18:00"}]}, "hours[0].days"),
        ({"hours": [{"days": [], "start": "08:00", "end": "18:00"}]}, "hours[0].days"),
        ({"on_call": [{"start": "08:00", "end": "08:00"}]}, "on_call[0]"),
        ({"leave": [{"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}]}, "leave[0]"),
        ({"leave": [{"from": "2026-12-01T00:00:00", "to": "2026-12-02T00:00:00Z"}]},
         "leave[0].from"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"hours": "weekdays"}, "hours"),
    ],
)
def test_a_bad_calendar_is_refused_naming_the_entry(shift: dict[str, Any], named: str) -> None:
    with pytest.raises(CalendarError, match=rf"^{named.replace('[', '.').replace(']', '.')}"):
        parse_calendar(shift)
