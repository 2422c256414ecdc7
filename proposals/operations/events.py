"""Firing lifecycle events: the one operation behind every page button and API event call.

The proposal's row is write-locked first (SELECT ... FOR UPDATE on PostgreSQL, the database write
lock on SQLite), so of two conflicting events the second sees the first's result and is refused
with a conflict. The engine decides; this module applies the decision, its history row and its
notifications in one transaction, or nothing at all.
"""

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, case, exists, func, insert, inspect, literal_column, select, union_all, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from workflow import LIFECYCLE, Actor, Decision, Facts, InvalidPayload, StateConflict, WorkflowError
from workflow.errors import N_
from workflow.payload import message

from ..access import can_view
from ..extensions import db
from ..facts import after_event
from ..models import (
    Assignment,
    CongressSession,
    Cosignature,
    Countersignature,
    Evaluation,
    HistoryEntry,
    OrgUnit,
    ProgressNote,
    Proposal,
    Reply,
    User,
)
from ..models.proposal import facts_from
from . import clock
from .errors import NotFound
from .locks import sqlite_write_lock
from .notify import queue

MERGE_TARGET_STATES = ("review", "accepted", "assigned", "in_progress", "replied", "closed")


def lock_proposal(proposal_id: int) -> Proposal:
    """Take the proposal's write lock and load it fresh, with its session; its collections load when asked."""
    session = db.session
    held = session.identity_map.get(identity_key(Proposal, proposal_id))
    if held is not None:
        session.expire(held)  # read before the lock: nothing of it, collections included, may be trusted now
    sqlite_write_lock(Proposal.__table__, proposal_id)  # (SQLite has no row locks: before any read)
    # the session's settings come in the same query; only the proposal's row is locked ("OF")
    stmt = (
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .with_for_update(of=Proposal)
        .execution_options(populate_existing=True)
        .options(joinedload(Proposal.session, innerjoin=True))
    )
    proposal = session.scalar(stmt)
    if proposal is None:
        raise NotFound()
    return proposal


def _facts_query():
    """What the guards need of a proposal's co-signatures, active assignments and ratings, as one statement.

    Rows of (kind, who, acknowledged, countersigned, extended days): kind "c" a co-signer, "e" who rated this
    round, else the assignment's role with its department as who. Built once; run with `pid` and `round`."""
    cos, asg, csg, ev = (m.__table__ for m in (Cosignature, Assignment, Countersignature, Evaluation))
    pid, round_ = bindparam("pid"), bindparam("round")
    zero = literal_column("0")
    signed = exists().where(csg.c.assignment_id == asg.c.id, csg.c.round == round_)
    return union_all(
        select(literal_column("'c'"), cos.c.user_id, zero, zero, zero).where(cos.c.proposal_id == pid),
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
    )


_FACTS = _facts_query()


def load_facts(proposal: Proposal) -> Facts:
    """The engine's facts of a (locked) proposal in one query, instead of loading four collections."""
    rows = db.session.execute(_FACTS, {"pid": proposal.id, "round": proposal.rehandle_round}).all()
    return facts_from(
        proposal,
        (who for kind, who, *_ in rows if kind == "c"),
        ((who, kind, ack, signed, extended) for kind, who, ack, signed, extended in rows if kind not in ("c", "e")),
        (who for kind, who, *_ in rows if kind == "e"),
    )


def fire_event(
    proposal_id: int, event: str, user: User | None, payload=None, *, now: datetime | None = None
) -> Proposal:
    """Fire `event` on a proposal as `user` (None: the system) and commit, or raise and change nothing."""
    now = now or clock.utcnow()
    try:
        proposal = lock_proposal(proposal_id)
        if user is not None and not can_view(user, proposal):
            raise NotFound()
        actor = user.actor() if user is not None else Actor.system()
        decision = LIFECYCLE.decide(event, load_facts(proposal), actor, proposal.session.settings(), payload)
        record = apply(decision, proposal, user, now)
        update_row(proposal)
        entry = write_history(proposal, decision, user, now, record)
        after_event(decision.event, proposal)  # the facts the statistics keep on the row (facts.py)
        queue(decision.notify, proposal, entry, user.id if user else None)
        db.session.commit()
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
    table, version = Proposal.__table__, proposal.version
    changes["version"] = version + 1
    # straight on the connection: the session's autoflush would write the same changes through the ORM first
    result = db.session.connection().execute(
        update(table).where(table.c.id == proposal.id, table.c.version == version).values(changes)
    )
    if result.rowcount != 1:
        raise StaleDataError(f"proposal {proposal.id} is no longer at version {version}")
    for key, value in changes.items():
        set_committed_value(proposal, key, value)
    if not state.committed_state:  # nothing left for the unit of work: off the dirty list, or each flush plans for it
        state._commit_all(state.dict, db.session.identity_map)


