"""Why a proposal stands where it stands, up front: the reason of its latest change when that change
has one worth reading first (a rejection, a send-back, a merge's target, a convert, an unsatisfied
rating, a returned assignment, a withdrawal: the register's `up_front`).

What a reader may read of it is the timeline's (proposals/timeline.py): a returned assignment's reason is
a handling record the author does not see, so they get no panel for it; a merge's target is named only to
whoever may view it (references.title_for).
"""

from typing import NamedTuple

from flask_babel import gettext
from sqlalchemy import func, select

from .access import can_see_handling, can_view
from .extensions import db
from .models import HistoryEntry, Proposal, User
from .operations.register import REGISTER, handling_record
from .references import title_for
from .timeline import timeline


class Reason(NamedTuple):
    event: str
    heading: str
    text: str | None
    target: Proposal | None = None  # a merge's target, when the reader may open it
    target_title: str | None = None  # a merge's target as the reader may name it


def up_front(reader: User | None, proposal: Proposal) -> list[Reason]:
    """The reason of the proposal's latest change of state, if that change has one to show (at most one); a
    draft reply returned to the lead (by a co-handler or the approver) is such a change too."""
    steps = [s for s in timeline(reader, proposal) if s.entry.from_state != s.entry.to_state or _returned(s.entry)]
    if not steps:
        return []
    found = _reason(reader, proposal, steps[-1].entry, steps[-1].comment)
    return [found] if found else []


def _reason(reader: User | None, proposal: Proposal, entry: HistoryEntry, comment: str | None) -> Reason | None:
    """What stands up front for this history row, with `comment` as `reader` may read it (None: nothing)."""
    heading = REGISTER[entry.event].up_front if entry.event in REGISTER else None
    if heading is None:
        return None
    if entry.event == "evaluate" and (entry.payload or {}).get("rating") != "unsatisfied":
        return None
    if entry.event == "countersign" and not _returned(entry):  # an agreement is no reason to read first
        return None
    if entry.event == "merge":
        target = proposal.merged_into
        if target is None:
            return None
        visible = target if can_view(reader, target) else None
        return Reason(entry.event, gettext(heading), comment, visible, title_for(reader, target))
    if not comment:
        return None
    return Reason(entry.event, gettext(heading), comment)


def _returned(entry: HistoryEntry) -> bool:
    """Whether this step returned the draft reply to the lead department, to be revised."""
    return (entry.payload or {}).get("draft") == "returned"


def of_proposals(reader: User, proposals) -> dict[int, Reason]:
    """The reason up front of each of these proposals (a home card's), by id, in one query for them all."""
    by_id = {p.id: p for p in proposals}
    if not by_id:
        return {}
    changes = HistoryEntry.__table__.alias("changes")
    latest = (
        select(func.max(changes.c.seq))
        .where(changes.c.proposal_id == HistoryEntry.proposal_id, changes.c.from_state != changes.c.to_state)
        .scalar_subquery()
    )
    rows = db.session.scalars(
        select(HistoryEntry).where(HistoryEntry.proposal_id.in_(by_id), HistoryEntry.seq == latest)
    )
    found = {}
    for entry in rows:
        if entry.event not in REGISTER or not REGISTER[entry.event].up_front:
            continue
        proposal = by_id[entry.proposal_id]
        reason = _reason(reader, proposal, entry, _comment_for(reader, proposal, entry))
        if reason is not None:
            found[proposal.id] = reason
    return found


def _comment_for(reader: User, proposal: Proposal, entry: HistoryEntry) -> str | None:
    """The row's comment if `reader` may read it (as the timeline decides), else None."""
    record = handling_record(entry.event)
    return entry.comment if record is None or can_see_handling(reader, proposal, record) else None


def of_notifications(reader: User, notifications) -> dict[int, Reason]:
    """The reason each of these notifications carries up front, by notification id: that of the event it
    tells of, as the timeline would show it to `reader` now (nothing of a proposal they may no longer view)."""
    wanted = {
        n.history_id for n in notifications if n.history_id and n.event in REGISTER and REGISTER[n.event].up_front
    }
    if not wanted:
        return {}
    rows = {h.id: h for h in db.session.scalars(select(HistoryEntry).where(HistoryEntry.id.in_(wanted)))}
    found = {}
    for n in notifications:
        entry = rows.get(n.history_id)
        if entry is None or n.proposal is None or not can_view(reader, n.proposal):
            continue
        reason = _reason(reader, n.proposal, entry, _comment_for(reader, n.proposal, entry))
        if reason is not None:
            found[n.id] = reason
    return found
