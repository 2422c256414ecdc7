"""Accounts: Flask-Login set-up, the login and logout pages, login throttling, and each user's own
account pages (password, API tokens, logging out everywhere)."""

from flask_babel import gettext

from workflow.errors import N_

from .. import i18n
from ..extensions import db, login_manager
from ..models import User
from .throttle import DEFAULTS as THROTTLE_DEFAULTS

MAX_ID = 2**31 - 1
DEFAULTS = {
    **THROTTLE_DEFAULTS,
    "API_TOKENS_KEEP_DAYS": 30,  # expired or revoked tokens are purged by tick after this many days
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
}


def init_app(app) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    from . import first_login
    from .account import bp as account_bp
    from .reset_pages import bp as reset_bp
    from .routes import bp

    app.register_blueprint(bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(reset_bp)
    first_login.init_app(app)
    i18n.init_app(app)  # the layout (templates/base.html) needs the language helpers


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The active user of a session or remember cookie, as long as its sessions have not been ended
    since (User.get_id: "id:epoch"; a password change, reset or disabling raises the epoch)."""
    user_id, _, epoch = session_id.partition(":")
    if not (user_id.isdigit() and epoch.isdigit()) or int(user_id) > MAX_ID:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    return user
