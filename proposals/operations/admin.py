"""Union administration: people, units, sessions. Shared by the CLI, the API and the admin pages.

Every operation takes the user who acts (`actor`) and checks itself that they may: a union
administrator, or None for the system (the command line, the demo data, the scale generator), which
the log shows as such. Whoever acts is what the audit row names; nothing is read from the request.
"""

from dataclasses import replace
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workflow import ROLES, InvalidPayload, calendar
from workflow.errors import N_
from workflow.payload import Boolean, Field, Integer, Line, message, validate

from .. import facts, presets, settings, unions
from ..auth import passwords
from ..extensions import db
from ..models import (
    SETTING_DATES,
    ApiToken,
    CalendarOverride,
    CongressSession,
    OrgUnit,
    Proposal,
    Reply,
    UnionRole,
    User,
    UserRole,
    root_union,
)
from ..settings import Date
from . import audit
from .errors import NotFound, Taken
from .locks import sqlite_write_lock
from .unions import (
    NO_UNION,
    authorize,
    authorize_person,
    authorize_roles,
    authorize_somewhere,
    person_union,
    unit_union,
)
from .unions import union_named as _union_named
from .unit import finish


class Roles(Field):
    """Roles as plain names (held at the root, the company union) or as {"role", "union_id"} (held in that
    union): the roles at the root sorted, then the scoped ones as (role, union id) pairs, sorted. The union
    ids are checked by the operation (`_split_roles`)."""

    def clean(self, value):
        choose = N_("Choose roles from: %(choices)s."), {"choices": ", ".join(ROLES)}
        if not isinstance(value, list) or not value:
            raise ValueError(*choose)
        plain, scoped = set(), set()
        for item in value:
            if isinstance(item, dict):
                role, union_id = item.get("role"), item.get("union_id")
                if set(item) - {"role", "union_id"} or role not in ROLES:
                    raise ValueError(*choose)
                if isinstance(union_id, bool) or not isinstance(union_id, int) or not 1 <= union_id < 2**31:
                    raise ValueError(N_("A role in a union names the union by its id (union_id)."))
                scoped.add((role, union_id))
            elif item in ROLES:
                plain.add(item)
            else:
                raise ValueError(*choose)
        if not plain:
            raise ValueError(N_("Give at least one role at the company union (for instance worker)."))
        return [*sorted(plain), *sorted(scoped)]

    def describe(self) -> dict:
        scoped = {
            "type": "object",
            "properties": {"role": {"type": "string", "enum": list(ROLES)}, "union_id": {"type": "integer"}},
            "required": ["role", "union_id"],
            "additionalProperties": False,
        }
        return {
            "type": "array",
            "items": {"oneOf": [{"type": "string", "enum": list(ROLES)}, scoped]},
            "minItems": 1,
        }


def _split_roles(roles: list, errors: dict) -> tuple[list[str], list[tuple[str, int]]]:
    """The roles at the root and the roles held in unions below it (a role "in" the root is a root role);
    a union that does not exist is an error of the field."""
    tree = unions.current()
    plain = [r for r in roles if isinstance(r, str)]
    scoped = set()
    for role, union_id in (r for r in roles if not isinstance(r, str)):
        if not tree.is_union(union_id):
            errors["roles"] = message(NO_UNION)
        elif tree.key(union_id) is None:
            plain.append(role)
        else:
            scoped.add((role, union_id))
    return sorted(set(plain)), sorted(scoped)


def _scoped_details(scoped) -> dict:
    """The audit row's account of the roles held in unions below the root (none: nothing to say)."""
    return {"union_roles": [{"role": r, "union_id": u} for r, u in scoped]} if scoped else {}


def _role_names(roles: list) -> set[str]:
    return {r if isinstance(r, str) else r[0] for r in roles}


Code = Line(required=True, max_length=40)

USER_FIELDS = {
    "username": Line(required=True, max_length=80),
    "name": Line(required=True, max_length=100),
    "password": Line(required=True, max_length=200),
    "roles": Roles(required=True),
    "department_id": Integer(),
    "delegation_id": Integer(),
    "email": Line(max_length=200),
    # an initial password: the user must change it at the first login (proposals/auth/first_login.py)
    "must_change_password": Boolean(),
}
UNIT_FIELDS = {"code": Code, "name": Line(required=True, max_length=200), "parent_id": Integer()}
# what a change may name: the settings, and a preset filling some of them (proposals/presets.py)
SESSION_SETTINGS = {"name": Line(max_length=200), **settings.fields(), "preset": presets.FIELD}
SESSION_FIELDS = {
    "code": Code,
    **SESSION_SETTINGS,
    "name": Line(required=True, max_length=200),
    "union_id": Integer(),  # the union whose congress it is (proposals/unions.py); none: the root
}
GROUP_FIELDS = {"code": Code, "name": Line(required=True, max_length=200), "parent_id": Integer(required=True)}
USERNAME_TAKEN = N_("This user name is taken.")
CODE_TAKEN = N_("This code is taken.")


