"""The one list of proposals behind the pages, the JSON API and the exports.

`Filters` say which proposals; `list_page()` returns one page of those a user may see, sorted, with
keyset cursors (the sort key and id of the row at the page's edge, never an OFFSET) and what a list
shows loaded in a fixed number of queries, however long the page; `count()` and `count_each()`
count the same selections. The groups of "my tasks" are filters too (`TASKS`, one line each with its
name, order and hint): each is the SQL form of an engine event being available to the user, so a
task's count and the list it links to agree.
"""

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, case, exists, false, func, or_, select, true
from sqlalchemy.orm import aliased, joinedload, lazyload, selectinload

from workflow import LIFECYCLE
from workflow.errors import N_

from . import unions
from .access import author_visible_filter, visible_filter
from .extensions import db
from .models import (
    Assignment,
    Category,
    CongressSession,
    Cosignature,
    Evaluation,
    Invitation,
    Proposal,
    ReplyDraft,
    User,
)
from .stats import local_today, overdue_condition, overdue_ids

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class BadCursor(ValueError):
    """A cursor this list did not make (edited by hand, or for another sort)."""


# -- filters ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    session_id: int | None = None
    states: tuple[str, ...] = ()  # any of these
    category: str | None = None  # a category code
    department_id: int | None = None  # assigned now, as lead or co-handler
    lead_department_id: int | None = None  # assigned now, as lead
    delegation_id: int | None = None
    kind: str | None = None  # proposal or suggestion
    overdue: bool | None = None  # stats.overdue_condition, or its negation
    outcome: str | None = None  # the class (A, B, C) of the latest reply, the one in force
    q: str | None = None  # text in the title, reasons or measures, or the number
    task: str | None = None  # a TASKS name: what awaits the user
    key: bool | None = None  # key proposals (重点提案) only, or none of them
    union_id: int | None = None  # the proposals of this union's own sessions (a union's id as the API shows it)
    within: frozenset | None = None  # the proposals of these unions' sessions (unions.Scope, keys as stored)


def _active_assignment(department_id: int, *conditions):
    return exists(
        select(Assignment.id).where(
            Assignment.proposal_id == Proposal.id,
            Assignment.department_id == department_id,
            Assignment.ended_at.is_(None),
            *conditions,
        )
    )


def _cosigned_by(user: User):
    return exists(
        select(Cosignature.id).where(
            Cosignature.proposal_id == Proposal.id, Cosignature.user_id == user.id, Cosignature.ended_at.is_(None)
        )
    )


def _coauthor(user: User):
    """The user wrote a proposal merged into this one (并案): a co-author of it."""
    merged = aliased(Proposal)
    return exists(select(merged.id).where(merged.merged_into_id == Proposal.id, merged.author_id == user.id))


def _text(q: str):
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    clauses = [column.ilike(pattern, escape="\\") for column in (Proposal.title, Proposal.reason, Proposal.measures)]
    if q.isdecimal() and len(q) <= 9:  # fullwidth digits typed with a Chinese input method count too
        clauses.append(Proposal.number == int(q))
    return or_(*clauses)


def conditions(user: User, filters: Filters, today: date) -> list:
    """The WHERE clauses of a selection: what the user may see, and each filter given."""
    return [visible_filter(user), *filter_conditions(user, filters, today)]


