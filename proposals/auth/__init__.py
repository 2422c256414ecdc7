"""Accounts: Flask-Login set-up and the login and logout pages."""

from ..extensions import db, login_manager
from ..models import User


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    from .routes import bp

    app.register_blueprint(bp)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None