def _refuse(errors: dict, taken: dict) -> None:
    """Raise what is wrong: the payload's own faults first (422), else a name or code in use (409)."""
    if errors:
        raise InvalidPayload(errors | taken)
    if taken:
        ((msgid, params),) = taken.values()
        raise Taken(taken, message=msgid)


def _insert(row, field: str, msgid: str, already) -> None:
    """Add `row` and write it now. Two requests with the same name or code at once both pass the check
    before either writes; the unique index refuses the second, which is then told it is taken (409),
    not a server error. `already` is the query that finds the row that won."""
    db.session.add(row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        if db.session.scalar(already) is None:
            raise  # some other constraint: not ours to explain
        raise Taken({field: message(msgid)}, message=msgid) from None


def _unit_of_kind(unit_id, kind: str, field: str, errors: dict) -> None:
    if unit_id is None:
        return
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or unit.kind != kind:
        errors[field] = message(N_("No such unit."))


LIAISON_WITHOUT_DEPARTMENT = N_("A department liaison must belong to a department: choose one.")


def _liaison_has_department(roles, department_id, errors: dict) -> None:
    """A department liaison sees what is assigned to their department: without one they would see nothing."""
    if "department_handler" in (roles or ()) and department_id is None and "department_id" not in errors:
        errors["department_id"] = message(LIAISON_WITHOUT_DEPARTMENT)


def create_user(data, *, actor: User | None = None) -> User:
    """Create an account; its password follows the password policy (proposals/auth/passwords.py). A
    grassroots union's administrators create the people of their union (operations/unions.py)."""
    authorize_somewhere(actor)
    clean = validate(USER_FIELDS, data)
    errors: dict = {}
    named = select(User.id).where(User.username == clean["username"])
    taken = {"username": message(USERNAME_TAKEN)} if db.session.scalar(named) else {}
    weak = passwords.problems(clean["password"], clean["username"], (clean["name"], clean.get("email")))
    if weak:
        errors["password"] = weak[0]
    _unit_of_kind(clean.get("department_id"), "department", "department_id", errors)
    _unit_of_kind(clean.get("delegation_id"), "delegation", "delegation_id", errors)
    _liaison_has_department(_role_names(clean["roles"]), clean.get("department_id"), errors)
    roles, scoped = _split_roles(clean["roles"], errors)
    _refuse(errors, taken)
    tree = unions.current()
    authorize(actor, person_union(clean.get("department_id"), clean.get("delegation_id"), tree), tree)
    authorize_roles(actor, ((), ()), (roles, scoped), tree)
    password = clean.pop("password")
    clean.pop("roles")
    clean["must_change_password"] = bool(clean.get("must_change_password"))
    user = User(**clean)
    user.roles = roles
    user.union_role_rows = [UnionRole(role=r, union_id=u) for r, u in scoped]
    user.set_password(password)
    _insert(user, "username", USERNAME_TAKEN, named)
    audit.record("user.create", user, {**clean, "roles": roles, **_scoped_details(scoped)}, actor=actor)
    finish()
    return user


def create_unit(kind: str, data, *, actor: User | None = None) -> OrgUnit:
    """Create a department, delegation or grassroots union; in a grassroots union (below a unit of it), by
    its administrators."""
    authorize_somewhere(actor)
    clean = validate(UNIT_FIELDS, data)
    errors: dict = {}
    coded = select(OrgUnit.id).where(OrgUnit.code == clean["code"])
    taken = {"code": message(CODE_TAKEN)} if db.session.scalar(coded) else {}
    if clean.get("parent_id") is not None and db.session.get(OrgUnit, clean["parent_id"]) is None:
        errors["parent_id"] = message(N_("No such unit."))
    _refuse(errors, taken)
    tree = unions.current()
    authorize(actor, tree.union_of_unit(clean.get("parent_id")), tree)
    unit = OrgUnit(**clean, kind=kind)
    _insert(unit, "code", CODE_TAKEN, coded)
    audit.record("unit.create", unit, {**clean, "kind": kind}, actor=actor)
    finish()
    return unit


def create_session(data, *, actor: User | None = None) -> CongressSession:
    """Open a session of a union's congress (`union_id`; none: the root's), by its administrators."""
    authorize_somewhere(actor)
    clean = _without_preset(validate(SESSION_FIELDS, presets.with_preset(data)))
    tree = unions.current()
    clean["union_id"] = _union_named(clean.get("union_id"), "union_id", tree)
    authorize(actor, clean["union_id"], tree)
    coded = select(CongressSession.id).where(CongressSession.code == clean["code"])
    if db.session.scalar(coded):
        _refuse({}, {"code": message(CODE_TAKEN)})
    _check_dates(clean)
    session = CongressSession(**clean)
    _insert(session, "code", CODE_TAKEN, coded)
    audit.record("session.create", session, {**clean, "union_id": tree.public_id(clean["union_id"])}, actor=actor)
    finish()
    return session


def update_session(session: CongressSession, data, *, actor: User | None = None) -> CongressSession:
    authorize(actor, session.union_id)
    clean = _without_preset(validate(SESSION_SETTINGS, presets.with_preset(data)))
    merged = {name: getattr(session, name) for name in SETTING_DATES} | clean
    _check_dates(merged)
    for key, value in clean.items():
        setattr(session, key, value)
    audit.record("session.update", session, clean, actor=actor)
    finish()
    return session


def _without_preset(clean: dict) -> dict:
    """A valid preset has filled its settings in (presets.with_preset): it is not a column itself."""
    clean.pop("preset", None)
    return clean


def _check_dates(values: dict) -> None:
    errors = {}
    for start, end in (("collection_start", "collection_end"), ("vote_start", "vote_end")):
        if values.get(start) and values.get(end) and values[end] < values[start]:
            errors[end] = message(N_("Must not be before the start."))
    if errors:
        raise InvalidPayload(errors)


# -- changing sessions, people and units (the admin pages; the API may use them too) ---------------

SESSION_FORM = {  # a form gives every setting: the name and each one that has no empty value
    **SESSION_SETTINGS,
    "name": Line(required=True, max_length=200),
    **{s.name: replace(s.field, required=True) for s in settings.SETTINGS if s.required_in_form},
}


def edit_session(session: CongressSession, data, *, actor: User | None = None) -> CongressSession:
    """Change a session from a form giving every setting: like update_session, but the name and the
    numbers are required and a date given empty is cleared."""
    authorize(actor, session.union_id)
    cleared = {n: None for n in SETTING_DATES if isinstance(data, dict) and n in data and not _filled(data[n])}
    clean = _without_preset(validate(SESSION_FORM, data))
    _check_dates({name: getattr(session, name) for name in SETTING_DATES} | cleared | clean)
    for key, value in (cleared | clean).items():
        setattr(session, key, value)
    audit.record("session.update", session, cleared | clean, actor=actor)
    finish()
    return session


def _filled(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


MIN_PASSWORD = passwords.MIN_LENGTH
NO_ADMIN_LEFT = N_("At least one active union administrator must remain.")
USER_CHANGES = {
    "name": Line(required=True, max_length=100),
    "email": Line(max_length=200),
    "department_id": Integer(),
    "delegation_id": Integer(),
    "roles": Roles(required=True),
}


def update_user(user: User, data, *, actor: User | None = None) -> User:
    """Change the fields given of a user's name, e-mail, department, delegation and roles; an empty
    e-mail, department or delegation is cleared. The user name never changes. A grassroots union's
    administrators change their union's people, within it (operations/unions.py)."""
    authorize_somewhere(actor)
    tree = unions.current()
    authorize_person(actor, user, tree)
    given = {n: f for n, f in USER_CHANGES.items() if isinstance(data, dict) and n in data}
    clean = validate(given, data)
    errors: dict = {}
    for field, kind in (("department_id", "department"), ("delegation_id", "delegation")):
        unit_id = clean.get(field)
        if unit_id is not None and unit_id != getattr(user, field):
            _unit_of_kind(unit_id, kind, field, errors)
            if field not in errors and not db.session.get(OrgUnit, unit_id).active:
                errors[field] = message(N_("This unit is deactivated."))
    roles, scoped = _split_roles(clean["roles"], errors) if "roles" in clean else (None, None)
    if "department_id" in given or "delegation_id" in given:  # where the person moves to, too
        department = clean.get("department_id") if "department_id" in given else user.department_id
        delegation = clean.get("delegation_id") if "delegation_id" in given else user.delegation_id
        if not errors:
            authorize(actor, person_union(department, delegation, tree), tree)
    if roles is not None and not errors:
        authorize_roles(actor, (user.roles, user.scoped_roles), (roles, scoped), tree)
    if roles is not None and "union_admin" not in roles and _last_admin(user, lock=True):
        errors["roles"] = message(NO_ADMIN_LEFT)
    _liaison_has_department(
        _role_names(clean["roles"]) if "roles" in clean else user.roles,
        clean.get("department_id") if "department_id" in given else user.department_id,
        errors,
    )
    if errors:
        raise InvalidPayload(errors)
    details = {}
    for name in given:
        if name == "roles":  # the roles given are all the user's: at the root and in the unions below it
            user.roles = roles
            user.union_role_rows = [UnionRole(role=r, union_id=u) for r, u in scoped]
            details |= {"roles": roles, **_scoped_details(scoped)}
        else:
            setattr(user, name, clean.get(name))
            details[name] = clean.get(name)
    audit.record("user.update", user, details, actor=actor)
    finish()
    return user


def set_roles(user: User, roles, *, actor: User | None = None) -> User:
    """Give a user exactly these roles."""
    return update_user(user, {"roles": roles}, actor=actor)


PASSWORD_RESET = {"password": Line(required=True, max_length=200), "must_change_password": Boolean()}


def reset_password(user: User, data, *, actor: User | None = None) -> User:
    """Set a new password chosen by the administrator (the password policy applies), an initial one if
    `must_change_password`; the user's sessions and API tokens stop working."""
    authorize_somewhere(actor)
    authorize_person(actor, user)
    clean = validate(PASSWORD_RESET, data)
    passwords.check(clean["password"], user.username, (user.name, user.email))
    _set_new_password(user, clean["password"], bool(clean.get("must_change_password")))
    audit.record("user.password_reset", user, {"must_change_password": user.must_change_password}, actor=actor)
    finish()
    return user


def issue_initial_password(user: User, *, actor: User | None = None) -> str:
    """Give the user a generated initial password, to be changed at the first login; return it (shown to
    the administrator once, stored nowhere in clear). The user's sessions and API tokens stop working."""
    authorize_somewhere(actor)
    authorize_person(actor, user)
    password = passwords.initial_password(user.username)
    _set_new_password(user, password, True)
    audit.record("user.password_reset", user, {"must_change_password": True, "generated": True}, actor=actor)
    finish()
    return password


def _set_new_password(user: User, password: str, initial: bool) -> None:
    user.set_password(password)
    user.must_change_password = initial
    user.end_sessions()
    _revoke_tokens(user)


def disable_user(user: User, *, actor: User | None = None) -> User:
    """Disable an account (never delete it): it can no longer log in, and its open sessions and API
    tokens stop working at once. The last active union administrator cannot be disabled."""
    authorize_somewhere(actor)
    authorize_person(actor, user)
    if _last_admin(user, lock=True):
        raise InvalidPayload({"active": message(NO_ADMIN_LEFT)}, message=NO_ADMIN_LEFT)
    user.active = False
    user.end_sessions()
    _revoke_tokens(user)
    audit.record("user.disable", user, actor=actor)
    finish()
    return user


def enable_user(user: User, *, actor: User | None = None) -> User:
    """Let a disabled account log in again."""
    authorize_somewhere(actor)
    authorize_person(actor, user)
    user.active = True
    audit.record("user.enable", user, actor=actor)
    finish()
    return user


def _last_admin(user: User, *, lock: bool = False) -> bool:
    """Whether `user` is the only active union administrator.

    With `lock`, the union administrators' rows are write-locked first (held until the commit), and
    `user` read afresh: two administrators disabling each other at once would otherwise each see the
    other still active, and both succeed."""
    if lock:
        _lock_admins(user)
    if not (user.active and user.has_role("union_admin")):
        return False
    other = select(User.id).join(UserRole).where(UserRole.role == "union_admin", User.active, User.id != user.id)
    return db.session.scalar(other.limit(1)) is None


def _lock_admins(user: User) -> None:
    session = db.session
    users = User.__table__
    if not sqlite_write_lock(users, user.id):  # (SQLite: the database's write lock, before the count)
        # every union administrator's row, in one order (so two of these never deadlock); the count that
        # follows is a new statement, so it sees what a transaction that held them committed
        admins = select(users.c.id).join(UserRole).where(UserRole.role == "union_admin").order_by(users.c.id)
        session.execute(admins.with_for_update(of=users)).all()
    session.refresh(user)


def _revoke_tokens(user: User) -> None:
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))):
        token.revoke()


