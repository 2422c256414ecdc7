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
    days_left: int  # working days; negative when overdue
    met: bool  # already done (acknowledged / replied)

    @property
    def overdue(self) -> bool:
        return not self.met and self.days_left < 0


def of(proposal: Proposal, today: date | None = None) -> list[Deadline]:
    lead = proposal.lead_assignment
    if lead is None:
        return []
    today = today or clock.local_date(clock.utcnow())
    off, on = clock.overrides()

    def left(due: date) -> int:
        return calendar.working_days_between(today, due, off, on)

    replied = proposal.state in ("replied", "closed", "archived")
    return [
        Deadline("ack", lead.ack_deadline, left(lead.ack_deadline), lead.acknowledged_at is not None),
        Deadline("reply", lead.reply_deadline, left(lead.reply_deadline), replied),
    ]


def if_assigned_now(proposal: Proposal, today: date | None = None) -> list[Deadline]:
    """The deadlines an assignment made today would get (shown on the assign form)."""
    today = today or clock.local_date(clock.utcnow())
    session = proposal.session
    return [
        Deadline("ack", clock.add_working_days(today, session.ack_days), session.ack_days, False),
        Deadline("reply", clock.add_working_days(today, session.reply_days), session.reply_days, False),
    ]
