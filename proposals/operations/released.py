"""The reply out to its raters: which reply of a proposal they rate, and until when.

One function says which reply is released (`released_reply`); the window within which co-signers may rate
it (`rating_window_over`) and anything else that needs the reply's day read it from here. A `Reply` row is
written only when the lead's draft goes out (operations/handlers.py), so its `created_at` is the release.
"""

from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import Reply
from . import clock


def released_reply(proposal) -> Reply | None:
    """The reply of the proposal's present handling round that its raters answer (None: not replied yet)."""
    stmt = (
        select(Reply)
        .where(Reply.proposal_id == proposal.id, Reply.round == proposal.rehandle_round)
        .order_by(Reply.id.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def rating_window_over(proposal, today: date) -> bool:
    """Whether the session's `feedback_days` working days after the day of the released reply have passed
    (the author's last day to rate it, clock.feedback_due, is the co-signers' too)."""
    reply = released_reply(proposal)
    return reply is not None and today > clock.feedback_due(reply, proposal.session)
