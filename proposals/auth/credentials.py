"""Checking a user name and password: the one check behind the login page and the API's token login."""

from functools import cache

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from workflow import WorkflowError
from workflow.errors import N_

from .. import directory
from ..directory import login as directory_login
from ..directory.accounts import is_directory_user
from ..directory.login import DirectoryRefused, DirectoryUnavailable
from ..extensions import db
from ..models import User
from ..operations import audit
from . import throttle
from .throttle import LoginThrottled

__all__ = ["DirectoryDown", "LoginRefused", "LoginThrottled", "authenticate"]


class LoginRefused(WorkflowError):
    """Wrong credentials, or a disabled account. Nothing tells which user names exist."""

    code = "login_refused"


class DirectoryDown(LoginRefused):
    """The company directory could not be asked, and the account has no local password to fall back on."""

    code = "directory_unavailable"


@cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash("decoy password", method=method)


def authenticate(username: str, password: str, address: str | None = None) -> User:
    """Return the active user with these credentials, or raise LoginRefused; raise LoginThrottled,
    without looking at the password, after too many failures for this user name or from this address.
    With a company directory configured, a user name linked to it, or unknown here, is checked there
    (proposals/directory/login.py); local accounts only ever by their local password."""
    address = address or throttle.client_address()
    username = (username or "").strip()
    attempt = throttle.admit(username, address)
    user = db.session.scalar(select(User).where(User.username == username))
    if directory.enabled() and (user is None or is_directory_user(user)):
        found = _directory_sign_in(username, password, attempt, user)
        if found is not None:
            return _active(found, attempt)
    if user is None or not user.has_password:
        # answer as slowly as for a real user, so the timing tells no user names (nor who has no local password)
        check_password_hash(_decoy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")), password)
        raise LoginRefused(N_("Wrong user name or password."))
    if not user.check_password(password):
        raise LoginRefused(N_("Wrong user name or password."))
    return _active(user, attempt)


def _active(user: User, attempt: int) -> User:
    throttle.settle(attempt)  # commits what the directory's sign-in changed, too
    if not user.active:
        raise LoginRefused(N_("This account is disabled. Please contact the union office."))
    return user


def _directory_sign_in(username: str, password: str, attempt: int, user: User | None) -> User | None:
    """The account the company directory signs in, or None (then the local password is checked: a directory
    user may have one too, from an administrator). A directory that cannot be asked refuses only those
    who have no local password, and its failure does not count against them in the throttle."""
    try:
        return directory_login.sign_in(username, password)
    except DirectoryRefused as exc:
        db.session.rollback()
        throttle.settle(attempt)  # the password was right
        raise LoginRefused(exc.message, **exc.params) from None
    except DirectoryUnavailable as exc:
        db.session.rollback()
        current_app.logger.warning("company directory unavailable at sign-in: %s", exc)
        if user is not None and user.has_password:
            return None
        throttle.withdraw(attempt)
        audit.record("login.directory_unavailable", details={"username": username[:80]})
        db.session.commit()
        raise DirectoryDown(directory_login.UNAVAILABLE) from None
