"""A proposal's dialogue (留言/沟通) as one reader may read it: the page, the API and the own-data download alike.

Who wrote is masked as the rest of the proposal masks: a confidential author reads as "Author" (提案人) to
whom may not know them (access.can_see_author), and the staff of a handling department read as their
department to whom may not see the handling's internal records (access.can_see_handling, INTERNAL), as
the timeline names them. Whoever may not read the dialogue at all (access.can_read_messages) is never
given this.
"""

from datetime import UTC
from typing import NamedTuple

from flask import url_for
from flask_babel import gettext

from .access import INTERNAL, can_see_author, can_see_handling
from .models import Proposal, ProposalMessage, User


class Writer(NamedTuple):
    name: str
    masked: bool  # the person is not named: "Author", or their department


def writer(reader: User | None, proposal: Proposal, message: ProposalMessage) -> Writer:
    """Who wrote `message`, as `reader` may know it."""
    if message.author_id == proposal.author_id and not can_see_author(reader, proposal):
        return Writer(gettext("Author"), True)
    if message.department_id is not None and not can_see_handling(reader, proposal, INTERNAL):
        return Writer(message.department.name, True)
    return Writer(message.author.name, False)


def message_json(reader: User | None, proposal: Proposal, message: ProposalMessage) -> dict:
    """One message as the API answers it (and the own-data download keeps it)."""
    who = writer(reader, proposal, message)
    return {
        "id": message.id,
        "author": {"name": who.name, "masked": who.masked},
        "side": message.side,
        "text": message.text,
        "created_at": message.created_at.replace(tzinfo=UTC).isoformat(),  # stored in naive UTC
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "size": a.size,
                "url": url_for("api.download_message_file", proposal_id=proposal.id, attachment_id=a.id),
            }
            for a in message.attachments
        ],
    }
