"""Every change to the data goes through these operations; pages, API and CLI call the same ones."""

from .admin import create_session, create_unit, create_user, update_session
from .drafts import PROPOSAL_FIELDS, create_proposal, edit_draft
from .errors import NotFound
from .events import available_events, fire_event, lock_proposal

__all__ = [
    "PROPOSAL_FIELDS",
    "NotFound",
    "available_events",
    "create_proposal",
    "create_session",
    "create_unit",
    "create_user",
    "edit_draft",
    "fire_event",
    "lock_proposal",
    "update_session",
]
