"""A directory entry's account here: found by its link (external_identities), else linked to an existing
account, else made; then kept like the entry (name, e-mail, mobile, employee number, department,
delegation, and the roles that follow groups). Nothing here commits: the login or the sync does.

Roles stay managed here: only the roles LDAP_GROUP_ROLES names follow the directory's groups (a person
in a mapped group has its role, one who left it loses it); every other role is the administrators'.
The last active union administrator never loses the role this way.
"""

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import ExternalIdentity, OrgUnit, User, UserRole
from ..operations import audit, clock
from . import provider
from .client import Entry, group_roles, mapping

PROFILE = ("username", "name", "email", "mobile", "employee_no")


@dataclass
class Outcome:
    """What applying an entry did to its account."""

    user: User | None
    created: bool = False
    linked: bool = False
    changes: dict = field(default_factory=dict)  # field: [before, after]
    warnings: list[str] = field(default_factory=list)


def linked_user(subject: str) -> User | None:
    identity = db.session.scalar(
        select(ExternalIdentity).where(ExternalIdentity.provider == provider(), ExternalIdentity.subject == subject)
    )
    return db.session.get(User, identity.user_id) if identity is not None else None


def is_directory_user(user: User) -> bool:
    """Whether `user` is linked to an entry of the directory."""
    linked = select(ExternalIdentity.id).where(
        ExternalIdentity.user_id == user.id, ExternalIdentity.provider == provider()
    )
    return db.session.scalar(linked.limit(1)) is not None


def _unlinked(query):
    """Users of `query` not yet linked to an entry of this directory."""
    linked = select(ExternalIdentity.user_id).where(ExternalIdentity.provider == provider())
    return db.session.scalar(query.where(User.id.not_in(linked)).limit(1))


def match_existing(entry: Entry, ways) -> User | None:
    """The existing unlinked account of the entry's person, by employee number or user name (in `ways`' order)."""
    for way in ways:
        value = entry.values.get(way)
        if way in ("employee_no", "username") and value:
            user = _unlinked(select(User).where(getattr(User, way) == value))
            if user is not None:
                return user
    return None


def _link(user: User, entry: Entry) -> None:
    db.session.add(ExternalIdentity(user_id=user.id, provider=provider(), subject=entry.subject))


def _unit(kind: str, value: str | None) -> OrgUnit | None:
    """The active unit of `kind` whose code (first) or name is `value`."""
    for column in (OrgUnit.code, OrgUnit.name):
        unit = db.session.scalar(
            select(OrgUnit).where(OrgUnit.kind == kind, OrgUnit.active, column == value).order_by(OrgUnit.id).limit(1)
        )
        if unit is not None:
            return unit
    return None


def roles_for(entry: Entry, current: frozenset[str] | None) -> set[str]:
    """The roles the entry's account should have: its own (or, new, the default ones) but the roles that
    follow groups, plus those of the mapped groups it is in."""
    mapped = group_roles()
    following = frozenset().union(*mapped.values()) if mapped else frozenset()
    granted = frozenset().union(*(mapped[g] for g in entry.groups if g in mapped))
    base = set(current) if current is not None else set(current_app.config["LDAP_DEFAULT_ROLES"])
    return (base - following) | granted or set(current_app.config["LDAP_DEFAULT_ROLES"])


def _last_admin(user: User) -> bool:
    if not (user.active and user.has_role("union_admin")):
        return False
    other = select(User.id).join(UserRole).where(UserRole.role == "union_admin", User.active, User.id != user.id)
    return db.session.scalar(other.limit(1)) is None


def _taken(column, value, user: User | None) -> bool:
    query = select(User.id).where(column == value)
    if user is not None and user.id is not None:
        query = query.where(User.id != user.id)
    return db.session.scalar(query.limit(1)) is not None


def _wanted(entry: Entry, user: User | None, outcome: Outcome) -> dict:
    """The values the entry gives to its account's fields (only the fields LDAP_ATTRIBUTES maps)."""
    mapped, label = mapping(), entry.username or entry.dn
    wanted = {}
    for name in PROFILE:
        if name not in mapped:
            continue
        value = entry.values.get(name)
        if name == "username" and (not value or len(value) > 80 or _taken(User.username, value, user)):
            if value and (user is None or value != user.username):
                outcome.warnings.append(f"{label}: the user name {value!r} is taken here by another account")
            continue
        if name == "name" and not value:
            continue  # a name is required: keep the one there is
        if name == "employee_no" and value and _taken(User.employee_no, value, user):
            outcome.warnings.append(f"{label}: employee number {value!r} is another account's here")
            continue
        wanted[name] = value
    for name, kind in (("department", "department"), ("delegation", "delegation")):
        if name not in mapped:
            continue
        value = entry.values.get(name)
        unit = _unit(kind, value) if value else None
        if value and unit is None:
            outcome.warnings.append(f"{label}: no {kind} here has the code or name {value!r}")
            continue
        wanted[f"{name}_id"] = unit.id if unit else None
    return wanted


def apply(entry: Entry, *, create: bool, link_by=(), actor: User | None = None) -> Outcome:
    """Find, link or (with `create`) make the entry's account and bring it in line with the entry (flushed)."""
    outcome = Outcome(linked_user(entry.subject))
    if outcome.user is None and link_by:
        outcome.user = match_existing(entry, link_by)
        outcome.linked = outcome.user is not None
    if outcome.user is None:
        if not create:
            return outcome
        return _create(entry, outcome, actor)
    user = outcome.user
    if outcome.linked:
        _link(user, entry)
    for name, value in _wanted(entry, user, outcome).items():
        if getattr(user, name) != value:
            outcome.changes[name] = [getattr(user, name), value]
            setattr(user, name, value)
    roles = roles_for(entry, user.roles)
    if "union_admin" not in roles and _last_admin(user):
        roles.add("union_admin")
        outcome.warnings.append(f"{user.username}: kept as union administrator, the last active one")
    if roles != set(user.roles):
        outcome.changes["roles"] = [sorted(user.roles), sorted(roles)]
        user.roles = roles
    if outcome.linked or outcome.changes:
        details = {"source": provider(), "subject": entry.subject, **outcome.changes}
        if outcome.linked:
            details["linked"] = True
        audit.record("user.update", user, details, actor=actor)
    db.session.flush()
    return outcome


def _create(entry: Entry, outcome: Outcome, actor: User | None) -> Outcome:
    wanted = _wanted(entry, None, outcome)
    if not wanted.get("username"):
        outcome.warnings.append(f"{entry.username or entry.dn}: no account made (no free user name)")
        return outcome
    wanted.setdefault("name", wanted["username"])
    user = User(**wanted, password_hash=None)  # no local password unless an administrator gives one
    user.roles = roles_for(entry, None)
    if entry.disabled:
        user.active = False
    db.session.add(user)
    db.session.flush()
    _link(user, entry)
    details = {"source": provider(), "subject": entry.subject, **wanted, "roles": sorted(user.roles)}
    audit.record("user.create", user, details, actor=actor)
    db.session.flush()
    outcome.user, outcome.created = user, True
    return outcome


def touch(user: User, entry: Entry) -> None:
    """Note the sign-in on the entry's link (flushed)."""
    identity = db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == provider(), ExternalIdentity.subject == entry.subject
        )
    )
    if identity is not None:
        identity.last_login_at = clock.utcnow()
        db.session.flush()
