"""Time as the operations see it: UTC timestamps, local (China) dates, and working-day deadlines."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from workflow import calendar

from ..extensions import db
from ..models import CalendarOverride

LOCAL = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_date(moment: datetime) -> date:
    """The date in China of a naive UTC timestamp."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL).date()


def overrides() -> tuple[frozenset[date], frozenset[date]]:
    """The union's extra days off and extra working days."""
    rows = db.session.execute(select(CalendarOverride.day, CalendarOverride.working)).all()
    return frozenset(d for d, w in rows if not w), frozenset(d for d, w in rows if w)


def add_working_days(start: date, days: int) -> date:
    off, on = overrides()
    return calendar.add_working_days(start, days, off, on)
