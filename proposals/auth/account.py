"""Each user's own account pages: change the password, see and revoke the API tokens (我的访问令牌),
log out on every device."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME

from workflow import InvalidPayload

from ..i18n import translate, translate_error
from ..operations import NotFound
from ..operations.accounts import change_password, log_out_everywhere, revoke_token, tokens_of
from ..operations.clock import utcnow
from .forms import PasswordChangeForm
from .throttle import LoginThrottled, client_address

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    """Change one's password; one's other sessions end and one's API tokens are revoked."""
    form = PasswordChangeForm()
    status = 422 if form.is_submitted() else 200  # what follows a successful change is a redirect
    initial = current_user.must_change_password  # an initial password: home once it is changed
    if form.validate_on_submit():
        data = {"current_password": form.current_password.data, "new_password": form.new_password.data}
        try:
            change_password(current_user, data, client_address())
        except InvalidPayload as exc:
            for name, msg in exc.fields.items():
                getattr(form, name).errors = [translate(msg)]
        except LoginThrottled as exc:
            form.current_password.errors = [translate_error(exc)]
            status = 429
        else:
            _stay_logged_in()
            flash(gettext("Your password has been changed. You were logged out everywhere else."), "success")
            return redirect(url_for("tasks.index") if initial else url_for("account.password"))
    return render_template("auth/password.html", form=form, initial=current_user.must_change_password), status


def _stay_logged_in() -> None:
    """Keep this session (and its remember cookie) under the user's new session epoch."""
    remembered = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)) is not None
    login_user(current_user._get_current_object(), remember=remembered)


@bp.get("/tokens")
@login_required
def tokens():
    """The user's API tokens, live ones first, with a button to revoke each."""
    return render_template("auth/tokens.html", tokens=tokens_of(current_user), now=utcnow())


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of one's own API tokens."""
    try:
        revoke_token(current_user, token_id)
    except NotFound:
        abort(404)
    flash(gettext("The API token has been revoked."), "success")
    return redirect(url_for("account.tokens"))


@bp.post("/logout-everywhere")
@login_required
def logout_everywhere():
    """Log out on every device, this one too, and revoke every API token."""
    log_out_everywhere(current_user)
    logout_user()
    flash(gettext("You have logged out on every device, and your API tokens were revoked."), "success")
    return redirect(url_for("auth.login"))