UNIT_CHANGES = {"name": Line(required=True, max_length=200), "parent_id": Integer()}


def update_unit(unit: OrgUnit, data, *, actor: User | None = None) -> OrgUnit:
    """Rename a unit or change its parent (an empty parent is cleared); its code and kind never change.
    A grassroots union's administrators change the units in it, within it."""
    authorize_somewhere(actor)
    tree = unions.current()
    authorize(actor, unit_union(unit, tree), tree)
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
    if "parent_id" in given:  # where it moves to, too
        authorize(actor, tree.union_of_unit(parent_id), tree)
    for name in given:
        setattr(unit, name, clean.get(name))
    audit.record("unit.update", unit, {name: clean.get(name) for name in given}, actor=actor)
    finish()
    return unit


def deactivate_unit(unit: OrgUnit, *, actor: User | None = None) -> OrgUnit:
    """Take a unit out of use (never delete it): it is no longer offered for new assignments or
    accounts; what it already handles and the people in it stay as they are."""
    authorize_somewhere(actor)
    authorize(actor, unit_union(unit))
    unit.active = False
    audit.record("unit.deactivate", unit, actor=actor)
    finish()
    return unit


def reactivate_unit(unit: OrgUnit, *, actor: User | None = None) -> OrgUnit:
    authorize_somewhere(actor)
    authorize(actor, unit_union(unit))
    unit.active = True
    audit.record("unit.reactivate", unit, actor=actor)
    finish()
    return unit


