"""The per-proposal facts the statistics need, kept on the proposal's row.

They are derived from the truth rows (assignments and replies) and never written by hand: `refresh()`
recomputes them in one set-based UPDATE, in the same transaction as the change to those rows
(fire_event for the events whose register entry says so, generate in bulk, the migration for what was
there before).
So the report is one GROUP BY over `proposals` alone, with no join, whatever the size.

- lead_department_id, lead_ack_deadline, lead_reply_deadline: of the active lead assignment (role lead,
  not ended; the first made, as Proposal.facts reads it), null when there is none;
- first_reply_on_time: whether the FIRST reply (lowest round) was on time (reply_on_time), null when no reply;
- latest_outcome: the LATEST reply's outcome (the answer in force), null when no reply;
- countersign_deadline: the earliest deadline of a co-handling department yet to countersign the draft
  reply (Assignment.countersign_deadline), null when none is awaited;
- first_reply_working_days (REPLY_DAYS, apart from COLUMNS): the working days from the lead assignment the
  FIRST reply answered to that reply (first_replies, working_days_to_reply), null when no reply answered an
  assignment, on the calendar deadlines are counted on (clock.working_calendar: the national one, the years the
  union loaded, its own days). The calendar is not in SQL, so it is counted here in Python, by the same
  refreshes (refresh_reply_days), and again when the union changes one of its days or loads a year.

Replies are the released ones (the draft stays in reply_drafts until it goes out): a reply's date is
its release, the moment the author receives it.
"""

from datetime import datetime

from sqlalchemy import Date, and_, bindparam, case, func, select, update
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from workflow import LIFECYCLE, calendar

from .extensions import db
from .models import Assignment, Proposal, Reply

COLUMNS = (
    "lead_department_id",
    "lead_ack_deadline",
    "lead_reply_deadline",
    "first_reply_on_time",
    "latest_outcome",
    "countersign_deadline",
)
REPLY_DAYS = "first_reply_working_days"
REPLIED_STATES = frozenset(LIFECYCLE.or_later("replied"))  # where a proposal is when its first reply goes out


class china_date(FunctionElement):
    """The date in China (UTC+8; no daylight saving since 1991) of a naive UTC timestamp column."""

    type = Date()
    name = "china_date"
    inherit_cache = True


@compiles(china_date, "sqlite")
def _china_date_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(china_date)
def _china_date_default(element, compiler, **kw):
    return f"CAST(({compiler.process(element.clauses, **kw)}) + INTERVAL '8 hours' AS DATE)"


def reply_on_time():
    """A reply was on time when sent (China-local date) by the deadline in force then."""
    return china_date(Reply.created_at) <= Reply.deadline


def _lead(column):
    """`column` of the proposal's active lead assignment (at most one at a time; the first made if not)."""
    active_lead = and_(Assignment.proposal_id == Proposal.id, Assignment.role == "lead", Assignment.ended_at.is_(None))
    return select(column).where(active_lead).order_by(Assignment.id).limit(1).scalar_subquery()


def _reply(column, order):
    return select(column).where(Reply.proposal_id == Proposal.id).order_by(order).limit(1).scalar_subquery()


def _expressions() -> dict:
    """Each fact as an SQL expression correlated to the proposal's row: the one definition of each."""
    return {
        "lead_department_id": _lead(Assignment.department_id),
        "lead_ack_deadline": _lead(Assignment.ack_deadline),
        "lead_reply_deadline": _lead(Assignment.reply_deadline),
        "first_reply_on_time": _reply(case((reply_on_time(), True), else_=False), Reply.round),
        "latest_outcome": _reply(Reply.outcome, Reply.round.desc()),
        "countersign_deadline": select(func.min(Assignment.countersign_deadline))
        .where(Assignment.proposal_id == Proposal.id, Assignment.ended_at.is_(None), Assignment.role == "cohandler")
        .scalar_subquery(),
    }


def facts_update(condition):
    """The UPDATE that recomputes the facts of the proposals matching `condition` from their rows."""
    table = Proposal.__table__
    # derived columns, not a change of the proposal: its updated_at stays (else onupdate would set it)
    return update(table).where(condition).values({**_expressions(), "updated_at": table.c.updated_at})


def refresh(condition) -> None:
    """Recompute the facts of the proposals matching `condition`, in the current transaction (after the
    session's pending assignments and replies are written)."""
    db.session.flush()
    db.session.connection().execute(facts_update(condition))
    refresh_reply_days(condition)


def refresh_facts(proposal_ids) -> None:
    """Recompute these proposals' facts; loaded proposals read them afresh when next asked."""
    ids = list(proposal_ids)
    if not ids:
        return
    refresh(Proposal.id.in_(ids))
    for proposal in db.session.identity_map.values():
        if isinstance(proposal, Proposal) and proposal.id in ids:
            db.session.expire(proposal, (*COLUMNS, REPLY_DAYS))


