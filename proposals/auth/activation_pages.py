"""The activation pages (激活账号): set one's own password with an activation code, typed with the user
name at /activate or carried by the link /activate/<code> (proposals/auth/activation.py).

Every try is counted by the login throttle (under "activate:<user name>", or "activate:link", and by
address), recorded as a failure before the code is checked and turned into a success once it is right; so
codes cannot be guessed faster than passwords. A refused code changes nothing and says why, in the
reader's language: unknown, used already, or expired.
"""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from workflow import InvalidPayload

from ..i18n import translate, translate_error
from . import throttle
from .activation import CodeRefused, activate, find_by_code, find_by_link
from .forms import NewPasswordForm
from .throttle import LoginThrottled, client_address

bp = Blueprint("activation", __name__, url_prefix="/activate")
LINK = "activate:link"  # the throttle's name for tries by link (the code names no account until found)


class CodeForm(NewPasswordForm):
    username = StringField(
        _l("User name"), validators=[DataRequired(_l("Please enter your user name.")), Length(max=80)]
    )
    code = StringField(
        _l("Activation code"),
        validators=[DataRequired(_l("Please enter the activation code.")), Length(max=64)],
        description=_l("As on your slip or in your message, e.g. ABCD-EFGH-JKMN."),
    )


def _page(form, action: str, status: int, *, user=None, error=None, headers=None):
    page = render_template("auth/activate.html", form=form, action=action, user=user, error=error)
    return page, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", **(headers or {})}


def _throttled(exc: LoginThrottled) -> tuple[str, dict]:
    text = gettext("Too many failed tries. Please try again in %(minutes)d minutes.", **exc.params)
    return text, {"Retry-After": str(exc.retry_after)}


def _set_password(form, user, by: str, action: str):
    """Activate with the form's password; the page again with what is wrong, or on to the login page."""
    try:
        activate(user, {"new_password": form.new_password.data}, by=by)
    except InvalidPayload as exc:
        for name, msg in exc.fields.items():
            getattr(form, name, form.new_password).errors = [translate(msg)]
        return _page(form, action, 422, user=user if by == "link" else None)
    except CodeRefused as exc:
        return _page(None, action, 409, error=translate_error(exc))
    if current_user.is_authenticated and current_user.id == user.id:
        logout_user()
    flash(gettext("Your account is activated and your password set. Please log in with it."), "success")
    return redirect(url_for("auth.login"))


@bp.route("", methods=["GET", "POST"])
def by_code():
    """Activate an account with its user name and activation code, choosing one's own password."""
    form = CodeForm()
    action = url_for("activation.by_code")
    if not form.is_submitted():
        return _page(form, action, 200)
    if not form.validate():
        return _page(form, action, 422)
    address = client_address()
    username = form.username.data.strip()
    try:
        attempt = throttle.admit(f"activate:{username}", address)
    except LoginThrottled as exc:
        error, headers = _throttled(exc)
        return _page(form, action, 429, error=error, headers=headers)
    try:
        user = find_by_code(username, form.code.data)
    except CodeRefused as exc:  # the try stays counted as a failure
        return _page(form, action, 422, error=translate_error(exc))
    throttle.settle(attempt)  # the code was right: a password the policy refuses is no failed guess
    return _set_password(form, user, "code", action)


@bp.route("/<token>", methods=["GET", "POST"])
def by_link(token: str):
    """Activate an account with the link of its code, choosing one's own password."""
    form = NewPasswordForm()
    action = url_for("activation.by_link", token=token)
    address = client_address()
    if not form.is_submitted():
        try:
            throttle.check(LINK, address)
            user = find_by_link(token)
        except LoginThrottled as exc:
            error, headers = _throttled(exc)
            return _page(None, action, 429, error=error, headers=headers)
        except CodeRefused as exc:
            throttle.record(LINK, address, succeeded=False)
            return _page(None, action, 404, error=translate_error(exc))
        return _page(form, action, 200, user=user)
    try:
        attempt = throttle.admit(LINK, address)
    except LoginThrottled as exc:
        error, headers = _throttled(exc)
        return _page(None, action, 429, error=error, headers=headers)
    try:
        user = find_by_link(token)
    except CodeRefused as exc:
        return _page(None, action, 404, error=translate_error(exc))
    throttle.name_attempt(attempt, f"activate:{user.username}", succeeded=True)
    if not form.validate():
        return _page(form, action, 422, user=user)
    return _set_password(form, user, "link", action)
