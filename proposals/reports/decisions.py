"""The committee's review opinion (审查意见) of proposals: the latest decision recorded in their history."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from ..i18n import event_label
from ..models import HistoryEntry

DECISIONS = ("accept", "convert", "reject", "merge")


@dataclass(frozen=True)
class Opinion:
    event: str
    comment: str | None
    at: datetime

    @property
    def label(self) -> str:
        return event_label(self.event)

    def text(self) -> str:
        """The decision and the committee's words, as one line."""
        return f"{self.label}：{self.comment}" if self.comment else self.label


def opinions(proposal_ids) -> dict[int, Opinion]:
    """The latest review decision of each of these proposals that has one."""
    ids = list(proposal_ids)
    if not ids:
        return {}
    stmt = (
        select(HistoryEntry.proposal_id, HistoryEntry.event, HistoryEntry.comment, HistoryEntry.at)
        .where(HistoryEntry.proposal_id.in_(ids), HistoryEntry.event.in_(DECISIONS))
        .order_by(HistoryEntry.proposal_id, HistoryEntry.seq)
    )
    return {pid: Opinion(event, comment, at) for pid, event, comment, at in db.session.execute(stmt)}  # latest wins
