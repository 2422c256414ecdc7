"""Accounts: Flask-Login set-up, and the login and logout pages."""

from flask_babel import gettext

from workflow.errors import N_

from .. import i18n
from ..extensions import db, login_manager
from ..models import User


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = N_("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    from .routes import bp

    app.register_blueprint(bp)
    i18n.init_app(app)  # the layout (templates/base.html) needs the language helpers


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None
