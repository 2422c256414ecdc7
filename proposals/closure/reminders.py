"""Deadline reminders and overdue notices, each given once to each person (a `Reminder` row says so).

- before a deadline, `remind_days_before` working days ahead (`key_remind_days_before` for the handling
  deadlines of a key proposal): the departments that have not
  acknowledged, the departments that owe the reply, the author who has not rated, the author whose
  proposal lacks co-signers;
- before a co-handling department's deadline to countersign the draft reply, that department;
- once a proposal is overdue (stats.overdue_condition, the one definition): the departments that owe
  the step, and the supervisors.
A changed deadline (an extension, a new handling round) is a new date, reminded of again.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from workflow import Actor
from workflow.calendar import Calendar
from workflow.predicates import REQUIREMENTS

from ..extensions import db
from ..models import Assignment, CongressSession, Cosignature, Proposal, Reminder
from ..operations.clock import feedback_due
from ..operations.notify import notify_users, queue_deliveries, recipients
from ..operations.unit import finish
from ..stats import HANDLING, overdue_deadlines
from .messages import reminder_event


@dataclass(frozen=True)
class Due:
    """A deadline of one proposal that someone should be told of now."""

    kind: str  # models.REMINDER_KINDS
    stage: str  # models.REMINDER_STAGES
    due: date
    audiences: tuple[str, ...]


def send_reminders(now: datetime, today: date, working: Calendar) -> dict[str, int]:
    """Queue the reminders and overdue notices due today that were not given yet; commit per proposal."""
    counts = {"reminders": 0, "overdue_notices": 0}
    for proposal, dues in list(_dues(today, working)):  # decided on one reading, then given
        given = _give(proposal, dues, now)
        for due, n in given:
            counts["reminders" if due.stage == "before" else "overdue_notices"] += n
    return counts


def _dues(today: date, working: Calendar):
    for proposal in _load(Proposal.state.in_(HANDLING)):
        yield proposal, _handling_dues(proposal, today, working)
    for proposal in _load(Proposal.state == "replied"):
        reply = proposal.current_reply
        if reply is None:
            continue
        due = feedback_due(reply, proposal.session, working)
        if remind_now(working, today, due, proposal.session.remind_days_before):
            yield proposal, [Due("feedback", "before", due, ("author",))]
    cosigning = _load(
        Proposal.state == "cosigning",
        Proposal.session.has(CongressSession.cosign_deadline >= today),
    )
    for proposal in cosigning:
        session = proposal.session
        # too few as the engine counts them (the delegations among the co-signers, a delegation's share)
        short = REQUIREMENTS["too_few_cosigners"][0](proposal.facts(), Actor.system(), session.settings())
        if short and remind_now(working, today, session.cosign_deadline, session.remind_days_before):
            yield proposal, [Due("cosign", "before", session.cosign_deadline, ("author",))]


def _handling_dues(proposal: Proposal, today: date, working: Calendar) -> list[Due]:
    lead = proposal.lead_assignment
    if lead is None:
        return []
    # a key proposal (重点提案) is reminded of earlier: its own setting
    ahead = proposal.session.key_remind_days_before if proposal.key else proposal.session.remind_days_before
    found = []
    waiting = [a.ack_deadline for a in proposal.active_assignments if a.acknowledged_at is None]
    if waiting and remind_now(working, today, min(waiting), ahead):
        found.append(Due("ack", "before", min(waiting), ("unacknowledged_departments",)))
    if remind_now(working, today, lead.reply_deadline, ahead):
        found.append(Due("reply", "before", lead.reply_deadline, ("departments_to_reply",)))
    countersigning = proposal.countersign_deadline  # (facts.py: the earliest of those still awaited)
    if countersigning is not None and remind_now(working, today, countersigning, ahead):
        found.append(Due("countersign", "before", countersigning, ("departments_to_countersign",)))
    late = overdue_deadlines(proposal, today)  # stats' one definition of overdue
    if "ack" in late:
        found.append(Due("ack", "overdue", lead.ack_deadline, ("unacknowledged_departments", "supervisors")))
    if "reply" in late:
        found.append(Due("reply", "overdue", lead.reply_deadline, ("departments_to_reply", "supervisors")))
    if "countersign" in late:
        audiences = ("departments_to_countersign", "supervisors")
        found.append(Due("countersign", "overdue", proposal.countersign_deadline, audiences))
    return found


def remind_now(working: Calendar, today: date, due: date, days_before: int) -> bool:
    """Whether a reminder of `due` belongs to today: no more than `days_before` working days ahead,
    and the deadline not yet passed (then an overdue notice, not a reminder, is due)."""
    return today <= due and working.between(today, due) <= days_before


def _load(*where) -> list[Proposal]:
    stmt = (
        select(Proposal)
        .where(*where)
        .order_by(Proposal.id)
        .options(
            selectinload(Proposal.session),
            selectinload(Proposal.cosignatures).selectinload(Cosignature.user),
            selectinload(Proposal.assignments).selectinload(Assignment.countersignatures),
            selectinload(Proposal.replies),
        )
    )
    return list(db.session.scalars(stmt))


def _give(proposal: Proposal, dues: list[Due], now: datetime) -> list[tuple[Due, int]]:
    """Tell each person of each due not told yet, in one transaction; a concurrent tick that got there
    first makes this one give nothing (the unique constraint on Reminder)."""
    if not dues:
        return []
    given = []
    try:
        for due in dues:
            told = set(
                db.session.scalars(
                    select(Reminder.user_id).where(
                        Reminder.proposal_id == proposal.id,
                        Reminder.kind == due.kind,
                        Reminder.stage == due.stage,
                        Reminder.due == due.due,
                    )
                )
            )
            users = [u for u in recipients(due.audiences, proposal, proposal.state) if u.id not in told]
            rows = notify_users(users, proposal, reminder_event(due.kind, due.stage), now)
            db.session.flush()
            queue_deliveries([(row.id, row.user_id, row.event) for row in rows])
            for row in rows:
                db.session.add(
                    Reminder(
                        proposal_id=proposal.id,
                        kind=due.kind,
                        stage=due.stage,
                        due=due.due,
                        user_id=row.user_id,
                        notification_id=row.id,
                        created_at=now,
                    )
                )
            given.append((due, len(rows)))
        finish()
    except IntegrityError:
        db.session.rollback()
        return []
    return given
