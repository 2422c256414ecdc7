"""Deadlines as pages show them: the date, and working days left or overdue."""

from dataclasses import dataclass
from datetime import date

from ..calendar_status import next_year_official
from ..models import Proposal
from ..operations import clock
from ..stats import REPLIED_OR_LATER, overdue_deadlines


@dataclass(frozen=True)
class Deadline:
    kind: str  # "ack" or "reply"
    due: date
    days_left: int  # working days from today; negative once working days have passed since
    met: bool  # already done (acknowledged / replied)
    overdue: bool = False  # as stats.overdue_condition: not done and today is after the due date
    # counted across a year whose official arrangement is not known yet: it may move when it is loaded
    provisional: bool = False


def of(proposal: Proposal, today: date | None = None) -> list[Deadline]:
    lead = proposal.lead_assignment
    if lead is None:
        return []
    today = today or clock.local_date(clock.utcnow())
    working = clock.working_calendar()
    replied = proposal.state in REPLIED_OR_LATER
    acknowledged = lead.acknowledged_at is not None
    overdue = overdue_deadlines(proposal, today)  # stats' one definition, on the stored deadlines
    return [
        Deadline(
            "ack",
            lead.ack_deadline,
            working.between(today, lead.ack_deadline),
            acknowledged,
            "ack" in overdue,
            not acknowledged and working.is_provisional(lead.ack_start, lead.ack_deadline),
        ),
        Deadline(
            "reply",
            lead.reply_deadline,
            working.between(today, lead.reply_deadline),
            replied,
            "reply" in overdue,
            not replied and working.is_provisional(lead.reply_start, lead.reply_deadline),
        ),
    ]


def if_assigned_now(proposal: Proposal, today: date | None = None) -> list[Deadline]:
    """The deadlines an assignment made today would get (shown on the assign form)."""
    today = today or clock.local_date(clock.utcnow())
    session = proposal.session
    working = clock.working_calendar()
    found = []
    for kind, days in (("ack", session.ack_days), ("reply", session.reply_days)):
        due = working.add(today, days)
        found.append(Deadline(kind, due, days, False, provisional=working.is_provisional(today, due)))
    return found


@dataclass(frozen=True)
class Extended:
    department: str
    lead: bool
    kind: str  # "ack" or "reply": the deadline that moves
    due: date  # as it stands
    new_due: date  # once extended
    provisional: bool = False


def if_extended(proposal: Proposal, days: int, today: date | None = None) -> list[Extended]:
    """What extending by `days` working days today would make of each active assignment's open deadline
    (shown on the extend form before it is confirmed): the extend handler's own computation."""
    from ..operations.handlers import extended_deadlines

    today = today or clock.local_date(clock.utcnow())
    working = clock.working_calendar()
    return [
        Extended(
            a.department.name,
            a.role == "lead",
            kind,
            getattr(a, f"{kind}_deadline"),
            due,
            working.is_provisional(start, due),
        )
        for a, kind, start, _, due in extended_deadlines(proposal, days, today)
    ]


def next_year_warning(today: date | None = None) -> int | None:
    """From 1 November, next year while its official arrangement is not known: deadlines set from then on
    reach it, counted on the statutory holidays alone."""
    today = today or clock.local_date(clock.utcnow())
    if today.month < 11 or next_year_official(today):
        return None
    return today.year + 1
