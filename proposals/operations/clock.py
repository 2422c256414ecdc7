"""Time as the operations see it: UTC timestamps, local (China) dates, and working-day deadlines.

`working_calendar()` is the one working-days service: every deadline is counted on the calendar it
returns (`add`, `between`, `is_provisional`), by operations, pages, reminders and generated data alike.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from workflow import calendar

from ..extensions import db
from ..models import CalendarOverride, CalendarYear
from ..models.base import utcnow  # noqa: F401  (the one clock of timestamps, here for the operations)

LOCAL = ZoneInfo("Asia/Shanghai")


def local_date(moment: datetime) -> date:
    """The date in China of a naive UTC timestamp."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL).date()


def overrides() -> tuple[frozenset[date], frozenset[date]]:
    """The union's extra days off and extra working days."""
    rows = db.session.execute(select(CalendarOverride.day, CalendarOverride.working)).all()
    return frozenset(d for d, w in rows if not w), frozenset(d for d, w in rows if w)


_MEMO = "working_calendar"


def working_calendar() -> calendar.Calendar:
    """The calendar deadlines are counted on: the national one, the years the union loaded and its own
    days. Read once per database session and kept in it until the session writes, commits or rolls back,
    so a page that counts hundreds of deadlines reads it once."""
    info = db.session.info
    found = info.get(_MEMO)
    if found is None:
        years = [row.arrangement() for row in db.session.scalars(select(CalendarYear))]
        off, on = overrides()
        found = info[_MEMO] = calendar.Calendar.build(years, off, on)
    return found


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_calendar(session, *_):
    session.info.pop(_MEMO, None)


def feedback_due(reply, session, working: calendar.Calendar | None = None) -> date:
    """The last day to rate a reply: `feedback_days` working days after the (China-local) day it was sent."""
    return (working or working_calendar()).add(local_date(reply.created_at), session.feedback_days)


def open_deadlines(proposal) -> list[tuple[str, date, date]]:
    """The deadlines of a proposal still to be met, as (kind, counted from, due): the lead department's
    acknowledgement and reply while it is handled, the author's rating once it is replied."""
    if proposal.state in ("assigned", "in_progress"):
        lead = proposal.lead_assignment
        if lead is None:
            return []
        found = [("reply", lead.reply_start, lead.reply_deadline)]
        if lead.acknowledged_at is None:
            found.insert(0, ("ack", lead.ack_start, lead.ack_deadline))
        return found
    if proposal.state == "replied":
        reply = proposal.current_reply
        if reply is not None:
            return [("feedback", local_date(reply.created_at), feedback_due(reply, proposal.session))]
    return []


def calendar_provisional(proposal) -> bool:
    """Whether a deadline of the proposal still to be met counts days of a year whose official arrangement
    is not known yet (the statutory holidays stand in for it, so the deadline may move)."""
    working = working_calendar()
    return any(working.is_provisional(start, due) for _, start, due in open_deadlines(proposal))
