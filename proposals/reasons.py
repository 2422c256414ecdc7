"""Why a proposal stands where it stands, up front: the reason of its latest change when that change
has one worth reading first (a rejection, a send-back, a merge's target, a convert, an unsatisfied
rating, a returned assignment, a withdrawal: the register's `up_front`).

What a reader may read of it is the timeline's (proposals/timeline.py): a returned assignment's reason is
a handling record the author does not see, so they get no panel for it; a merge's target is named only to
whoever may view it (references.title_for).
"""

from typing import NamedTuple

from flask_babel import gettext

from .access import can_view
from .models import Proposal, User
from .operations.register import REGISTER
from .references import title_for
from .timeline import timeline


class Reason(NamedTuple):
    event: str
    heading: str
    text: str | None
    target: Proposal | None = None  # a merge's target, when the reader may open it
    target_title: str | None = None  # a merge's target as the reader may name it


def up_front(reader: User | None, proposal: Proposal) -> list[Reason]:
    """The reason of the proposal's latest change of state, if that change has one to show (at most one)."""
    steps = [s for s in timeline(reader, proposal) if s.entry.from_state != s.entry.to_state]
    if not steps:
        return []
    step = steps[-1]
    entry = step.entry
    heading = REGISTER[entry.event].up_front if entry.event in REGISTER else None
    if heading is None:
        return []
    if entry.event == "evaluate" and (entry.payload or {}).get("rating") != "unsatisfied":
        return []
    if entry.event == "merge":
        target = proposal.merged_into
        if target is None:
            return []
        return [
            Reason(
                entry.event,
                gettext(heading),
                step.comment,
                target if can_view(reader, target) else None,
                title_for(reader, target),
            )
        ]
    if not step.comment:
        return []
    return [Reason(entry.event, gettext(heading), step.comment)]


def of_latest(reader: User | None, proposal: Proposal) -> Reason | None:
    """The one reason shown up front, or None (for a notification or a home card)."""
    found = up_front(reader, proposal)
    return found[0] if found else None
