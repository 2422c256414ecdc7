"""Notifications in the application: the unread count, the list, marking as read, the email preference.

Shared by the pages (and any API) so that none of them has rules of its own.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from workflow.payload import Boolean, validate

from ..access import can_view
from ..extensions import db
from ..models import HistoryEntry, Notification, Proposal, Reminder, User
from ..operations import NotFound, clock
from ..operations.unit import finish

PER_PAGE = 20
PREFERENCE_FIELDS = {"email_notifications": Boolean(required=True)}


@dataclass(frozen=True)
class Item:
    notification: Notification
    due: date | None  # for reminders and overdue notices
    can_open: bool  # whether the user may still see the proposal
    note: str | None = None  # what the notification carries beside its sentence (the supervisor's urging)


# the notifications whose list entry carries a field of their event's record: event -> payload field
NOTES = {"urge": "comment"}


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def page_of(
    user: User, page: int = 1, per_page: int = PER_PAGE, *, unread_only: bool = False
) -> tuple[list[Item], int]:
    """One page of the user's notifications (only the unread ones if asked), newest first, and how many
    there are in all."""
    mine = [Notification.user_id == user.id]
    if unread_only:
        mine.append(Notification.read_at.is_(None))
    total = db.session.scalar(select(func.count(Notification.id)).where(*mine))
    page = max(1, page)
    rows = db.session.execute(
        select(Notification, Reminder.due)
        .outerjoin(Reminder, Reminder.notification_id == Notification.id)
        .where(*mine)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
        .options(
            selectinload(Notification.proposal).selectinload(Proposal.cosignatures),
            selectinload(Notification.proposal).selectinload(Proposal.assignments),
        )
    ).all()
    items = [
        Item(notification=n, due=due, can_open=n.proposal is not None and can_view(user, n.proposal)) for n, due in rows
    ]
    return _with_notes(items), total


def _with_notes(items: list[Item]) -> list[Item]:
    """The items, those of NOTES with their event's field (read in one query), shown to who may open them."""
    wanted = {i.notification.history_id for i in items if i.notification.event in NOTES and i.can_open}
    wanted.discard(None)
    if not wanted:
        return items
    rows = db.session.execute(select(HistoryEntry.id, HistoryEntry.payload).where(HistoryEntry.id.in_(wanted)))
    payloads = {ident: payload for ident, payload in rows}
    return [
        replace(i, note=(payloads.get(i.notification.history_id) or {}).get(NOTES[i.notification.event]) or None)
        if i.notification.history_id in payloads
        else i
        for i in items
    ]


def mark_read(user: User, notification_id: int, *, now: datetime | None = None) -> Notification:
    """Mark one of the user's own notifications as read (again: no change). Others' are not found."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        raise NotFound()
    if row.read_at is None:
        row.read_at = now or clock.utcnow()
        finish()
    return row


def mark_all_read(user: User, *, now: datetime | None = None) -> int:
    """Mark every unread notification of the user as read; return how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or clock.utcnow())
        .execution_options(synchronize_session=False)
    )
    finish()
    return result.rowcount or 0


def set_email_preference(user: User, data) -> User:
    """Turn the user's email on or off; notifications in the application are always kept."""
    clean = validate(PREFERENCE_FIELDS, data)
    user.email_notifications = clean["email_notifications"]
    finish()
    return user


def item(user: User, row: Notification) -> Item:
    """One of the user's notifications as the list shows it."""
    due = db.session.scalar(select(Reminder.due).where(Reminder.notification_id == row.id))
    return Item(notification=row, due=due, can_open=row.proposal is not None and can_view(user, row.proposal))
