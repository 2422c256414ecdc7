"""How long the records of who did what are kept (等保2.0: at least 180 days), and their purge by tick.

The administrative log (audit_entries), the login attempts and the ended logins are kept
AUDIT_KEEP_DAYS and LOGIN_ATTEMPTS_KEEP_DAYS; a setting below MIN_KEEP_DAYS is raised to it, said
in the log at start. Dead API tokens are credentials, not records: kept API_TOKENS_KEEP_DAYS.

A purge counts from the earlier of the moment given and the real present, so replaying a day in the
future (`tick --now`) never deletes what is still kept, or still valid, today.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete

from ..auth import reset, sessions, throttle
from ..extensions import db
from ..models import AuditEntry
from ..operations import clock
from ..operations.accounts import purge_tokens
from ..operations.unit import unit_of_work

MIN_KEEP_DAYS = 180
DEFAULTS = {"AUDIT_KEEP_DAYS": 3 * 365}
KEPT = ("AUDIT_KEEP_DAYS", "LOGIN_ATTEMPTS_KEEP_DAYS")


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    for key in KEPT:
        if keep_days(app.config, key) > float(app.config[key]):
            app.logger.warning(
                "%s = %s is less than the %d days the records must be kept: %d days it is",
                key,
                app.config[key],
                MIN_KEEP_DAYS,
                MIN_KEEP_DAYS,
            )
            app.config[key] = MIN_KEEP_DAYS


def keep_days(config, key: str) -> float:
    try:
        days = float(config[key])
    except (TypeError, ValueError):
        days = 0.0
    return max(float(MIN_KEEP_DAYS), days)


@dataclass
class Purged:
    audit_entries: int = 0
    login_attempts: int = 0
    login_sessions: int = 0
    api_tokens: int = 0
    reset_links: int = 0  # forgotten-password links that ended more than a day ago


def purge(now: datetime | None = None) -> Purged:
    """Delete the records older than kept, and the API tokens dead for longer than kept: one unit of work."""
    moment = min(now or clock.utcnow(), clock.utcnow())
    config = current_app.config
    audit_cutoff = moment - timedelta(days=keep_days(config, "AUDIT_KEEP_DAYS"))
    login_cutoff = moment - timedelta(days=keep_days(config, "LOGIN_ATTEMPTS_KEEP_DAYS"))
    with unit_of_work():
        purged = Purged(
            audit_entries=db.session.execute(delete(AuditEntry).where(AuditEntry.at < audit_cutoff)).rowcount,
            login_attempts=throttle.purge(login_cutoff),
            login_sessions=sessions.purge(login_cutoff),
        )
        purged.api_tokens = purge_tokens(moment)
        purged.reset_links = reset.purge(moment)
    return purged
