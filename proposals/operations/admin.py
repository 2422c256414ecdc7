"""Union administration: people, units, sessions. Shared by the CLI, the API and the admin pages."""

from datetime import date

from sqlalchemy import select

from workflow import ROLES, InvalidPayload
from workflow.errors import N_
from workflow.payload import Boolean, Field, Integer, Text, message, validate

from ..extensions import db
from ..models import SETTING_DATES, CongressSession, OrgUnit, User


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
    db.session.commit()
    return unit


def create_session(data) -> CongressSession:
    clean = validate(SESSION_FIELDS, data)
    if db.session.scalar(select(CongressSession.id).where(CongressSession.code == clean["code"])):
        raise InvalidPayload({"code": message(N_("This code is taken."))})
    _check_dates(clean)
    session = CongressSession(**clean)
    db.session.add(session)
    db.session.commit()
    return session


def update_session(session: CongressSession, data) -> CongressSession:
    clean = validate(SESSION_SETTINGS, data)
    merged = {name: getattr(session, name) for name in SETTING_DATES} | clean
    _check_dates(merged)
    for key, value in clean.items():
        setattr(session, key, value)
    db.session.commit()
    return session


def _check_dates(values: dict) -> None:
    errors = {}
    for start, end in (("collection_start", "collection_end"), ("vote_start", "vote_end")):
        if values.get(start) and values.get(end) and values[end] < values[start]:
            errors[end] = message(N_("Must not be before the start."))
    if errors:
        raise InvalidPayload(errors)
