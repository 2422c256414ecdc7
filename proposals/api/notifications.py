"""The caller's notifications, as the notifications page has them: a page at a time, the unread count,
marking one or all as read. A notification names its proposal only as references.title_for allows the
caller at the moment of reading (the sentence, and `proposal_title`)."""

from flask import jsonify

from workflow.payload import Boolean, Integer

from ..closure import inbox
from ..closure.messages import sentence
from ..operations import NotFound
from ..references import title_for
from . import bp
from .auth import current_user
from .errors import query
from .proposals import ID
from .serializers import day, iso

LIST_ARGS = {"page": Integer(minimum=1, maximum=100_000), "unread": Boolean()}


def notification_json(found: inbox.Item) -> dict:
    user = current_user()
    row = found.notification
    return {
        "id": row.id,
        "event": row.event,
        "text": sentence(row.event, row.proposal, found.due, reader=user),
        "proposal_id": row.proposal_id,
        "proposal_title": title_for(user, row.proposal) if row.proposal is not None else None,
        "can_open": found.can_open,
        "due": day(found.due),
        "read": row.read_at is not None,
        "read_at": iso(row.read_at),
        "created_at": iso(row.created_at),
    }


@bp.get("/notifications")
def list_notifications():
    """The caller's notifications, newest first, a page at a time (only the unread ones with ?unread=true)."""
    user = current_user()
    args = query(LIST_ARGS)
    page = args.get("page", 1)
    items, total = inbox.page_of(user, page, unread_only=args.get("unread", False))
    pages = max(1, -(-total // inbox.PER_PAGE))
    if page > pages:
        raise NotFound()
    return jsonify(
        {
            "items": [notification_json(found) for found in items],
            "total": total,
            "unread": inbox.unread_count(user),
            "page": page,
            "pages": pages,
        }
    )


@bp.get("/notifications/unread-count")
def unread_count():
    """How many of the caller's notifications are unread (the number on the bell)."""
    return jsonify({"unread": inbox.unread_count(current_user())})


@bp.post(f"/notifications/<{ID}:notification_id>/read")
def read_notification(notification_id: int):
    """Mark one of the caller's notifications as read (again: no change); anyone else's is not found."""
    row = inbox.mark_read(current_user(), notification_id)
    return jsonify(notification_json(inbox.item(current_user(), row)))


@bp.post("/notifications/read-all")
def read_all_notifications():
    """Mark every unread notification of the caller as read."""
    return jsonify({"marked": inbox.mark_all_read(current_user())})
