"""A user's own account (我的账号): changing the password, ending sessions, the API tokens.

Shared by the account pages (proposals/auth/account.py) and the API (/me/password).
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from workflow import InvalidPayload
from workflow.errors import N_
from workflow.payload import Line, message, validate

from ..auth import passwords, throttle
from ..extensions import db
from ..models import ApiToken, User
from . import audit, clock
from .errors import NotFound
from .unit import finish

PASSWORD_CHANGE = {
    "current_password": Line(required=True, max_length=200),
    "new_password": Line(required=True, max_length=200),
}


def new_password_problems(user: User, password: str) -> list:
    """What is wrong with `password` as the new password of `user`: the password policy
    (proposals/auth/passwords.py), the rule of every place a password is set."""
    return passwords.problems(password, user.username, (user.name, user.email))


def change_password(user: User, data, address: str, *, keep_token: ApiToken | None = None) -> User:
    """Change one's own password, given the present one. Every other session of the user ends and
    every API token is revoked (but `keep_token`, the one the request came with); the caller keeps
    its own session by logging in again (see proposals/auth/account.py).

    A wrong present password counts as a failed login for the user name (proposals/auth/throttle.py),
    so a stolen session cannot be used to guess it; too many, and the check is refused unmade."""
    clean = validate(PASSWORD_CHANGE, data)
    throttle.check(user.username, address)
    if not user.check_password(clean["current_password"]):
        throttle.record(user.username, address, succeeded=False)
        raise InvalidPayload({"current_password": message(N_("This is not your present password."))})
    errors = {}
    problems = new_password_problems(user, clean["new_password"])
    if problems:
        errors["new_password"] = problems[0]
    elif clean["new_password"] == clean["current_password"]:
        errors["new_password"] = message(N_("The new password must differ from the present one."))
    if errors:
        raise InvalidPayload(errors)
    was_initial = user.must_change_password
    user.set_password(clean["new_password"])
    user.must_change_password = False
    user.end_sessions()
    revoke_all_tokens(user, keep=keep_token)
    audit.record("user.password_change", user, {"initial": was_initial}, actor=user)
    finish()
    return user


def log_out_everywhere(user: User) -> User:
    """End every session of the user on every device, this one too, and revoke every API token."""
    user.end_sessions()
    revoke_all_tokens(user)
    finish()
    return user


def revoke_all_tokens(user: User, *, keep: ApiToken | None = None, now: datetime | None = None) -> int:
    """Revoke the user's live tokens but `keep` (not committed); return how many."""
    now = now or clock.utcnow()
    stmt = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now)
    if keep is not None:
        stmt = stmt.where(ApiToken.id != keep.id)
    tokens = list(db.session.scalars(stmt))
    for token in tokens:
        token.revoke(now)
    return len(tokens)


def tokens_of(user: User) -> list[ApiToken]:
    """The user's API tokens, newest first (expired and revoked ones too, until tick purges them)."""
    stmt = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(db.session.scalars(stmt))


def revoke_token(user: User, token_id: int, *, now: datetime | None = None) -> ApiToken:
    """Revoke one of the user's own tokens; revoking it again changes nothing. Another's token: NotFound."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(N_("No such API token."))
    if token.revoked_at is None:
        token.revoke(now or clock.utcnow())
        finish()
    return token


def purge_tokens(now: datetime | None = None) -> int:
    """Delete the tokens expired or revoked more than API_TOKENS_KEEP_DAYS ago (they can never work
    again; they are kept a while so their owners see what ended); return how many. Counted from the
    real present when `now` is later (a replayed day): a token valid today is never deleted."""
    now = min(now or clock.utcnow(), clock.utcnow())
    cutoff = now - timedelta(days=float(current_app.config["API_TOKENS_KEEP_DAYS"]))
    result = db.session.execute(delete(ApiToken).where(or_(ApiToken.expires_at < cutoff, ApiToken.revoked_at < cutoff)))
    finish()
    return result.rowcount
