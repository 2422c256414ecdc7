"""Notifications in the application: the list, marking as read, and the email preference."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField

from workflow import InvalidPayload

from ..closure import inbox
from ..closure.messages import sentence
from ..i18n import translate_error
from ..inputs import id_or_nothing, number_arg
from ..operations import NotFound
from ..reasons import of_notifications

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_template_global()
def unread_notification_count() -> int:
    """The number on the bell in the header."""
    if not current_user.is_authenticated:
        return 0
    return inbox.unread_count(current_user)


class PreferenceForm(FlaskForm):
    email_notifications = BooleanField(_l("Also send my notifications by email"))
    save = SubmitField(_l("Save"))


@bp.get("")
@login_required
def index():
    """List the current user's notifications, newest first."""
    page = number_arg("page", 1)
    items, total = inbox.page_of(current_user, page)
    pages = max(1, -(-total // inbox.PER_PAGE))
    if page > pages:
        abort(404)
    return render_template(
        "notifications/index.html",
        items=items,
        total=total,
        page=page,
        pages=pages,
        unread=inbox.unread_count(current_user),
        sentence=sentence,
        reasons=of_notifications(current_user, [item.notification for item in items]),
    )


@bp.post("/<int:notification_id>/open")
@login_required
def open_(notification_id: int):
    """Mark a notification as read and go to its proposal."""
    try:
        row = inbox.mark_read(current_user, notification_id)
    except NotFound:
        abort(404)
    if row.proposal_id is None:
        return redirect(url_for(".index"))
    return redirect(url_for("proposals.detail", proposal_id=row.proposal_id))


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark one notification as read."""
    try:
        inbox.mark_read(current_user, notification_id)
    except NotFound:
        abort(404)
    flash(gettext("Marked as read."), "success")
    return redirect(url_for(".index", page=id_or_nothing(request.form.get("page")) or 1))


@bp.post("/read-all")
@login_required
def read_all():
    """Mark every notification as read."""
    count = inbox.mark_all_read(current_user)
    flash(ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", count), "success")
    return redirect(url_for(".index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """Turn email notifications on or off."""
    form = PreferenceForm()
    if request.method == "GET":
        form.email_notifications.data = current_user.email_notifications
        return render_template("notifications/settings.html", form=form)
    try:
        inbox.set_email_preference(current_user, {"email_notifications": bool(form.email_notifications.data)})
    except InvalidPayload as exc:
        flash(translate_error(exc), "error")
        return render_template("notifications/settings.html", form=form), 422
    if current_user.email_notifications:
        flash(gettext("Email notifications are on."), "success")
    else:
        flash(gettext("Email notifications are off. You will still see every notification here."), "success")
    return redirect(url_for(".settings"))