# -- applying decisions ---------------------------------------------------------------------------


def apply(decision: Decision, proposal: Proposal, user: User | None, now: datetime) -> dict:
    """Record what the event does beyond the state change; return what the history row should keep."""
    record: dict = {}
    handler = _HANDLERS.get(decision.event)
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


def _next_number(session_id: int) -> int:
    """The session's next acceptance number: gapless, because it rolls back with the event."""
    with db.session.no_autoflush:  # the proposal's changes go out in one UPDATE, at the history row's flush
        return db.session.execute(
            update(CongressSession)
            .where(CongressSession.id == session_id)
            .values(last_number=CongressSession.last_number + 1)
            .returning(CongressSession.last_number)
        ).scalar_one()


def _department(dept_id: int, field: str) -> OrgUnit:
    unit = db.session.get(OrgUnit, dept_id)
    if unit is None or unit.kind != "department" or not unit.active:
        raise InvalidPayload({field: message(N_("No such department."))})
    return unit


def _own_assignment(proposal: Proposal, user: User) -> Assignment:
    return next(a for a in proposal.active_assignments if a.department_id == user.department_id)


def _on_submit(d, proposal, user, now):
    proposal.submitted_at = now
    if proposal.delegation_id is None:
        proposal.delegation_id = proposal.author.delegation_id


def _on_withdraw(d, proposal, user, now):
    # a draft withdrawn after being sent back holds text never submitted: like a draft withdrawn before
    # its first submission it is its author's alone (access.can_view), not the committee's or co-signers'
    if d.from_state == "draft":
        proposal.submitted_at = None


def _on_cosign(d, proposal, user, now):
    # added by itself, as the rows of the handlers below: appending to the collection would load it first
    db.session.add(
        Cosignature(proposal_id=proposal.id, user_id=user.id, comment=d.payload.get("comment"), created_at=now)
    )


def _on_decision(d, proposal, user, now):
    proposal.decided_at = now


def _on_merge(d, proposal, user, now):
    target_id = d.payload["into_id"]
    # share-locked until the commit, so that it cannot be withdrawn or merged itself meanwhile; two
    # proposals merged into each other at once lock each other, and the database refuses one (deadlock)
    target = db.session.scalar(
        select(Proposal)
        .where(Proposal.id == target_id)
        .with_for_update(read=True, of=Proposal)
        .execution_options(populate_existing=True)
    )
    if target is None or not can_view(user, target) or target.id == proposal.id:
        raise InvalidPayload({"into_id": message(N_("No such proposal to merge into."))})
    if target.session_id != proposal.session_id or target.state not in MERGE_TARGET_STATES:
        raise InvalidPayload(
            {"into_id": message(N_("Only a proposal of the same session that is under review or accepted."))}
        )
    proposal.merged_into_id = target.id
    proposal.decided_at = now


def _on_assign(d, proposal, user, now):
    lead_id = d.payload["lead_department_id"]
    co_ids = d.payload.get("cohandler_department_ids", [])
    _department(lead_id, "lead_department_id")
    for dept_id in co_ids:
        _department(dept_id, "cohandler_department_ids")
    if lead_id in co_ids:
        raise InvalidPayload({"cohandler_department_ids": message(N_("The lead department cannot also co-handle."))})
    today = clock.local_date(now)
    congress = proposal.session
    ack = clock.add_working_days(today, congress.ack_days)
    reply = clock.add_working_days(today, congress.reply_days)
    for dept_id, role in [(lead_id, "lead"), *((c, "cohandler") for c in co_ids)]:
        proposal.assignments.append(
            Assignment(
                department_id=dept_id,
                role=role,
                assigned_at=now,
                ack_deadline=ack,
                ack_start=today,
                ack_working_days=congress.ack_days,
                reply_deadline=reply,
                reply_start=today,
                reply_working_days=congress.reply_days,
            )
        )
    return {"ack_deadline": ack.isoformat(), "reply_deadline": reply.isoformat()}


