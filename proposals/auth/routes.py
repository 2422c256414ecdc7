"""The login and logout pages. The home page is the task list (proposals/web/tasks.py)."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError

from ..i18n import translate_error
from . import sessions, totp
from .credentials import LoginRefused, LoginThrottled, authenticate
from .forms import LoginForm
from .throttle import client_address

bp = Blueprint("auth", __name__)


def home_url() -> str:
    """Where a user lands: a leader on the dashboard (web/tasks.py: landing), everyone else on the task list."""
    from ..web.tasks import landing

    return url_for(landing(current_user))


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site (never another host, never the login page itself), else None."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(c == "\\" or ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if parts.path in (url_for("auth.login"), url_for("auth.logout")):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log a user in, then go where they were going."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next")
    target = safe_next(form.next.data)
    form.next.data = target or ""
    if current_user.is_authenticated:
        return redirect(target or home_url())
    error, status, headers = None, 200, {}
    if request.method == "POST" and not form.validate():
        status = 400  # a field left empty, or holding what no user name does
    elif request.method == "POST":
        try:
            user = authenticate(form.username.data, form.password.data)
        except LoginThrottled as exc:
            error, status, headers = translate_error(exc), 429, {"Retry-After": str(exc.retry_after)}
        except LoginRefused as exc:
            error = translate_error(exc)
        else:
            if totp.needed(user):  # remember-me is not for these: a second factor at every login
                from .second_factor import begin as ask_second_factor

                return ask_second_factor(user, target)
            sessions.start(user, remember=form.remember.data, address=client_address())
            return redirect(target or home_url())
    return render_template("auth/login.html", form=form, error=error), status, headers


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """Log out (POST); a plain link (GET) asks first, so no other site can log anyone out."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if request.method == "POST":
        from .provider_pages import logout_target

        at_provider = logout_target()  # a provider's login: log out there too, where it offers that
        sessions.end_current()
        logout_user()
        flash(gettext("You have logged out."), "success")
        return redirect(at_provider or url_for("auth.login"))
    return render_template("auth/logout.html")


@bp.route("/home")
def index():
    """The old address of the home page: the task list at / is home now."""
    return redirect(home_url())


@bp.errorhandler(CSRFError)
def form_expired(exc):
    """A login or logout form left open too long: say so and show the page again."""
    flash(gettext("The form had expired. Please try again."), "warning")
    if request.endpoint == "auth.login":
        return redirect(url_for("auth.login", next=safe_next(request.form.get("next"))))
    return redirect(home_url())
