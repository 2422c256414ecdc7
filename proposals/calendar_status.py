"""Whether a year's working-day calendar is official: known for certain, not guessed Monday to Friday.

The State Council publishes next year's holidays around November; until the chinese-calendar package
knows a year, or the union has loaded it, deadlines in that year are counted on plain weekdays.
"""

from datetime import date

from workflow import calendar


def next_year_official(today: date) -> bool:
    """Whether the calendar of the year after `today`'s is official."""
    return today.year + 1 in calendar.covered_years()