def _on_acknowledge(d, proposal, user, now):
    _own_assignment(proposal, user).acknowledged_at = now


def _on_decline(d, proposal, user, now):
    for a in proposal.active_assignments:
        a.ended_at = now


def _on_progress(d, proposal, user, now):
    proposal.progress_notes.append(
        ProgressNote(department_id=user.department_id, user_id=user.id, note=d.payload["note"], created_at=now)
    )


def _on_countersign(d, proposal, user, now):
    db.session.add(
        Countersignature(
            assignment_id=_own_assignment(proposal, user).id,
            round=proposal.rehandle_round,
            user_id=user.id,
            comment=d.payload.get("comment"),
            created_at=now,
        )
    )


def _on_reply(d, proposal, user, now):
    lead = proposal.lead_assignment
    db.session.add(
        Reply(
            proposal_id=proposal.id,
            round=proposal.rehandle_round,
            department_id=lead.department_id,
            user_id=user.id,
            text=d.payload["text"],
            outcome=d.payload["outcome"],
            contact=d.payload.get("contact"),
            deadline=lead.reply_deadline,
            created_at=now,
        )
    )
    return {"on_time": clock.local_date(now) <= lead.reply_deadline}


def _on_evaluate(d, proposal, user, now):
    by_author = user.id == proposal.author_id
    db.session.add(
        Evaluation(
            proposal_id=proposal.id,
            round=proposal.rehandle_round,
            user_id=user.id,
            by_author=by_author,
            rating=d.payload["rating"],
            attitude=d.payload.get("attitude"),
            comment=d.payload.get("comment"),
            created_at=now,
        )
    )
    if d.to_state == "in_progress":  # unsatisfied: handled again, with a fresh reply deadline
        proposal.rehandle_round += 1
        start, days = clock.local_date(now), proposal.session.reply_days
        deadline = clock.add_working_days(start, days)
        for a in proposal.active_assignments:
            a.reply_deadline, a.reply_start, a.reply_working_days = deadline, start, days
        return {"rehandle_round": proposal.rehandle_round, "reply_deadline": deadline.isoformat()}
    if d.to_state == "closed":
        proposal.final_rating = d.payload["rating"]
        proposal.closed_at = now
    return {}


def _on_close_unrated(d, proposal, user, now):
    proposal.final_rating = "no_response"
    proposal.closed_at = now


def _on_extend(d, proposal, user, now):
    deadline = None
    for a in proposal.active_assignments:
        # counted on from the deadline's own start: the same day as counting on from the deadline
        a.reply_working_days += d.payload["days"]
        a.reply_deadline = clock.add_working_days(a.reply_start, a.reply_working_days)
        a.extended_days = d.payload["days"]
        deadline = a.reply_deadline
    return {"reply_deadline": deadline.isoformat() if deadline else None}


_HANDLERS = {
    "submit": _on_submit,
    "withdraw": _on_withdraw,
    "cosign": _on_cosign,
    "accept": _on_decision,
    "convert": _on_decision,
    "reject": _on_decision,
    "merge": _on_merge,
    "assign": _on_assign,
    "acknowledge": _on_acknowledge,
    "decline": _on_decline,
    "progress": _on_progress,
    "countersign": _on_countersign,
    "reply": _on_reply,
    "evaluate": _on_evaluate,
    "close_unrated": _on_close_unrated,
    "extend": _on_extend,
}


def available_events(proposal: Proposal, user: User) -> list[str]:
    """The events `user` may fire on `proposal` now; what pages show as buttons and the API lists."""
    return LIFECYCLE.available_events(proposal.facts(), user.actor(), proposal.session.settings())
