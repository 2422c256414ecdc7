"""What a proposal's page shows of its session's procedure (issue 14): a delegation proposal and its share,
the invited co-signers, why it is a suggestion, and why its author may not submit it.

The rules themselves are the engine's (workflow/predicates.py) over the session's settings; this only
reads them back for the page, with the same predicates.
"""

from dataclasses import dataclass

from workflow import LIFECYCLE, Facts
from workflow.errors import N_
from workflow.predicates import PERMITS, delegation_needed

from .models import Proposal, User
from .operations import clock

LATE_NOTICE = N_(
    "It was submitted after the collection window closed: as this session's rules say, it counts as a "
    "suggestion (建议), not a proposal."
)


@dataclass(frozen=True)
class Procedure:
    delegation_proposal: bool
    delegation_name: str | None
    share_needed: int  # of the delegation's delegates (a delegation proposal)
    share_signed: int
    invitees: list  # User rows the reader may know of
    late: str | None  # msgid: why it is a suggestion (submitted after the collection window), None if not
    refusal: str | None  # msgid: why the author may not submit this draft under the session's rules


def submitted_late(proposal: Proposal | None) -> bool:
    """Whether the proposal's last submission came after the collection window and was taken as a suggestion."""
    if proposal is None:
        return False
    submits = [h for h in proposal.history if h.event == "submit"]
    return bool(submits and (submits[-1].payload or {}).get("late"))


def of(proposal: Proposal, reader: User, facts: Facts | None = None) -> Procedure:
    """What the page says of the session's procedure for this proposal (`facts`: the proposal's, if at hand)."""
    facts = facts if facts is not None else proposal.facts()
    settings = proposal.session.settings(today=clock.local_date(clock.utcnow()))
    refusal = None
    if proposal.state == "draft" and reader.id == proposal.author_id:
        for name in LIFECYCLE.event("submit").permits:
            check, message = PERMITS[name]
            if not check(facts, reader.actor(proposal.session.union_id), settings):
                refusal = message
                break
    shows_invitees = reader.id == proposal.author_id or not proposal.confidential
    return Procedure(
        delegation_proposal=proposal.delegation_proposal,
        delegation_name=proposal.delegation.name if proposal.delegation_proposal and proposal.delegation else None,
        share_needed=delegation_needed(facts, settings) if proposal.delegation_proposal else 0,
        share_signed=sum(1 for d in facts.cosigner_delegation_ids if d is not None and d == facts.delegation_id),
        invitees=[i.user for i in proposal.invitations] if shows_invitees else [],
        late=LATE_NOTICE if submitted_late(proposal) else None,
        refusal=refusal,
    )
