"""A technician's shift calendar and the windows in which they can be sent (pure).

The calendar is stored as the dispatcher sent it:
`{"timezone": "Asia/Shanghai", "hours": [{"days": [1, 2, 3, 4, 5], "start": "08:00",
"end": "18:00"}], "on_call": [{"days": [5], "start": "20:00", "end": "08:00"}],
"leave": [{"from": RFC 3339, "to": RFC 3339}]}`. An entry whose end is not after its start runs
past midnight into the next day (the `days` name the day it starts); `"24:00"` ends at midnight.
`{"start", "end", "timezone"}` is shorthand for the same hours every day. With neither hours
nor on-call the technician is always available (leave still applies).
"""

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Asia/Shanghai"
ALL_DAYS = frozenset(range(1, 8))  # ISO weekdays, Monday = 1
Window = tuple[datetime, datetime]

_CLOCK = re.compile(r"^(\d{2}):(\d{2})$")


class CalendarError(ValueError):
    """A calendar that cannot be read; the message names the offending entry."""


@dataclass(frozen=True)
class WeeklyHours:
    days: frozenset[int]
    start: time
    end: time | None  # None: midnight at the end of the day ("24:00")


@dataclass(frozen=True)
class Calendar:
    timezone: str = DEFAULT_TIMEZONE
    hours: tuple[WeeklyHours, ...] = ()
    on_call: tuple[WeeklyHours, ...] = ()
    leave: tuple[Window, ...] = ()

    @property
    def always_available(self) -> bool:
        return not self.hours and not self.on_call


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise CalendarError(f"timezone: unknown time zone {name!r}") from exc


def _clock(value: Any, where: str, *, end: bool) -> time | None:
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise CalendarError(f"{where}: expected HH:MM")
    hour, minute = int(match[1]), int(match[2])
    if end and (hour, minute) == (24, 0):
        return None
    if hour > 23 or minute > 59:
        raise CalendarError(f"{where}: {value!r} is not a time of day")
    return time(hour, minute)


def _weekly(entry: Any, where: str) -> WeeklyHours:
    if not isinstance(entry, Mapping):
        raise CalendarError(f"{where}: expected {{days, start, end}}")
    days = entry.get("days", sorted(ALL_DAYS))
    if not isinstance(days, list) or not days or any(
        not isinstance(d, int) or isinstance(d, bool) or d not in ALL_DAYS for d in days
    ):
        raise CalendarError(f"{where}.days: a non-empty list of ISO weekdays 1 (Mon) to 7 (Sun)")
    start = _clock(entry.get("start"), f"{where}.start", end=False)
    assert start is not None  # only an end may be 24:00
    finish = _clock(entry.get("end"), f"{where}.end", end=True)
    if finish == start:
        raise CalendarError(f"{where}: start and end are equal (a whole day is 00:00 to 24:00)")
    return WeeklyHours(frozenset(days), start, finish)


def _instant(value: Any, where: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise CalendarError(f"{where}: not an RFC 3339 timestamp") from exc
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise CalendarError(f"{where}: an RFC 3339 timestamp with an offset")
    return value.astimezone(UTC)


def _leave(entry: Any, where: str) -> Window:
    if not isinstance(entry, Mapping):
        raise CalendarError(f"{where}: expected {{from, to}}")
    start = _instant(entry.get("from"), f"{where}.from")
    end = _instant(entry.get("to"), f"{where}.to")
    if end <= start:
        raise CalendarError(f"{where}: `to` must be after `from`")
    return start, end


def _entries(shift: Mapping[str, Any], key: str) -> list[Any]:
    entries = shift.get(key, [])
    if not isinstance(entries, list):
        raise CalendarError(f"{key}: expected a list")
    return entries


def parse_calendar(shift: Mapping[str, Any]) -> Calendar:
    """Read a stored or submitted calendar; unknown keys are ignored, bad values raise."""
    timezone = shift.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(timezone, str):
        raise CalendarError("timezone: expected an IANA time zone name")
    zone(timezone)
    hours = [_weekly(e, f"hours[{i}]") for i, e in enumerate(_entries(shift, "hours"))]
    if "start" in shift or "end" in shift:
        hours.append(_weekly({"start": shift.get("start"), "end": shift.get("end")}, "shift"))
    on_call = [_weekly(e, f"on_call[{i}]") for i, e in enumerate(_entries(shift, "on_call"))]
    leave = [_leave(e, f"leave[{i}]") for i, e in enumerate(_entries(shift, "leave"))]
    return Calendar(timezone, tuple(hours), tuple(on_call), tuple(leave))


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _occurrences(
    entries: Iterable[WeeklyHours], tz: ZoneInfo, first: date, last: date
) -> Iterator[Window]:
    for day in _days(first, last):
        for entry in entries:
            if day.isoweekday() not in entry.days:
                continue
            overnight = entry.end is None or entry.end <= entry.start
            end_day = day + timedelta(days=1) if overnight else day
            start = datetime.combine(day, entry.start, tz)
            end = datetime.combine(end_day, entry.end or time(0), tz)
            yield start.astimezone(UTC), end.astimezone(UTC)


def merge(windows: Iterable[Window]) -> list[Window]:
    """Sorted, with overlapping or touching windows joined."""
    merged: list[Window] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def subtract(windows: Sequence[Window], holes: Iterable[Window]) -> list[Window]:
    """The parts of `windows` outside every hole."""
    remaining = list(windows)
    for hole_start, hole_end in holes:
        cut: list[Window] = []
        for start, end in remaining:
            if hole_end <= start or end <= hole_start:
                cut.append((start, end))
                continue
            if start < hole_start:
                cut.append((start, hole_start))
            if hole_end < end:
                cut.append((hole_end, end))
        remaining = cut
    return remaining


def _off_duty(windows: Sequence[Window], since: datetime) -> list[Window]:
    """Take out the rest of the shift during which the technician reported off duty."""
    return subtract(windows, [(since, end) for start, end in windows if start <= since < end])


def availability(
    calendar: Calendar,
    now: datetime,
    horizon: timedelta,
    off_duty_since: datetime | None = None,
) -> tuple[Window, ...]:
    """The UTC windows open at some time between `now` and `now + horizon` in which the
    technician can be sent (a window already open keeps its real start; ends are cut at the
    horizon).

    Working hours and on-call both count; leave is taken out. A technician who reported
    `off_duty` loses the rest of the shift in which they did (with no calendar: everything,
    until they report again).
    """
    until = now + horizon
    if calendar.always_available:
        if off_duty_since is not None:
            return ()
        windows = [(now, until)]
    else:
        tz = zone(calendar.timezone)
        # From the day before: a night on-call that began yesterday may still be running.
        first = (now.astimezone(tz) - timedelta(days=1)).date()
        windows = merge(
            _occurrences(calendar.hours + calendar.on_call, tz, first, until.astimezone(tz).date())
        )
        if off_duty_since is not None:
            windows = _off_duty(windows, off_duty_since)
    clipped = [(s, min(e, until)) for s, e in subtract(windows, calendar.leave)]
    return tuple((s, e) for s, e in clipped if s < e and e > now)
