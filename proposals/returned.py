"""Proposals the committee sent back for revision, as its lists keep them: a stub of each.

A draft sent back is its author's alone again (access.can_view), so the committee can no longer open it;
yet it is work the committee started and awaits again. Its lists keep a stub of it, made only of what the
committee saw: the title it had when it was sent back (kept on the send-back's history row, since the
author may change it) and the reason given, never the draft's text. A stub goes when the proposal is
submitted again (it is then in the committee's lists itself) or withdrawn.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .access import REVIEW_ROLES
from .extensions import db
from .models import HistoryEntry, Proposal, User
from .references import neutral_reference


@dataclass(frozen=True)
class Returned:
    proposal_id: int
    title: str  # as last submitted; a neutral reference for a row written before titles were kept
    reason: str | None
    at: datetime


def returned_to_authors(user: User, limit: int = 50) -> list[Returned]:
    """The proposals sent back from review that are drafts still, newest first (for the committee only)."""
    if not user.has_role(*REVIEW_ROLES):
        return []
    last_change = (
        select(func.max(HistoryEntry.seq))
        .where(HistoryEntry.proposal_id == Proposal.id, HistoryEntry.from_state != HistoryEntry.to_state)
        .correlate(Proposal)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(HistoryEntry, Proposal)
        .join(Proposal, Proposal.id == HistoryEntry.proposal_id)
        .where(
            Proposal.state == "draft",
            HistoryEntry.event == "send_back",
            HistoryEntry.from_state == "review",
            HistoryEntry.seq == last_change,
        )
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        .limit(limit)
    )
    return [Returned(p.id, (h.payload or {}).get("title") or neutral_reference(p), h.comment, h.at) for h, p in rows]
