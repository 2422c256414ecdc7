"""Who hears of an event: audiences resolved to users, written to the outbox with the event."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, insert, select

from ..extensions import db
from ..models import Assignment, Cosignature, Invitation, Notification, Proposal, UnionRole, User, UserRole


def choices(user_ids, kind, union_defaults=None):
    """Each user's channels for this kind of notice (closure/channels/preferences.py)."""
    from ..closure.channels.preferences import choices as channel_choices

    return channel_choices(user_ids, kind, union_defaults)


def channel_defaults() -> dict:
    """The union's channels for each kind of notice (closure/channels/preferences.py)."""
    from ..closure.channels.preferences import defaults

    return defaults()


def deliveries_wanted(union_defaults) -> bool:
    """Whether notifications get deliveries besides the in-app list and email (closure/channels/plan.py)."""
    from ..closure.channels.plan import wanted

    return wanted(union_defaults)


def queue_deliveries(rows, union_defaults=None) -> int:
    """The SMS and messenger deliveries of notifications just written (closure/channels/plan.py)."""
    from ..closure.channels.plan import queue_deliveries as plan

    return plan(rows, union_defaults)


# what deciding whom to tell and whether to mail them needs of a user: plain rows from the tables, not
# User entities (an entity load would also load its roles and fill the identity map, per recipient)
_USERS, _ROLES = User.__table__, UserRole.__table__
_RECIPIENT = (_USERS.c.id, _USERS.c.active, _USERS.c.email, _USERS.c.email_notifications)


def _role_query(*where):
    """The active users with the role `role` (bound), and `where`, by id: one statement, built once."""
    stmt = select(*_RECIPIENT).join(_ROLES, _ROLES.c.user_id == _USERS.c.id)
    return stmt.where(_ROLES.c.role == bindparam("role"), _USERS.c.active, *where).order_by(_USERS.c.id)


_WITH_ROLE = _role_query()
_UNION_ROLES = UnionRole.__table__
_IN_UNION = (  # the active users holding the role `role` in the union `union` (below the root)
    select(*_RECIPIENT)
    .join(_UNION_ROLES, _UNION_ROLES.c.user_id == _USERS.c.id)
    .where(_UNION_ROLES.c.role == bindparam("role"), _UNION_ROLES.c.union_id == bindparam("union"), _USERS.c.active)
    .order_by(_USERS.c.id)
)
_IN_DELEGATION = _role_query(_USERS.c.delegation_id == bindparam("delegation"))
_IN_DEPARTMENTS = _role_query(_USERS.c.department_id.in_(bindparam("departments", expanding=True)))
_ACTIVE_ASSIGNMENTS = Assignment.__table__
_ASSIGNED_HANDLERS = _role_query(
    _USERS.c.department_id.in_(
        select(_ACTIVE_ASSIGNMENTS.c.department_id).where(
            _ACTIVE_ASSIGNMENTS.c.proposal_id == bindparam("pid"), _ACTIVE_ASSIGNMENTS.c.ended_at.is_(None)
        )
    )
)
_PEOPLE = select(*_RECIPIENT).where(_USERS.c.id.in_(bindparam("ids", expanding=True)))
_INVITATIONS = Invitation.__table__
_INVITED = select(_INVITATIONS.c.user_id).where(_INVITATIONS.c.proposal_id == bindparam("pid"))
_DELEGATES_NAMED = _role_query(_USERS.c.id.in_(bindparam("ids", expanding=True)))
_COSIGNATURES = Cosignature.__table__
_COSIGNERS = (
    select(_COSIGNATURES.c.user_id)
    .where(_COSIGNATURES.c.proposal_id == bindparam("pid"), _COSIGNATURES.c.ended_at.is_(None))
    .order_by(_COSIGNATURES.c.id)
)


_ENDED = (
    select(_COSIGNATURES.c.user_id)
    .where(
        _COSIGNATURES.c.proposal_id == bindparam("pid"),
        _COSIGNATURES.c.ended_at
        == select(func.max(_COSIGNATURES.c.ended_at))
        .where(_COSIGNATURES.c.proposal_id == bindparam("pid"))
        .scalar_subquery(),
    )
    .order_by(_COSIGNATURES.c.id)
)
_RELEASED = select(_ACTIVE_ASSIGNMENTS.c.department_id).where(
    _ACTIVE_ASSIGNMENTS.c.proposal_id == bindparam("pid"),
    _ACTIVE_ASSIGNMENTS.c.ended_at
    == select(func.max(_ACTIVE_ASSIGNMENTS.c.ended_at))
    .where(_ACTIVE_ASSIGNMENTS.c.proposal_id == bindparam("pid"))
    .scalar_subquery(),
)
_PROPOSALS = Proposal.__table__
_COAUTHORS = (
    select(_PROPOSALS.c.author_id)
    .where(_PROPOSALS.c.merged_into_id == bindparam("pid"), _PROPOSALS.c.state == "merged")
    .order_by(_PROPOSALS.c.id)
)


