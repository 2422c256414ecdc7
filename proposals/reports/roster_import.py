"""Importing the roster: users with their roles, departments and delegations, from .xlsx or .csv.

The whole file is checked first; when anything is wrong nothing changes and every problem comes back
with its row and column. Otherwise one transaction creates or updates everything, through the same
administration operations as the admin pages (so their rules hold: the last union administrator
stays, a deactivated unit takes nobody new, a new password ends the user's API tokens):
- a row names a user by `username`: a new user needs a name and roles; an existing one is updated
  with the cells that are filled in (an empty cell never clears anything);
- `department` and `delegation` are unit codes; a code we do not have yet is created when its row
  also gives the unit's name (`department_name`, `delegation_name`), and a given name renames it;
  a row without a user name only declares units;
- `password`, when given, sets the password (the password policy of proposals/auth/passwords.py
  applies); a new user without one gets none: they sign in through the directory or a sign-in
  provider, or activate the account with a one-time code an administrator issues (auth/activation.py).
  So no password is hashed for them (scrypt costs 83 ms a row: 2 min 46 s for 2,000 rows);
- `mobile` (an 11-digit mainland number, for SMS) and `wecom_id`, `dingtalk_id`, `feishu_id` (the
  person's id in 企业微信, 钉钉, 飞书) say where the channels reach them; a messenger id belongs to one
  person only.

New users are written in bulk (one INSERT of many rows per table: users, their roles, their messenger ids,
their audit rows), after every lookup was made in one query per table; existing users are updated
through the operations, row by row, as their rules need (the last administrator, tokens ended).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from workflow import ROLES, InvalidPayload
from workflow.errors import N_
from workflow.payload import Line, message

from ..auth import activation, passwords
from ..closure.channels.preferences import set_identity
from ..closure.channels.sms import MAINLAND
from ..extensions import db
from ..i18n import ROLE_LABELS, role_label
from ..models import AuditEntry, ExternalIdentity, OrgUnit, UnionRole, User, UserRole
from ..operations import (
    audit,
    clock,
    disable_user,
    enable_user,
    reset_password,
    update_unit,
    update_user,
)
from ..operations.unions import authorize_somewhere
from ..operations.unit import unit_of_work
from .import_scope import NEW_UNIT_BEYOND, NO_SUCH_UNION, NO_UNIT_THERE, PERSON_BEYOND, UNIT_BEYOND, Reach
from .tables import ImportRefused, Problem, flag, names, read_table

KEYS = (
    "username",
    "name",
    "roles",
    "department",
    "department_name",
    "delegation",
    "delegation_name",
    "email",
    "password",
    "active",
    "mobile",
    "wecom_id",
    "dingtalk_id",
    "feishu_id",
)
REQUIRED = ("username",)
LIMITS = {
    "username": 80,
    "name": 100,
    "email": 200,
    "password": 200,
    "department_name": 200,
    "delegation_name": 200,
    "mobile": 32,
    **{column: 255 for column in ("wecom_id", "dingtalk_id", "feishu_id")},
}
# the messenger ids (ExternalIdentity rows) the SMS and messenger channels reach people by
MESSENGER_COLUMNS = {"wecom_id": "wecom", "dingtalk_id": "dingtalk", "feishu_id": "feishu"}
UNIT_COLUMNS = {"department": "department_name", "delegation": "delegation_name"}
# where the operations' fields are in the file
FIELD_COLUMNS = {"department_id": "department", "delegation_id": "delegation", "code": None}


@dataclass
class RosterResult:
    users_created: int = 0
    users_updated: int = 0
    units_created: int = 0
    units_renamed: int = 0
    awaiting_activation: int = 0  # new users without a password: they activate with a code, or sign in elsewhere
    codes: list[tuple[str, str]] = field(default_factory=list)  # (username, activation code) issued, shown once
    codes_expire_at: datetime | None = None


@dataclass
class _Plan:
    units: dict[tuple[str, str], str | None] = field(default_factory=dict)  # (kind, code) -> name given
    unit_rows: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, code) -> first row naming it
    users: list[tuple[int, dict]] = field(default_factory=list)


@dataclass(frozen=True)
class _Known:
    id: int


def _role_names() -> dict[str, str]:
    """Every way to write a role: its key, its English label and its label in the current language."""
    known = {}
    for role in ROLES:
        for spelling in (role, ROLE_LABELS.get(role, role), role_label(role)):
            known["".join(spelling.split()).casefold()] = role
    return known


def check(
    table, progress: Callable[[int], None] | None = None, *, actor: User | None = None
) -> tuple[_Plan, list[Problem]]:
    """What the file would change, and every problem with it; for a grassroots union's administrator, a row
    naming a unit, a person or a role beyond the unions they administer too (import_scope.py)."""
    problems: list[Problem] = []
    plan = _Plan()
    reach = Reach(actor)
    union_codes = reach.union_codes()
    units = {(u.kind, u.code): u for u in db.session.scalars(select(OrgUnit))}
    people = {} if reach.everything else _people([row.get("username", "") for _, row in table.rows])
    codes = {code: kind for kind, code in units}
    existing = {username: _Known(id_) for id_, username in db.session.execute(select(User.id, User.username))}
    roles = _role_names()
    seen: dict[str, int] = {}
    identities = {
        (i.provider, i.subject): i.user_id
        for i in db.session.scalars(
            select(ExternalIdentity).where(ExternalIdentity.provider.in_(MESSENGER_COLUMNS.values()))
        )
    }
    given: dict[tuple[str, str], int] = {}  # (provider, id) -> the first row giving it

    for number, row in table.rows:

        def problem(column, msgid, params=None, number=number):
            problems.append(Problem(number, column, message(msgid, params)))

        for key, limit in LIMITS.items():
            if row.get(key):
                try:
                    row[key] = Line(max_length=limit).clean(row[key])
                except ValueError as exc:
                    problem(key, *exc.args)
        for kind, name_key in UNIT_COLUMNS.items():
            code, name = row.get(kind, ""), row.get(name_key, "")
            if not code:
                if name:
                    problem(kind, N_("Give the code of the unit named here."))
                continue
            if len(code) > 40:
                problem(kind, N_("At most %(max)d characters."), {"max": 40})
            elif codes.setdefault(code, kind) != kind:
                problem(kind, N_("The code %(code)s belongs to a unit of another kind."), {"code": code})
            elif name and plan.units.get((kind, code)) not in (None, name):
                problem(name_key, N_("Another row gives this unit another name."))
            elif (kind, code) in units and not reach.unit(units[(kind, code)].id):
                problem(kind, UNIT_BEYOND, {"code": code})
            elif name:
                plan.units[(kind, code)] = name
            else:
                plan.units.setdefault((kind, code), None)
            plan.unit_rows.setdefault((kind, code), number)
        username = row.get("username", "")
        if not username:
            if any(row.get(k) for k in KEYS if k not in (*UNIT_COLUMNS, *UNIT_COLUMNS.values())):
                problem("username", N_("This field is required."))
            if progress:
                progress(1)
            continue
        if username in seen:
            problem("username", N_("This user is already on row %(row)d."), {"row": seen[username]})
        seen[username] = number
        user = existing.get(username)
        wanted_roles, union_roles = [], []
        for spelling in names(row.get("roles", ""), spaces=False):  # "Proposal committee member" is one role
            spelling, _, union_code = spelling.partition("@")  # a role held in a union: committee@FGS1
            role = roles.get("".join(spelling.split()).casefold())
            union_id = union_codes.get(union_code.strip()) if union_code else None
            if role is None:
                choices = "、".join(role_label(r) for r in ROLES)
                params = {"role": spelling, "choices": choices}
                problem("roles", N_("Unknown role %(role)s; choose from: %(choices)s."), params)
            elif union_code and union_id is None:
                problem("roles", NO_SUCH_UNION, {"code": union_code.strip()})
            elif reach.tree.key(union_id) is None:
                wanted_roles.append(role)
            else:
                union_roles.append((role, union_id))
        if not reach.everything:
            _within(reach, row, units, people.get(username), (wanted_roles, union_roles), problem)
        if user is None:
            if not row.get("name"):
                problem("name", N_("A new user needs a name."))
            if not row.get("roles"):
                problem("roles", N_("A new user needs at least one role."))
        if row.get("password"):
            weak = passwords.problems(row["password"], username, (row.get("name"), row.get("email")))
            if weak:
                problems.append(Problem(number, "password", weak[0]))
        if row.get("email") and ("@" not in row["email"] or " " in row["email"]):
            problem("email", N_("Not an email address."))
        if row.get("mobile"):
            digits = "".join(row["mobile"].split()).replace("-", "").removeprefix("+86")
            if not MAINLAND.fullmatch(digits):
                problem("mobile", N_("Enter an 11-digit mainland mobile number, such as 13800138000."))
            row["mobile"] = digits
        for column, provider in MESSENGER_COLUMNS.items():
            subject = row.get(column)
            if not subject:
                continue
            owner = identities.get((provider, subject))
            if owner is not None and owner != (user.id if user else None):
                problem(column, N_("This messenger id belongs to another person."))
            elif (provider, subject) in given:
                problem(column, N_("This user is already on row %(row)d."), {"row": given[(provider, subject)]})
            given.setdefault((provider, subject), number)
        active = flag(row["active"]) if row.get("active") else None  # empty: unchanged (new users are active)
        if row.get("active") and active is None:
            problem("active", N_("Write yes or no."))
        values = {**row, "roles": sorted(set(wanted_roles)), "union_roles": sorted(set(union_roles)), "active": active}
        plan.users.append((number, values))
        if progress:
            progress(1)
    for (kind, code), name in plan.units.items():
        if (kind, code) in units:
            continue
        first = plan.unit_rows[(kind, code)]
        if not reach.everything:  # a new unit would lie in the company union: made on the units page instead
            problems.append(Problem(first, kind, message(NEW_UNIT_BEYOND, {"code": code})))
        elif name is None:
            msg = message(N_("No unit has the code %(code)s; give its name to create it."), {"code": code})
            problems.append(Problem(first, kind, msg))
    return plan, sorted(problems, key=lambda p: p.row or 0)


def _people(usernames: list[str]) -> dict[str, User]:
    """The existing people these user names name, in a query per 5,000."""
    found = {}
    for start in range(0, len(usernames), 5000):
        part = [u for u in usernames[start : start + 5000] if u]
        found |= {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(part)))}
    return found


def _within(reach: Reach, row: dict, units: dict, user: User | None, roles: tuple, problem) -> None:
    """The problems of a row a grassroots union's administrator gives: the person must belong to a union they
    administer, before and after, and the roles given or taken must be theirs to give."""
    if user is not None and not reach.person(user.department_id, user.delegation_id):
        problem("username", PERSON_BEYOND)
        return
    ids = {}
    for kind in UNIT_COLUMNS:
        unit = units.get((kind, row.get(kind, "")))
        if row.get(kind) and (unit is None or not reach.unit(unit.id)):
            break  # the unit named is the problem, said already
        ids[kind] = unit.id if unit is not None else getattr(user, f"{kind}_id", None)
    else:
        if not reach.person(ids["department"], ids["delegation"]):
            problem("delegation", NO_UNIT_THERE)
    if row.get("roles"):
        before = (user.roles, user.scoped_roles) if user is not None else ((), ())
        for msgid, params in reach.role_changes(before, (roles[0], roles[1])):
            problem("roles", msgid, params)


def apply(
    plan: _Plan, progress: Callable[[int], None] | None = None, *, actor: User | None = None, codes: bool = True
) -> RosterResult:
    """Write the checked plan, all in one transaction: units and existing users through the administration
    operations, new users in bulk; a rule only they know (the last union administrator, a deactivated
    unit) refuses the whole file."""
    result = RosterResult()
    row = None
    try:
        with unit_of_work():
            units = {(u.kind, u.code): u for u in db.session.scalars(select(OrgUnit))}
            new_units = []
            for (kind, code), name in plan.units.items():
                row = plan.unit_rows[(kind, code)]
                unit = units.get((kind, code))
                if unit is None:
                    new_units.append({"kind": kind, "code": code, "name": name})
                elif name and unit.name != name:
                    update_unit(unit, {"name": name}, actor=actor)
                    result.units_renamed += 1
            if new_units:
                row = None
                _insert_units(new_units, actor)
                units = {(u.kind, u.code): u for u in db.session.scalars(select(OrgUnit))}
                result.units_created += len(new_units)
            existing = {}
            for start in range(0, len(plan.users), 5000):
                part = [values["username"] for _, values in plan.users[start : start + 5000]]
                existing |= {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(part)))}
            new = [(number, values) for number, values in plan.users if values["username"] not in existing]
            row = new[0][0] if new else None
            _insert_new(new, units, result, actor, codes, progress)
            for number, values in plan.users:
                if values["username"] not in existing:
                    continue
                row = number  # where a refusal points
                _update_user(existing[values["username"]], values, units, result, actor)
                if progress:
                    progress(1)
            summary = {k: v for k, v in vars(result).items() if k not in ("codes", "codes_expire_at")}
            audit.record("import.roster", details=summary, actor=actor)
    except InvalidPayload as exc:
        problems = [Problem(row, FIELD_COLUMNS.get(name, name), msg) for name, msg in exc.fields.items()]
        raise ImportRefused(problems) from exc
    return result


def _insert_units(rows: list[dict], actor: User | None) -> None:
    """Create these units (codes checked free) in one INSERT, with their audit rows in another."""
    for row in rows:  # as create_unit would refuse them
        Line(required=True, max_length=40).clean(row["code"])
        row["name"] = Line(required=True, max_length=200).clean(row["name"])
    session = db.session
    before = session.scalar(select(func.max(OrgUnit.id))) or 0
    try:
        session.execute(insert(OrgUnit.__table__), [{**r, "active": True, "parent_id": None} for r in rows])
    except IntegrityError:  # someone took one of these codes meanwhile
        session.rollback()
        raise ImportRefused([Problem(None, None, message(CODE_TAKEN_MEANWHILE))]) from None
    made = session.execute(select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id > before)).all()
    codes = {r["code"]: r for r in rows}
    now, address = clock.utcnow(), audit._address()
    entries = [
        {
            "at": now,
            "actor_id": actor.id if actor is not None else None,
            "action": "unit.create",
            "target_type": "org_units",
            "target_id": unit_id,
            "details": {"code": code, "name": codes[code]["name"], "kind": codes[code]["kind"], "by": "import"},
            "address": address,
        }
        for unit_id, code in made
        if code in codes
    ]
    session.execute(insert(AuditEntry.__table__), entries)


CODE_TAKEN_MEANWHILE = N_("A unit code of this file was taken while it was imported. Import it again.")


def _insert_new(
    rows: list[tuple[int, dict]],
    units: dict,
    result: RosterResult,
    actor: User | None,
    codes: bool,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Create these users in bulk: one INSERT of many rows for the users, one for their roles, their
    messenger ids and their audit rows each; a password is hashed only where the row gives one. With
    `codes`, each user without a password gets an activation code (an HMAC, not a password hash).
    `progress(n)` is told of the users written, batch by batch."""
    if not rows:
        return
    now = clock.utcnow()
    expires = now + timedelta(days=int(current_app.config["ACTIVATION_CODE_DAYS"]))
    key = activation._key() if codes else None
    before = db.session.scalar(select(func.max(User.id))) or 0  # the new rows' ids are above it
    for number, values in rows:  # a deactivated unit takes nobody new (as create_user's callers check)
        for kind in UNIT_COLUMNS:
            if values.get(kind) and not units[(kind, values[kind])].active:
                msg = message(N_("This unit is deactivated."))
                raise ImportRefused([Problem(number, kind, msg)])
    users = []
    for _, values in rows:
        record = {
            "username": values["username"],
            "name": values["name"],
            "email": values.get("email") or None,
            "mobile": values.get("mobile") or None,
            "department_id": units[("department", values["department"])].id if values.get("department") else None,
            "delegation_id": units[("delegation", values["delegation"])].id if values.get("delegation") else None,
            "active": values["active"] is not False,
            "password_hash": None,
            "must_change_password": False,
            "email_notifications": True,
            "session_epoch": 0,
            "created_at": now,
            # every row with the same keys: one INSERT of many rows
            "activation_salt": None,
            "activation_code_hash": None,
            "activation_expires_at": None,
        }
        if values.get("password"):
            holder = User()
            holder.set_password(values["password"])
            record["password_hash"] = holder.password_hash
        else:
            result.awaiting_activation += 1
            if codes:
                salt, code, hashed = activation.new_code(key)
                record |= {"activation_salt": salt, "activation_code_hash": hashed, "activation_expires_at": expires}
                result.codes.append((values["username"], code))
                result.codes_expire_at = expires
        users.append(record)
    session = db.session
    try:
        for start in range(0, len(users), 10000):
            session.execute(insert(User.__table__), users[start : start + 10000])
            if progress:
                progress(len(users[start : start + 10000]))
    except IntegrityError:  # someone took one of these user names meanwhile
        session.rollback()
        msg = message(N_("A user name of this file was taken while it was imported. Import it again."))
        raise ImportRefused([Problem(None, "username", msg)]) from None
    # one query for every new id (rows another transaction wrote meanwhile are left aside by name)
    ids = dict(session.execute(select(User.username, User.id).where(User.id > before)).all())
    roles, held, identities, entries = [], [], [], []
    address = audit._address()
    actor_id = actor.id if actor is not None else None
    for (_, values), record in zip(rows, users, strict=True):
        user_id = ids[values["username"]]
        roles += [{"user_id": user_id, "role": role} for role in values["roles"]]
        held += [{"user_id": user_id, "role": role, "union_id": union} for role, union in values["union_roles"]]
        for column, provider in MESSENGER_COLUMNS.items():
            if values.get(column):
                identities.append(
                    {"user_id": user_id, "provider": provider, "subject": values[column], "created_at": now}
                )
        shown = {k: v for k, v in record.items() if k not in HIDDEN}
        shown["activation_code"] = record["activation_code_hash"] is not None
        entries.append(
            {
                "at": now,
                "actor_id": actor_id,
                "action": "user.create",
                "target_type": "users",
                "target_id": user_id,
                # plain JSON values already
                "details": {**shown, "roles": values["roles"], **_scoped(values["union_roles"]), "by": "import"},
                "address": address,
            }
        )
    for table, batch in (
        (UserRole.__table__, roles),
        (UnionRole.__table__, held),
        (ExternalIdentity.__table__, identities),
        (AuditEntry.__table__, entries),
    ):
        for start in range(0, len(batch), 10000):
            session.execute(insert(table), batch[start : start + 10000])
    result.users_created += len(users)


