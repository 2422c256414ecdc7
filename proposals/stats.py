"""The numbers the union reports (DOMAIN.md), each defined once here and computed in SQL.

The dashboard, the API and the Excel export call `report()`; a proposal's `overdue` flag and a
reply's `on_time` flag come from the same SQL expressions (`overdue_condition`, `facts.reply_on_time`).
The facts of assignments and replies the numbers need are kept on the proposal row (facts.py), so
the report reads `proposals` alone.

Definitions, over the proposals a report covers (drafts are private and never counted):
- acceptance rate: accepted or later (converted suggestions included) / reviewed (those + rejected + merged)
- reply rate: replied or later / assigned or later, by present state
- closure rate: closed or archived / accepted or later
- on-time rate: proposals whose FIRST reply was sent by the reply deadline then in force (the China-local
  date of sending <= Reply.deadline) / proposals with a reply
- satisfaction rate: author's final rating satisfied or basically satisfied / rated by the author
  (satisfied, basically satisfied, unsatisfied; a proposal closed without a rating is not counted)
- co-signers' satisfaction rate (cosigner_satisfaction_rate, in each breakdown too): the co-signers' (and
  co-authors') ratings satisfied or basically satisfied / all their ratings, each rating counted (one a
  co-signer a round), _add_cosigner_ratings(); they rate when they wish, so it is apart from the author's
- outcomes: shares of each reply class (by code: A, B, C and the sessions' own) among each proposal's
  LATEST reply (the answer in force)
- overdue: see overdue_condition()
- average working days to reply (avg_working_days_to_reply, in each breakdown too): over the proposals with a
  reply, the working days from the lead assignment to the first reply, kept on the row (facts.py,
  first_reply_working_days) and summed in SQL; None when there is none
Rates are fractions in [0, 1], or None when the denominator is 0.
"""

from datetime import date

from flask_babel import gettext
from sqlalchemy import and_, case, func, literal, null, or_, select, true, tuple_, union_all

from workflow import LIFECYCLE, OUTCOMES, RATINGS
from workflow.errors import N_

from . import facts, unions
from .access import author_visible_filter, visible_filter
from .extensions import db
from .facts import reply_on_time
from .models import (
    KINDS,
    NUMBERED_STATES,
    Category,
    CongressSession,
    Evaluation,
    OrgUnit,
    Proposal,
    Reply,
    User,
)
from .operations import clock

# the states of workflow/definition.py by their tags, and "or later" along its main way
ACCEPTED_OR_LATER = LIFECYCLE.or_later("accepted")  # accepted, assigned, in_progress, replied, closed, archived
assert set(ACCEPTED_OR_LATER) == set(NUMBERED_STATES), (
    "workflow/definition.py: the states tagged 'numbered' must be those from 'accepted' on along the main way "
    f"(numbered {sorted(NUMBERED_STATES)}, accepted or later {sorted(ACCEPTED_OR_LATER)})"
)
REVIEWED = LIFECYCLE.tagged("decided")  # accepted or later, rejected and merged
ASSIGNED_OR_LATER = LIFECYCLE.or_later("assigned")
REPLIED_OR_LATER = LIFECYCLE.or_later("replied")
CLOSED = LIFECYCLE.or_later("closed")
HANDLING = LIFECYCLE.tagged("handling")
SATISFIED = ("satisfied", "basically_satisfied")
EVALUATED = RATINGS
COUNTED_STATES = tuple(s for s in LIFECYCLE.states if s != "draft")
KIND_LABELS = {"proposal": N_("Proposal"), "suggestion": N_("Suggestion")}


def local_today() -> date:
    return clock.local_date(clock.utcnow())


# The one definition of overdue, on a proposal's row (its active lead assignment's deadlines are kept on
# it, facts.py): per deadline, the states in which it runs and the column that holds it. Overdue is a
# deadline running and China-local today after it: the acknowledgement while assigned, the reply while
# assigned or in progress.
OVERDUE = (
    ("ack", ("assigned",), "lead_ack_deadline"),
    ("reply", HANDLING, "lead_reply_deadline"),
    # a co-handling department's countersignature of the draft reply (its own deadline, countersign_days)
    ("countersign", HANDLING, "countersign_deadline"),
)


def overdue_condition(today: date):
    """Overdue as a condition on a proposal row, for lists, counts and the report."""
    # (a deadline not set is not passed: false, never NULL, so that "not overdue" holds for it too)
    return or_(
        *(
            and_(Proposal.state.in_(s), getattr(Proposal, c).is_not(None), getattr(Proposal, c) < today)
            for _, s, c in OVERDUE
        )
    )