def filter_conditions(user: User, filters: Filters, today: date) -> list:
    where = []
    if filters.session_id is not None:
        where.append(Proposal.session_id == filters.session_id)
    if filters.union_id is not None:
        where.append(unions.sessions_in(unions.Scope({unions.current().key(filters.union_id)})))
    if filters.within is not None:
        where.append(unions.sessions_in(filters.within))
    if filters.states:
        where.append(Proposal.state.in_(filters.states))
    if filters.category is not None:
        where.append(Proposal.category_id.in_(select(Category.id).where(Category.code == filters.category)))
    if filters.department_id is not None:
        where.append(_active_assignment(filters.department_id))
    if filters.lead_department_id is not None:
        where.append(_active_assignment(filters.lead_department_id, Assignment.role == "lead"))
    if filters.delegation_id is not None:
        where.append(and_(Proposal.delegation_id == filters.delegation_id, author_visible_filter(user)))
    if filters.kind is not None:
        where.append(Proposal.kind == filters.kind)
    if filters.overdue is not None:
        late = overdue_condition(today)
        where.append(late if filters.overdue else ~late)
    if filters.outcome is not None:
        where.append(Proposal.latest_outcome == filters.outcome)  # the reply in force (facts.py), as stats counts
    if filters.key is not None:
        where.append(Proposal.key.is_(True) if filters.key else Proposal.key.is_(False))
    if filters.q:
        where.append(_text(filters.q))
    if filters.task is not None:
        where.append(TASKS[filters.task].condition(user, today))
    return where


def select_proposals(user: User, filters: Filters = Filters(), today: date | None = None):
    """The selection as a statement (no order, no page): for exports that stream every row."""
    return select(Proposal).where(*conditions(user, filters, today or local_today()))


# -- tasks: what awaits a user, in SQL -------------------------------------------------------------


def _sources(event: str):
    return Proposal.state.in_(sorted(LIFECYCLE.event(event).sources))


def _drafts(user: User, today: date):
    return and_(_sources("submit"), Proposal.author_id == user.id)


def _invited(user: User):
    return exists().where(Invitation.proposal_id == Proposal.id, Invitation.user_id == user.id)


def _held(user: User, role: str):
    """The proposal's session is of a union where `user` holds `role` (a role fires in its own union's
    congress: proposals/unions.py); false() where they hold it nowhere."""
    return unions.sessions_in(unions.holding(user, role))


def _cosign_invited(user: User, today: date):
    """What the author invited this delegate to co-sign: first among their tasks."""
    return and_(
        _sources("cosign"), _held(user, "delegate"), Proposal.author_id != user.id, ~_cosigned_by(user), _invited(user)
    )


def _cosign(user: User, today: date):
    return and_(
        _sources("cosign"), _held(user, "delegate"), Proposal.author_id != user.id, ~_cosigned_by(user), ~_invited(user)
    )


def _forward(user: User, today: date):
    if not (user.has_role("delegation_head") and user.delegation_id):
        return false()
    return and_(_sources("forward"), Proposal.delegation_id == user.delegation_id)


def _committee(event: str):
    def condition(user: User, today: date):
        return and_(_sources(event), _held(user, "committee"))

    return condition


def _handler(user: User) -> bool:
    return bool(user.has_role("department_handler") and user.department_id)


def _acknowledge(user: User, today: date):
    if not _handler(user):
        return false()
    return and_(_sources("acknowledge"), _active_assignment(user.department_id, Assignment.acknowledged_at.is_(None)))


def _draft_waiting(*statuses: str):
    """This round's draft reply of the lead department waits for one of `statuses`."""
    return exists().where(
        ReplyDraft.proposal_id == Proposal.id,
        ReplyDraft.round == Proposal.rehandle_round,
        ReplyDraft.department_id == Proposal.lead_department_id,
        ReplyDraft.status.in_(statuses),
    )


def _reply(user: User, today: date):
    """Lead of an item being handled: the reply is due (to draft, to revise, or out with the co-handlers or
    the approver, which the lead may still revise until it goes out)."""
    if not _handler(user):
        return false()
    return and_(_sources("reply"), _active_assignment(user.department_id, Assignment.role == "lead"))


def _countersign(user: User, today: date):
    """A co-handler whose countersignature of the lead's draft is awaited (its own deadline runs)."""
    if not _handler(user):
        return false()
    awaited = and_(Assignment.role == "cohandler", Assignment.countersign_deadline.is_not(None))
    return and_(_sources("countersign"), _active_assignment(user.department_id, awaited))


