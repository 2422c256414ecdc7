"""The deadlines tick watches, counted in working days on the union's calendar (China-local dates)."""

from dataclasses import dataclass
from datetime import date

from workflow import calendar

from ..operations import clock


@dataclass(frozen=True)
class WorkingDays:
    """The working-day calendar with the loaded years and the union's overrides, read once per run."""

    calendar: calendar.Calendar

    @classmethod
    def load(cls) -> "WorkingDays":
        return cls(clock.working_calendar())

    def add(self, start: date, days: int) -> date:
        return self.calendar.add(start, days)

    def left(self, today: date, due: date) -> int:
        """Working days after today up to the deadline; negative once it has passed."""
        return self.calendar.between(today, due)

    def remind_now(self, today: date, due: date, days_before: int) -> bool:
        """Whether a reminder of `due` belongs to today: no more than `days_before` working days ahead,
        and the deadline not yet passed (then an overdue notice, not a reminder, is due)."""
        return today <= due and self.left(today, due) <= days_before


def feedback_due(reply, session, days: WorkingDays) -> date:
    """The last day to rate a reply: `feedback_days` working days after the (China-local) day it was sent."""
    return days.add(clock.local_date(reply.created_at), session.feedback_days)
