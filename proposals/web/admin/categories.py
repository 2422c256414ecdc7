"""The categories of proposals: list, add, rename or move, retire and bring back (never delete)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, select

from workflow import InvalidPayload

from ...extensions import db
from ...models import Category, Proposal
from ...operations import create_category, update_category
from . import bp
from .forms import CategoryForm, show_errors


def load(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None:
        abort(404)
    return category


def render_list(form: CategoryForm, status: int = 200):
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    counts = dict(db.session.execute(select(Proposal.category_id, func.count()).group_by(Proposal.category_id)).all())
    return render_template("admin/categories.html", categories=categories, counts=counts, form=form), status


@bp.route("/categories", methods=["GET", "POST"])
def categories():
    """List the categories, and add one."""
    form = CategoryForm()
    if request.method == "POST":
        try:
            category = create_category(form.payload(with_code=True), actor=current_user)
        except InvalidPayload as exc:
            show_errors(form, exc)
            return render_list(form, 422)
        flash(gettext("%(name)s created.", name=category.name), "success")
        return redirect(url_for("admin.categories"))
    return render_list(form)


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
def edit_category(category_id: int):
    """Rename a category, or move it in the list."""
    category = load(category_id)
    form = CategoryForm(obj=category if request.method == "GET" else None)
    del form.code  # a category's code never changes
    if request.method == "POST":
        try:
            update_category(category, form.payload(with_code=False), actor=current_user)
        except InvalidPayload as exc:
            show_errors(form, exc)
            return render_template("admin/category_form.html", form=form, category=category), 422
        flash(gettext("%(name)s saved.", name=category.name), "success")
        return redirect(url_for("admin.categories"))
    return render_template("admin/category_form.html", form=form, category=category)


@bp.post("/categories/<int:category_id>/retire")
def retire_category(category_id: int):
    """Stop offering a category for new proposals; those that have it keep it."""
    category = update_category(load(category_id), {"retired": True}, actor=current_user)
    flash(gettext("%(name)s retired. It is no longer offered for new proposals.", name=category.name), "success")
    return redirect(url_for("admin.categories"))


@bp.post("/categories/<int:category_id>/restore")
def restore_category(category_id: int):
    """Offer a retired category again."""
    category = update_category(load(category_id), {"retired": False}, actor=current_user)
    flash(gettext("%(name)s is in use again.", name=category.name), "success")
    return redirect(url_for("admin.categories"))
