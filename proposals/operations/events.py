"""Firing lifecycle events: the one operation behind every page button and API event call.

The proposal's row is write-locked first (SELECT ... FOR UPDATE on PostgreSQL, the database write
lock on SQLite), so of two conflicting events the second sees the first's result and is refused
with a conflict. The engine decides; this module applies the decision (the event's handler in the
register, operations/register.py), its history row and its notifications in one transaction, or
nothing at all.
"""

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    bindparam,
    case,
    exists,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from workflow import LIFECYCLE, Actor, Decision, Facts, StateConflict, WorkflowError
from workflow.errors import N_

from .. import facts
from ..access import can_view
from ..compat import mark_written
from ..extensions import db
from ..models import (
    Assignment,
    CongressSession,
    Cosignature,
    Countersignature,
    Evaluation,
    HistoryEntry,
    Proposal,
    ReplyDraft,
    User,
)
from ..models.proposal import _COAUTHORS, _HAS_HEAD, facts_context, facts_from, people_params
from . import clock
from .errors import NotFound
from .locks import sqlite_write_lock
from .notify import queue
from .register import REGISTER
from .unit import finish

# built once (each event runs it; building a statement costs more than running it here): the
# session's settings come in the same query; only the proposal's row is locked ("OF")
_LOCKED = (
    select(Proposal)
    .where(Proposal.id == bindparam("pid"))
    .with_for_update(of=Proposal)
    .execution_options(populate_existing=True)
    .options(joinedload(Proposal.session, innerjoin=True))
)


# the same, with the acting user read again in it (with their roles and units) when the last commit expired
# them: one statement where the user's refresh would be three or four (its row, its roles, its union roles, its
# department)
_LOCKED_WITH_ACTOR = (
    select(Proposal, User)
    .outerjoin(User, User.id == bindparam("uid"))
    .where(Proposal.id == bindparam("pid"))
    .with_for_update(of=Proposal)
    .execution_options(populate_existing=True)
    .options(
        joinedload(Proposal.session, innerjoin=True),
        joinedload(User.role_rows),
        joinedload(User.union_role_rows),
        joinedload(User.department),  # (which union they belong to: access.can_view)
        joinedload(User.delegation),
    )
)


def lock_proposal(proposal_id: int, actor: User | None = None) -> Proposal:
    """Take the proposal's write lock and load it fresh, with its session; its collections load when asked.
    `actor`: who acts, read again with it if the session no longer holds them loaded (after a commit)."""
    session = db.session
    held = session.identity_map.get(identity_key(Proposal, proposal_id))
    if held is not None:
        session.expire(held)  # read before the lock: nothing of it, collections included, may be trusted now
    sqlite_write_lock(Proposal.__table__, proposal_id)  # (SQLite has no row locks: before any read)
    if actor is not None and _expired_here(actor):
        row = session.execute(_LOCKED_WITH_ACTOR, {"pid": proposal_id, "uid": inspect(actor).identity[0]})
        found = row.unique().first()
        proposal = found[0] if found else None
    else:
        proposal = session.scalar(_LOCKED, {"pid": proposal_id})
    if proposal is None:
        raise NotFound()
    return proposal


def _expired_here(user: User) -> bool:
    """Whether `user` is this session's and its row is to be read again (as a commit leaves it)."""
    state = inspect(user)
    return state.persistent and state.session_id == db.session().hash_key and "id" in state.expired_attributes


def _facts_query():
    """What the guards need of a proposal beyond its row, as one statement.

    Rows of (kind, who, acknowledged, countersigned, extended days): kind "c" a co-signer (with their delegation
    for acknowledged), "e" who rated this round, "m" the author of a proposal merged into it, "h" whether its
    delegation has a head (who: 1 or 0), "d:" and its status this round's draft reply (who: its department),
    else the assignment's role with its department as who. Built once; run with `pid`, `round` and
    models.proposal.people_params."""
    cos, asg, csg, ev, users = (m.__table__ for m in (Cosignature, Assignment, Countersignature, Evaluation, User))
    drafts = ReplyDraft.__table__
    pid, round_ = bindparam("pid"), bindparam("round")
    zero = literal_column("0")
    # agreed to the present revision of this round's draft reply
    signed = exists().where(
        csg.c.assignment_id == asg.c.id,
        csg.c.agree.is_(True),
        csg.c.reply_draft_id == drafts.c.id,
        csg.c.revision == drafts.c.revision,
        drafts.c.proposal_id == pid,
        drafts.c.round == round_,
    )
    coauthors, has_head = _COAUTHORS.subquery(), _HAS_HEAD.scalar_subquery()
    return union_all(
        # a co-signer's delegation stands where an assignment's acknowledgement does; ended co-signatures
        # (of a text sent back and resubmitted) no longer count
        select(literal_column("'c'"), cos.c.user_id, users.c.delegation_id, zero, zero)
        .join(users, users.c.id == cos.c.user_id)
        .where(cos.c.proposal_id == pid, cos.c.ended_at.is_(None)),
        select(
            asg.c.role,
            asg.c.department_id,
            case((asg.c.acknowledged_at.is_not(None), 1), else_=0),
            case((signed, 1), else_=0),
            asg.c.extended_days,
        ).where(asg.c.proposal_id == pid, asg.c.ended_at.is_(None)),
        select(literal_column("'e'"), ev.c.user_id, zero, zero, zero).where(
            ev.c.proposal_id == pid, ev.c.round == round_
        ),
        select(literal_column("'m'"), coauthors.c.author_id, zero, zero, zero),
        select(literal_column("'h'"), case((has_head, 1), else_=0), zero, zero, zero),
        select(literal("d:") + drafts.c.status, drafts.c.department_id, zero, zero, zero).where(
            drafts.c.proposal_id == pid, drafts.c.round == round_
        ),
    )


