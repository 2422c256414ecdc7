"""Working days on the Chinese calendar: statutory holidays and make-up working weekends (调休).

The chinese-calendar package covers the years the State Council has published; for other dates,
and for the union's own changes, callers pass extra days off and extra working days.
"""

from datetime import date, timedelta

import chinese_calendar


def covered_years() -> range:
    """The years the installed chinese-calendar package knows."""
    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    return range(years[0], years[-1] + 1)


def is_working_day(
    day: date, extra_off: frozenset[date] = frozenset(), extra_on: frozenset[date] = frozenset()
) -> bool:
    if day in extra_off:
        return False
    if day in extra_on:
        return True
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the package does not cover: plain Monday to Friday
        return day.weekday() < 5


def add_working_days(
    start: date, days: int, extra_off: frozenset[date] = frozenset(), extra_on: frozenset[date] = frozenset()
) -> date:
    """The date `days` working days after `start` (`start` itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, extra_off, extra_on):
            remaining -= 1
    return day


def working_days_between(
    start: date, end: date, extra_off: frozenset[date] = frozenset(), extra_on: frozenset[date] = frozenset()
) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
    if end < start:
        return -working_days_between(end, start, extra_off, extra_on)
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, extra_off, extra_on):
            count += 1
    return count
