"""Every change to the data goes through these operations; pages, API and CLI call the same ones."""

from .admin import (
    add_calendar_override,
    create_session,
    create_unit,
    create_user,
    deactivate_unit,
    disable_user,
    edit_session,
    enable_user,
    reactivate_unit,
    remove_calendar_override,
    reset_password,
    set_roles,
    update_session,
    update_unit,
    update_user,
)
from .attachments import (
    add_attachments,
    create_draft_with_attachments,
    edit_draft_with_attachments,
    remove_attachment,
)
from .calendar import load_year
from .drafts import PROPOSAL_FIELDS, create_proposal, edit_draft
from .errors import NotFound
from .events import available_events, fire_event, lock_proposal
from .votes import cast_vote, publish_results, withdraw_vote

__all__ = [
    "PROPOSAL_FIELDS",
    "NotFound",
    "add_calendar_override",
    "load_year",
    "deactivate_unit",
    "disable_user",
    "edit_session",
    "enable_user",
    "reactivate_unit",
    "remove_calendar_override",
    "reset_password",
    "set_roles",
    "update_unit",
    "update_user",
    "available_events",
    "create_proposal",
    "create_session",
    "create_unit",
    "create_user",
    "edit_draft",
    "fire_event",
    "lock_proposal",
    "update_session",
    "add_attachments",
    "create_draft_with_attachments",
    "edit_draft_with_attachments",
    "remove_attachment",
    "cast_vote",
    "publish_results",
    "withdraw_vote",
]
