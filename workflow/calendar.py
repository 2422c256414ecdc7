"""Working days on the Chinese calendar: statutory holidays and make-up working weekends (调休).

The chinese-calendar package covers the years the State Council has published; for other dates,
and for the union's own changes, callers pass extra days off and extra working days.

Pages count working days for every row they show, so the package's tables are read once, into sets
(its own is_workday() scans the whole table for the years it covers on every call), and each count is
kept per (start, end, the union's changes): the same deadlines are counted again on every request.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar

# the package's tables, and the years its is_workday() answers for (it checks them against its holidays)
_HOLIDAYS = frozenset(chinese_calendar.holidays)
_WORKDAYS = frozenset(chinese_calendar.workdays)
_FIRST_YEAR = min(d.year for d in _HOLIDAYS)
_LAST_YEAR = max(d.year for d in _HOLIDAYS)
ONE_DAY = timedelta(days=1)


def covered_years() -> range:
    """The years the installed chinese-calendar package knows."""
    years = sorted({d.year for d in _HOLIDAYS} | {d.year for d in _WORKDAYS})
    return range(years[0], years[-1] + 1)


def _national_working_day(day: date) -> bool:
    """chinese_calendar.is_workday(day), and plain Monday to Friday in a year the package does not cover."""
    if _FIRST_YEAR <= day.year <= _LAST_YEAR:
        return day in _WORKDAYS or (day.weekday() < 5 and day not in _HOLIDAYS)
    return day.weekday() < 5


def is_working_day(
    day: date, extra_off: frozenset[date] = frozenset(), extra_on: frozenset[date] = frozenset()
) -> bool:
    if isinstance(day, datetime):
        day = day.date()
    if day in extra_off:
        return False
    if day in extra_on:
        return True
    return _national_working_day(day)


def add_working_days(
    start: date, days: int, extra_off: frozenset[date] = frozenset(), extra_on: frozenset[date] = frozenset()
) -> date:
    """The date `days` working days after `start` (`start` itself not counted)."""
    return _add(start, days, frozenset(extra_off), frozenset(extra_on))


def working_days_between(
    start: date, end: date, extra_off: frozenset[date] = frozenset(), extra_on: frozenset[date] = frozenset()
) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
    extra_off, extra_on = frozenset(extra_off), frozenset(extra_on)
    if end < start:
        return -_between(end, start, extra_off, extra_on)
    return _between(start, end, extra_off, extra_on)


@lru_cache(maxsize=8192)
def _add(start: date, days: int, extra_off: frozenset[date], extra_on: frozenset[date]) -> date:
    day = start
    remaining = days
    while remaining > 0:
        day += ONE_DAY
        if day in extra_off:
            continue
        if day in extra_on or _national_working_day(day):
            remaining -= 1
    return day


@lru_cache(maxsize=8192)
def _between(start: date, end: date, extra_off: frozenset[date], extra_on: frozenset[date]) -> int:
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        if day in extra_off:
            continue
        if day in extra_on or _national_working_day(day):
            count += 1
    return count
