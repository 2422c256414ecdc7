"""Deadlines as pages show them: the date, and working days left or overdue."""

from dataclasses import dataclass
from datetime import date

from workflow import calendar

from ..models import Proposal
from ..operations import clock


@dataclass(frozen=True)
class Deadline:
    kind: str  # "ack" or "reply"
    due: date
    days_left: int  # working days from today; negative once working days have passed since
    met: bool  # already done (acknowledged / replied)
    overdue: bool = False  # as stats.overdue_condition: not done and today is after the due date


def of(proposal: Proposal, today: date | None = None) -> list[Deadline]:
    lead = proposal.lead_assignment
    if lead is None:
        return []
    today = today or clock.local_date(clock.utcnow())
    off, on = clock.overrides()

    def left(due: date) -> int:
        return calendar.working_days_between(today, due, off, on)

    replied = proposal.state in ("replied", "closed", "archived")
    acknowledged = lead.acknowledged_at is not None
    return [
        Deadline(
            "ack",
            lead.ack_deadline,
            left(lead.ack_deadline),
            acknowledged,
            _passed(acknowledged, lead.ack_deadline, today),
        ),
        Deadline(
            "reply",
            lead.reply_deadline,
            left(lead.reply_deadline),
            replied,
            _passed(replied, lead.reply_deadline, today),
        ),
    ]


def _passed(met: bool, due: date, today: date) -> bool:
    return not met and today > due


def if_assigned_now(proposal: Proposal, today: date | None = None) -> list[Deadline]:
    """The deadlines an assignment made today would get (shown on the assign form)."""
    today = today or clock.local_date(clock.utcnow())
    session = proposal.session
    return [
        Deadline("ack", clock.add_working_days(today, session.ack_days), session.ack_days, False),
        Deadline("reply", clock.add_working_days(today, session.reply_days), session.reply_days, False),
    ]
