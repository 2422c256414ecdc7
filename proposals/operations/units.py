"""The organisation's units: departments, delegations and grassroots unions, and the union at the root."""

from sqlalchemy import select

from workflow import InvalidPayload
from workflow.errors import N_
from workflow.payload import Integer, Line, message, validate

from .. import unions
from ..extensions import db
from ..models import OrgUnit, User, root_union
from . import audit
from .rows import CODE_TAKEN, Code, insert_unique, refuse
from .unions import authorize, authorize_somewhere, union_named, unit_union
from .unit import finish

UNIT_FIELDS = {"code": Code, "name": Line(required=True, max_length=200), "parent_id": Integer()}


GROUP_FIELDS = {"code": Code, "name": Line(required=True, max_length=200), "parent_id": Integer(required=True)}


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
    refuse(errors, taken)
    tree = unions.current()
    authorize(actor, tree.union_of_unit(clean.get("parent_id")), tree)
    unit = OrgUnit(**clean, kind=kind)
    insert_unique(unit, "code", CODE_TAKEN, coded)
    audit.record("unit.create", unit, {**clean, "kind": kind}, actor=actor)
    finish()
    return unit


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
    parent = union_named(clean["parent_id"], "parent_id", tree)
    authorize(actor, parent, tree)
    coded = select(OrgUnit.id).where(OrgUnit.code == clean["code"])
    if db.session.scalar(coded):
        refuse({}, {"code": message(CODE_TAKEN)})
    unit = OrgUnit(code=clean["code"], name=clean["name"], kind="grassroots", parent_id=clean["parent_id"])
    insert_unique(unit, "code", CODE_TAKEN, coded)
    audit.record("union.create", unit, clean, actor=actor)
    finish()
    return unit
