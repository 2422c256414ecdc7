"""The union itself (the root `union` unit): its name is what the site, its mail and its printed
documents are known by."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from workflow import InvalidPayload

from ...models import root_union
from ...operations import rename_union
from . import bp
from .forms import UnionForm, show_errors


@bp.route("/union", methods=["GET", "POST"])
def union():
    """Show and change the union's name."""
    unit = root_union()
    form = UnionForm(obj=unit if request.method == "GET" else None)
    if request.method == "POST":
        try:
            unit = rename_union({"name": form.name.data or ""}, actor=current_user)
        except InvalidPayload as exc:
            show_errors(form, exc)
            return render_template("admin/union.html", form=form, unit=unit), 422
        flash(gettext("%(name)s saved.", name=unit.name), "success")
        return redirect(url_for("admin.union"))
    return render_template("admin/union.html", form=form, unit=unit)
