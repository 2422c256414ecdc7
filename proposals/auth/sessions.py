"""Server-side login sessions: each login is a row (models.LoginSession) named by a random key that the
session cookie and the remember cookie carry, checked on every request.

So logging out ends that login for every copy of its cookies, and a login unused for longer than its
idle limit (30 minutes for union administrators, 8 hours for everyone else, by default) ends by
itself. The user's session epoch still ends all of a user's logins at once (password change or
reset, disabling, "log out everywhere"): the id Flask-Login keeps is "user id:epoch:key".
The remember-me cookie keeps a login across the browser's restarts, within the same idle limit.
"""

import secrets
from datetime import datetime, timedelta

from flask import current_app, flash, session
from flask_babel import gettext
from flask_login import login_user
from sqlalchemy import delete, or_, select, update

from ..extensions import db
from ..models import LoginSession, User
from ..models.login_session import session_digest
from ..operations import clock
from ..operations.unit import finish
from . import totp

DEFAULTS = {
    "SESSION_IDLE_MINUTES": 8 * 60,  # a login unused this long ends
    "SESSION_IDLE_MINUTES_UNION_ADMIN": 30,  # ... for union administrators (等保 level 3)
    "SESSION_TOUCH_SECONDS": 60,  # how often a login's last use is written (not on every request)
}
MAX_ID = 2**31 - 1
KEY_ATTRIBUTE = "login_session_key"  # set on the User object a request is made by
SECOND_FACTOR_ATTRIBUTE = "login_second_factor"  # ... and whether its login passed a second factor


def idle_limit(user: User) -> timedelta:
    config = current_app.config
    if user.has_role("union_admin"):
        return timedelta(minutes=float(config["SESSION_IDLE_MINUTES_UNION_ADMIN"]))
    return timedelta(minutes=float(config["SESSION_IDLE_MINUTES"]))


def start(user: User, *, remember: bool = False, second_factor: bool = False, address: str | None = None) -> bool:
    """Log `user` in on this browser as a new server-side session (committed)."""
    now = clock.utcnow()
    key = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user.id,
            key_hash=session_digest(key),
            created_at=now,
            last_seen_at=now,
            remember=remember,
            second_factor=second_factor,
            address=address,
        )
    )
    finish()
    setattr(user, KEY_ATTRIBUTE, key)
    setattr(user, SECOND_FACTOR_ATTRIBUTE, second_factor)
    return login_user(user, remember=remember)


def load(session_id: str) -> User | None:
    """Flask-Login's user loader: the active user of a live session (by cookie), else None."""
    user_id, _, rest = session_id.partition(":")
    epoch, _, key = rest.partition(":")
    if not (user_id.isdigit() and epoch.isdigit() and key) or int(user_id) > MAX_ID:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_epoch != int(epoch):
        return None
    row = db.session.scalar(select(LoginSession).where(LoginSession.key_hash == session_digest(key)))
    if row is None or row.user_id != user.id or row.ended_at is not None:
        return None
    now = clock.utcnow()
    if row.remember and totp.needed(user):  # a second factor is asked at every login: none is remembered
        _end(row.id, now)
        return None
    if now - row.last_seen_at > idle_limit(user):
        _end(row.id, now)
        flash(gettext("You were logged out because you had not used the site for a while."), "info")
        return None
    if (now - row.last_seen_at).total_seconds() >= float(current_app.config["SESSION_TOUCH_SECONDS"]):
        db.session.execute(update(LoginSession).where(LoginSession.id == row.id).values(last_seen_at=now))
        finish()
    setattr(user, KEY_ATTRIBUTE, key)
    setattr(user, SECOND_FACTOR_ATTRIBUTE, row.second_factor)
    return user


def end_current() -> None:
    """End the login this request was made in (its session and remember cookies stop working)."""
    key = current_key()
    if key:
        row_id = db.session.scalar(select(LoginSession.id).where(LoginSession.key_hash == session_digest(key)))
        if row_id is not None:
            _end(row_id, clock.utcnow())


def mark_second_factor() -> None:
    """Record that this request's login has now passed a second factor (it was just set up in it)."""
    key = current_key()
    if key:
        stmt = update(LoginSession).where(LoginSession.key_hash == session_digest(key)).values(second_factor=True)
        db.session.execute(stmt)
        finish()


def current_key() -> str | None:
    return session.get("_user_id", "").partition(":")[2].partition(":")[2] or None


def _end(row_id: int, now: datetime) -> None:
    db.session.execute(
        update(LoginSession).where(LoginSession.id == row_id, LoginSession.ended_at.is_(None)).values(ended_at=now)
    )
    finish()


def purge(cutoff: datetime) -> int:
    """Delete the sessions ended, or last used, before `cutoff` (not committed); return how many."""
    stmt = delete(LoginSession).where(or_(LoginSession.ended_at < cutoff, LoginSession.last_seen_at < cutoff))
    return db.session.execute(stmt).rowcount