def _approve_reply(user: User, today: date):
    """Countersigned drafts of the sessions whose replies this role approves (reply_approval)."""
    approves = [
        and_(
            _held(user, role),
            exists().where(CongressSession.id == Proposal.session_id, CongressSession.reply_approval == role),
        )
        for role in ("supervisor", "committee")
        if unions.holding(user, role)
    ]
    if not approves:
        return false()
    return and_(_sources("approve_reply"), _draft_waiting("awaiting_approval"), or_(*approves))


# where a rating is awaited: the states in which the author's rating moves the proposal on. Co-signers may still
# rate a closed one within the working days to rate, when they wish: no one's task
AWAITING_RATING = tuple(
    sorted({s for t in LIFECYCLE.event("evaluate").transitions if t.dest is not None for s in t.sources})
)


def _evaluate(user: User, today: date):
    rated = exists(
        select(Evaluation.id).where(
            Evaluation.proposal_id == Proposal.id,
            Evaluation.user_id == user.id,
            Evaluation.round == Proposal.rehandle_round,
        )
    )
    awaited = Proposal.state.in_(AWAITING_RATING)
    return and_(awaited, or_(Proposal.author_id == user.id, _cosigned_by(user), _coauthor(user)), ~rated)


def _urge(user: User, today: date):
    in_charge = and_(Proposal.key.is_(True), Proposal.key_leader_id == user.id)  # 领导领办
    who = or_(_held(user, "supervisor"), in_charge) if unions.holding(user, "supervisor") else in_charge
    return and_(_sources("urge"), overdue_condition(today), who)


@dataclass(frozen=True)
class Task:
    event: str  # the engine event whose availability this group is
    condition: Callable[[User, date], object]
    label: str  # msgid: what the group and the list it links to are called
    roles: tuple[str, ...] = ()  # who has this kind of task at all; empty: everyone
    sort: str = "oldest"  # the order of its items (a SORTS name): deadlines first where there is one
    hint: str | None = None  # msgid: a line under the group on the home page


HANDLER = ("department_handler",)
# each group of "my tasks" in one line: its event, its SQL, its name, who has it, its order and its hint
TASKS: dict[str, Task] = {
    "drafts": Task(
        "submit",
        _drafts,
        N_("Drafts to finish"),
        sort="changed",
        hint=N_("Only you can see a draft until you submit it."),
    ),
    "cosign_invited": Task(
        "cosign",
        _cosign_invited,
        N_("You are invited to co-sign"),
        ("delegate",),
        hint=N_("The authors named you: your co-signature is awaited first."),
    ),
    "cosign": Task(
        "cosign",
        _cosign,
        N_("Awaiting your co-signature"),
        ("delegate",),
        hint=N_("A proposal needs the co-signatures of other delegates before it is reviewed."),
    ),
    "forward": Task("forward", _forward, N_("Awaiting your delegation's review"), ("delegation_head",)),
    "review": Task("accept", _committee("accept"), N_("Awaiting review"), ("committee",)),
    "assign": Task("assign", _committee("assign"), N_("To assign to departments"), ("committee",)),
    "acknowledge": Task("acknowledge", _acknowledge, N_("Assignments to acknowledge"), HANDLER, "deadline"),
    "reply": Task(
        "reply",
        _reply,
        N_("Replies due from your department"),
        HANDLER,
        "deadline",
        N_("Draft the reply: the co-handling departments countersign your draft before it goes out."),
    ),
    "countersign": Task(
        "countersign",
        _countersign,
        N_("Draft replies awaiting your department's countersignature"),
        HANDLER,
        "deadline",
        N_("Read the lead department's draft, then agree or say why not."),
    ),
    "approve_reply": Task(
        "approve_reply",
        _approve_reply,
        N_("Draft replies awaiting your approval"),
        ("supervisor", "committee"),
        hint=N_("A countersigned reply goes out to the author once you approve it."),
    ),
    "evaluate": Task(
        "evaluate", _evaluate, N_("Replies awaiting your rating"), hint=N_("Rate how your proposal was handled.")
    ),
    "urge": Task("urge", _urge, N_("Overdue: to follow up"), ("supervisor",), "deadline"),
}