def overdue_deadlines(proposal: Proposal, today: date) -> set[str]:
    """Which of a proposal's deadlines ("ack", "reply") are overdue: overdue_condition's twin, for one
    proposal already loaded (its deadline columns as stored)."""
    found = set()
    for kind, states, column in OVERDUE:
        due = getattr(proposal, column)
        if proposal.state in states and due is not None and due < today:
            found.add(kind)
    return found


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
    return func.count().filter(condition)  # COUNT(*) FILTER (WHERE ...): no CASE per row


def outcome_codes(session_id: int | None = None) -> tuple[str, ...]:
    """The reply classes a report counts, by code: DOMAIN's A, B and C, then the other classes of the
    session's (or every session's) outcome_classes; across sessions a code counts together."""
    stmt = select(CongressSession.outcome_classes).order_by(CongressSession.id)
    if session_id is not None:
        stmt = stmt.where(CongressSession.id == session_id)
    codes = dict.fromkeys(OUTCOMES)
    for classes in db.session.scalars(stmt):
        codes.update(dict.fromkeys(c["code"] for c in classes or ()))
    return tuple(codes)


def _aggregates(today: date, codes: tuple[str, ...] = OUTCOMES) -> list:
    """The counts every number is made of; all of them sums, so that groups add up."""
    return [
        func.count().label("total"),
        *(_count_if(Proposal.state == s).label(f"state_{s}") for s in COUNTED_STATES),
        _count_if(overdue_condition(today)).label("overdue"),
        _count_if(Proposal.first_reply_on_time.is_not(None)).label("replied"),
        _count_if(Proposal.first_reply_on_time.is_(True)).label("on_time"),
        *(_count_if(Proposal.latest_outcome == o).label(f"outcome_{o}") for o in codes),
        _count_if(Proposal.final_rating.in_(EVALUATED)).label("evaluated"),
        _count_if(Proposal.final_rating.in_(SATISFIED)).label("satisfied"),
        # the working days to the first reply, kept on the row (facts.py): their sum and how many
        func.sum(Proposal.first_reply_working_days).label("reply_days"),
        func.count(Proposal.first_reply_working_days).label("reply_days_n"),
    ]


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _numbers(row: dict) -> dict:
    counts = {s: int(row[f"state_{s}"]) for s in COUNTED_STATES}

    def among(states):
        return sum(counts[s] for s in states)

    outcome_counts = {k[len("outcome_") :]: int(v) for k, v in row.items() if k.startswith("outcome_")}
    replies = sum(outcome_counts.values())
    return {
        "total": int(row["total"]),
        "accepted": among(ACCEPTED_OR_LATER),  # 立案数: the numerator of the acceptance rate
        "counts": counts,
        "rates": {
            "acceptance_rate": _rate(among(ACCEPTED_OR_LATER), among(REVIEWED)),
            "reply_rate": _rate(among(REPLIED_OR_LATER), among(ASSIGNED_OR_LATER)),
            "closure_rate": _rate(among(CLOSED), among(ACCEPTED_OR_LATER)),
            "on_time_rate": _rate(int(row["on_time"]), int(row["replied"])),
            "satisfaction_rate": _rate(int(row["satisfied"]), int(row["evaluated"])),
            "cosigner_satisfaction_rate": _rate(int(row["cosigner_satisfied"]), int(row["cosigner_rated"])),
        },
        "outcomes": {o: _rate(n, replies) for o, n in outcome_counts.items()},
        "outcome_counts": outcome_counts,
        "overdue": int(row["overdue"]),
        "avg_working_days_to_reply": row["reply_days"] / row["reply_days_n"] if row.get("reply_days_n") else None,
    }