UNION_FIELDS = {"name": Line(required=True, max_length=200)}


def rename_union(data, *, actor: User | None = None) -> OrgUnit:
    """Give the union (the root `union` unit) its name; on a bare install, where there is none yet,
    the unit is created with the code `union`."""
    authorize(actor)
    clean = validate(UNION_FIELDS, data)
    unit = root_union()
    if unit is None:
        code, n = "union", 1
        while db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == code)):
            n += 1
            code = f"union-{n}"
        unit = OrgUnit(kind="union", code=code, name=clean["name"])
        db.session.add(unit)
        audit.record("unit.create", unit, {"code": code, "name": clean["name"], "kind": "union"}, actor=actor)
    else:
        unit.name = clean["name"]
        audit.record("union.rename", unit, clean, actor=actor)
    finish()
    return unit


def create_union(data, *, actor: User | None = None) -> OrgUnit:
    """Add a grassroots union (基层工会) below `parent_id` (the root or another grassroots union), by the
    administrators of the parent or of a union above it."""
    authorize_somewhere(actor)
    clean = validate(GROUP_FIELDS, data)
    tree = unions.current()
    parent = _union_named(clean["parent_id"], "parent_id", tree)
    authorize(actor, parent, tree)
    coded = select(OrgUnit.id).where(OrgUnit.code == clean["code"])
    if db.session.scalar(coded):
        _refuse({}, {"code": message(CODE_TAKEN)})
    unit = OrgUnit(code=clean["code"], name=clean["name"], kind="grassroots", parent_id=clean["parent_id"])
    _insert(unit, "code", CODE_TAKEN, coded)
    audit.record("union.create", unit, clean, actor=actor)
    finish()
    return unit


