"""The outbox of the channels: deliveries by SMS, the messengers and the group robots, claimed, sent,
retried; none lost, none holding up another, and a channel that is down holding up no other channel.

A delivery's `state` goes as a notification's email state does (closure/outbox.py), per channel:
  pending --claim--> sending --taken by the service--> sent
                        |--refused for now, or not composable--> pending at next_attempt_at (back-off),
                        |                                        or failed after the cap of attempts
                        |--refused for good (no such number, no such user)--> failed
                        |--the person no longer wants it, or has no address now--> skipped
                        |--the channel down or throttling us--> pending, the attempt not counted;
                        |                                       the channel's other messages wait too
                        `--its sender stopped (CLAIM_TIMEOUT)--> pending again, or failed at the last attempt
  failed --sent again by a union administrator (the outbox page)--> pending, with its attempts afresh

Each channel is sent on its own: its claims, its failures and its stops are its own, so 企业微信 being
down leaves the SMS going. At least once: a sender killed after the service took a message and before
it recorded that has it sent again after the lease, with the same idempotency key (`Delivery.key`).
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from ...auth import activation
from ...branding import site_name
from ...extensions import db
from ...models import Delivery, User
from ...models.channels import MESSENGERS
from ...operations import NotFound, audit, clock
from ...operations.admin import authorize
from ...operations.unit import finish
from ..outbox import BACKOFF_FIRST, BATCH, CLAIM_TIMEOUT, NotFailed, backoff
from . import texts
from .http import ChannelError
from .messengers import APPS, Message, send_to_group
from .preferences import choices, configured, identities_of
from .sms import SmsConfig, provider

ROBOTS = tuple(f"{name}_robot" for name in MESSENGERS)


@dataclass
class ChannelReport:
    channel: str
    sent: int = 0
    retry: int = 0
    failed: int = 0
    skipped: int = 0
    abandoned: int = 0
    waiting: int = 0
    stopped: str | None = None  # why the channel stopped before its due messages were done
    errors: list[str] = field(default_factory=list)


def max_attempts() -> int:
    config = current_app.config
    return max(1, int(config.get("CHANNEL_MAX_ATTEMPTS") or config.get("MAIL_MAX_ATTEMPTS") or 8))


def active_channels() -> list[str]:
    """The channels to send by now: the configured personal ones, and the group robots (each robot's
    address is its own setting)."""
    return [c for c in configured() if c != "email"] + list(ROBOTS)


def send_pending(now: datetime | None = None, only: list[str] | None = None) -> list[ChannelReport]:
    """Send every delivery due at `now`, channel by channel; commit after each one."""
    now = now or clock.utcnow()
    reports = []
    for channel in active_channels():
        if only and channel not in only:
            continue
        report = ChannelReport(channel)
        report.abandoned = _retry_abandoned(channel, now)
        sender = Sender(channel)
        while not report.stopped:
            claimed = claim(channel, now, BATCH)
            if not claimed:
                break
            _send_batch(claimed, sender, now, report)
        report.waiting = _count(channel, "pending")
        reports.append(report)
    return reports


class Sender:
    """Sends one delivery of one channel; raises ChannelError when the service did not take it."""

    def __init__(self, channel: str):
        self.channel = channel
        config = current_app.config
        self.sms = SmsConfig.from_app(config) if channel == "sms" else None
        self.app = APPS[channel](config) if channel in APPS else None

    def send(self, row: Delivery) -> bool:
        """Send it; False when it is to be skipped (the person turned the channel off, or has no address)."""
        notification = row.notification
        if self.channel in ROBOTS:
            robot = row.robot
            if robot is None:
                return False
            message = texts.notice(notification, None, row.key)
            send_to_group(robot.provider, robot.webhook, robot.secret, message)
            return True
        user = notification.user
        if notification.event == activation.EVENT:  # an account's code, asked for by the union: always
            return self._send_code(row, notification)
        if not user.active or self.channel not in choices([user.id], notification.event)[user.id]:
            return False
        address = user.mobile if self.channel == "sms" else identities_of(user).get(self.channel)
        if not address:
            return False
        if address != row.address:  # corrected since: the new address, the same key
            row.address = address
            db.session.commit()
        if self.sms is not None:
            content, link = texts.sms(notification, user, self.sms.sign_name)
            provider(self.sms).send(address, content, link, row.key)
        else:
            self.app.send(address, texts.notice(notification, user, row.key), row.key)
        return True

    def _send_code(self, row: Delivery, notification) -> bool:
        """An activation code (proposals/auth/activation.py), to the address it was queued for."""
        made = activation.channel_text(notification)
        if made is None:  # used or expired since: not worth a message
            return False
        text, link = made
        if self.sms is not None:
            provider(self.sms).send(row.address, text, link, row.key)
        else:
            self.app.send(row.address, Message(title=site_name(), text=text, link=link), row.key)
        return True


def claim(channel: str, now: datetime, limit: int) -> list[int]:
    """Take up to `limit` due deliveries of `channel` for this sender and commit; return their ids
    (two statements, for the reason closure/outbox.py claim() gives)."""
    due = (
        select(Delivery.id)
        .where(
            Delivery.channel == channel,
            Delivery.state == "pending",
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        )
        .order_by(Delivery.id)
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
                update(Delivery)
                .where(Delivery.id.in_(candidates), Delivery.state == "pending")
                .values(state="sending", next_attempt_at=now, last_attempt_at=now, attempts=Delivery.attempts + 1)
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            )
            ids = sorted(db.session.scalars(stmt))
            db.session.commit()
            if ids:
                return ids
    except Exception:
        db.session.rollback()
        raise


def _send_batch(ids: list[int], sender: Sender, now: datetime, report: ChannelReport) -> None:
    cap = max_attempts()
    attempts = dict(db.session.execute(select(Delivery.id, Delivery.attempts).where(Delivery.id.in_(ids))).all())
    for index, row_id in enumerate(ids):
        try:
            row = db.session.get(Delivery, row_id, populate_existing=True)
            if not sender.send(row):
                _finish(row_id, "skipped", now)
                report.skipped += 1
                continue
        except SQLAlchemyError:
            db.session.rollback()
            _release(ids[index:], now, now)
            raise
        except ChannelError as exc:
            db.session.rollback()
            report.errors.append(f"#{row_id}: {exc}")
            if not exc.counted:
                _release([row_id], now, now + BACKOFF_FIRST if exc.throttled else now, error=str(exc))
                report.retry += 1
            else:
                _after_failure(row_id, attempts[row_id], str(exc), exc.permanent, cap, now, report)
            if exc.channel_wide:
                _release(ids[index + 1 :], now, now)
                report.stopped = str(exc)
                return
            continue
        except Exception as exc:  # this message could not be made: it waits and is parked, the others go on
            db.session.rollback()
            error = f"{type(exc).__name__}: {exc}"[:500]
            report.errors.append(f"#{row_id}: {error}")
            _after_failure(row_id, attempts[row_id], error, False, cap, now, report)
            continue
        _finish(row_id, "sent", now)
        report.sent += 1


def _after_failure(row_id, attempts, error, permanent, cap, now, report) -> None:
    if permanent or attempts >= cap:
        _finish(row_id, "failed", now, error=error)
        report.failed += 1
    else:
        _finish(row_id, "pending", now, error=error, next_attempt_at=now + backoff(attempts))
        report.retry += 1


def _finish(row_id: int, state: str, now: datetime, *, error: str | None = None, next_attempt_at=None) -> None:
    values = {"state": state, "next_attempt_at": next_attempt_at, "last_error": error}
    if state == "sent":
        values["sent_at"] = now
    db.session.execute(
        update(Delivery)
        .where(Delivery.id == row_id, Delivery.state == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _release(row_ids: list[int], now: datetime, due: datetime, error: str | None = None) -> None:
    """Give back claimed rows, their attempt not counted, due at `due`."""
    if not row_ids:
        return
    values = {"state": "pending", "next_attempt_at": due, "attempts": Delivery.attempts - 1}
    if error:
        values["last_error"] = error
    db.session.execute(
        update(Delivery)
        .where(Delivery.id.in_(row_ids), Delivery.state == "sending")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _retry_abandoned(channel: str, now: datetime) -> int:
    abandoned = (
        Delivery.channel == channel,
        Delivery.state == "sending",
        Delivery.next_attempt_at < now - CLAIM_TIMEOUT,
    )
    exhausted = Delivery.attempts >= max_attempts()
    retried = db.session.execute(
        update(Delivery)
        .where(*abandoned, ~exhausted)
        .values(
            state="pending",
            next_attempt_at=now,
            last_error="The sender stopped while delivering; sent again (the same key, in case it arrived).",
        )
        .execution_options(synchronize_session=False)
    )
    failed = db.session.execute(
        update(Delivery)
        .where(*abandoned, exhausted)
        .values(state="failed", last_error="The sender stopped while delivering, at the last attempt.")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return (retried.rowcount or 0) + (failed.rowcount or 0)


def _count(channel: str, state: str) -> int:
    return db.session.scalar(
        select(func.count(Delivery.id)).where(Delivery.channel == channel, Delivery.state == state)
    )


# -- the union administrators' outbox page ------------------------------------------------------------


def failed_deliveries(limit: int = 200) -> list[Delivery]:
    return list(
        db.session.scalars(
            select(Delivery)
            .where(Delivery.state == "failed")
            .order_by(Delivery.last_attempt_at.desc().nulls_last(), Delivery.id.desc())
            .limit(limit)
        )
    )


def state_counts() -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for channel, state, n in db.session.execute(
        select(Delivery.channel, Delivery.state, func.count()).group_by(Delivery.channel, Delivery.state)
    ):
        counts.setdefault(channel, {})[state] = n
    return counts


def retry_failed(delivery_id: int, *, actor: User | None, now: datetime | None = None) -> Delivery:
    """Put a parked delivery back, due at once, with its attempts afresh and its key kept, logging who did it."""
    authorize(actor)
    now = now or clock.utcnow()
    row = db.session.get(Delivery, delivery_id)
    if row is None:
        raise NotFound()
    details = {"channel": row.channel, "attempts": row.attempts, "last_error": row.last_error, "key": row.key}
    done = db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.state == "failed")
        .values(state="pending", attempts=0, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:
        raise NotFailed()
    audit.record("outbox.retry_delivery", row, details, actor=actor, now=now)
    finish()
    db.session.refresh(row)
    return row
