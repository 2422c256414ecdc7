"""The numbers the union reports (DOMAIN.md), each defined once here and computed in SQL.

The dashboard, the API and the Excel export call `report()`; a proposal's `overdue` flag and a
reply's `on_time` flag come from the same SQL expressions (`overdue_condition`, `reply_on_time`).

Definitions, over the proposals a report covers (drafts are private and never counted):
- acceptance rate: accepted or later (converted suggestions included) / reviewed (those + rejected + merged)
- reply rate: replied or later / assigned or later, by present state
- closure rate: closed or archived / accepted or later
- on-time rate: proposals whose FIRST reply was sent by the reply deadline then in force (the China-local
  date of sending <= Reply.deadline) / proposals with a reply
- satisfaction rate: author's final rating satisfied or basically satisfied / rated by the author
  (satisfied, basically satisfied, unsatisfied; a proposal closed without a rating is not counted)
- outcomes: shares of A, B and C among each proposal's LATEST reply (the answer in force)
- overdue: see overdue_condition()
Rates are fractions in [0, 1], or None when the denominator is 0.
"""

from datetime import date

from sqlalchemy import Date, and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from workflow import LIFECYCLE, OUTCOMES, RATINGS

from .access import author_visible_filter, visible_filter
from .extensions import db
from .models import NUMBERED_STATES, Assignment, Category, CongressSession, OrgUnit, Proposal, Reply, User
from .operations import clock

ACCEPTED_OR_LATER = NUMBERED_STATES  # accepted, assigned, in_progress, replied, closed, archived
REVIEWED = (*ACCEPTED_OR_LATER, "rejected", "merged")
ASSIGNED_OR_LATER = ("assigned", "in_progress", "replied", "closed", "archived")
REPLIED_OR_LATER = ("replied", "closed", "archived")
CLOSED = ("closed", "archived")
HANDLING = ("assigned", "in_progress")
SATISFIED = ("satisfied", "basically_satisfied")
EVALUATED = RATINGS
COUNTED_STATES = tuple(s for s in LIFECYCLE.states if s != "draft")


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


def local_today() -> date:
    return clock.local_date(clock.utcnow())


def overdue_condition(today: date):
    """Overdue: assigned and the lead department's acknowledgement deadline has passed, or assigned or
    in progress and the reply deadline has passed (China-local `today` after the deadline)."""
    lead = aliased(Assignment)

    def lead_deadline_passed(deadline):
        return (
            select(lead.id)
            .where(lead.proposal_id == Proposal.id, lead.role == "lead", lead.ended_at.is_(None), deadline < today)
            .correlate(Proposal)
            .exists()
        )

    return or_(
        and_(Proposal.state == "assigned", lead_deadline_passed(lead.ack_deadline)),
        and_(Proposal.state.in_(HANDLING), lead_deadline_passed(lead.reply_deadline)),
    )


def reply_on_time():
    """A reply was on time when sent (China-local date) by the deadline in force then."""
    return china_date(Reply.created_at) <= Reply.deadline


def overdue_ids(proposal_ids, today: date | None = None) -> set[int]:
    """Which of these proposals are overdue."""
    if not proposal_ids:
        return set()
    today = today or local_today()
    stmt = select(Proposal.id).where(Proposal.id.in_(list(proposal_ids)), overdue_condition(today))
    return set(db.session.scalars(stmt))


def on_time_replies(proposal_id: int) -> dict[int, bool]:
    """Each reply of a proposal, by id: whether it was on time."""
    stmt = select(Reply.id, case((reply_on_time(), True), else_=False)).where(Reply.proposal_id == proposal_id)
    return {reply_id: bool(flag) for reply_id, flag in db.session.execute(stmt)}


# -- the report ------------------------------------------------------------------------------------


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _reply_of_round(pick):
    """One row per proposal with a reply: its first (pick=min) or latest (pick=max) reply."""
    other = aliased(Reply)
    chosen = select(pick(other.round)).where(other.proposal_id == Reply.proposal_id).scalar_subquery()
    return (
        select(
            Reply.proposal_id.label("proposal_id"),
            Reply.outcome.label("outcome"),
            case((reply_on_time(), 1), else_=0).label("on_time"),
        )
        .where(Reply.round == chosen)
        .subquery()
    )


def _aggregates(today: date, first, latest) -> list:
    return [
        func.count(Proposal.id).label("total"),
        *(_count_if(Proposal.state == s).label(f"state_{s}") for s in COUNTED_STATES),
        _count_if(overdue_condition(today)).label("overdue"),
        _count_if(first.c.proposal_id.is_not(None)).label("replied"),
        _count_if(first.c.on_time == 1).label("on_time"),
        *(_count_if(latest.c.outcome == o).label(f"outcome_{o}") for o in OUTCOMES),
        _count_if(Proposal.final_rating.in_(EVALUATED)).label("evaluated"),
        _count_if(Proposal.final_rating.in_(SATISFIED)).label("satisfied"),
    ]


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _numbers(row) -> dict:
    counts = {s: int(getattr(row, f"state_{s}")) for s in COUNTED_STATES}

    def among(states):
        return sum(counts[s] for s in states)

    outcome_counts = {o: int(getattr(row, f"outcome_{o}")) for o in OUTCOMES}
    replies = sum(outcome_counts.values())
    return {
        "total": int(row.total),
        "counts": counts,
        "rates": {
            "acceptance_rate": _rate(among(ACCEPTED_OR_LATER), among(REVIEWED)),
            "reply_rate": _rate(among(REPLIED_OR_LATER), among(ASSIGNED_OR_LATER)),
            "closure_rate": _rate(among(CLOSED), among(ACCEPTED_OR_LATER)),
            "on_time_rate": _rate(int(row.on_time), int(row.replied)),
            "satisfaction_rate": _rate(int(row.satisfied), int(row.evaluated)),
        },
        "outcomes": {o: _rate(n, replies) for o, n in outcome_counts.items()},
        "outcome_counts": outcome_counts,
        "overdue": int(row.overdue),
    }