# -- the working-day calendar -------------------------------------------------------------------

OVERRIDE_FIELDS = {"day": Date(required=True), "working": Boolean(required=True), "note": Line(max_length=200)}


def add_calendar_override(data, *, actor: User | None = None) -> CalendarOverride:
    """Add an extra day off or an extra working day to the union's calendar; deadlines counted from
    now on use it."""
    authorize(actor)
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
        audit.record("calendar.add", override, clean, actor=actor)  # flushes: a duplicate day fails here
        _recount_reply_days(day)
        finish()
    except IntegrityError:  # another administrator added the same day at the same moment
        db.session.rollback()
        raise InvalidPayload({"day": message(N_("This day is already in the list; remove it first."))}) from None
    return override


def remove_calendar_override(override_id: int, *, actor: User | None = None) -> CalendarOverride:
    """Take a day out of the union's calendar: the national calendar applies to it again."""
    authorize(actor)
    override = db.session.get(CalendarOverride, override_id)
    if override is None:
        raise NotFound(N_("No such day in the calendar."))
    audit.record("calendar.remove", override, {"day": override.day, "working": override.working}, actor=actor)
    db.session.delete(override)
    db.session.flush()
    _recount_reply_days(override.day)
    finish()
    return override


def _recount_reply_days(day) -> None:
    """The working days to the first reply kept on the rows (facts.py) count the union's days: count them
    again for the first replies a changed day may lie within (sent since the day before it)."""
    since = datetime.combine(day - timedelta(days=1), time())
    first_since = select(Reply.proposal_id).where(Reply.round == 0, Reply.created_at >= since)
    facts.refresh_reply_days(Proposal.id.in_(first_since))