def report(
    session_id: int | None = None,
    *,
    user: User | None = None,
    today: date | None = None,
    union: unions.Scope | None = None,
) -> dict:
    """Every number, overall and broken down by department (the lead of the active assignment),
    category, delegation and session. With `user`, only the proposals that user may see count; with
    `union` (a set of unions as stored), only those of these unions' sessions.

    The proposals alone are read (the facts of their assignments and replies are kept on them, facts.py),
    and each breakdown is counted in SQL (_breakdowns), the co-signers' ratings likewise."""
    today = today or local_today()
    overall, sums = _counted(session_id, user, today, union, BREAKDOWNS)
    by_session, by_union = _by_session_and_union(overall, sums, escalated_counts(session_id, user, union))
    return {
        "session_id": session_id,
        "today": today.isoformat(),
        **_numbers(overall),
        "escalated": sum(row["escalated"] for row in by_session),
        "by_department": _by_unit(OrgUnit, sums["department_id"], "department_id"),
        "by_category": [
            {"category": c.code, "name": c.name, **_numbers(sums["category_id"][c.id])}
            for c in _rows(Category, sums["category_id"], (Category.position, Category.code))
        ],
        "by_delegation": _by_unit(OrgUnit, sums["delegation_id"], "delegation_id"),
        "by_session": by_session,
        "by_union": by_union,
        # proposals and suggestions (建议: converted, or short of co-signers) apart: a union that counts 立案
        # without converted suggestions reads its own figure here
        "by_kind": [
            {"kind": k, "code": k, "name": gettext(KIND_LABELS[k]), **_numbers(sums["kind"][k])}
            for k in KINDS
            if k in sums["kind"]
        ],
    }


def session_figures(*, user: User | None = None, today: date | None = None, union: unions.Scope | None = None) -> dict:
    """report()'s by_session and by_union breakdowns alone (what the trend and the group's figures show),
    counted by session only: the same numbers, without the other breakdowns' work."""
    overall, sums = _counted(None, user, today or local_today(), union, ("session_id",))
    by_session, by_union = _by_session_and_union(overall, sums, escalated_counts(None, user, union))
    return {"by_session": by_session, "by_union": by_union}


def _counted(session_id, user, today: date, union, breakdowns: tuple[str, ...]) -> tuple[dict, dict]:
    """The report's counts, overall and per value of each of `breakdowns` (of BREAKDOWNS)."""
    where = [Proposal.state != "draft"]
    if session_id is not None:
        where.append(Proposal.session_id == session_id)
    if user is not None:
        where.append(visible_filter(user))
    if union is not None:
        where.append(unions.sessions_in(union))
    # a confidential author's delegation is counted only for those who may know the author (as the list)
    delegation = Proposal.delegation_id if user is None else case((author_visible_filter(user), Proposal.delegation_id))
    every = {
        "session_id": Proposal.session_id,
        "category_id": Proposal.category_id,
        "delegation_id": delegation,
        "department_id": Proposal.lead_department_id,
        "kind": Proposal.kind,
    }
    keys = {name: every[name] for name in breakdowns}
    aggregates = _aggregates(today, outcome_codes(session_id))
    overall, sums = _breakdowns(keys, aggregates, lambda *columns: select(*columns).where(*where))
    rated = [
        func.count().label("cosigner_rated"),
        _count_if(Evaluation.rating.in_(SATISFIED)).label("cosigner_satisfied"),
    ]
    ratings = lambda *columns: (  # noqa: E731
        select(*columns)
        .select_from(Evaluation)
        .join(Proposal, Proposal.id == Evaluation.proposal_id)
        .where(Evaluation.by_author.is_(False), *where)
    )
    _merge(overall, sums, *_breakdowns(keys, rated, ratings))
    return overall, sums


def _by_session_and_union(overall: dict, sums: dict, escalated: dict) -> tuple[list[dict], list[dict]]:
    for sid in escalated:  # a session all of whose proposals went up still shows, with what it sent
        sums["session_id"].setdefault(sid, dict.fromkeys(overall, 0))
    by_session = _by_unit(CongressSession, sums["session_id"], "session_id")
    for row in by_session:
        row["escalated"] = escalated.get(row["session_id"], 0)
    return by_session, _by_union(sums["session_id"], escalated, dict.fromkeys(overall, 0))


def _by_union(per_session: dict, escalated: dict, zero: dict) -> list[dict]:
    """The figures of each union of the group (its sessions' together), depth first from the company union;
    an escalated proposal counts in the union it went to, and apart in `escalated` where it came from."""
    tree = unions.current()
    wanted = set(per_session) | set(escalated)
    union_of = dict(
        db.session.execute(
            select(CongressSession.id, CongressSession.union_id).where(CongressSession.id.in_(wanted))
        ).all()
    )
    sums: dict = {}
    sent: dict = {}
    for sid, row in per_session.items():
        key = union_of.get(sid)
        sums[key] = {k: sums.get(key, zero).get(k, 0) + v for k, v in row.items()}
    for sid, n in escalated.items():
        key = union_of.get(sid)
        sent[key] = sent.get(key, 0) + n
    rows = []
    for unit in tree.ordered():
        key = tree.key(unit.id)
        if key in sums or key in sent:
            rows.append(
                {
                    "union_id": unit.id,
                    "code": unit.code,
                    "name": unit.name,
                    "parent_id": unit.parent_id,
                    **_numbers(sums.get(key, zero)),
                    "escalated": sent.get(key, 0),
                }
            )
    return rows