def coauthor_ids(proposal_id: int) -> list[int]:
    """The authors of the proposals merged into this one (并案): its co-authors, each once, in merge order."""
    return list(dict.fromkeys(db.session.scalars(_COAUTHORS, {"pid": proposal_id})))


def _with_role(role: str, union_id: int | None = None) -> list:
    """The active holders of `role` in the union `union_id` (None: at the root, the company union)."""
    if union_id is None:
        return list(db.session.execute(_WITH_ROLE, {"role": role}))
    return list(db.session.execute(_IN_UNION, {"role": role, "union": union_id}))


def _escalating_committee(proposal: Proposal, to_state: str) -> list:
    """The committee of the union the proposal was escalated from (its grassroots congress)."""
    origin = proposal.escalated_from_session
    return _with_role("committee", origin.union_id) if origin is not None else []


def _in_its_union(role: str) -> Callable:
    """The audience of `role` held in the union whose congress the proposal is in."""
    return lambda proposal, to_state: _with_role(role, proposal.session.union_id)


def _handlers(department_ids) -> list:
    if not department_ids:
        return []
    params = {"role": "department_handler", "departments": sorted(set(department_ids))}
    return list(db.session.execute(_IN_DEPARTMENTS, params))


def _people(user_ids: list[int]) -> list:
    """These users, in this order, with one query."""
    if not user_ids:
        return []
    rows = {row.id: row for row in db.session.execute(_PEOPLE, {"ids": sorted(set(user_ids))})}
    return [rows[i] for i in user_ids if i in rows]


@dataclass(frozen=True)
class Audience:
    """How an audience named in the lifecycle (an event's `notify`) or by a reminder becomes people.

    `resolve(proposal, to_state)` gives recipient rows, or user ids when `by_id`: the audiences of
    named people (the author, the co-signers) are looked up together, in one query."""

    resolve: Callable[[Proposal, str], list]
    by_id: bool = False


def _author(proposal: Proposal, to_state: str) -> list[int]:
    return [proposal.author_id]


def _cosigners(proposal: Proposal, to_state: str) -> list[int]:
    # their ids, not the collection: loading it would make an entity of each co-signature
    return list(db.session.scalars(_COSIGNERS, {"pid": proposal.id}))


def _former_cosigners(proposal: Proposal, to_state: str) -> list[int]:
    # the co-signatures this event ended (the latest ended together): they signed a text that may change
    return list(db.session.scalars(_ENDED, {"pid": proposal.id}))


def _coauthors(proposal: Proposal, to_state: str) -> list[int]:
    return [i for i in coauthor_ids(proposal.id) if i != proposal.author_id]


def _key_leader(proposal: Proposal, to_state: str) -> list[int]:
    return [proposal.key_leader_id] if proposal.key_leader_id else []


def _cosign_invitees(proposal: Proposal, to_state: str) -> list:
    # the delegates the author named; else the author's delegation, which narrows a confidential author
    # down: such a proposal invites nobody (any delegate who finds it in the list may still co-sign it)
    if to_state != "cosigning":
        return []
    named = list(db.session.scalars(_INVITED, {"pid": proposal.id}))
    if named:
        return list(db.session.execute(_DELEGATES_NAMED, {"role": "delegate", "ids": named}))
    if proposal.delegation_id and not proposal.confidential:
        return list(db.session.execute(_IN_DELEGATION, {"role": "delegate", "delegation": proposal.delegation_id}))
    return []


def _lead_department(proposal: Proposal, to_state: str) -> list:
    # the active lead assignment's department, as kept on the row (facts.py)
    return _handlers([proposal.lead_department_id] if proposal.lead_department_id else [])


def _assigned_departments(proposal: Proposal, to_state: str) -> list:
    # in one statement with their departments, rather than loading the assignments first
    return list(db.session.execute(_ASSIGNED_HANDLERS, {"role": "department_handler", "pid": proposal.id}))


def _released_departments(proposal: Proposal, to_state: str) -> list:
    # the assignments this event ended (the latest ended together): those departments no longer handle it
    return _handlers(list(db.session.scalars(_RELEASED, {"pid": proposal.id})))


def _unacknowledged_departments(proposal: Proposal, to_state: str) -> list:
    return _handlers([a.department_id for a in proposal.active_assignments if not a.acknowledged_at])


def _departments_to_reply(proposal: Proposal, to_state: str) -> list:
    """The lead department, which owes the reply."""
    return _handlers([a.department_id for a in proposal.active_assignments if a.role == "lead"])


def _cohandler_departments(proposal: Proposal, to_state: str) -> list:
    return _handlers([a.department_id for a in proposal.active_assignments if a.role == "cohandler"])


