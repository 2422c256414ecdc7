"""Who hears of an event: audiences resolved to users, written to the outbox with the event."""

from sqlalchemy import insert, select

from ..extensions import db
from ..models import Notification, Proposal, User, UserRole


def choices(user_ids, kind):
    """Each user's channels for this kind of notice (closure/channels/preferences.py)."""
    from ..closure.channels.preferences import choices as channel_choices

    return channel_choices(user_ids, kind)


def queue_deliveries(rows) -> int:
    """The SMS and messenger deliveries of notifications just written (closure/channels/plan.py)."""
    from ..closure.channels.plan import queue_deliveries as plan

    return plan(rows)


# what deciding whom to tell and whether to mail them needs of a user: plain rows from the tables, not
# User entities (an entity load would also load its roles and fill the identity map, per recipient)
_USERS, _ROLES = User.__table__, UserRole.__table__
_RECIPIENT = (_USERS.c.id, _USERS.c.active, _USERS.c.email, _USERS.c.email_notifications)


def _with_role(role: str, *where) -> list:
    stmt = (
        select(*_RECIPIENT)
        .join(_ROLES, _ROLES.c.user_id == _USERS.c.id)
        .where(_ROLES.c.role == role, _USERS.c.active, *where)
        .order_by(_USERS.c.id)
    )
    return list(db.session.execute(stmt))


def _handlers(department_ids) -> list:
    if not department_ids:
        return []
    return _with_role("department_handler", _USERS.c.department_id.in_(department_ids))


def _people(user_ids: list[int]) -> list:
    """These users, in this order, with one query."""
    if not user_ids:
        return []
    rows = {row.id: row for row in db.session.execute(select(*_RECIPIENT).where(_USERS.c.id.in_(set(user_ids))))}
    return [rows[i] for i in user_ids if i in rows]


def recipients(audiences, proposal: Proposal, to_state: str) -> list:
    """The people each audience names, in audience order: rows with id, active, email, email_notifications."""
    users: list = []
    named: list[int] = []  # the author and co-signers, looked up together
    named_at = None  # where they go in `users`
    for audience in audiences:
        if audience in ("author", "cosigners"):
            if named_at is None:
                named_at = len(users)
            if audience == "author":
                named.append(proposal.author_id)
            else:
                named.extend(c.user_id for c in proposal.cosignatures)
        elif audience == "cosign_invitees":
            # invitations go to the author's delegation, which narrows a confidential author down: such a
            # proposal invites nobody (any delegate who finds it in the list may still co-sign it)
            if to_state == "cosigning" and proposal.delegation_id and not proposal.confidential:
                users.extend(_with_role("delegate", _USERS.c.delegation_id == proposal.delegation_id))
        elif audience in ("committee", "supervisors"):
            users.extend(_with_role({"committee": "committee", "supervisors": "supervisor"}[audience]))
        elif audience == "lead_department":
            lead = proposal.lead_assignment
            users.extend(_handlers([lead.department_id] if lead else []))
        elif audience == "assigned_departments":
            users.extend(_handlers([a.department_id for a in proposal.active_assignments]))
        elif audience == "unacknowledged_departments":  # deadline reminders (tick)
            users.extend(_handlers([a.department_id for a in proposal.active_assignments if not a.acknowledged_at]))
        elif audience == "departments_to_reply":  # the lead, and co-handlers yet to countersign this round
            users.extend(
                _handlers(
                    [
                        a.department_id
                        for a in proposal.active_assignments
                        if a.role == "lead" or not a.countersignature(proposal.rehandle_round)
                    ]
                )
            )
    if named:
        users[named_at:named_at] = _people(named)
    return users


def queue(audiences, proposal: Proposal, entry, actor_id: int | None) -> int:
    """Add one notification per user told of this event (never the actor), in the open transaction.

    `entry` is the event's history row (anything with its id, event, to_state and at). One multi-row
    INSERT, not an entity per row: nothing in the event's transaction reads them back."""
    users = [u for u in recipients(audiences, proposal, entry.to_state) if u.id != actor_id]
    chosen = choices([u.id for u in users], entry.event)
    rows = [
        {
            "user_id": user.id,
            "proposal_id": proposal.id,
            "event": entry.event,
            "history_id": entry.id,
            "created_at": entry.at,
            "email_state": "pending" if wants_mail(user) and "email" in chosen[user.id] else "skipped",
            "attempts": 0,
        }
        for user in _distinct(users)
    ]
    if rows:
        db.session.execute(insert(Notification.__table__), rows)
        written = select(Notification.id, Notification.user_id, Notification.event).where(
            Notification.history_id == entry.id
        )
        queue_deliveries(db.session.execute(written.order_by(Notification.id)).all())
    return len(rows)


def _distinct(users) -> list:
    """Each user once, first mention first."""
    seen: set[int] = set()
    distinct = []
    for user in users:
        if user.id not in seen:
            seen.add(user.id)
            distinct.append(user)
    return distinct


def notify_users(users, proposal: Proposal, event: str, at, history_id: int | None = None) -> list[Notification]:
    """One notification per distinct user, mailed later by the outbox if the user wants email for this
    kind of notice. The caller flushes and then queues the other channels' deliveries (queue_deliveries)."""
    rows = []
    users = _distinct(users)
    chosen = choices([u.id for u in users], event)
    for user in users:
        row = Notification(
            user_id=user.id,
            proposal_id=proposal.id,
            event=event,
            history_id=history_id,
            created_at=at,
            email_state="pending" if wants_mail(user) and "email" in chosen[user.id] else "skipped",
        )
        db.session.add(row)
        rows.append(row)
    return rows


def wants_mail(user) -> bool:
    """Whether messages to this user go out by email too (they are always shown in the application).

    `user` is a User or a recipients() row."""
    return bool(user.active and user.email and user.email_notifications)
