"""The union itself (the root `union` unit): its name is what the site, its mail and its printed
documents are known by; and the dashboard's colour thresholds, kept with it."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField

from workflow import InvalidPayload, StateConflict

from ...i18n import translate_error
from ...models import root_union
from ...operations import rename_union
from ...operations.thresholds import dashboard_thresholds, set_dashboard_thresholds
from . import bp
from .forms import UnionForm, raw, show_errors


class ThresholdsForm(FlaskForm):
    green = IntegerField(
        _l("Green from (%)"),
        description=_l("A rate on the dashboard at or above this percentage shows green."),
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"},
    )
    amber = IntegerField(
        _l("Amber from (%)"),
        description=_l("At or above this percentage and below green it shows amber; below it, red."),
        render_kw={"min": 0, "max": 100, "inputmode": "numeric"},
    )


def _page(form=None, thresholds_form=None, status: int = 200):
    unit = root_union()
    form = form or UnionForm(obj=unit, formdata=None)
    thresholds_form = thresholds_form or ThresholdsForm(data=dashboard_thresholds(), formdata=None)
    return render_template("admin/union.html", form=form, unit=unit, thresholds_form=thresholds_form), status


@bp.route("/union", methods=["GET", "POST"])
def union():
    """Show and change the union's name."""
    if request.method == "GET":
        return _page()
    form = UnionForm()
    try:
        unit = rename_union({"name": form.name.data or ""}, actor=current_user)
    except InvalidPayload as exc:
        show_errors(form, exc)
        return _page(form=form, status=422)
    flash(gettext("%(name)s saved.", name=unit.name), "success")
    return redirect(url_for("admin.union"))


@bp.route("/union/dashboard-thresholds", methods=["GET", "POST"])
def dashboard_thresholds_form():
    """Set the dashboard's colour thresholds (GET, as after a reload of a refused form: the union page)."""
    if request.method == "GET":
        return redirect(url_for("admin.union", _anchor="dashboard-thresholds"), 303)
    form = ThresholdsForm()
    try:
        found = set_dashboard_thresholds({"green": raw(form.green), "amber": raw(form.amber)}, actor=current_user)
    except InvalidPayload as exc:
        show_errors(form, exc)
        return _page(thresholds_form=form, status=422)
    except StateConflict as exc:
        flash(translate_error(exc), "error")
        return _page(thresholds_form=form, status=409)
    flash(gettext("Dashboard colours saved: green from %(green)d %%, amber from %(amber)d %%.", **found), "success")
    return redirect(url_for("admin.union"))