_AWAITED_COUNTERSIGNERS = _role_query(
    _USERS.c.department_id.in_(
        select(_ACTIVE_ASSIGNMENTS.c.department_id).where(
            _ACTIVE_ASSIGNMENTS.c.proposal_id == bindparam("pid"),
            _ACTIVE_ASSIGNMENTS.c.ended_at.is_(None),
            _ACTIVE_ASSIGNMENTS.c.role == "cohandler",
            _ACTIVE_ASSIGNMENTS.c.countersign_deadline.is_not(None),
        )
    )
)


def _departments_to_countersign(proposal: Proposal, to_state: str) -> list:
    """The co-handlers whose countersignature of the draft reply is still awaited (their deadline runs): in
    one statement, as the assigned departments' (the handler that opened it wrote the deadlines by SQL)."""
    return list(db.session.execute(_AWAITED_COUNTERSIGNERS, {"role": "department_handler", "pid": proposal.id}))


def _reply_approvers(proposal: Proposal, to_state: str) -> list:
    """Those who approve the session's replies (its setting reply_approval): the supervisors or the committee."""
    role = proposal.session.reply_approval
    return _with_role(role, proposal.session.union_id) if role != "none" else []


# every audience there is: the lifecycle's (workflow.engine.KNOWN_AUDIENCES, checked by the register)
# and the deadline reminders' (closure/reminders.py)
AUDIENCES: dict[str, Audience] = {
    "author": Audience(_author, by_id=True),
    "cosigners": Audience(_cosigners, by_id=True),
    "former_cosigners": Audience(_former_cosigners, by_id=True),
    "coauthors": Audience(_coauthors, by_id=True),
    "key_leader": Audience(_key_leader, by_id=True),
    "cosign_invitees": Audience(_cosign_invitees),
    "committee": Audience(_in_its_union("committee")),
    "supervisors": Audience(_in_its_union("supervisor")),
    "lead_department": Audience(_lead_department),
    "assigned_departments": Audience(_assigned_departments),
    "released_departments": Audience(_released_departments),
    "unacknowledged_departments": Audience(_unacknowledged_departments),
    "departments_to_reply": Audience(_departments_to_reply),
    "cohandler_departments": Audience(_cohandler_departments),
    "departments_to_countersign": Audience(_departments_to_countersign),
    "reply_approvers": Audience(_reply_approvers),
    "escalating_committee": Audience(_escalating_committee),
}


def recipients(audiences, proposal: Proposal, to_state: str) -> list:
    """The people each audience names, in audience order: rows with id, active, email, email_notifications."""
    users: list = []
    named: list[int] = []  # the author and co-signers, looked up together
    named_at = None  # where they go in `users`
    for name in audiences:
        audience = AUDIENCES[name]
        if audience.by_id:
            if named_at is None:
                named_at = len(users)
            named.extend(audience.resolve(proposal, to_state))
        else:
            users.extend(audience.resolve(proposal, to_state))
    if named:
        users[named_at:named_at] = _people(named)
    return users


def queue(audiences, proposal: Proposal, entry, actor_id: int | None, kind: str | None = None) -> int:
    """Add one notification per user told of this event (never the actor), in the open transaction.

    `entry` is the event's history row (anything with its id, event, to_state and at); `kind` the notice
    of the way the event went, when not its own (a draft reply to countersign). One multi-row INSERT,
    not an entity per row: nothing in the event's transaction reads them back."""
    kind = kind or entry.event
    users = _distinct(u for u in recipients(audiences, proposal, entry.to_state) if u.id != actor_id)
    if not users:
        return 0
    union_defaults = channel_defaults()  # read once, for the mail choice and the other channels
    chosen = choices([u.id for u in users], kind, union_defaults)
    rows = [
        {
            "user_id": user.id,
            "proposal_id": proposal.id,
            "event": kind,
            "history_id": entry.id,
            "created_at": entry.at,
            "email_state": "pending" if wants_mail(user) and "email" in chosen[user.id] else "skipped",
            "attempts": 0,
        }
        for user in users
    ]
    if deliveries_wanted(union_defaults):  # the rows' ids are wanted: returned by the INSERT itself
        written = db.session.execute(_NOTIFY_RETURNING, rows).all()
        queue_deliveries(written, union_defaults)
    else:
        db.session.execute(_NOTIFY, rows)
    return len(rows)


_NOTIFICATIONS = Notification.__table__
_NOTIFY = insert(_NOTIFICATIONS)
_NOTIFY_RETURNING = insert(_NOTIFICATIONS).returning(
    _NOTIFICATIONS.c.id, _NOTIFICATIONS.c.user_id, _NOTIFICATIONS.c.event, sort_by_parameter_order=True
)


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
