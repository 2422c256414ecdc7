"""Union administration: people, units, sessions. Shared by the CLI, the API and the admin pages."""

from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workflow import ROLES, InvalidPayload, calendar
from workflow.errors import N_
from workflow.payload import Boolean, Field, Integer, Text, message, validate

from ..extensions import db
from ..models import SETTING_DATES, ApiToken, CalendarOverride, CongressSession, OrgUnit, User, UserRole, root_union
from . import audit
from .errors import NotFound


class Roles(Field):
    def clean(self, value):
        if not isinstance(value, list) or not value or any(r not in ROLES for r in value):
            raise ValueError(N_("Choose roles from: %(choices)s."), {"choices": ", ".join(ROLES)})
        return sorted(set(value))

    def describe(self) -> dict:
        return {"type": "array", "items": {"type": "string", "enum": list(ROLES)}, "minItems": 1}


class Date(Field):
    def clean(self, value):
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValueError(N_("Must be a date such as 2026-03-01.")) from None

    def describe(self) -> dict:
        return {"type": "string", "format": "date"}


Code = Text(required=True, max_length=40)

USER_FIELDS = {
    "username": Text(required=True, max_length=80),
    "name": Text(required=True, max_length=100),
    "password": Text(required=True, max_length=200),
    "roles": Roles(required=True),
    "department_id": Integer(),
    "delegation_id": Integer(),
    "email": Text(max_length=200),
}
UNIT_FIELDS = {"code": Code, "name": Text(required=True, max_length=200), "parent_id": Integer()}
SESSION_SETTINGS = {
    "name": Text(max_length=200),
    "is_open": Boolean(),
    "min_cosigners": Integer(minimum=0, maximum=100),
    "delegation_review": Boolean(),
    "ack_days": Integer(minimum=1, maximum=365),
    "reply_days": Integer(minimum=1, maximum=365),
    "feedback_days": Integer(minimum=1, maximum=365),
    "max_rehandle": Integer(minimum=0, maximum=10),
    "remind_days_before": Integer(minimum=0, maximum=30),
    "vote_limit": Integer(minimum=0, maximum=100),
    "two_axis_rating": Boolean(),
    **{name: Date() for name in SETTING_DATES},
}
SESSION_FIELDS = {"code": Code, **SESSION_SETTINGS, "name": Text(required=True, max_length=200)}


def _unit_of_kind(unit_id, kind: str, field: str, errors: dict) -> None:
    if unit_id is None:
        return
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or unit.kind != kind:
        errors[field] = message(N_("No such unit."))


def create_user(data) -> User:
    clean = validate(USER_FIELDS, data)
    errors: dict = {}
    if db.session.scalar(select(User.id).where(User.username == clean["username"])):
        errors["username"] = message(N_("This user name is taken."))
    if len(clean["password"]) < 8:
        errors["password"] = message(N_("At least %(min)d characters."), {"min": 8})
    _unit_of_kind(clean.get("department_id"), "department", "department_id", errors)
    _unit_of_kind(clean.get("delegation_id"), "delegation", "delegation_id", errors)
    if errors:
        raise InvalidPayload(errors)
    password = clean.pop("password")
    roles = clean.pop("roles")
    user = User(**clean)
    user.roles = roles
    user.set_password(password)
    db.session.add(user)
    audit.record("user.create", user, {**clean, "roles": roles})
    db.session.commit()
    return user


def create_unit(kind: str, data) -> OrgUnit:
    """Create a department, delegation or grassroots union."""
    clean = validate(UNIT_FIELDS, data)
    errors: dict = {}
    if db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == clean["code"])):
        errors["code"] = message(N_("This code is taken."))
    if clean.get("parent_id") is not None and db.session.get(OrgUnit, clean["parent_id"]) is None:
        errors["parent_id"] = message(N_("No such unit."))
    if errors:
        raise InvalidPayload(errors)
    unit = OrgUnit(**clean, kind=kind)
    db.session.add(unit)
    audit.record("unit.create", unit, {**clean, "kind": kind})
    db.session.commit()
    return unit


def create_session(data) -> CongressSession:
    clean = validate(SESSION_FIELDS, data)
    if db.session.scalar(select(CongressSession.id).where(CongressSession.code == clean["code"])):
        raise InvalidPayload({"code": message(N_("This code is taken."))})
    _check_dates(clean)
    session = CongressSession(**clean)
    db.session.add(session)
    audit.record("session.create", session, clean)
    db.session.commit()
    return session


