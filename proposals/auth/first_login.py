"""Initial passwords (初始密码): an account whose password the system generated, or an administrator marked
so, must choose its own at the first login. Until then every page but the password change and logging
out sends it to the change page; the API gives it no token (proposals/api/auth.py)."""

from flask import redirect, request, url_for
from flask_babel import gettext
from flask_login import current_user

from workflow.errors import N_

from ..routing import is_api_request

# what a user with an initial password may still open
ALLOWED = frozenset({"account.password", "auth.logout", "account.logout_everywhere", "static"})
API_REFUSAL = N_("This account has an initial password. Log in on the web page and change it first.")


def init_app(app) -> None:
    app.before_request(require_own_password)


def require_own_password():
    """Send a logged-in user with an initial password to the change page (the API has its own check)."""
    if request.endpoint in ALLOWED or is_api_request():
        return None
    if not (current_user.is_authenticated and current_user.must_change_password):
        return None
    return redirect(url_for("account.password"), 303 if request.method != "GET" else 302)


def notice() -> str:
    return gettext("Your password is an initial one. Please choose your own password to continue.")
