"""Union administration: people and their roles (units: units.py; sessions: sessions.py). Shared by the CLI, the
API and the admin pages.

Every operation takes the user who acts (`actor`) and checks itself that they may: a union
administrator, or None for the system (the command line, the demo data, the scale generator), which
the log shows as such. Whoever acts is what the audit row names; nothing is read from the request.
"""

from sqlalchemy import select

from workflow import ROLES, InvalidPayload
from workflow.errors import N_
from workflow.payload import Boolean, Field, Integer, Line, message, validate

from .. import unions
from ..auth import passwords
from ..extensions import db
from ..models import (
    ApiToken,
    OrgUnit,
    UnionRole,
    User,
    UserRole,
)
from . import audit
from .locks import sqlite_write_lock
from .rows import insert_unique, refuse
from .unions import (
    NO_UNION,
    authorize,
    authorize_person,
    authorize_roles,
    authorize_somewhere,
    person_union,
)
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
USERNAME_TAKEN = N_("This user name is taken.")


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
    refuse(errors, taken)
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
    insert_unique(user, "username", USERNAME_TAKEN, named)
    audit.record("user.create", user, {**clean, "roles": roles, **_scoped_details(scoped)}, actor=actor)
    finish()
    return user


# -- changing people (the admin pages; the API may use them too) ---------------------------------


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
