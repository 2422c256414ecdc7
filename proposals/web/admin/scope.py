"""What the signed-in administrator administers, for the administration pages: the company union's
administrators every union; a grassroots union's, that union and the unions below it (the operations
check each change themselves: proposals/operations/unions.py; these pages show only what is theirs)."""

from flask_login import current_user
from sqlalchemy import false, true

from ... import unions
from ...access import ADMIN_ROLES

# the pages a grassroots union's administrators use; the rest (the calendar, the categories, the channels,
# the outbox, the audit log, the company union's name, activation codes, thresholds) are the group's
GRASSROOTS_PAGES = frozenset(
    {
        "admin.index",
        "admin.sessions",
        "admin.new_session",
        "admin.edit_session_page",
        "admin.units_home",
        "admin.units",
        "admin.edit_unit",
        "admin.deactivate",
        "admin.reactivate",
        "admin.users",
        "admin.new_user",
        "admin.edit_user",
        "admin.set_password",
        "admin.disable",
        "admin.enable",
    }
)


def administered() -> unions.Scope:
    return unions.scope_of(current_user, ADMIN_ROLES)


def company() -> bool:
    """Whether the signed-in administrator is the company union's (and so administers everything)."""
    return current_user.has_role(*ADMIN_ROLES)


def units_where(column):
    """The SQL condition "`column` names a unit the administrator administers" (true() for the company's)."""
    if company():
        return true()
    ids = unions.current().units_in(administered())
    return column.in_(ids) if ids else false()


def unions_where(column):
    """The SQL condition "`column` (a session's union_id) is a union the administrator administers"."""
    if company():
        return true()
    ids = [key for key in administered() if key is not None]
    return column.in_(ids) if ids else false()
