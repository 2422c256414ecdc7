"""The first-run checklist on the administrators' home: what a bare install still needs before the
congress can work, each item done when the data says so (nothing is ticked by hand)."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, select

from workflow.errors import N_

from ...calendar_status import next_year_official
from ...extensions import db
from ...models import CongressSession, OrgUnit, User, UserRole
from ...stats import local_today

# from this day of the year on, next year's calendar is on the list (the holidays come out in the autumn)
CALENDAR_FROM = (11, 1)


@dataclass(frozen=True)
class Item:
    key: str
    label: str  # a msgid
    endpoint: str
    done: bool


def _open_session_with_dates() -> bool:
    found = select(CongressSession.id).where(
        CongressSession.is_open,
        CongressSession.collection_start.is_not(None),
        CongressSession.collection_end.is_not(None),
    )
    return db.session.scalar(found.limit(1)) is not None


def _unit_with_member(kind: str, column, role: str) -> bool:
    member = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(column == OrgUnit.id, User.active, UserRole.role == role)
    )
    found = select(OrgUnit.id).where(OrgUnit.kind == kind, OrgUnit.active, exists(member))
    return db.session.scalar(found.limit(1)) is not None


def _users_beyond_admins() -> bool:
    users = db.session.scalar(select(func.count()).select_from(User).where(User.active))
    admins = db.session.scalar(
        select(func.count(func.distinct(User.id)))
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.active, UserRole.role == "union_admin")
    )
    return users > admins


def checklist(today: date | None = None) -> list[Item]:
    """The items of the checklist, in the order they are best done."""
    today = today or local_today()
    items = [
        Item(
            "session",
            N_("Open a congress session and set its collection dates"),
            "admin.sessions",
            _open_session_with_dates(),
        ),
        Item(
            "department",
            N_("Add a department and give it a liaison"),
            "admin.units_home",
            _unit_with_member("department", User.department_id, "department_handler"),
        ),
        Item(
            "delegation",
            N_("Add a delegation and its delegates"),
            "admin.units_home",
            _unit_with_member("delegation", User.delegation_id, "delegate"),
        ),
        Item("users", N_("Create the accounts of the workers and delegates"), "admin.users", _users_beyond_admins()),
    ]
    if (today.month, today.day) >= CALENDAR_FROM:
        items.append(
            Item(
                "calendar",
                N_("Make next year's working-day calendar official"),
                "admin.calendar_page",
                next_year_official(today),
            )
        )
    return items


def pending(today: date | None = None) -> list[Item]:
    """The checklist while any item is not done; empty once each is."""
    items = checklist(today)
    return items if not all(item.done for item in items) else []
