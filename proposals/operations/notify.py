"""Who hears of an event: audiences resolved to users, written to the outbox with the event."""

from sqlalchemy import select

from ..extensions import db
from ..models import HistoryEntry, Notification, Proposal, User, UserRole


def _with_role(role: str) -> list[User]:
    return list(db.session.scalars(select(User).join(UserRole).where(UserRole.role == role, User.active)))


def _handlers(department_ids) -> list[User]:
    if not department_ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == "department_handler", User.department_id.in_(department_ids), User.active)
        )
    )


def recipients(audiences, proposal: Proposal, to_state: str) -> list[User]:
    users: list[User] = []
    for audience in audiences:
        if audience == "author":
            users.append(proposal.author)
        elif audience == "cosigners":
            users.extend(c.user for c in proposal.cosignatures)
        elif audience == "cosign_invitees":
            if to_state == "cosigning" and proposal.delegation_id:
                users.extend(
                    db.session.scalars(
                        select(User)
                        .join(UserRole)
                        .where(UserRole.role == "delegate", User.delegation_id == proposal.delegation_id, User.active)
                    )
                )
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
    return users


def queue(audiences, proposal: Proposal, entry: HistoryEntry, actor_id: int | None) -> list[Notification]:
    """Add one notification per user told of this event (never the actor), in the open transaction."""
    users = [u for u in recipients(audiences, proposal, entry.to_state) if u.id != actor_id]
    return notify_users(users, proposal, entry.event, entry.at, history_id=entry.id)


def notify_users(users, proposal: Proposal, event: str, at, history_id: int | None = None) -> list[Notification]:
    """One notification per distinct user, mailed later by the outbox if the user wants email."""
    seen: set[int] = set()
    rows = []
    for user in users:
        if user.id in seen:
            continue
        seen.add(user.id)
        row = Notification(
            user_id=user.id,
            proposal_id=proposal.id,
            event=event,
            history_id=history_id,
            created_at=at,
            email_state="pending" if wants_mail(user) else "skipped",
        )
        db.session.add(row)
        rows.append(row)
    return rows


def wants_mail(user: User) -> bool:
    """Whether messages to this user go out by email too (they are always shown in the application)."""
    return bool(user.active and user.email and user.email_notifications)