def update_session(session: CongressSession, data) -> CongressSession:
    clean = validate(SESSION_SETTINGS, data)
    merged = {name: getattr(session, name) for name in SETTING_DATES} | clean
    _check_dates(merged)
    for key, value in clean.items():
        setattr(session, key, value)
    audit.record("session.update", session, clean)
    db.session.commit()
    return session


def _check_dates(values: dict) -> None:
    errors = {}
    for start, end in (("collection_start", "collection_end"), ("vote_start", "vote_end")):
        if values.get(start) and values.get(end) and values[end] < values[start]:
            errors[end] = message(N_("Must not be before the start."))
    if errors:
        raise InvalidPayload(errors)


# -- changing sessions, people and units (the admin pages; the API may use them too) ---------------

SESSION_FORM = {
    **SESSION_SETTINGS,
    "name": Text(required=True, max_length=200),
    **{n: replace(f, required=True) for n, f in SESSION_SETTINGS.items() if isinstance(f, Integer)},
}


def edit_session(session: CongressSession, data) -> CongressSession:
    """Change a session from a form giving every setting: like update_session, but the name and the
    numbers are required and a date given empty is cleared."""
    cleared = {n: None for n in SETTING_DATES if isinstance(data, dict) and n in data and not _filled(data[n])}
    clean = validate(SESSION_FORM, data)
    _check_dates({name: getattr(session, name) for name in SETTING_DATES} | cleared | clean)
    for key, value in (cleared | clean).items():
        setattr(session, key, value)
    audit.record("session.update", session, cleared | clean)
    db.session.commit()
    return session


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


MIN_PASSWORD = 8
NO_ADMIN_LEFT = N_("At least one active union administrator must remain.")
USER_CHANGES = {
    "name": Text(required=True, max_length=100),
    "email": Text(max_length=200),
    "department_id": Integer(),
    "delegation_id": Integer(),
    "roles": Roles(required=True),
}


def update_user(user: User, data) -> User:
    """Change the fields given of a user's name, e-mail, department, delegation and roles; an empty
    e-mail, department or delegation is cleared. The user name never changes."""
    given = {n: f for n, f in USER_CHANGES.items() if isinstance(data, dict) and n in data}
    clean = validate(given, data)
    errors: dict = {}
    for field, kind in (("department_id", "department"), ("delegation_id", "delegation")):
        unit_id = clean.get(field)
        if unit_id is not None and unit_id != getattr(user, field):
            _unit_of_kind(unit_id, kind, field, errors)
            if field not in errors and not db.session.get(OrgUnit, unit_id).active:
                errors[field] = message(N_("This unit is deactivated."))
    if "roles" in clean and "union_admin" not in clean["roles"] and _last_admin(user):
        errors["roles"] = message(NO_ADMIN_LEFT)
    if errors:
        raise InvalidPayload(errors)
    for name in given:
        if name == "roles":
            user.roles = clean["roles"]
        else:
            setattr(user, name, clean.get(name))
    audit.record("user.update", user, {name: clean.get(name) for name in given})
    db.session.commit()
    return user


def set_roles(user: User, roles) -> User:
    """Give a user exactly these roles."""
    return update_user(user, {"roles": roles})


def reset_password(user: User, data) -> User:
    """Set a new password chosen by the administrator; the user's sessions and API tokens stop working."""
    clean = validate({"password": Text(required=True, max_length=200)}, data)
    if len(clean["password"]) < MIN_PASSWORD:
        raise InvalidPayload({"password": message(N_("At least %(min)d characters."), {"min": MIN_PASSWORD})})
    user.set_password(clean["password"])
    user.end_sessions()
    _revoke_tokens(user)
    audit.record("user.password_reset", user)
    db.session.commit()
    return user


def disable_user(user: User) -> User:
    """Disable an account (never delete it): it can no longer log in, and its open sessions and API
    tokens stop working at once. The last active union administrator cannot be disabled."""
    if _last_admin(user):
        raise InvalidPayload({"active": message(NO_ADMIN_LEFT)}, message=NO_ADMIN_LEFT)
    user.active = False
    user.end_sessions()
    _revoke_tokens(user)
    audit.record("user.disable", user)
    db.session.commit()
    return user


