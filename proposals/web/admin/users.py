"""User accounts: find, create, edit, reset a password, disable and enable (never delete)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import and_, or_

from workflow import ROLES, InvalidPayload

from ...extensions import db
from ...i18n import translate_error
from ...models import User
from ...operations import (
    create_user,
    disable_user,
    enable_user,
    issue_initial_password,
    reset_password,
    update_user,
)
from ...operations.unions import authorize_person
from . import bp, listing, scope
from .forms import PasswordForm, UserEditForm, UserForm, show_errors


def load(user_id: int) -> User:
    """The user, if the administrator administers their union (403 otherwise: a sibling's people are not
    theirs to read)."""
    user = db.session.get(User, user_id) or abort(404)
    authorize_person(current_user, user)
    return user


def people_within():
    """The condition "a person of a union the administrator administers": their delegation's, else their
    department's (None for the company's administrators: everyone)."""
    if scope.company():
        return None
    return or_(
        scope.units_where(User.delegation_id),
        and_(User.delegation_id.is_(None), scope.units_where(User.department_id)),
    )


@bp.get("/users")
def users():
    """Find users by name, user name or e-mail, role and status, a page at a time."""
    filters = listing.Filters.from_args(request.args)
    found = listing.page(
        filters, after=request.args.get("after"), before=request.args.get("before"), within=people_within()
    )
    return render_template("admin/users.html", page=found, filters=filters, roles=ROLES, statuses=listing.STATUSES)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Create an account with its roles and units."""
    form = UserForm()
    if request.method == "POST":
        try:
            user = create_user(form.payload(), actor=current_user)
        except InvalidPayload as exc:
            show_errors(form, exc)
            return render_template("admin/user_new.html", form=form), 422
        flash(gettext("Account %(username)s created.", username=user.username), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_new.html", form=form)


def render_user(
    user: User,
    form: UserEditForm | None = None,
    password: PasswordForm | None = None,
    status=200,
    generated: str | None = None,
):
    return (
        render_template(
            "admin/user_edit.html",
            user=user,
            form=form or UserEditForm(user=user),
            password=password or PasswordForm(formdata=None),
            generated=generated,
        ),
        status,
        {"Cache-Control": "no-store"} if generated else {},
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    """Change a user's name, e-mail, units and roles."""
    user = load(user_id)
    form = UserEditForm(user=user)
    if request.method == "POST":
        try:
            update_user(user, form.payload(), actor=current_user)
        except InvalidPayload as exc:
            show_errors(form, exc)
            return render_user(user, form=form, status=422)
        flash(gettext("Account %(username)s saved.", username=user.username), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_user(user, form=form)


@bp.post("/users/<int:user_id>/password")
def set_password(user_id: int):
    """Give a user a new password (the user has forgotten it)."""
    user = load(user_id)
    form = PasswordForm()
    if not form.password.data:  # shown on this answer only: never in a flash message, which the cookie keeps
        generated = issue_initial_password(user, actor=current_user)
        return render_user(user, generated=generated)
    try:
        reset_password(
            user,
            {"password": form.password.data, "must_change_password": form.must_change_password.data},
            actor=current_user,
        )
    except InvalidPayload as exc:
        show_errors(form, exc)
        return render_user(user, password=form, status=422)
    flash(gettext("New password set for %(username)s.", username=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/disable")
def disable(user_id: int):
    """Disable an account: it can no longer log in, and is logged out at once."""
    user = load(user_id)
    try:
        disable_user(user, actor=current_user)
    except InvalidPayload as exc:
        flash(translate_error(exc), "error")
        return render_user(user, status=422)
    flash(gettext("Account %(username)s disabled.", username=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/enable")
def enable(user_id: int):
    """Let a disabled account log in again."""
    user = enable_user(load(user_id), actor=current_user)
    flash(gettext("Account %(username)s enabled.", username=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))
