"""Each person's notification settings page (我的通知设置): their mobile number and messenger ids, and by
which channels they are told of each kind of notice (or the union's default for it)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from workflow import InvalidPayload

from ..closure.channels import preferences
from ..i18n import translate
from ..models.channels import MESSENGERS
from .account import bp


def form_data(form) -> dict:
    """The page's form as the operation's data: a kind left to follow the default is null."""
    kinds = {}
    for kind in preferences.KINDS:
        if form.get(f"follow-{kind}"):
            kinds[kind] = None
        else:
            kinds[kind] = [c for c in form.getlist(f"kind-{kind}") if c]
    return {
        "email_notifications": bool(form.get("email_notifications")),
        "mobile": form.get("mobile", ""),
        "identities": {provider: form.get(f"identity-{provider}", "") for provider in MESSENGERS},
        "kinds": kinds,
    }


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notification_settings():
    """Show and change how one is told of each kind of notice."""
    errors: dict = {}
    status = 200
    if request.method == "POST":
        try:
            preferences.update_settings(current_user, form_data(request.form), actor=current_user)
        except InvalidPayload as exc:
            errors = {name: translate(msg) for name, msg in exc.fields.items()}
            status = 422
        else:
            flash(gettext("Your notification settings have been saved."), "success")
            return redirect(url_for("account.notification_settings"))
    return (
        render_template(
            "auth/notification_settings.html",
            settings=preferences.settings_of(current_user),
            errors=errors,
            kind_labels=preferences.KIND_LABELS,
            channel_labels=preferences.CHANNEL_LABELS,
            form=request.form if status != 200 else None,
        ),
        status,
    )
