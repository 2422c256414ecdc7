"""Opening and changing a union's congress sessions, with their settings (proposals/settings.py)."""

from dataclasses import replace

from sqlalchemy import select

from workflow import InvalidPayload
from workflow.errors import N_
from workflow.payload import Integer, Line, message, validate

from .. import presets, settings, unions
from ..extensions import db
from ..models import SETTING_DATES, CongressSession, User
from . import audit
from .rows import CODE_TAKEN, Code, insert_unique, refuse
from .unions import authorize, authorize_somewhere, union_named
from .unit import finish

# what a change may name: the settings, and a preset filling some of them (proposals/presets.py)
SESSION_SETTINGS = {"name": Line(max_length=200), **settings.fields(), "preset": presets.FIELD}


SESSION_FIELDS = {
    "code": Code,
    **SESSION_SETTINGS,
    "name": Line(required=True, max_length=200),
    "union_id": Integer(),  # the union whose congress it is (proposals/unions.py); none: the root
}


def create_session(data, *, actor: User | None = None) -> CongressSession:
    """Open a session of a union's congress (`union_id`; none: the root's), by its administrators."""
    authorize_somewhere(actor)
    clean = _without_preset(validate(SESSION_FIELDS, presets.with_preset(data)))
    tree = unions.current()
    clean["union_id"] = union_named(clean.get("union_id"), "union_id", tree)
    authorize(actor, clean["union_id"], tree)
    coded = select(CongressSession.id).where(CongressSession.code == clean["code"])
    if db.session.scalar(coded):
        refuse({}, {"code": message(CODE_TAKEN)})
    _check_dates(clean)
    session = CongressSession(**clean)
    insert_unique(session, "code", CODE_TAKEN, coded)
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
