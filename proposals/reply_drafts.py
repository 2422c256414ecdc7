"""The lead department's draft of a round's reply, as its readers may see it.

A draft is a handling record (access.INTERNAL): the assigned departments, the committee, supervisors and
union administrators read it, never the author or the co-signers, who read the reply once it is released
(`Proposal.replies`). Pages and the API ask `visible()` at the moment of reading.
"""

from workflow.errors import N_

from .access import can_see_handling
from .models import Proposal, ReplyDraft, User
from .models.proposal import draft_status

STATUS_LABELS = {
    "awaiting_countersign": N_("Awaiting countersignatures"),
    "awaiting_approval": N_("Awaiting approval"),
    "returned": N_("Returned for revision"),
}


def visible(user: User | None, proposal: Proposal) -> ReplyDraft | None:
    """This round's draft reply while it is not out (None: none, it has gone out, or not for `user`)."""
    if draft_status(proposal) is None or not can_see_handling(user, proposal):
        return None
    return next(d for d in proposal.reply_drafts if d.round == proposal.rehandle_round)
