"""`flask --app proposals tick`: what happens by itself as the days pass.

Closes co-signing at the session's deadline, closes replies nobody rated within `feedback_days`,
gives the deadline reminders and overdue notices due, purges the records older than kept, dead
API tokens and ended forgotten-password links (closure/retention.py), then sends the waiting email and
the messages waiting for SMS and the messengers (closure/channels/outbox.py).
Each step looks at the present state of things and records what it did, so it is safe to run every
few minutes:
a second run at the same moment changes and sends nothing. `now` may be any moment, to replay a day.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workflow import WorkflowError
from workflow.calendar import Calendar

from ..extensions import db
from ..models import CongressSession, Proposal
from ..operations import clock, fire_event
from . import retention
from .channels.outbox import send_pending as send_channels
from .outbox import SendReport, send_pending
from .reminders import send_reminders
from .retention import Purged


@dataclass
class TickReport:
    now: datetime
    today: date
    cosigning_closed: int = 0
    unrated_closed: int = 0
    reminders: int = 0
    overdue_notices: int = 0
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (proposal id, event, why)
    mail: SendReport | None = None
    channels: list | None = None  # a ChannelReport per channel sent by (closure/channels/outbox.py)
    purged: Purged = field(default_factory=Purged)

    @property
    def purged_login_attempts(self) -> int:
        return self.purged.login_attempts

    @property
    def purged_api_tokens(self) -> int:
        return self.purged.api_tokens


def tick(now: datetime | None = None, *, mail: bool = True) -> TickReport:
    """Do everything due at `now` (naive UTC), then send the waiting email unless `mail` is false."""
    now = now or clock.utcnow()
    today = clock.local_date(now)
    working = clock.working_calendar()  # read once for the whole run: each step commits
    report = TickReport(now=now, today=today)
    report.cosigning_closed = _fire_each(report, "close_cosigning", _cosigning_past_deadline(today), now)
    report.unrated_closed = _fire_each(report, "close_unrated", _unrated_past_deadline(today, working), now)
    counts = send_reminders(now, today, working)
    report.reminders, report.overdue_notices = counts["reminders"], counts["overdue_notices"]
    report.purged = retention.purge(now)
    if mail:
        report.mail = send_pending(now)
        report.channels = send_channels(now)
    return report


def _cosigning_past_deadline(today: date) -> list[int]:
    """Proposals still gathering co-signers after their session's co-signing deadline (the engine
    refuses those that have enough: they moved on by themselves)."""
    stmt = (
        select(Proposal.id)
        .join(CongressSession, CongressSession.id == Proposal.session_id)
        .where(Proposal.state == "cosigning", CongressSession.cosign_deadline < today)
        .order_by(Proposal.id)
    )
    return list(db.session.scalars(stmt))


def _unrated_past_deadline(today: date, working: Calendar) -> list[int]:
    """Replied proposals whose author has not rated the reply within `feedback_days` working days."""
    stmt = (
        select(Proposal)
        .where(Proposal.state == "replied")
        .order_by(Proposal.id)
        .options(selectinload(Proposal.session), selectinload(Proposal.replies))
    )
    late = []
    for proposal in db.session.scalars(stmt):
        reply = proposal.current_reply
        if reply is not None and today > clock.feedback_due(reply, proposal.session, working):
            late.append(proposal.id)
    return late


def _fire_each(report: TickReport, event: str, proposal_ids: list[int], now: datetime) -> int:
    """Fire a system event on each proposal; one the engine refuses (changed meanwhile) is left as it is."""
    fired = 0
    for proposal_id in proposal_ids:
        try:
            fire_event(proposal_id, event, None, now=now)
        except WorkflowError as exc:
            report.refused.append((proposal_id, event, str(exc)))
            continue
        fired += 1
    return fired
