"""A proposal's history as one reader may read it: the page's timeline and the API's `history` alike.

Who acted is hidden where it would unmask a confidential author (access.can_see_author) or name the
staff of a department handling it (access.can_see_handling, INTERNAL); what a handling step recorded
(a progress note, a countersign comment, why an assignment was returned) is shown only to those who
may see that kind of handling record.
"""

from typing import NamedTuple

from .access import INTERNAL, PROGRESS, can_see_author, can_see_handling
from .models import HistoryEntry, Proposal, User
from .operations.register import by_department, handling_record


class Step(NamedTuple):
    entry: HistoryEntry
    actor: User | None  # None: the system, or hidden from this reader
    comment: str | None


def timeline(reader: User | None, proposal: Proposal) -> list[Step]:
    """The proposal's history rows, oldest first, with what `reader` may see of each. A handling record that
    changed no state (a draft reply, its countersignatures, files added to it) is the handling side's
    alone: whoever may not see such records does not see the step at all."""
    shows_author = can_see_author(reader, proposal)
    sees = {kind: can_see_handling(reader, proposal, kind) for kind in (PROGRESS, INTERNAL)}
    steps = []
    for entry in proposal.history:
        actor = entry.actor
        if entry.actor_id is not None and entry.actor_id == proposal.author_id and not shows_author:
            actor = None
        if by_department(entry.event) and not sees[INTERNAL]:
            actor = None
        record = handling_record(entry.event)
        if record == INTERNAL and not sees[INTERNAL] and entry.from_state == entry.to_state:
            continue
        steps.append(Step(entry, actor, entry.comment if record is None or sees[record] else None))
    return steps
