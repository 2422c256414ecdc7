"""Whether the working-day calendar of a year is the official one (the State Council's notice)."""

from datetime import date

from .operations import clock


def next_year_official(today: date) -> bool:
    """Whether next year's official holiday arrangement is known (the package's or loaded by the union);
    until it is, deadlines that reach next year are counted on the statutory holidays alone."""
    return clock.working_calendar().is_official(today.year + 1)
