"""The one list query: task groups equal to the engine's available events, filters, keyset pages in
every sort order (NULLs and ties included), and a fixed number of statements per page."""

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from proposals.access import can_view
from proposals.extensions import db
from proposals.models import Proposal
from proposals.models.base import utcnow
from proposals.operations import available_events, fire_event
from proposals.queries import AWAITING_RATING, SORTS, TASKS, BadCursor, Filters, count, count_each, list_page
from proposals.stats import overdue_ids
from workflow import LIFECYCLE
from workflow.predicates import WHO

from . import datasets

LONG_AGO = timedelta(days=90)


@pytest.fixture
def dataset(cast, make):
    return datasets.stages(cast, make)


def every_id(user, filters: Filters, sort: str = "newest") -> list[int]:
    ids, after = [], None
    while True:
        page = list_page(user, filters, sort, after=after, limit=4)
        ids += [p.id for p in page.items]
        if page.next_cursor is None:
            return ids
        after = page.next_cursor


def engine_says(name: str, proposal: Proposal, user) -> bool:
    """Whether the user has this task on this proposal, asked of the engine itself."""
    if not can_view(user, proposal):
        return False
    if name == "reply":  # the reply is due before it can be sent: the event's who and state, not its requirement
        return proposal.state in LIFECYCLE.event("reply").sources and WHO["lead_handler"](
            user.actor(), proposal.facts()
        )
    available = TASKS[name].event in available_events(proposal, user)
    if name in ("cosign", "cosign_invited"):  # the invited find it in a group of its own, first
        return available and (user.id in proposal.invitees) == (name == "cosign_invited")
    if name == "urge":
        return available and proposal.id in overdue_ids([proposal.id])
    if name == "evaluate":  # a co-signer may rate a closed one too, when they wish: not a task awaiting them
        return available and proposal.state in AWAITING_RATING
    return available


def test_each_task_group_is_where_the_engine_offers_its_event(cast, dataset):
    proposals = list(db.session.scalars(select(Proposal)))
    assert len(proposals) == len(dataset)
    for who, user in cast.people().items():
        counts = count_each(user, {name: Filters(task=name) for name in TASKS})
        for name in TASKS:
            expected = {p.id for p in proposals if engine_says(name, p, user)}
            listed = every_id(user, Filters(task=name))
            assert set(listed) == expected, (who, name)
            assert len(listed) == len(expected) == counts[name], (who, name)
    # and the dataset is a fair test: each group has members, and non-members one fact away
    seen = {
        "drafts": count(cast.author, Filters(task="drafts")),
        "cosign": count(cast.delegate3, Filters(task="cosign")),
        "forward": count(cast.head, Filters(task="forward")),
        "review": count(cast.committee, Filters(task="review")),
        "assign": count(cast.committee, Filters(task="assign")),
        "acknowledge": count(cast.cohandler, Filters(task="acknowledge")),
        "reply": count(cast.lead, Filters(task="reply")),
        "countersign": count(cast.cohandler, Filters(task="countersign")),
        "evaluate": count(cast.delegate1, Filters(task="evaluate")),
        "urge": count(cast.supervisor, Filters(task="urge")),
    }
    assert seen == {
        "drafts": 1,
        "cosign": 2,  # not the one delegate3 co-signed already
        "forward": 1,
        "review": 1,
        "assign": 1,
        "acknowledge": 2,  # assigned, and in progress before the co-handler acknowledged
        "reply": 4,  # in progress x3 (one drafted) and the re-handled one; not another department's
        "countersign": 1,  # the lead's draft; not before there is one (in progress x2, the re-handled one)
        "evaluate": 1,  # not the reply delegate1 rated already
        "urge": 1,
    }


def test_someone_elses_draft_is_in_no_list_and_no_count(cast, make):
    draft = make.proposal(author=cast.worker, session=cast.session, title="别人的草稿")
    own = cast.proposal_in("draft")
    cast.proposal_in("accepted")
    for who, user in cast.people().items():
        if user.id == cast.worker.id:
            continue
        assert draft.id not in every_id(user, Filters()), who
        assert draft.id not in every_id(user, Filters(q="别人的草稿")), who
        assert every_id(user, Filters(states=("draft",))) == ([own.id] if user.id == cast.author.id else []), who
        assert count(user, Filters(states=("draft",))) == (1 if user.id == cast.author.id else 0), who


