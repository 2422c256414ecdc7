"""The pages of the second factor: the login step after the password (/login/second-factor, where a
user whose role requires it and who has none yet enrols), the account page to set it up or turn it
off (/account/second-factor), and making an API token on the tokens page (a password alone does not
give one to an account with a second factor: see proposals/api/auth.py).

Between the password and the second factor, the signed session cookie holds who passed the password,
under which session epoch, and when: for SECOND_FACTOR_PENDING_MINUTES, then the password is asked again.
"""

from datetime import datetime, timedelta

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from workflow import InvalidPayload

from ..extensions import db
from ..i18n import translate, translate_error
from ..models import User
from ..operations import clock
from ..operations.accounts import tokens_of
from ..operations.tokens import issue_api_token
from . import sessions, throttle, totp
from .account import bp as account_bp
from .routes import bp as auth_bp
from .routes import home_url, safe_next
from .throttle import LoginThrottled, client_address

PENDING = "second_factor_pending"


class CodeForm(FlaskForm):
    code = StringField(
        _l("Verification code"),
        validators=[DataRequired(_l("Please enter the code.")), Length(max=40)],
        description=_l("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )


def throttle_name(user: User) -> str:
    """The name second-factor codes are counted under: apart from the password's, so that the right
    password, which clears the password's failures, does not clear the codes' too."""
    return f"2fa:{user.username}"


def begin(user: User, target: str | None):
    """After the right password of a user who needs a second factor: ask for it (or enrol)."""
    if not totp.enabled(user):
        totp.begin(user)
    session[PENDING] = {
        "user": user.id,
        "epoch": user.session_epoch,
        "next": target or "",
        "at": clock.utcnow().isoformat(),
    }
    return redirect(url_for("auth.second_factor"))


def _pending() -> tuple[User | None, str | None]:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None, None
    try:
        started = datetime.fromisoformat(pending["at"])
        user = db.session.get(User, int(pending["user"]))
    except (KeyError, TypeError, ValueError):
        return None, None
    minutes = float(current_app.config["SECOND_FACTOR_PENDING_MINUTES"])
    if user is None or not user.active or user.session_epoch != pending.get("epoch"):
        return None, None
    if clock.utcnow() - started > timedelta(minutes=minutes):
        return None, None
    return user, safe_next(pending.get("next"))


def _checked_code(user: User, check):
    """Run check() under the login throttle of the user's codes: (result, error, status)."""
    try:
        attempt = throttle.admit(throttle_name(user), client_address())
    except LoginThrottled as exc:
        return None, translate_error(exc), 429
    try:
        result = check()
    except InvalidPayload as exc:
        return None, translate(exc.fields["code"]), 422
    if result is None:
        return None, gettext("This code is not right. Enter the code the app shows now."), 422
    throttle.settle(attempt)
    return result, None, 200


@auth_bp.route("/login/second-factor", methods=["GET", "POST"])
def second_factor():
    """The second step of a login: a code from the app, or a recovery code (or, first, enrolment)."""
    user, target = _pending()
    if user is None:
        session.pop(PENDING, None)
        flash(gettext("Please log in again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    enrolling = not totp.enabled(user)
    error, status = None, 200
    if form.validate_on_submit():
        if enrolling:
            codes, error, status = _checked_code(user, lambda: totp.confirm(user, form.code.data))
        else:
            how, error, status = _checked_code(user, lambda: totp.verify(user, form.code.data))
        if error is None:
            session.pop(PENDING, None)
            sessions.start(user, remember=False, second_factor=True, address=client_address())
            if enrolling:
                return render_template("auth/recovery_codes.html", codes=codes, next=target or home_url())
            if how == "recovery":
                left = totp.recovery_codes_left(user)
                flash(gettext("You logged in with a recovery code; %(left)d are left.", left=left), "warning")
            return redirect(target or home_url())
        form.code.errors = [error]
    elif form.is_submitted():
        status = 422
    return render_template(
        "auth/second_factor_login.html", form=form, error=error, **_enrolment(user, enrolling)
    ), status


def _enrolment(user: User, enrolling: bool) -> dict:
    if not enrolling:
        return {"enrolling": False}
    factor = totp.factor_of(user)
    if factor is None:
        return {"enrolling": True, "qr": None}
    uri = totp.provisioning_uri(user, factor)
    return {
        "enrolling": True,
        "qr": totp.qr_svg(uri, gettext("QR code for your authenticator app")),
        "secret": totp.grouped(factor.secret),
        "uri": uri,
    }


# -- the account page ------------------------------------------------------------------------------


@account_bp.get("/second-factor")
@login_required
def second_factor_page(form: CodeForm | None = None, error: str | None = None, status: int = 200):
    """The user's second factor: set it up, or turn it off."""
    user = current_user._get_current_object()
    factor = totp.factor_of(user)
    form = form or CodeForm()
    if error:
        form.code.errors = [error]
    context = {
        "form": form,
        "on": factor is not None and factor.confirmed_at is not None,
        "pending": factor is not None and factor.confirmed_at is None,
        "required": totp.required(user),
        "left": totp.recovery_codes_left(user),
    }
    if context["pending"]:
        context |= _enrolment(user, True)
    return render_template("auth/second_factor.html", **context), status


@account_bp.post("/second-factor/setup")
@login_required
def second_factor_setup():
    """Make a new secret to scan (one in force is left as it is)."""
    totp.begin(current_user._get_current_object())
    return redirect(url_for("account.second_factor_page"))


@account_bp.post("/second-factor/confirm")
@login_required
def second_factor_confirm():
    """Put the new secret in force with a first code; show the recovery codes once."""
    user = current_user._get_current_object()
    form = CodeForm()
    if not form.validate_on_submit():
        return second_factor_page(form, status=422)
    try:
        codes = totp.confirm(user, form.code.data)
    except InvalidPayload as exc:
        return second_factor_page(form, translate(exc.fields["code"]), 422)
    sessions.mark_second_factor()
    return render_template("auth/recovery_codes.html", codes=codes, next=url_for("account.second_factor_page"))


@account_bp.post("/second-factor/disable")
@login_required
def second_factor_disable():
    """Turn the second factor off, given a code of it."""
    user = current_user._get_current_object()
    form = CodeForm()
    if not form.validate_on_submit():
        return second_factor_page(form, status=422)
    if totp.required(user):
        return second_factor_page(form, gettext("Your role requires a second factor: it cannot be turned off."), 422)
    _, error, status = _checked_code(user, lambda: totp.disable(user, form.code.data) or True)
    if error is not None:
        return second_factor_page(form, error, status)
    flash(gettext("The second factor is turned off."), "success")
    return redirect(url_for("account.second_factor_page"))


@account_bp.post("/tokens/new")
@login_required
def new_token():
    """Make an API token and show it once (an account with a second factor: only in a login that passed it)."""
    user = current_user._get_current_object()
    if totp.needed(user) and not getattr(user, sessions.SECOND_FACTOR_ATTRIBUTE, False):
        abort(403)
    token, secret = issue_api_token(user)
    page = render_template(
        "auth/tokens.html", tokens=tokens_of(user), now=clock.utcnow(), new_secret=secret, new_token=token
    )
    return page