def escalated_counts(
    session_id: int | None = None, user: User | None = None, union: unions.Scope | None = None
) -> dict[int, int]:
    """Escalated (上报): per session, the proposals its committee forwarded to the union above, visible to
    `user` when given. They are counted where they went, in that session's figures: here they are counted
    apart, never in the session's own totals or in its acceptance rate's denominator."""
    where = [Proposal.escalated_from_session_id.is_not(None)]
    if session_id is not None:
        where.append(Proposal.escalated_from_session_id == session_id)
    if user is not None:
        where.append(visible_filter(user))
    if union is not None:
        where.append(unions.sessions_in(union, column=Proposal.escalated_from_session_id))
    stmt = (
        select(Proposal.escalated_from_session_id, func.count(Proposal.id))
        .where(*where)
        .group_by(Proposal.escalated_from_session_id)
    )
    return dict(db.session.execute(stmt).all())


BREAKDOWNS = ("session_id", "category_id", "delegation_id", "department_id", "kind")


def _breakdowns(breakdowns: dict, aggregates: list, query) -> tuple[dict, dict]:
    """The aggregates over all the rows `query(*columns)` selects, and per value of each of the keys (one
    breakdown a key, BREAKDOWNS), in one statement: GROUPING SETS on PostgreSQL (one scan), a UNION ALL of
    one GROUP BY a key elsewhere. A group whose key is null is no group (no department yet, ...).
    `breakdowns`: each breakdown's name (of BREAKDOWNS) and key."""
    keys = list(breakdowns.values())
    names = [a.name for a in aggregates]
    width = len(keys)
    if db.session.get_bind().dialect.name == "postgresql":
        # GROUPING(k1, ..., kn): a bit a key, set where the row is not grouped by it (the first key highest)
        full = (1 << width) - 1
        which = {full ^ (1 << (width - 1 - i)): i for i in range(width)} | {full: None}
        stmt = query(func.grouping(*keys), *keys, *aggregates).group_by(func.grouping_sets(*keys, tuple_()))
        rows = []
        for g, *row in db.session.execute(stmt):
            i = which[g]
            rows.append((i, None if i is None else row[i], row[width:]))
    else:
        parts = [query(literal(-1), null(), *aggregates)]
        parts += [query(literal(i), key, *aggregates).group_by(key) for i, key in enumerate(keys)]
        rows = [(None if r[0] < 0 else r[0], r[1], r[2:]) for r in db.session.execute(union_all(*parts))]
    overall = dict.fromkeys(names, 0)
    sums: dict[str, dict] = {name: {} for name in BREAKDOWNS}
    named = list(breakdowns)
    for breakdown, key, values in rows:
        counted = dict(zip(names, (v or 0 for v in values), strict=True))
        if breakdown is None:
            overall = counted
        elif key is not None:
            sums[named[breakdown]][key] = counted
    return overall, sums


def _merge(overall: dict, sums: dict, more_overall: dict, more: dict) -> None:
    """Add the figures of a second _breakdowns (the co-signers' ratings) into the first's groups."""
    overall.update(more_overall)
    zero = dict.fromkeys(more_overall, 0)
    for name, groups in sums.items():
        for key, group in groups.items():
            group.update(more[name].get(key, zero))


def _rows(model, groups: dict, order_by) -> list:
    if not groups:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(list(groups))).order_by(*order_by)))


def _by_unit(model, groups: dict, id_name: str) -> list[dict]:
    return [
        {id_name: u.id, "code": u.code, "name": u.name, **_numbers(groups[u.id])}
        for u in _rows(model, groups, (model.code,))
    ]


# -- what the dashboard shows beside the report -----------------------------------------------------

# the proposals behind each rate: the states of its denominator (what a figure links to)
RATE_BASES = {
    "acceptance_rate": REVIEWED,
    "reply_rate": ASSIGNED_OR_LATER,
    "closure_rate": ACCEPTED_OR_LATER,
    "on_time_rate": REPLIED_OR_LATER,
    "satisfaction_rate": CLOSED,
    "cosigner_satisfaction_rate": REPLIED_OR_LATER,  # co-signers rate from the reply on
}


