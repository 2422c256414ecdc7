"""Login throttling (登录限制): too many failed password checks for one user name, or from one address,
and further attempts are refused for a while WITHOUT checking the password.

The count lives in the database (models.LoginAttempt), so every process and host serving the same
database shares it. A user name is counted whether or not an account has it, so a refusal tells
nothing about which accounts exist. A successful login clears the failures of its user name (not of
its address: one right guess among many from one address should not reset that address).
Processes racing may each let one more attempt through than the limit; no more.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import delete, func, select

from workflow import WorkflowError
from workflow.errors import N_

from ..extensions import db
from ..models import LoginAttempt
from ..operations import clock

# settings of the application (instance/config.py may change them)
DEFAULTS = {
    "LOGIN_FAILURES_PER_ACCOUNT": 5,  # failures for one user name within the window ...
    "LOGIN_FAILURES_PER_ADDRESS": 20,  # ... or from one address, and the next attempts wait
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "LOGIN_ATTEMPTS_KEEP_DAYS": 7,  # kept this long for whoever looks into an attack, then purged by tick
}


class LoginThrottled(WorkflowError):
    """Too many failed logins: come back after `retry_after` seconds."""

    code = "login_throttled"

    def __init__(self, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            N_("Too many failed logins. Please try again in %(minutes)d minutes."),
            minutes=minutes,
        )
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int
    window: timedelta

    @classmethod
    def from_config(cls) -> "Limits":
        config = current_app.config
        return cls(
            per_account=int(config["LOGIN_FAILURES_PER_ACCOUNT"]),
            per_address=int(config["LOGIN_FAILURES_PER_ADDRESS"]),
            window=timedelta(minutes=float(config["LOGIN_FAILURE_WINDOW_MINUTES"])),
        )


def client_address() -> str:
    """The caller's address: request.remote_addr, which is the client's own once ProxyFix trusts the proxy."""
    return (request.remote_addr or "unknown")[:64]


def _normalised(username: str) -> str:
    return (username or "").strip()[:80]


def check(username: str, address: str, now: datetime | None = None) -> None:
    """Raise LoginThrottled when this user name or this address has failed too often lately."""
    now = now or clock.utcnow()
    limits = Limits.from_config()
    since = now - limits.window
    username = _normalised(username)
    last_success = (
        select(func.max(LoginAttempt.at))
        .where(LoginAttempt.username == username, LoginAttempt.succeeded)
        .scalar_subquery()
    )
    by_account = (
        LoginAttempt.username == username,
        ~LoginAttempt.succeeded,
        LoginAttempt.at > since,
        LoginAttempt.at > func.coalesce(last_success, since),
    )
    by_address = (LoginAttempt.address == address, ~LoginAttempt.succeeded, LoginAttempt.at > since)
    waits = [
        _wait(conditions, limit, limits.window, now)
        for conditions, limit in ((by_account, limits.per_account), (by_address, limits.per_address))
    ]
    longest = max(waits)
    if longest > 0:
        raise LoginThrottled(longest)


def _wait(conditions, limit: int, window: timedelta, now: datetime) -> int:
    """Seconds until fewer than `limit` failures matching `conditions` remain in the window; 0: no wait."""
    if limit <= 0:
        return 0
    # the limit-th most recent failure: once it leaves the window, fewer than `limit` are left in it
    stmt = select(LoginAttempt.at).where(*conditions).order_by(LoginAttempt.at.desc()).offset(limit - 1).limit(1)
    oldest_counted = db.session.scalar(stmt)
    if oldest_counted is None:
        return 0
    return max(1, math.ceil((oldest_counted + window - now).total_seconds()))


def record(username: str, address: str, succeeded: bool, now: datetime | None = None) -> None:
    """Record a password check (committed at once: the count must hold whatever the request does next)."""
    db.session.add(
        LoginAttempt(username=_normalised(username), address=address, succeeded=succeeded, at=now or clock.utcnow())
    )
    db.session.commit()


def purge(now: datetime | None = None) -> int:
    """Delete the attempts older than LOGIN_ATTEMPTS_KEEP_DAYS (and than the window: older ones count for
    nothing); return how many."""
    now = now or clock.utcnow()
    keep = max(Limits.from_config().window, timedelta(days=float(current_app.config["LOGIN_ATTEMPTS_KEEP_DAYS"])))
    cutoff = now - keep
    result = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
    db.session.commit()
    return result.rowcount
