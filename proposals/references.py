"""Naming a proposal where it is not the page's subject: a notification, an email, the target of a
merge, an export of one's own data.

What a person may read of a proposal is decided by access.can_view at the moment of reading, there as
on the proposal's page: whoever may not view it now (a draft sent back for revision, a target of a
merge beyond their sight) reads a neutral reference, never its title, which may be draft text.
"""

from flask_babel import gettext

from .access import can_view
from .models import Proposal, User


def neutral_reference(proposal: Proposal) -> str:
    """A reference that says nothing of the proposal's text."""
    return gettext("Proposal #%(id)s (not open to you)", id=proposal.id)


def title_for(reader: User | None, proposal: Proposal | None) -> str:
    """The proposal's title as `reader` may read it now."""
    if proposal is None:
        return ""
    return proposal.title if can_view(reader, proposal) else neutral_reference(proposal)
