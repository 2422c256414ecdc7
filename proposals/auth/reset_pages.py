"""The forgotten-password pages (忘记密码): ask for a link, and set a new password with it."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from workflow import InvalidPayload

from ..i18n import translate, translate_error
from .forms import NewPasswordForm
from .reset import LINK_MINUTES, LinkInvalid, find_link, mail_configured, request_link, reset_with_link
from .throttle import LoginThrottled, client_address

bp = Blueprint("password_reset", __name__, url_prefix="/password")


class ForgotForm(FlaskForm):
    login = StringField(
        _l("User name or email address"),
        validators=[DataRequired(_l("Please enter your user name or email address.")), Length(max=200)],
    )


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """Ask for a one-time link to set a new password; the answer never tells whether the account exists."""
    if not mail_configured():
        return render_template("auth/forgot.html", form=None)
    form = ForgotForm()
    error, status, headers = None, 200, {}
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                request_link({"login": form.login.data}, client_address())
            except LoginThrottled as exc:
                error = gettext("Too many requests. Please try again in %(minutes)d minutes.", **exc.params)
                status, headers = 429, {"Retry-After": str(exc.retry_after)}
            except InvalidPayload as exc:
                form.login.errors = [translate(msg) for msg in exc.fields.values()]
            else:
                flash(
                    gettext(
                        "If this names an account with an email address, a link to set a new password has been "
                        "sent to that address. It works once, for %(minutes)d minutes.",
                        minutes=LINK_MINUTES,
                    ),
                    "info",
                )
                return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form, error=error), status, headers


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    """Set a new password with a mailed link; the account's sessions end everywhere."""
    try:
        link = find_link(token)
    except LinkInvalid as exc:
        return render_template("auth/reset.html", form=None, error=translate_error(exc)), 404
    form = NewPasswordForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                user = reset_with_link(token, {"new_password": form.new_password.data})
            except InvalidPayload as exc:
                for name, msg in exc.fields.items():
                    getattr(form, name, form.new_password).errors = [translate(msg)]
            except LinkInvalid as exc:
                return render_template("auth/reset.html", form=None, error=translate_error(exc)), 404
            else:
                if current_user.is_authenticated and current_user.id == user.id:
                    logout_user()
                flash(gettext("Your new password is set. Please log in with it."), "success")
                return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, user=link.user, token=token, error=None), status