# -- sorting and keyset pages ----------------------------------------------------------------------


@pytest.fixture
def sortable(cast, make):
    """Ten proposals with ties and NULLs in every sort key: drafts have no number and no deadline,
    two are assigned on the same day, two sessions number from 1."""
    quick = make.new_session(min_cosigners=0)
    assign = {"lead_department_id": cast.lead_dept.id}
    made = []
    for n, (title, session, steps, days_ago) in enumerate(
        [
            ("B", cast.session, (), 0),
            ("A", quick, ("submit", "accept"), 0),
            ("B", quick, ("submit", "accept", "assign"), 3),
            ("C", quick, ("submit", "accept", "assign"), 3),
            ("A", cast.session, (), 0),
            ("D", quick, ("submit", "accept", "assign"), 10),
            ("C", quick, ("submit",), 0),
            ("E", make.new_session(min_cosigners=0), ("submit", "accept", "assign"), 1),
            ("B", quick, ("submit", "accept", "assign"), 0),
            ("F", quick, ("submit", "reject"), 0),
        ]
    ):
        proposal = make.proposal(author=cast.author, session=session, title=title, confidential=n % 2 == 1)
        for step in steps:
            who = cast.author if step == "submit" else cast.committee
            payload = assign if step == "assign" else {"reason": "不予立案。"} if step == "reject" else None
            fire_event(proposal.id, step, who, payload, now=utcnow() - timedelta(days=days_ago))
        made.append(proposal.id)
    return made


def expected_order(sort: str, proposals: list[Proposal]) -> list[int]:
    def deadline(p):
        lead = p.lead_assignment
        return lead.reply_deadline if lead else None

    keys = {
        "newest": lambda p: -p.id,
        "oldest": lambda p: p.id,
        "number": lambda p: (-p.session_id, p.number is None, p.number or 0, p.id),
        "title": lambda p: (p.title, p.id),
        "deadline": lambda p: (deadline(p) is None, deadline(p) or utcnow().date(), p.id),
    }
    if sort == "changed":
        return [p.id for p in sorted(proposals, key=lambda p: (p.updated_at, p.id), reverse=True)]
    return [p.id for p in sorted(proposals, key=keys[sort])]


def test_pages_walk_every_order_forwards_and_back(cast, sortable):
    db.session.expire_all()
    everything = list(db.session.scalars(select(Proposal).where(Proposal.id.in_(sortable))))
    for sort in SORTS:
        expected = expected_order(sort, everything)
        pages, after = [], None
        while True:
            page = list_page(cast.author, Filters(), sort, after=after, limit=3)
            assert (page.prev_cursor is None) == (after is None), sort
            pages.append(page)
            if page.next_cursor is None:
                break
            after = page.next_cursor
        assert [p.id for page in pages for p in page.items] == expected, sort
        assert [len(page.items) for page in pages] == [3, 3, 3, 1], sort
        back, before = [], pages[-1].prev_cursor
        while before is not None:
            page = list_page(cast.author, Filters(), sort, before=before, limit=3)
            back = [p.id for p in page.items] + back
            assert page.next_cursor is not None, sort
            before = page.prev_cursor
        assert back == expected[:9], sort


def test_the_boundary_of_a_full_last_page(cast, sortable):
    first = list_page(cast.author, Filters(), "title", limit=5)
    second = list_page(cast.author, Filters(), "title", after=first.next_cursor, limit=5)
    assert len(first.items) == len(second.items) == 5
    assert second.next_cursor is None and second.prev_cursor is not None
    assert list_page(cast.author, Filters(), "title", limit=10).next_cursor is None


