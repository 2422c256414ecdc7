"""Login throttling (登录限制): too many failed password checks for one user name, or from one address,
and further attempts are refused for a while WITHOUT checking the password.

The count lives in the database (models.LoginAttempt), so every process and host serving the same
database shares it. A user name is counted whether or not an account has it, so a refusal tells
nothing about which accounts exist. A successful login clears the failures of its user name (not of
its address: one right guess among many from one address should not reset that address).

A locked user name is locked for the addresses its failures came from: the owner, at an address
that has not been failing for that name, can still log in, so nobody can lock another out by typing
wrong passwords for them (the per-address limit still bounds what any one address may try).

Checking the count and recording the attempt are one locked step (`admit`): a transaction-scoped
advisory lock per user name and per address on PostgreSQL, the database's write lock on SQLite,
so parallel requests, in any number of processes, cannot all slip under the limit. The attempt is
recorded as a failure before the password is checked, and turned into a success after (`settle`).
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, request
from sqlalchemy import delete, exists, func, select, text, update

from workflow import WorkflowError
from workflow.errors import N_

from ..extensions import db
from ..models import LoginAttempt
from ..operations import clock
from ..operations.locks import sqlite_write_lock

# settings of the application (instance/config.py may change them)
DEFAULTS = {
    "LOGIN_FAILURES_PER_ACCOUNT": 5,  # failures for one user name within the window ...
    "LOGIN_FAILURES_PER_ADDRESS": 20,  # ... or from one address, and the next attempts wait
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "LOGIN_ATTEMPTS_KEEP_DAYS": 180,  # kept this long (never less: proposals/auth/retention.py), then purged
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
    account_wait = _wait(by_account, limits.per_account, limits.window, now)
    if account_wait and not db.session.scalar(select(exists().where(*by_account, LoginAttempt.address == address))):
        account_wait = 0  # the name is locked for the addresses that failed for it, not for its owner elsewhere
    longest = max(account_wait, _wait(by_address, limits.per_address, limits.window, now))
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


def admit(username: str, address: str, now: datetime | None = None) -> int:
    """Check the limits and record the attempt as a failure, in one locked step (committed); return the
    attempt's id, for `settle`. Raise LoginThrottled (nothing recorded) when over a limit."""
    now = now or clock.utcnow()
    username = _normalised(username)
    _lock(f"name:{username}", f"address:{address}")
    try:
        check(username, address, now)
    except LoginThrottled:
        db.session.rollback()
        raise
    attempt = LoginAttempt(username=username, address=address, succeeded=False, at=now)
    db.session.add(attempt)
    db.session.commit()
    return attempt.id


def settle(attempt_id: int) -> None:
    """Record that the admitted attempt had the right password (committed)."""
    db.session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(succeeded=True))
    db.session.commit()


def withdraw(attempt_id: int) -> None:
    """Forget the admitted attempt (committed): nothing was checked, e.g. the company directory was down."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
    db.session.commit()


def admit_address(label: str, address: str, now: datetime | None = None) -> int:
    """For a sign-in that names nobody until it is done (a sign-in provider's answer): check the limit of
    this address alone and record the attempt under `label` as a failure, in one locked step (committed).
    Raise LoginThrottled (nothing recorded) when the address has failed too often lately."""
    now = now or clock.utcnow()
    limits = Limits.from_config()
    _lock(f"address:{address}")
    by_address = (LoginAttempt.address == address, ~LoginAttempt.succeeded, LoginAttempt.at > now - limits.window)
    wait = _wait(by_address, limits.per_address, limits.window, now)
    if wait > 0:
        db.session.rollback()
        raise LoginThrottled(wait)
    attempt = LoginAttempt(username=_normalised(label), address=address, succeeded=False, at=now)
    db.session.add(attempt)
    db.session.commit()
    return attempt.id


def name_attempt(attempt_id: int, username: str, succeeded: bool = False) -> None:
    """Give an attempt admitted by `admit_address` the name it turned out to be for (committed): the user
    name of the account it logged in (succeeded), or the provider's name of the person it refused."""
    values = {"username": _normalised(username), "succeeded": succeeded}
    db.session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(**values))
    db.session.commit()


LOCK_NAMESPACE = 73501  # the first key of the advisory locks taken here


def _lock(*keys: str) -> None:
    """Begin a transaction holding the locks of `keys` until it ends."""
    db.session.commit()  # whatever was open: the lock must be the first thing of its transaction
    # SQLite: the database's write lock (a write of no row will do); PostgreSQL: an advisory lock per key
    if not sqlite_write_lock(LoginAttempt.__table__, 0):
        for key in sorted(keys):  # in one order everywhere: no deadlock
            lock = text("SELECT pg_advisory_xact_lock(:ns, hashtext(:key))")
            db.session.execute(lock, {"ns": LOCK_NAMESPACE, "key": key})


def purge(cutoff: datetime) -> int:
    """Delete the attempts older than `cutoff` (not committed); return how many."""
    return db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff)).rowcount
