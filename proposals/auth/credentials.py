"""Checking a user name and password: the one check behind the login page and the API's token login."""

from functools import cache

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from workflow import WorkflowError
from workflow.errors import N_

from ..extensions import db
from ..models import User
from . import throttle
from .throttle import LoginThrottled

__all__ = ["LoginRefused", "LoginThrottled", "authenticate"]


class LoginRefused(WorkflowError):
    """Wrong credentials, or a disabled account. Nothing tells which user names exist."""

    code = "login_refused"


@cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash("decoy password", method=method)


def authenticate(username: str, password: str, address: str | None = None) -> User:
    """Return the active user with these credentials, or raise LoginRefused; raise LoginThrottled,
    without looking at the password, after too many failures for this user name or from this address."""
    address = address or throttle.client_address()
    username = (username or "").strip()
    attempt = throttle.admit(username, address)
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.has_password:
        # answer as slowly as for a real user, so the timing tells no user names (nor who has no local password)
        check_password_hash(_decoy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")), password)
        raise LoginRefused(N_("Wrong user name or password."))
    if not user.check_password(password):
        raise LoginRefused(N_("Wrong user name or password."))
    throttle.settle(attempt)
    if not user.active:
        raise LoginRefused(N_("This account is disabled. Please contact the union office."))
    return user