def report(session_id: int | None = None, *, user: User | None = None, today: date | None = None) -> dict:
    """Every number, overall and broken down by department (the lead of the active assignment),
    category, delegation and session. With `user`, only the proposals that user may see count."""
    today = today or local_today()
    first, latest = _reply_of_round(func.min), _reply_of_round(func.max)
    where = [Proposal.state != "draft"]
    if session_id is not None:
        where.append(Proposal.session_id == session_id)
    if user is not None:
        where.append(visible_filter(user))

    def grouped(keys=(), joins=(), order_by=(), extra=()):
        stmt = select(*keys, *_aggregates(today, first, latest)).select_from(Proposal)
        for target, on in joins:
            stmt = stmt.join(target, on)
        stmt = stmt.outerjoin(first, first.c.proposal_id == Proposal.id)
        stmt = stmt.outerjoin(latest, latest.c.proposal_id == Proposal.id).where(*where, *extra)
        if keys:
            stmt = stmt.group_by(*keys).order_by(*order_by)
        return db.session.execute(stmt).all()

    def by_unit(unit, joins, id_name, extra=()):
        rows = grouped((unit.id, unit.code, unit.name), joins, (unit.code,), extra)
        return [{id_name: r.id, "code": r.code, "name": r.name, **_numbers(r)} for r in rows]

    lead, department, delegation = aliased(Assignment), aliased(OrgUnit), aliased(OrgUnit)
    lead_of = and_(lead.proposal_id == Proposal.id, lead.role == "lead", lead.ended_at.is_(None))
    categories = grouped(
        (Category.id, Category.code, Category.name, Category.position),
        [(Category, Category.id == Proposal.category_id)],
        (Category.position, Category.code),
    )
    return {
        "session_id": session_id,
        "today": today.isoformat(),
        **_numbers(grouped()[0]),
        "by_department": by_unit(
            department, [(lead, lead_of), (department, department.id == lead.department_id)], "department_id"
        ),
        "by_category": [{"category": r.code, "name": r.name, **_numbers(r)} for r in categories],
        # a confidential author's delegation is counted only for those who may know the author (as the list)
        "by_delegation": by_unit(
            delegation,
            [(delegation, delegation.id == Proposal.delegation_id)],
            "delegation_id",
            [author_visible_filter(user)] if user is not None else [],
        ),
        "by_session": by_unit(
            CongressSession, [(CongressSession, CongressSession.id == Proposal.session_id)], "session_id"
        ),
    }


# -- what the dashboard shows beside the report -----------------------------------------------------

# the proposals behind each rate: the states of its denominator (what a figure links to)
RATE_BASES = {
    "acceptance_rate": REVIEWED,
    "reply_rate": ASSIGNED_OR_LATER,
    "closure_rate": ACCEPTED_OR_LATER,
    "on_time_rate": REPLIED_OR_LATER,
    "satisfaction_rate": CLOSED,
}


def overdue_proposals(session_id: int | None = None, *, user: User | None = None, today: date | None = None) -> list:
    """The overdue proposals themselves (what the `overdue` count counts), the longest overdue first."""
    today = today or local_today()
    lead = aliased(Assignment)
    stmt = (
        select(Proposal, lead)
        .join(lead, and_(lead.proposal_id == Proposal.id, lead.role == "lead", lead.ended_at.is_(None)))
        .where(overdue_condition(today))
    )
    if session_id is not None:
        stmt = stmt.where(Proposal.session_id == session_id)
    if user is not None:
        stmt = stmt.where(visible_filter(user))
    rows = db.session.execute(stmt).all()

    def due(assignment) -> date:
        return assignment.ack_deadline if assignment.acknowledged_at is None else assignment.reply_deadline

    return [p for p, _ in sorted(rows, key=lambda row: (due(row[1]), row[0].id))]


def ranked(rows: list[dict], rate: str) -> list[dict]:
    """Rows of a breakdown (by_department ...) best first by one of their rates; those without it last."""
    return sorted(rows, key=lambda r: (r["rates"][rate] is None, -(r["rates"][rate] or 0), r.get("code") or ""))


def trend(*, user: User | None = None, today: date | None = None) -> list[dict]:
    """The numbers of every session with proposals, side by side, the earliest session first (by the start
    of its collection, else by when it was created)."""
    sessions = db.session.execute(
        select(CongressSession.id, CongressSession.collection_start, CongressSession.created_at)
    )
    began = {sid: (start or created.date(), sid) for sid, start, created in sessions}
    return sorted(report(user=user, today=today)["by_session"], key=lambda s: began[s["session_id"]])
