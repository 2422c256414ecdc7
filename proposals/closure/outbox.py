"""The outbox: notifications waiting to be mailed, claimed, sent, retried; none lost, none knowingly sent twice,
and none holding up the others.

A notification's `email_state` goes:
  pending --claim--> sending --delivered--> sent
                        |--refused for now (4xx), or not composable--> pending again at next_attempt_at,
                        |                                              or failed after MAIL_MAX_ATTEMPTS
                        |--refused for good (5xx, not an address)----> failed
                        |--user turned email off meanwhile-----------> skipped
                        |--the server could not be reached-----------> pending, the attempt not counted
                        `--its sender stopped (CLAIM_TIMEOUT)--------> pending again, or failed at the last attempt
  failed --sent again by a union administrator (the outbox page)--> pending, with its attempts afresh

A sender claims rows (state `sending`, `next_attempt_at` and `last_attempt_at` = the moment of the claim,
`attempts` + 1) and commits before it talks to the server, so no other sender takes them: on PostgreSQL
with SELECT ... FOR UPDATE SKIP LOCKED, on SQLite under the database's write lock.

Whatever a message's row holds, it costs only that message: one that cannot be composed (text the
templates choke on, a payload the database should not hold) or that the server refuses is put back
with a growing back-off (BACKOFF_FIRST times BACKOFF_FACTOR per failed attempt, at most BACKOFF_LONGEST),
then parked as failed after MAIL_MAX_ATTEMPTS, where the union administrators see it with its error
and may send it again. The run carries on with the next message. Only the database failing stops a run.

A claim is a lease: a row left in `sending` by a sender that stopped (killed, machine down) is put back
to pending after CLAIM_TIMEOUT and sent again, so no message is lost. If the sender stopped after the
server accepted a message but before it recorded that, the message goes out twice: SMTP cannot tell
(delivery is "at least once"). Both copies carry the same Message-ID (see compose.py), by which mail
systems and readers recognise the second as the first. The lease is measured on the `now` a sender is
given (`flask send-mail --now`), so a replay of a later moment takes over the claims of an earlier one.

The state names are not mail's own: `attempts`, `next_attempt_at`, `last_attempt_at` and `last_error`
describe a delivery by any channel.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import Notification, User
from ..operations import NotFound, audit, clock
from ..operations.admin import authorize
from ..operations.notify import wants_mail
from ..operations.unit import finish
from .compose import compose
from .mail import ConnectError, DeliveryError, MailConfig, Transport

# after the n-th failed attempt: 1 min, 4, 16, 64, 4 h 16 min, then every 6 hours; with the default of
# 8 attempts a message waits out about 18 hours of trouble before it is parked
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_FACTOR = 4
BACKOFF_LONGEST = timedelta(hours=6)
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
    if attempts >= 12:  # (far beyond the longest wait already; no huge powers)
        return BACKOFF_LONGEST
    return min(BACKOFF_FIRST * BACKOFF_FACTOR ** max(attempts - 1, 0), BACKOFF_LONGEST)


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
    """Take up to `limit` due notifications for this sender and commit; return their ids.

    Two statements, not an UPDATE of `id IN (SELECT ... LIMIT ... SKIP LOCKED)`: PostgreSQL may run
    such a subquery again for each row it updates, each time skipping the rows updated so far, and so
    claim every due row instead of `limit` (and leave nothing to a second sender)."""
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
    try:
        while True:
            candidates = list(db.session.scalars(due))
            if not candidates:
                db.session.commit()
                return []
            stmt = (
                update(Notification)
                # the state is checked again by the UPDATE itself: of two senders, only one wins a row
                # (on SQLite, where the SELECT locks nothing, the other finds them taken and looks again)
                .where(Notification.id.in_(candidates), Notification.email_state == "pending")
                .values(
                    email_state="sending", next_attempt_at=now, last_attempt_at=now, attempts=Notification.attempts + 1
                )
                .returning(Notification.id)
                .execution_options(synchronize_session=False)
            )
            ids = sorted(db.session.scalars(stmt))
            db.session.commit()
            if ids:
                return ids
    except Exception:
        db.session.rollback()
        raise


def _send_batch(ids: list[int], transport: Transport, config: MailConfig, now: datetime, report: SendReport) -> bool:
    """Send the claimed notifications, each on its own; False when the server could not be reached
    (the rest are put back, their attempts not counted)."""
    attempts = dict(
        db.session.execute(
            select(Notification.id, Notification.attempts).where(Notification.id.in_(ids)).order_by(Notification.id)
        ).all()
    )
    queue = list(attempts)
    for index, row_id in enumerate(queue):
        sending = False
        try:
            message = _message(row_id, config, now)
            if message is None:
                _finish(row_id, "skipped", now)
                report.skipped += 1
                continue
            sending = True
            transport.send(message)
        except SQLAlchemyError:  # the database failed: nothing can be recorded; the rest waits, loudly
            db.session.rollback()
            _release(queue[index:], now)
            raise
        except ConnectError as exc:
            report.errors.append(f"#{row_id}: {exc}")
            _release(queue[index:], now)
            return False
        except DeliveryError as exc:
            report.errors.append(f"#{row_id}: {exc}")
            _after_failure(row_id, attempts[row_id], str(exc), exc.permanent, config, now, report)
            if exc.connection:  # the server hung up or refused us, not only this message: try later
                _release(queue[index + 1 :], now)
                return False
            continue
        except Exception as exc:  # this message could not be made: it waits and is parked, the others go on
            db.session.rollback()
            if sending:
                transport.close()  # it broke off in the middle of the message: start the next one afresh
            error = f"{type(exc).__name__}: {exc}"[:500]
            report.errors.append(f"#{row_id}: {error}")
            _after_failure(row_id, attempts[row_id], error, False, config, now, report)
            continue
        _finish(row_id, "sent", now)
        report.sent += 1
    return True


def _message(row_id: int, config: MailConfig, now: datetime):
    """The message of a claimed notification, or None when its user no longer wants mail."""
    row = db.session.get(Notification, row_id, populate_existing=True)
    if not (wants_mail(row.user) or _always_mailed(row)):
        return None
    return compose(row, config, now)


def _always_mailed(row: Notification) -> bool:
    """A forgotten-password link or an activation code goes out whatever the notification settings: asked for."""
    return row.event in ("password_reset", "activation_code") and bool(row.user.active and row.user.email)


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


def _release(row_ids: list[int], now: datetime) -> None:
    """Give back claimed rows that were not tried: pending, due now, their attempt not counted."""
    if not row_ids:
        return
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(row_ids), Notification.email_state == "sending")
        .values(email_state="pending", next_attempt_at=now, attempts=Notification.attempts - 1)
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


# -- the union administrators' outbox page ------------------------------------------------------------


def failed_messages(limit: int = 200) -> list[Notification]:
    """The parked messages, the latest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.email_state == "failed")
            .order_by(Notification.last_attempt_at.desc().nulls_last(), Notification.id.desc())
            .limit(limit)
        )
    )


def state_counts() -> dict[str, int]:
    rows = db.session.execute(select(Notification.email_state, func.count()).group_by(Notification.email_state))
    return dict(rows.all())


class NotFailed(Exception):
    """The message is not (any longer) parked: sent, waiting, or retried by someone else meanwhile."""


def retry_failed(notification_id: int, *, actor: User | None, now: datetime | None = None) -> Notification:
    """Put a parked message back in the outbox, due at once, with its attempts afresh; log who did it."""
    authorize(actor)
    now = now or clock.utcnow()
    row = db.session.get(Notification, notification_id)
    if row is None:
        raise NotFound()
    details = {"attempts": row.attempts, "last_error": row.last_error, "user_id": row.user_id}
    done = db.session.execute(
        update(Notification)
        # the state is checked by the UPDATE itself: of two administrators at once, one re-queues it
        .where(Notification.id == notification_id, Notification.email_state == "failed")
        .values(email_state="pending", attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:
        db.session.rollback()
        raise NotFailed()
    audit.record("outbox.retry", row, details, actor=actor, now=now)
    finish()
    db.session.refresh(row)
    return row