def overdue_proposals(
    session_id: int | None = None,
    *,
    user: User | None = None,
    today: date | None = None,
    limit: int | None = None,
    union: unions.Scope | None = None,
) -> list:
    """The overdue proposals themselves (what the `overdue` count counts), the longest overdue first;
    the first `limit` of them when given (a page shows a few and links to the list of all)."""
    today = today or local_today()
    # due by the acknowledgement deadline while assigned (the lead has not acknowledged), else by the reply deadline
    due = case((Proposal.state == "assigned", Proposal.lead_ack_deadline), else_=Proposal.lead_reply_deadline)
    stmt = select(Proposal).where(overdue_condition(today)).order_by(due, Proposal.id)
    if session_id is not None:
        stmt = stmt.where(Proposal.session_id == session_id)
    if user is not None:
        stmt = stmt.where(visible_filter(user))
    if union is not None:
        stmt = stmt.where(unions.sessions_in(union))
    return list(db.session.scalars(stmt.limit(limit)))


def ranked(rows: list[dict], rate: str) -> list[dict]:
    """Rows of a breakdown (by_department ...) best first by one of their rates; those without it last."""
    return sorted(rows, key=lambda r: (r["rates"][rate] is None, -(r["rates"][rate] or 0), r.get("code") or ""))


def department_ranking(rows: list[dict]) -> list[dict]:
    """The departments (by_department rows) ranked by what separates them: the on-time rate, then the
    satisfaction rate (the higher the better), then the average working days to reply (the fewer the
    better); a figure a department lacks counts after any it has. Not the acceptance rate: every lead
    department's proposals were accepted, by construction."""

    def key(r):
        on_time, satisfied = r["rates"]["on_time_rate"], r["rates"]["satisfaction_rate"]
        took = r["avg_working_days_to_reply"]
        return (
            on_time is None,
            -(on_time or 0),
            satisfied is None,
            -(satisfied or 0),
            took is None,
            took or 0,
            r.get("code") or "",
        )

    return sorted(rows, key=key)


def trend(*, user: User | None = None, today: date | None = None, union: unions.Scope | None = None) -> list[dict]:
    """The numbers of every session with proposals (of these unions' when given), side by side, the
    earliest session first (by the start of its collection, else by when it was created)."""
    return in_order(session_figures(user=user, today=today, union=union)["by_session"])


def in_order(by_session: list[dict]) -> list[dict]:
    """Rows of the by_session breakdown, the earliest session first (by the start of its collection, else
    by when it was created)."""
    sessions = db.session.execute(
        select(CongressSession.id, CongressSession.collection_start, CongressSession.created_at)
    )
    began = {sid: (start or created.date(), sid) for sid, start, created in sessions}
    return sorted(by_session, key=lambda s: began[s["session_id"]])


# -- how long replies take --------------------------------------------------------------------------


def first_reply_working_days(
    session_id: int | None = None, *, user: User | None = None, proposal_ids=None, union: unions.Scope | None = None
) -> dict[int, tuple[int, int]]:
    """The working days to reply, counted from the rows: for each proposal with a reply, the working days
    (Chinese calendar and the union's overrides) after the China-local date of the lead assignment its
    FIRST reply answered (the latest made before it) up to the date that reply was sent, with the replying
    department: {proposal id: (department id, days)}. The one definition is facts.reply_days(), which keeps
    them on the row (first_reply_working_days) for the report to sum."""
    where = []
    if session_id is not None:
        where.append(Proposal.session_id == session_id)
    if user is not None:
        where.append(visible_filter(user))
    if proposal_ids is not None:
        where.append(Proposal.id.in_(list(proposal_ids)))
    if union is not None:
        where.append(unions.sessions_in(union))
    found = facts.reply_days(and_(true(), *where), Reply.department_id)
    return {pid: (department_id, days) for pid, (days, department_id) in found.items()}


def reply_working_days(
    session_id: int | None = None, *, user: User | None = None, union: unions.Scope | None = None
) -> dict:
    """The average working days from assignment to the first reply (first_reply_working_days), overall and
    by the replying department: {"average": float | None, "replied": n, "by_department": {department id:
    {"average": ..., "replied": n}}}."""
    days: dict[int, list[int]] = {}
    for department_id, n in first_reply_working_days(session_id, user=user, union=union).values():
        days.setdefault(department_id, []).append(n)

    def average(values: list[int]) -> dict:
        return {"average": sum(values) / len(values) if values else None, "replied": len(values)}

    every = [d for values in days.values() for d in values]
    return {**average(every), "by_department": {k: average(v) for k, v in days.items()}}