@pytest.mark.parametrize(
    ("sort", "cursor"),
    [("newest", "abc"), ("newest", "-1"), ("title", "12"), ("title", "bm90IGpzb24"), ("deadline", "WyJ4IiwxXQ")],
)
def test_a_cursor_not_made_by_the_list_is_refused(cast, sort, cursor):
    with pytest.raises(BadCursor):
        list_page(cast.author, Filters(), sort, after=cursor)


# -- filters ---------------------------------------------------------------------------------------


def test_filters_combine(cast, make, sortable):
    quick_ids = set(sortable[1:4] + sortable[5:7] + sortable[8:])
    assert set(every_id(cast.author, Filters(session_id=db.session.get(Proposal, sortable[1]).session_id))) == quick_ids
    assert set(every_id(cast.author, Filters(states=("assigned", "rejected")))) == {
        sortable[i] for i in (2, 3, 5, 7, 8, 9)
    }
    assert every_id(cast.author, Filters(lead_department_id=cast.lead_dept.id, q="D")) == [sortable[5]]
    assert every_id(cast.author, Filters(department_id=cast.co_dept.id)) == []
    assert every_id(cast.author, Filters(kind="suggestion")) == []
    number = db.session.get(Proposal, sortable[3]).number
    assert sortable[3] in every_id(cast.committee, Filters(q=str(number)))


def test_the_latest_reply_decides_the_class(cast):
    proposal = cast.proposal_in("replied")  # class A
    fire_event(proposal.id, "evaluate", cast.author, {"rating": "unsatisfied", "comment": "答复没有具体措施。"})
    fire_event(proposal.id, "reply", cast.lead, {"text": "列入计划。", "outcome": "B", "planned_date": "2027-06-30"})
    assert every_id(cast.committee, Filters(outcome="B")) == []  # a draft is not the answer in force
    fire_event(proposal.id, "countersign", cast.cohandler)
    assert every_id(cast.committee, Filters(outcome="B")) == [proposal.id]
    assert every_id(cast.committee, Filters(outcome="A")) == []


def test_filtering_by_delegation_does_not_unmask_a_confidential_author(cast):
    hidden = cast.proposal_in("accepted", confidential=True)
    shown = cast.proposal_in("accepted")
    by_delegation = Filters(delegation_id=cast.delegation.id)
    assert set(every_id(cast.committee, by_delegation)) == {hidden.id, shown.id}
    assert set(every_id(cast.head, by_delegation)) == {hidden.id, shown.id}
    assert every_id(cast.worker, by_delegation) == [shown.id]
    assert every_id(cast.lead, by_delegation) == [shown.id]
    assert set(every_id(cast.worker, Filters())) == {hidden.id, shown.id}


# -- a fixed number of statements per page ---------------------------------------------------------


class Statements:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self)


@pytest.fixture
def many(cast, make):
    """Twenty-one proposals, each by its own author and assigned to its own department with a
    co-handler, so that a lazy load of any relation a row shows would cost a statement per row."""
    quick = make.new_session(min_cosigners=0)
    for n in range(21):  # a page of twenty, and a next one
        author = make.user("worker", delegation_id=cast.delegation.id)
        proposal = make.proposal(author=author, session=quick, title=f"提案{n:02d}", category="safety")
        fire_event(proposal.id, "submit", author)
        fire_event(proposal.id, "accept", cast.committee)
        assign = {"lead_department_id": make.unit("department").id, "cohandler_department_ids": [cast.co_dept.id]}
        fire_event(proposal.id, "assign", cast.committee, assign)
    return quick


def test_a_page_of_twenty_takes_as_many_statements_as_a_page_of_five(cast, many):
    session_id = many.id

    def statements(limit: int) -> int:
        db.session.rollback()  # each as a request's: a transaction of its own (which reads the unions once)
        with Statements() as seen:
            page = list_page(
                cast.committee, Filters(session_id=session_id), "deadline", limit=limit, include=("replies",)
            )
            shown = [  # what a row shows
                (p.author.name, p.category.name, p.session.name, p.lead_assignment.department.name, p.replies)
                for p in page.items
            ]
            list_page(cast.committee, Filters(), "title", after=page.next_cursor, limit=limit)
        assert len(shown) == limit
        return seen.count

    assert statements(5) == statements(20)