_REFRESH_ONE = facts_update(Proposal.__table__.c.id == bindparam("pid"))  # built once: every such event runs it


def refresh_one(proposal: Proposal) -> None:
    """Recompute one proposal's facts once an event's rows are written; it reads them afresh when asked."""
    db.session.flush()
    db.session.connection().execute(_REFRESH_ONE, {"pid": proposal.id})
    # the first reply's working days are set once, when it goes out (a later assignment or reply never
    # changes which assignment the first reply answered): no count for an event before or after that
    if proposal.first_reply_working_days is None and proposal.state in REPLIED_STATES:
        refresh_reply_days(Proposal.id == proposal.id)
    db.session.expire(proposal, (*COLUMNS, REPLY_DAYS))


def stored(condition=None) -> dict[int, tuple]:
    """The facts as stored, by proposal id (what tests compare to `recomputed`)."""
    stmt = select(Proposal.id, *(getattr(Proposal, c) for c in COLUMNS))
    if condition is not None:
        stmt = stmt.where(condition)
    return {pid: tuple(rest) for pid, *rest in db.session.execute(stmt)}


def recomputed(condition=None) -> dict[int, tuple]:
    """The facts computed now from the assignments and replies, by proposal id, without writing them."""
    expressions = _expressions()
    stmt = select(Proposal.id, *(expressions[c] for c in COLUMNS))
    if condition is not None:
        stmt = stmt.where(condition)
    return {pid: tuple(rest) for pid, *rest in db.session.execute(stmt)}


# -- the working days to the first reply -------------------------------------------------------------


def first_replies(*columns):
    """Each proposal's FIRST reply (round 0, drafts never count) with the moment of the lead assignment it
    answered (the latest made before it) and the moment it was sent, and `columns` beside."""
    assigned = (
        select(func.max(Assignment.assigned_at))
        .where(Assignment.proposal_id == Reply.proposal_id, Assignment.role == "lead")
        .where(Assignment.assigned_at <= Reply.created_at)
        .scalar_subquery()
    )
    return (
        select(Reply.proposal_id, assigned, Reply.created_at, *columns)
        .join(Proposal, Proposal.id == Reply.proposal_id)
        .where(Reply.round == 0, Proposal.state != "draft")
    )


def working_days_to_reply(assigned_at: datetime, replied_at: datetime, off, on) -> int:
    """The working days (the national calendar with the days off `off` and working days `on` beyond it: the
    loaded years' and the union's own) after the China-local date of the assignment up to the China-local
    date of the reply."""
    from .operations import clock  # (operations import this module)

    start, end = clock.local_date(assigned_at), clock.local_date(replied_at)
    return max(calendar.working_days_between(start, end, off, on), 0)


def reply_days(condition=None, *columns) -> dict[int, tuple]:
    """The working days to the first reply counted now from the assignments and replies (the one
    definition), by proposal id: {id: (days, *columns)}, for the proposals with a first reply that
    answered an assignment."""
    from .operations import clock  # (operations import this module)

    stmt = first_replies(*columns)
    if condition is not None:
        stmt = stmt.where(condition)
    working = clock.working_calendar()  # (the same days as the deadlines: the years loaded too)
    return {
        pid: (working_days_to_reply(assigned_at, replied_at, working.off, working.on), *rest)
        for pid, assigned_at, replied_at, *rest in db.session.execute(stmt)
        if assigned_at is not None
    }


def refresh_reply_days(condition) -> None:
    """Recompute first_reply_working_days of the proposals matching `condition` that have a first reply:
    an UPDATE per count of days among those that changed."""
    changed: dict[int | None, list[int]] = {}
    for pid, (days, stored) in reply_days(condition, Proposal.first_reply_working_days).items():
        if days != stored:
            changed.setdefault(days, []).append(pid)
    table = Proposal.__table__
    for days, ids in changed.items():
        for start in range(0, len(ids), 500):
            db.session.connection().execute(
                update(table)
                .where(table.c.id.in_(ids[start : start + 500]))
                .values({REPLY_DAYS: days, "updated_at": table.c.updated_at})
            )


def stored_reply_days(condition=None) -> dict[int, int]:
    """first_reply_working_days as stored, by proposal id, where set (what tests compare to reply_days)."""
    stmt = select(Proposal.id, Proposal.first_reply_working_days).where(Proposal.first_reply_working_days.is_not(None))
    if condition is not None:
        stmt = stmt.where(condition)
    return dict(db.session.execute(stmt).all())