def enable_user(user: User) -> User:
    """Let a disabled account log in again."""
    user.active = True
    audit.record("user.enable", user)
    db.session.commit()
    return user


def _last_admin(user: User) -> bool:
    """Whether `user` is the only active union administrator."""
    if not (user.active and user.has_role("union_admin")):
        return False
    other = select(User.id).join(UserRole).where(UserRole.role == "union_admin", User.active, User.id != user.id)
    return db.session.scalar(other.limit(1)) is None


def _revoke_tokens(user: User) -> None:
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoke()


UNIT_CHANGES = {"name": Text(required=True, max_length=200), "parent_id": Integer()}


def update_unit(unit: OrgUnit, data) -> OrgUnit:
    """Rename a unit or change its parent (an empty parent is cleared); its code and kind never change."""
    given = {n: f for n, f in UNIT_CHANGES.items() if isinstance(data, dict) and n in data}
    clean = validate(given, data)
    parent_id = clean.get("parent_id")
    if parent_id is not None:
        parent = db.session.get(OrgUnit, parent_id)
        if parent is None:
            raise InvalidPayload({"parent_id": message(N_("No such unit."))})
        while parent is not None:  # the unit itself, or one of its own units, cannot be its parent
            if parent.id == unit.id:
                raise InvalidPayload({"parent_id": message(N_("A unit cannot belong to itself."))})
            parent = parent.parent
    for name in given:
        setattr(unit, name, clean.get(name))
    audit.record("unit.update", unit, {name: clean.get(name) for name in given})
    db.session.commit()
    return unit


def deactivate_unit(unit: OrgUnit) -> OrgUnit:
    """Take a unit out of use (never delete it): it is no longer offered for new assignments or
    accounts; what it already handles and the people in it stay as they are."""
    unit.active = False
    audit.record("unit.deactivate", unit)
    db.session.commit()
    return unit


def reactivate_unit(unit: OrgUnit) -> OrgUnit:
    unit.active = True
    audit.record("unit.reactivate", unit)
    db.session.commit()
    return unit


UNION_FIELDS = {"name": Text(required=True, max_length=200)}


def rename_union(data) -> OrgUnit:
    """Give the union (the root `union` unit) its name; on a bare install, where there is none yet,
    the unit is created with the code `union`."""
    clean = validate(UNION_FIELDS, data)
    unit = root_union()
    if unit is None:
        code, n = "union", 1
        while db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)):
            n += 1
            code = f"union-{n}"
        unit = OrgUnit(kind="union", code=code, name=clean["name"])
        db.session.add(unit)
        audit.record("unit.create", unit, {"code": code, "name": clean["name"], "kind": "union"})
    else:
        unit.name = clean["name"]
        audit.record("union.rename", unit, clean)
    db.session.commit()
    return unit


# -- the working-day calendar -------------------------------------------------------------------

OVERRIDE_FIELDS = {"day": Date(required=True), "working": Boolean(required=True), "note": Text(max_length=200)}


def add_calendar_override(data) -> CalendarOverride:
    """Add an extra day off or an extra working day to the union's calendar; deadlines counted from
    now on use it."""
    clean = validate(OVERRIDE_FIELDS, data)
    day, working = clean["day"], clean["working"]
    if db.session.scalar(select(CalendarOverride.id).where(CalendarOverride.day == day)):
        raise InvalidPayload({"day": message(N_("This day is already in the list; remove it first."))})
    if calendar.is_working_day(day) == working:
        already = N_("This day is already a working day.") if working else N_("This day is already a day off.")
        raise InvalidPayload({"day": message(already)})
    override = CalendarOverride(**clean)
    db.session.add(override)
    try:
        audit.record("calendar.add", override, clean)  # flushes: a duplicate day fails here
        db.session.commit()
    except IntegrityError:  # another administrator added the same day at the same moment
        db.session.rollback()
        raise InvalidPayload({"day": message(N_("This day is already in the list; remove it first."))}) from None
    return override


def remove_calendar_override(override_id: int) -> CalendarOverride:
    """Take a day out of the union's calendar: the national calendar applies to it again."""
    override = db.session.get(CalendarOverride, override_id)
    if override is None:
        raise NotFound(N_("No such day in the calendar."))
    audit.record("calendar.remove", override, {"day": override.day, "working": override.working})
    db.session.delete(override)
    db.session.commit()
    return override
