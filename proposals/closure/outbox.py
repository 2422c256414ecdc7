"""The email outbox: notifications waiting to be mailed, claimed, sent, retried; none lost, none knowingly sent twice.

A notification's `email_state` goes:
  pending  --claim-->  sending  --delivered-->  sent
                          |---refused for now (4xx, no connection)--> pending again at next_attempt_at,
                          |                                           or failed after MAIL_MAX_ATTEMPTS
                          |---refused for good (5xx)----------------> failed
                          |---user turned email off meanwhile-------> skipped
                          `---its sender stopped (CLAIM_TIMEOUT)----> pending again, or failed after the last attempt
A sender claims rows (state `sending`, `next_attempt_at` = the moment of the claim, `attempts` + 1) and
commits before it talks to the server, so no other sender takes them: on PostgreSQL with
SELECT ... FOR UPDATE SKIP LOCKED, on SQLite under the database's write lock.

A claim is a lease: a row left in `sending` by a sender that stopped (killed, machine down) is put back
to pending after CLAIM_TIMEOUT and sent again, so no message is lost. If the sender stopped after the
server accepted a message but before it recorded that, the message goes out twice: SMTP cannot tell
(delivery is "at least once"). Both copies carry the same Message-ID (see compose.py), by which mail
systems and readers recognise the second as the first.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Notification
from ..operations import clock
from ..operations.notify import wants_mail
from .compose import compose
from .mail import DeliveryError, MailConfig, Transport

BACKOFF_MINUTES = (1, 5, 30, 60)  # after the 1st, 2nd, 3rd failed attempt, then hourly
CLAIM_TIMEOUT = timedelta(hours=1)  # far longer than a batch takes, even at MAIL_TIMEOUT per message
BATCH = 20


@dataclass
class SendReport:
    disabled: bool = False  # MAIL_SERVER unset
    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0
    abandoned: int = 0  # left in `sending` by a sender that stopped, put back to be sent again
    waiting: int = 0  # still pending afterwards (due later, or not reached)
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def waiting_count() -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(Notification.email_state == "pending"))


def send_pending(now: datetime | None = None) -> SendReport:
    """Mail every notification due at `now`; commit after each one. Safe with other senders running."""
    now = now or clock.utcnow()
    config = MailConfig.from_app(current_app.config)
    report = SendReport()
    if not config.server:
        report.disabled = True
        report.waiting = waiting_count()
        return report
    report.abandoned = _retry_abandoned(now, config)
    transport = Transport(config)
    try:
        while True:
            claimed = claim(now, BATCH)
            if not claimed:
                break
            if not _send_batch(claimed, transport, config, now, report):
                break  # the server could not be reached: the rest waits for the next run
    finally:
        transport.close()
    report.waiting = waiting_count()
    return report


def claim(now: datetime, limit: int) -> list[int]:
    """Take up to `limit` due notifications for this sender and commit; return their ids."""
    due = (
        select(Notification.id)
        .where(
            Notification.email_state == "pending",
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        )
        .order_by(Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(Notification)
        # the state is checked again by the UPDATE itself: of two senders, only one wins a row
        .where(Notification.id.in_(due.scalar_subquery()), Notification.email_state == "pending")
        .values(email_state="sending", next_attempt_at=now, attempts=Notification.attempts + 1)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    )
    try:
        ids = sorted(db.session.scalars(stmt))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ids


def _send_batch(ids: list[int], transport: Transport, config: MailConfig, now: datetime, report: SendReport) -> bool:
    """Send the claimed notifications; False when the connection failed (the rest are put back)."""
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.id.in_(ids))
        .order_by(Notification.id)
        .options(selectinload(Notification.user), selectinload(Notification.proposal))
        .execution_options(populate_existing=True)
    ).all()
    attempts = {row.id: row.attempts for row in rows}
    for index, row_id in enumerate(attempts):
        try:
            row = db.session.get(Notification, row_id)
            if not (wants_mail(row.user) or _always_mailed(row)):
                _finish(row_id, "skipped", now)
                report.skipped += 1
                continue
            transport.send(compose(row, config, now))
        except DeliveryError as exc:
            report.errors.append(f"#{row_id}: {exc}")
            if exc.connection:
                for rest in list(attempts)[index:]:
                    _after_failure(rest, attempts[rest], str(exc), False, config, now, report)
                return False
            _after_failure(row_id, attempts[row_id], str(exc), exc.permanent, config, now, report)
            continue
        except Exception as exc:  # a fault of ours (a template, the database): put the rest back, loudly
            db.session.rollback()
            for rest in list(attempts)[index:]:
                _finish(rest, "pending", now, error=f"{type(exc).__name__}: {exc}"[:500], next_attempt_at=now)
            raise
        _finish(row_id, "sent", now)
        report.sent += 1
    return True


def _always_mailed(row: Notification) -> bool:
    """A forgotten-password link goes out whatever the user's notification setting: it was asked for."""
    return row.event == "password_reset" and bool(row.user.active and row.user.email)


def _after_failure(row_id, attempts, error, permanent, config, now, report) -> None:
    if permanent or attempts >= config.max_attempts:
        _finish(row_id, "failed", now, error=error)
        report.failed += 1
    else:
        _finish(row_id, "pending", now, error=error, next_attempt_at=now + backoff(attempts))
        report.retry += 1


def _finish(row_id: int, state: str, now: datetime, *, error: str | None = None, next_attempt_at=None) -> None:
    """Record how a claimed row ended, and commit at once: a sent message is never claimed again."""
    values = {"email_state": state, "next_attempt_at": next_attempt_at, "last_error": error}
    if state == "sent":
        values["sent_at"] = now
    db.session.execute(
        update(Notification)
        .where(Notification.id == row_id, Notification.email_state == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _retry_abandoned(now: datetime, config: MailConfig) -> int:
    """Put back the claims of senders that stopped more than CLAIM_TIMEOUT ago: due now, or failed
    when they have had all their attempts."""
    abandoned = (Notification.email_state == "sending", Notification.next_attempt_at < now - CLAIM_TIMEOUT)
    error = "The sender stopped while delivering; sent again (the same Message-ID, in case it arrived)."
    exhausted = Notification.attempts >= config.max_attempts
    retried = db.session.execute(
        update(Notification)
        .where(*abandoned, ~exhausted)
        .values(email_state="pending", next_attempt_at=now, last_error=error)
        .execution_options(synchronize_session=False)
    )
    failed = db.session.execute(
        update(Notification)
        .where(*abandoned, exhausted)
        .values(email_state="failed", last_error="The sender stopped while delivering, at the last attempt.")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return (retried.rowcount or 0) + (failed.rowcount or 0)