def sessions_voting(today: date | None = None) -> list[CongressSession]:
    """Sessions whose outstanding-proposal vote is open today."""
    today = today or local_today()
    stmt = select(CongressSession).where(CongressSession.vote_start <= today, CongressSession.vote_end >= today)
    return list(db.session.scalars(stmt.order_by(CongressSession.id.desc())))


# -- counting --------------------------------------------------------------------------------------


def count(user: User, filters: Filters = Filters(), today: date | None = None) -> int:
    return count_each(user, {"n": filters}, today)["n"]


def count_each(user: User, selections: Mapping[str, Filters], today: date | None = None) -> dict[str, int]:
    """Several counts in one query: the number of proposals in each named selection."""
    today = today or local_today()
    conditions = [and_(true(), *filter_conditions(user, f, today)) for f in selections.values()]
    columns = [func.count().filter(c).label(f"c{n}") for n, c in enumerate(conditions)]
    if not columns:
        return {}
    # a proposal in none of the selections counts in none: only those in one are read (the tasks are narrow)
    stmt = select(*columns).select_from(Proposal).where(visible_filter(user), or_(*conditions))
    row = db.session.execute(stmt).one()
    return {name: int(value) for name, value in zip(selections, row, strict=True)}


# -- sorting and keyset pages ----------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    column: Callable[[], object]
    ascending: bool
    kind: type  # what the cursor holds: int, str, datetime or date
    nullable: bool = False  # NULLs sort last


@dataclass(frozen=True)
class Sort:
    keys: tuple[Key, ...]  # before the id, which breaks ties
    id_ascending: bool


SORTS: dict[str, Sort] = {
    "newest": Sort((), id_ascending=False),
    "oldest": Sort((), id_ascending=True),
    "number": Sort(
        (Key(lambda: Proposal.session_id, False, int), Key(lambda: Proposal.number, True, int, nullable=True)),
        id_ascending=True,
    ),
    "title": Sort((Key(lambda: Proposal.title, True, str),), id_ascending=True),
    "changed": Sort((Key(lambda: Proposal.updated_at, False, datetime),), id_ascending=False),
    # the active lead assignment's reply deadline, as kept on the row (facts.py)
    "deadline": Sort((Key(lambda: Proposal.lead_reply_deadline, True, date, nullable=True),), id_ascending=True),
}


assert all(t.event in LIFECYCLE.events and t.sort in SORTS for t in TASKS.values())


def _columns(sort: Sort) -> list[Key]:
    return [*sort.keys, Key(lambda: Proposal.id, sort.id_ascending, int)]


def _order(columns: list[Key], exprs: list, backwards: bool) -> list:
    """ORDER BY terms, NULLs last (first when walking backwards), the same on SQLite and PostgreSQL."""
    terms = []
    for key, expr in zip(columns, exprs, strict=True):
        if key.nullable:
            is_null = case((expr.is_(None), 1), else_=0)
            terms.append(is_null.desc() if backwards else is_null.asc())
        terms.append(expr.asc() if key.ascending != backwards else expr.desc())
    return terms


def _beyond(columns: list[Key], exprs: list, values: list, forward: bool):
    """Rows strictly after (forward) or before `values` in the order of `columns`."""
    prefix, alternatives = [], []
    for key, expr, value in zip(columns, exprs, values, strict=True):
        if value is None:  # NULLs come last: after one, only NULLs with a greater id; before it, any value
            if not forward:
                alternatives.append(and_(*prefix, expr.is_not(None)))
            prefix.append(expr.is_(None))
            continue
        further = expr > value if key.ascending == forward else expr < value
        if key.nullable and forward:
            further = or_(further, expr.is_(None))
        alternatives.append(and_(*prefix, further))
        prefix.append(expr == value)
    return or_(*alternatives)