def _scoped(held: list[tuple[str, int]]) -> dict:
    """The audit row's account of the roles held in unions below the root, as the operations write it."""
    return {"union_roles": [{"role": r, "union_id": u} for r, u in held]} if held else {}


HIDDEN = (
    "password_hash",
    "session_epoch",
    "created_at",
    "activation_salt",
    "activation_code_hash",
    "activation_expires_at",
)


def _update_user(user: User, row: dict, units: dict, result: RosterResult, actor: User | None) -> None:
    changes = {f"{kind}_id": units[(kind, row[kind])].id for kind in UNIT_COLUMNS if row.get(kind)}
    changes |= {key: row[key] for key in ("name", "email") if row.get(key)}
    if row["roles"] or row["union_roles"]:
        changes["roles"] = row["roles"] + [{"role": r, "union_id": u} for r, u in row["union_roles"]]
    if changes:
        update_user(user, changes, actor=actor)
    if row.get("password"):
        reset_password(user, {"password": row["password"]}, actor=actor)
    result.users_updated += 1
    if row.get("mobile"):
        user.mobile = row["mobile"]
    for column, provider in MESSENGER_COLUMNS.items():
        if row.get(column):
            set_identity(user, provider, row[column], clock.utcnow())
    if row["active"] is True and not user.active:
        enable_user(user, actor=actor)
    elif row["active"] is False and user.active:
        disable_user(user, actor=actor)


# a group's whole roster at once, from the command line (the pages take IMPORT_PAGE_MAX_ROWS: imports.py)
MAX_ROWS = 200_000


def read(filename: str, data: bytes):
    """The file as a table of roster columns, or ImportRefused."""
    return read_table(filename, data, KEYS, REQUIRED, MAX_ROWS)


def import_roster(
    table, *, dry_run: bool = False, progress=None, actor: User | None = None, codes: bool = True
) -> RosterResult:
    """Check the whole table, then write it in one transaction; raise ImportRefused and change nothing if
    anything is wrong. `progress(n)` is told of each row checked and each row written. With `codes`, the
    new users without a password get activation codes (in the result, once). `actor` is the union
    administrator importing (None: the system); a grassroots union's imports into their unions only."""
    authorize_somewhere(actor)
    plan, problems = check(table, progress, actor=actor)
    if problems:
        raise ImportRefused(problems)
    if dry_run:
        return RosterResult()
    return apply(plan, progress, actor=actor, codes=codes)
