"""Working days on the Chinese calendar: statutory holidays and make-up working weekends (调休).

A year's arrangement is official when the State Council's notice is known: the chinese-calendar package
covers the years it has published, and the union loads the others (a `Year`). A year without either falls
back to the statutory holidays of 《全国年节及纪念日放假办法》 (as amended in 2024), dated from the lunar
calendar by the `holidays` package, with the law's make-up rule (补假): a holiday on a Saturday or Sunday
is made up on the next working day. Its 调休 weekends are unknown until the notice, so a deadline that
counts days of such a year is provisional.

Pages count working days for every row they show, so the national days are read once, into sets (the
package's own is_workday() scans its whole table on every call), a `Calendar` folds the loaded years and
the union's single-day changes into two sets of exceptions, and each count is kept per (start, end, those
sets): the same deadlines are counted again on every request.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar
import holidays as holiday_library

# the package's tables, and the years its is_workday() answers for (it checks them against its holidays)
_HOLIDAYS = frozenset(chinese_calendar.holidays)
_WORKDAYS = frozenset(chinese_calendar.workdays)
_FIRST_YEAR = min(d.year for d in _HOLIDAYS)
_LAST_YEAR = max(d.year for d in _HOLIDAYS)
ONE_DAY = timedelta(days=1)

# the statutory holidays of the amended 《全国年节及纪念日放假办法》, as the holidays package names them
# (its other entries for a year are its own make-up days: the law's rule is applied here, below)
STATUTORY_NAMES = {
    "New Year's Day": "元旦",
    "Chinese New Year's Eve": "春节",
    "Chinese New Year (Spring Festival)": "春节",
    "Tomb-Sweeping Day": "清明节",
    "Labor Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-Autumn Festival": "中秋节",
    "National Day": "国庆节",
}


@lru_cache(maxsize=1)
def covered_years() -> range:
    """The years the installed chinese-calendar package knows."""
    years = sorted({d.year for d in _HOLIDAYS} | {d.year for d in _WORKDAYS})
    return range(years[0], years[-1] + 1)


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory holidays of `year` by date with their Chinese names (two festivals on one day, as
    中秋节 within 国庆节, are both named: 中秋节、国庆节), before any make-up day."""
    found = {}
    for day, names in holiday_library.China(years=year, language="en_US").items():
        chinese = list(dict.fromkeys(STATUTORY_NAMES[n] for n in names.split("; ") if n in STATUTORY_NAMES))
        if chinese:
            found[day] = "、".join(chinese)
    return dict(sorted(found.items()))


@lru_cache(maxsize=64)
def fallback_days_off(year: int) -> dict[date, str]:
    """The days off of a year without the State Council's notice: the statutory holidays, and for each
    one on a Saturday or Sunday a make-up day (补假) on the next working day."""
    off = dict(statutory_holidays(year))
    for day, name in sorted(statutory_holidays(year).items()):
        if day.weekday() >= 5:
            makeup = day + ONE_DAY
            while makeup.weekday() >= 5 or makeup in off:
                makeup += ONE_DAY
            off[makeup] = name
    return dict(sorted(off.items()))


def _national_working_day(day: date) -> bool:
    """chinese_calendar.is_workday(day), and the statutory fallback in a year the package does not cover."""
    if _FIRST_YEAR <= day.year <= _LAST_YEAR:
        return day in _WORKDAYS or (day.weekday() < 5 and day not in _HOLIDAYS)
    return day.weekday() < 5 and day not in fallback_days_off(day.year)


@dataclass(frozen=True)
class Year:
    """A year's official arrangement as the union loaded it from the notice: spans of days off and the
    weekend days that are working days (调休)."""

    year: int
    holidays: tuple[tuple[date, date], ...]
    workdays: tuple[date, ...]

    def days_off(self) -> frozenset[date]:
        days = set()
        for first, last in self.holidays:
            day = first
            while day <= last:
                days.add(day)
                day += ONE_DAY
        return frozenset(days)

    def is_working_day(self, day: date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.days_off())


@lru_cache(maxsize=256)
def _exceptions(year: Year) -> tuple[frozenset[date], frozenset[date]]:
    """Where a loaded year differs from the national calendar: (its extra days off, its extra working days)."""
    off, on = set(), set()
    days_off, workdays = year.days_off(), frozenset(year.workdays)
    day = date(year.year, 1, 1)
    while day.year == year.year:
        working = day in workdays or (day.weekday() < 5 and day not in days_off)
        if working != _national_working_day(day):
            (on if working else off).add(day)
        day += ONE_DAY
    return frozenset(off), frozenset(on)


@dataclass(frozen=True)
class Calendar:
    """The calendar deadlines are counted on: the national one, the years the union loaded, and the
    union's own extra days off and working days on top. Built once per request (clock.working_calendar)."""

    off: frozenset[date] = frozenset()  # days off beyond the national calendar
    on: frozenset[date] = frozenset()  # working days beyond it
    loaded: frozenset[int] = field(default=frozenset())  # the years the union loaded

    @classmethod
    def build(
        cls, years: Iterable[Year] = (), extra_off: Iterable[date] = (), extra_on: Iterable[date] = ()
    ) -> "Calendar":
        off, on, loaded = set(), set(), set()
        for year in years:
            year_off, year_on = _exceptions(year)
            off |= year_off
            on |= year_on
            loaded.add(year.year)
        extra_off, extra_on = frozenset(extra_off), frozenset(extra_on)
        return cls(frozenset((off - extra_on) | extra_off), frozenset((on - extra_off) | extra_on), frozenset(loaded))

    def is_official(self, year: int) -> bool:
        """Whether the State Council's arrangement of `year` is known (the package's or loaded)."""
        return year in self.loaded or year in covered_years()

    def is_provisional(self, start: date, due: date) -> bool:
        """Whether counting from `start` to `due` passes through a year whose arrangement is not official."""
        first, last = sorted((start + ONE_DAY, due))
        return any(not self.is_official(y) for y in range(first.year, last.year + 1))

    def is_working_day(self, day: date) -> bool:
        return is_working_day(day, self.off, self.on)

    def add(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (`start` itself not counted)."""
        return _add(start, days, self.off, self.on)

    def between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is before `start`."""
        return working_days_between(start, end, self.off, self.on)


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