def _plain(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def encode_cursor(sort: Sort, values: list) -> str:
    """A row's place in the order as a short URL-safe token: just the id when the order is by id."""
    if not sort.keys:
        return str(values[0])
    raw = json.dumps([_plain(v) for v in values], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: Sort, token: str) -> list:
    """The values `encode_cursor` put in `token`; BadCursor if it is not such a token."""
    columns = _columns(sort)
    try:
        if not sort.keys:
            values = [int(token, 10)]
        else:
            values = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if not isinstance(values, list) or len(values) != len(columns):
                raise BadCursor(token)
        values = [_typed(key.kind, v, key.nullable) for key, v in zip(columns, values, strict=True)]
    except (ValueError, TypeError, binascii.Error) as exc:  # (UnicodeDecodeError is a ValueError)
        raise BadCursor(token) from exc
    return values


def _typed(kind: type, value, nullable: bool):
    if value is None and nullable:
        return None
    if kind is int and isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63:
        return value
    if kind is str and isinstance(value, str):
        return value
    if kind is datetime and isinstance(value, str):
        return datetime.fromisoformat(value)
    if kind is date and isinstance(value, str):
        return date.fromisoformat(value)
    raise ValueError(value)


@dataclass
class Page:
    items: list[Proposal]
    next_cursor: str | None = None  # `after=` for the next page
    prev_cursor: str | None = None  # `before=` for the previous page
    overdue: frozenset[int] = field(default_factory=frozenset)  # ids of the overdue items


LOADS = (
    joinedload(Proposal.category),
    joinedload(Proposal.session),
    joinedload(Proposal.delegation),
    selectinload(Proposal.author).options(lazyload(User.role_rows), lazyload(User.union_role_rows)),  # not asked
    selectinload(Proposal.assignments).joinedload(Assignment.department),
)
EXTRA_LOADS = {
    "replies": selectinload(Proposal.replies),
    "cosignatures": selectinload(Proposal.cosignatures),
}


def list_page(
    user: User,
    filters: Filters = Filters(),
    sort: str = "newest",
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int = DEFAULT_LIMIT,
    today: date | None = None,
    include: tuple[str, ...] = (),
) -> Page:
    """One page of the proposals `user` may see that match `filters`, in `sort` order: the first page,
    or the one after the `after` cursor, or the one before the `before` cursor."""
    if sort not in SORTS:
        raise BadCursor(sort)
    today = today or local_today()
    spec = SORTS[sort]
    columns = _columns(spec)
    exprs = [key.column() for key in columns]
    where = conditions(user, filters, today)
    backwards = before is not None
    token = before if backwards else after
    stmt = select(Proposal, *exprs).where(*where)
    if token is not None:
        stmt = stmt.where(_beyond(columns, exprs, decode_cursor(spec, token), forward=not backwards))
    limit = max(1, min(limit, MAX_LIMIT))
    stmt = stmt.order_by(*_order(columns, exprs, backwards)).limit(limit + 1)
    stmt = stmt.options(*LOADS, *(EXTRA_LOADS[name] for name in include))
    rows = db.session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    if not rows:
        return Page([])
    first, last = list(rows[0][1:]), list(rows[-1][1:])
    if backwards:
        has_next, has_prev = True, more
    else:
        has_next = more
        has_prev = token is not None and _any(where, _beyond(columns, exprs, first, forward=False))
    items = [row[0] for row in rows]
    return Page(
        items,
        next_cursor=encode_cursor(spec, last) if has_next else None,
        prev_cursor=encode_cursor(spec, first) if has_prev else None,
        overdue=frozenset(overdue_ids([p.id for p in items], today)),
    )


def _any(where: list, condition) -> bool:
    return bool(db.session.scalar(select(select(Proposal.id).where(*where, condition).exists())))