_FACTS = _facts_query()


def load_facts(proposal: Proposal, now: datetime | None = None) -> Facts:
    """The engine's facts of a (locked) proposal in one query, instead of loading four collections and
    asking models.proposal.facts_context's questions one by one."""
    params = {"pid": proposal.id, "round": proposal.rehandle_round, **people_params(proposal)}
    rows = db.session.execute(_FACTS, params).all()
    by_kind: dict[str, list] = {"c": [], "e": [], "m": [], "h": [], "a": []}
    draft = None
    for row in rows:
        kind = row[0]
        if kind in by_kind:
            by_kind[kind].append(row)
        elif kind.startswith("d:"):
            draft = (kind[2:], row[1])
        else:
            by_kind["a"].append(row)
    read = {
        "coauthors": [who for _, who, *_ in by_kind["m"]],
        "has_head": any(who for _, who, *_ in by_kind["h"]),
        "draft": draft,
    }
    return facts_from(
        proposal,
        ((who, delegation) for _, who, delegation, *_ in by_kind["c"]),
        ((who, kind, ack, signed, extended) for kind, who, ack, signed, extended in by_kind["a"]),
        (who for _, who, *_ in by_kind["e"]),
        **facts_context(proposal, now, read=read),
    )


def fire_event(
    proposal_id: int,
    event: str,
    user: User | None,
    payload=None,
    *,
    now: datetime | None = None,
    before_commit: Callable[[Proposal], None] | None = None,
) -> Proposal:
    """Fire `event` on a proposal as `user` (None: the system) and commit, or raise and change nothing.

    `before_commit(proposal)` reads what the event made (the number it gave, the state it reached)
    while it is loaded, so the page need not read the proposal again after the commit. Inside a
    unit_of_work() (bulk.fire_on_all) the event is only flushed, the block committing; a refusal rolls
    back the whole block."""
    return fire_events(proposal_id, [(event, payload)], user, now=now, before_commit=before_commit)


def fire_events(
    proposal_id: int,
    events: list[tuple[str, dict | None]],
    user: User | None,
    *,
    now: datetime | None = None,
    before_commit: Callable[[Proposal], None] | None = None,
) -> Proposal:
    """Fire `events` one after the other on a proposal as `user`, each seeing the one before, and commit
    them together: all of them, or (on the first refusal, which is raised with its `event` set) none.
    Accepting and assigning from one form is two events in one transaction."""
    now = now or clock.utcnow()
    decisions = []
    try:
        for event, payload in events:
            try:
                proposal, decision = _fire_one(proposal_id, event, user, payload, now)
            except WorkflowError as exc:
                exc.event = event  # which of them was refused: the page puts its errors next to that form
                raise
            decisions.append(decision)
        proposal.decisions = decisions  # what was decided, for the page to say (web/done.py)
        if before_commit is not None:
            before_commit(proposal)
        finish()
    except WorkflowError:
        db.session.rollback()
        raise
    except (StaleDataError, IntegrityError, OperationalError) as exc:
        db.session.rollback()
        if isinstance(exc, OperationalError) and not _lost_a_lock(exc):
            raise
        current = db.session.get(Proposal, proposal_id)
        raise StateConflict(
            N_("Someone else changed this proposal at the same moment; please look again."),
            state=current.state if current else "",
        ) from exc
    return proposal


def _fire_one(proposal_id: int, event: str, user: User | None, payload, now: datetime) -> tuple[Proposal, Decision]:
    """Decide and apply one event under the proposal's lock, without committing."""
    proposal = lock_proposal(proposal_id, user)
    if user is not None and not can_view(user, proposal):
        raise NotFound()
    actor = user.actor(proposal.session.union_id) if user is not None else Actor.system()
    settings = proposal.session.settings(today=clock.local_date(now))
    decision = LIFECYCLE.decide(event, load_facts(proposal, now), actor, settings, payload)
    record = apply(decision, proposal, user, now)
    update_row(proposal)
    entry = write_history(proposal, decision, user, now, record)
    if REGISTER[decision.event].facts:  # it wrote assignments or replies: the facts kept on the row
        facts.refresh_one(proposal)
    queue(decision.notify, proposal, entry, user.id if user else None, kind=decision.notice)
    return proposal, decision


# PostgreSQL's codes for losing to another transaction: deadlock detected, serialization failure, lock not available
LOST_A_LOCK = ("40P01", "40001", "55P03")


