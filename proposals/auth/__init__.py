"""Accounts: Flask-Login set-up, the login and logout pages, login throttling, and each user's own
account pages (password, API tokens, logging out everywhere)."""

from flask_babel import gettext

from workflow.errors import N_

from .. import i18n
from ..extensions import login_manager
from ..models import User
from ..operations.tokens import DEFAULTS as TOKEN_DEFAULTS
from . import sessions, totp
from .throttle import DEFAULTS as THROTTLE_DEFAULTS

DEFAULTS = {
    **THROTTLE_DEFAULTS,
    **sessions.DEFAULTS,
    **TOKEN_DEFAULTS,
    **totp.DEFAULTS,
    "ACTIVATION_CODE_DAYS": 14,  # how long an activation code works (proposals/auth/activation.py)
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
    from .. import outbound
    from . import (
        first_login,
        notification_settings,  # noqa: F401  (its view, on the account blueprint)
        provider_pages,
        providers,
        second_factor,  # noqa: F401  (its views, on the two blueprints)
    )
    from .account import bp as account_bp
    from .reset_pages import bp as reset_bp
    from .routes import bp

    app.register_blueprint(bp)
    app.register_blueprint(account_bp)
    from ..closure import retention

    retention.init_app(app)
    app.register_blueprint(reset_bp)
    from .activation_pages import bp as activation_bp

    app.register_blueprint(activation_bp)
    first_login.init_app(app)
    outbound.init_app(app)
    providers.init_app(app)  # the configured sign-in providers (OIDC_PROVIDERS)
    provider_pages.init_app(app)
    i18n.init_app(app)  # the layout (templates/base.html) needs the language helpers


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The active user of a live login (proposals/auth/sessions.py): its session or remember cookie
    names a login not ended, not idle too long, under the user's present session epoch (User.get_id)."""
    return sessions.load(session_id)
