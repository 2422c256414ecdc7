"""Departments, delegations and grassroots unions: list, create, rename, deactivate (never delete)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, select

from workflow import InvalidPayload
from workflow.errors import N_

from ...extensions import db
from ...models import OrgUnit, User
from ...operations import create_unit, deactivate_unit, reactivate_unit, update_unit
from ...operations.unions import authorize, unit_union
from . import bp, scope
from .forms import UnitForm, show_errors, unit_choices

# the kinds managed here, with the kind of unit each belongs to (None: no parent to choose)
KINDS = {"department": None, "delegation": "grassroots", "grassroots": "union"}
KIND_LABELS = {
    "department": N_("Departments"),
    "delegation": N_("Delegations"),
    "grassroots": N_("Grassroots unions"),
}
# whose users a unit of each kind counts: the people in a department or a delegation
MEMBERS = {"department": User.department_id, "delegation": User.delegation_id}


def load(unit_id: int) -> OrgUnit:
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None or unit.kind not in KINDS:
        abort(404)
    authorize(current_user, unit_union(unit))  # a sibling's units are not theirs (403)
    return unit


def unit_form(kind: str, unit: OrgUnit | None = None) -> UnitForm:
    form = UnitForm(obj=unit if request.method == "GET" else None)
    if unit is not None:
        del form.code  # a unit's code never changes
    if KINDS[kind] is None:
        del form.parent_id
    else:
        form.parent_id.choices = unit_choices(KINDS[kind], keep=unit.parent_id if unit else None)
        if unit is not None and request.method == "GET":
            form.parent_id.data = unit.parent_id or 0
    form.name.flags.required = True
    if unit is None:
        form.code.flags.required = True
    return form


def render_list(kind: str, form: UnitForm, status: int = 200):
    # a union is administered from the union above it (operations/unions.py unit_union); a unit, from its own
    within = scope.units_where(OrgUnit.parent_id if kind == "grassroots" else OrgUnit.id)
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == kind, within).order_by(OrgUnit.code)).all()
    if kind in MEMBERS:
        column = MEMBERS[kind]
        counts = dict(db.session.execute(select(column, func.count()).where(User.active).group_by(column)).all())
    else:
        counts = dict(
            db.session.execute(
                select(OrgUnit.parent_id, func.count()).where(OrgUnit.active).group_by(OrgUnit.parent_id)
            ).all()
        )
    return (
        render_template(
            "admin/units.html", kind=kind, kinds=KINDS, labels=KIND_LABELS, units=units, counts=counts, form=form
        ),
        status,
    )


@bp.get("/units")
def units_home():
    return redirect(url_for("admin.units", kind="department"))


@bp.route("/units/<kind>", methods=["GET", "POST"])
def units(kind: str):
    """List the units of a kind, and create one."""
    if kind not in KINDS:
        abort(404)
    form = unit_form(kind)
    if request.method == "POST":
        try:
            unit = create_unit(kind, form.payload(with_code=True), actor=current_user)
        except InvalidPayload as exc:
            show_errors(form, exc)
            return render_list(kind, form, 422)
        flash(gettext("%(name)s created.", name=unit.name), "success")
        return redirect(url_for("admin.units", kind=kind))
    return render_list(kind, form)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def edit_unit(unit_id: int):
    """Rename a unit, or change what it belongs to."""
    unit = load(unit_id)
    form = unit_form(unit.kind, unit)
    if request.method == "POST":
        try:
            update_unit(unit, form.payload(with_code=False), actor=current_user)
        except InvalidPayload as exc:
            show_errors(form, exc)
            return render_template("admin/unit_form.html", form=form, unit=unit, labels=KIND_LABELS), 422
        flash(gettext("%(name)s saved.", name=unit.name), "success")
        return redirect(url_for("admin.units", kind=unit.kind))
    return render_template("admin/unit_form.html", form=form, unit=unit, labels=KIND_LABELS)


@bp.post("/units/<int:unit_id>/deactivate")
def deactivate(unit_id: int):
    """Take a unit out of use; it stays on record with everything it handled."""
    unit = deactivate_unit(load(unit_id), actor=current_user)
    flash(
        gettext("%(name)s deactivated. It is no longer offered for new assignments or accounts.", name=unit.name),
        "success",
    )
    return redirect(url_for("admin.units", kind=unit.kind))


@bp.post("/units/<int:unit_id>/reactivate")
def reactivate(unit_id: int):
    """Put a deactivated unit back in use."""
    unit = reactivate_unit(load(unit_id), actor=current_user)
    flash(gettext("%(name)s is in use again.", name=unit.name), "success")
    return redirect(url_for("admin.units", kind=unit.kind))
