"""Every change to the data goes through these operations; pages, API and CLI call the same ones."""

from .admin import (
    create_user,
    disable_user,
    enable_user,
    issue_initial_password,
    reset_password,
    set_roles,
    update_user,
)
from .attachments import (
    add_attachments,
    create_draft_with_attachments,
    edit_draft_with_attachments,
    remove_attachment,
)
from .calendar import add_calendar_override, load_year, remove_calendar_override
from .categories import create_category, offered_categories, seed_default_categories, update_category
from .drafts import PROPOSAL_FIELDS, create_proposal, edit_draft
from .errors import NotFound, Taken
from .events import available_events, fire_event, fire_events, lock_proposal
from .sessions import create_session, edit_session, update_session
from .units import create_union, create_unit, deactivate_unit, reactivate_unit, rename_union, update_unit
from .votes import cast_vote, publish_results, withdraw_vote

__all__ = [
    "PROPOSAL_FIELDS",
    "NotFound",
    "Taken",
    "create_category",
    "offered_categories",
    "seed_default_categories",
    "update_category",
    "add_calendar_override",
    "load_year",
    "deactivate_unit",
    "disable_user",
    "edit_session",
    "enable_user",
    "issue_initial_password",
    "reactivate_unit",
    "remove_calendar_override",
    "rename_union",
    "reset_password",
    "set_roles",
    "update_unit",
    "update_user",
    "available_events",
    "create_proposal",
    "create_session",
    "create_union",
    "create_unit",
    "create_user",
    "edit_draft",
    "fire_event",
    "fire_events",
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