def _lost_a_lock(exc: OperationalError) -> bool:
    """Whether the database refused because another transaction held what this one needed."""
    code = getattr(exc.orig, "sqlstate", None)
    if code is not None:
        return code in LOST_A_LOCK
    return "locked" in str(exc.orig)  # SQLite: "database is locked"


def write_history(proposal: Proposal, decision: Decision, user: User | None, now: datetime, record: dict):
    payload = {**decision.payload, **record}
    return write_history_row(proposal, decision.event, user, now, decision.from_state, decision.to_state, payload)


class Written(NamedTuple):
    """A history row just written: what its notifications refer to."""

    id: int
    event: str
    to_state: str
    at: datetime


def _history_insert():
    """The history row's INSERT, built once: its sequence number is computed by the INSERT itself (one
    statement, not a query and an insert), and it returns the new row's id."""
    table = HistoryEntry.__table__
    next_seq = (
        select(func.coalesce(func.max(table.c.seq), 0) + 1)
        .where(table.c.proposal_id == bindparam("of_proposal"))
        .scalar_subquery()
    )
    return insert(table).values(seq=next_seq).returning(table.c.id)


_HISTORY_INSERT = _history_insert()


def write_history_row(proposal, event, user, now, from_state, to_state, payload) -> Written:
    """Append one row to the proposal's history (its row lock is held, so the sequence is safe)."""
    row = {
        "of_proposal": proposal.id,
        "proposal_id": proposal.id,
        "event": event,
        "actor_id": user.id if user else None,
        "at": now,
        "from_state": from_state,
        "to_state": to_state,
        "comment": payload.get("reason") or payload.get("comment") or payload.get("note"),
        "payload": payload,
    }
    entry_id = db.session.execute(_HISTORY_INSERT, row).scalar_one()
    return Written(entry_id, event, to_state, now)


def update_row(proposal: Proposal) -> None:
    """Write the proposal's changed columns as one UPDATE guarded by its version (a stale version raises
    StaleDataError, as the unit of work does), instead of through the unit of work, and mark them written
    on the entity, which callers read afterwards."""
    state = inspect(proposal)
    columns = state.mapper.column_attrs
    changes = {key: state.dict[key] for key in state.committed_state if key in columns}
    if not changes:
        return
    version = proposal.version
    changes["version"] = version + 1
    # straight on the connection: the session's autoflush would write the same changes through the ORM first
    params = {f"new_{key}": value for key, value in changes.items()}
    result = db.session.connection().execute(_row_update(tuple(changes)), {**params, "pk": proposal.id, "at": version})
    if result.rowcount != 1:
        raise StaleDataError(f"proposal {proposal.id} is no longer at version {version}")
    for key, value in changes.items():
        set_committed_value(proposal, key, value)
    if not state.committed_state:  # nothing left for the unit of work: off the dirty list, or each flush plans for it
        mark_written(proposal, db.session)


_ROW_UPDATES: dict[tuple, object] = {}


def _row_update(keys: tuple):
    """The UPDATE of these columns of a proposal at a version, built once per set of columns (an event's
    handler changes the same ones each time)."""
    found = _ROW_UPDATES.get(keys)
    if found is None:
        table = Proposal.__table__
        found = _ROW_UPDATES[keys] = (
            update(table)
            .where(table.c.id == bindparam("pk"), table.c.version == bindparam("at"))
            .values({key: bindparam(f"new_{key}") for key in keys})
        )
    return found


# -- applying decisions ---------------------------------------------------------------------------


def apply(decision: Decision, proposal: Proposal, user: User | None, now: datetime) -> dict:
    """Record what the event does beyond the state change; return what the history row should keep."""
    record: dict = {}
    handler = REGISTER[decision.event].handler
    if handler is not None:
        record = handler(decision, proposal, user, now) or {}
    if "to_suggestion" in decision.effects:
        proposal.kind = "suggestion"
    if "number" in decision.effects:
        proposal.number = _next_number(proposal.session_id)
        record["number"] = proposal.number
    proposal.state = decision.to_state
    proposal.updated_at = now
    return record


_NEXT_NUMBER = (
    update(CongressSession.__table__)
    .where(CongressSession.__table__.c.id == bindparam("sid"))
    .values(last_number=CongressSession.__table__.c.last_number + 1)
    .returning(CongressSession.__table__.c.last_number)
)


def _next_number(session_id: int) -> int:
    """The session's next acceptance number: gapless, because it rolls back with the event."""
    with db.session.no_autoflush:  # the proposal's changes go out in one UPDATE, at the history row's flush
        return db.session.execute(_NEXT_NUMBER, {"sid": session_id}).scalar_one()


def available_events(proposal: Proposal, user: User, facts: Facts | None = None) -> list[str]:
    """The events `user` may fire on `proposal` now; what pages show as buttons and the API lists. `facts`:
    the proposal's, when the caller has them already."""
    settings = proposal.session.settings(today=clock.local_date(clock.utcnow()))
    facts = facts if facts is not None else proposal.facts()
    return LIFECYCLE.available_events(facts, user.actor(proposal.session.union_id), settings)
