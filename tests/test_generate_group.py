"""proposals/scale in a group (`generate --unions N --people N`): every union holds its own congress, its
people act in it with roles scoped to it, and each union's proposals are visible as the scoped predicates
(proposals/access.py, proposals/unions.py) say."""

from collections import Counter

import pytest
from sqlalchemy import func, select

from proposals import stats, unions
from proposals.access import can_view, visible_filter
from proposals.extensions import db
from proposals.models import (
    Assignment,
    CongressSession,
    Cosignature,
    HistoryEntry,
    OrgUnit,
    Proposal,
    UnionRole,
    User,
)
from proposals.operations import available_events
from workflow import LIFECYCLE

UNIONS, PEOPLE, COUNT = 3, 400, 400
PUBLIC = LIFECYCLE.tagged("public")
DECISIONS = ("accept", "convert", "reject", "merge", "archive")


@pytest.fixture
def group(app):
    args = ["generate", "--proposals", str(COUNT), "--unions", str(UNIONS), "--people", str(PEOPLE), "--seed", "4"]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    tree = unions.current()
    grassroots = db.session.scalars(select(OrgUnit).where(OrgUnit.kind == "grassroots").order_by(OrgUnit.code)).all()
    return tree, grassroots


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def union_of_session() -> dict[int, int | None]:
    return dict(db.session.execute(select(CongressSession.id, CongressSession.union_id)).all())


def test_the_group_is_made_as_asked(group):
    tree, grassroots = group
    assert [u.code for u in grassroots] == ["GEN-U001", "GEN-U002", "GEN-U003"]
    assert tree.root.code == "GEN-GH"
    assert all(tree.parent[u.id] is None for u in grassroots)  # below the company union
    assert db.session.scalar(select(func.count(User.id))) == PEOPLE
    # five yearly sessions a union, the company's included, each naming a union that exists; one open each
    sessions = db.session.scalars(select(CongressSession)).all()
    per_union = Counter(s.union_id for s in sessions)
    assert per_union == {None: 5, **{u.id: 5 for u in grassroots}}
    assert Counter(s.union_id for s in sessions if s.is_open) == {None: 1, **{u.id: 1 for u in grassroots}}
    # proposals in every union's congress
    made = Counter(union_of_session()[sid] for sid in db.session.scalars(select(Proposal.session_id)))
    assert set(made) == {None, *(u.id for u in grassroots)}
    assert sum(made.values()) == COUNT


def test_roles_are_scoped_to_the_union_their_holders_belong_to(group):
    tree, grassroots = group
    rows = db.session.scalars(select(UnionRole)).all()
    assert {r.role for r in rows} == {"committee", "supervisor", "union_admin", "leader", "delegate"}
    for row in rows:
        assert row.union_id in tree.units and tree.units[row.union_id].kind == "grassroots"
        assert unions.home_union(db.session.get(User, row.user_id), tree) == row.union_id
    committee = user("gen-u002-c0")
    assert committee.roles == {"worker"} and committee.roles_in(grassroots[1].id) == {"committee"}
    assert user("gen-c0").roles == {"committee"} and not user("gen-c0").union_role_rows
    # departments: the company's functional ones lie in no union, a union's own in it
    handler = user("gen-u001-b01-0")
    assert tree.union_of_unit(handler.department_id) == grassroots[0].id
    assert tree.union_of_unit(user("gen-b01-0").department_id) is None


def test_each_union_s_proposals_are_its_own_people_s(group):
    tree, grassroots = group
    session_union = union_of_session()
    people = {u.id: u for u in db.session.scalars(select(User))}
    proposals = db.session.scalars(select(Proposal)).all()
    for p in proposals:  # written and co-signed where it came from, when it was escalated
        key = session_union[p.escalated_from_session_id or p.session_id]
        assert unions.home_union(people[p.author_id], tree) == key, p.id
        assert tree.union_of_unit(p.delegation_id) == key
    for proposal_id, user_id in db.session.execute(select(Cosignature.proposal_id, Cosignature.user_id)):
        proposal = db.session.get(Proposal, proposal_id)
        key = session_union[proposal.escalated_from_session_id or proposal.session_id]
        assert "delegate" in people[user_id].roles_in(key)
    for proposal_id, department_id in db.session.execute(select(Assignment.proposal_id, Assignment.department_id)):
        session = db.session.get(Proposal, proposal_id).session
        assert unions.may_handle(session, [department_id], tree)
    # the committee deciding is the session's union's own
    decided = db.session.execute(
        select(HistoryEntry.actor_id, Proposal.session_id)
        .join(Proposal, Proposal.id == HistoryEntry.proposal_id)
        .where(HistoryEntry.event.in_(DECISIONS))
    ).all()
    assert decided
    for actor_id, session_id in decided:
        assert "committee" in people[actor_id].roles_in(session_union[session_id])


def test_proposals_are_visible_per_union_as_the_scoped_predicates_say(group):
    tree, grassroots = group
    session_union = union_of_session()
    proposals = db.session.scalars(select(Proposal)).all()
    first, second = grassroots[0].id, grassroots[1].id

    def listed(person):
        return set(db.session.scalars(select(Proposal.id).where(visible_filter(person))))

    def submitted(p):
        return p.state != "draft" and p.submitted_at is not None

    # the company's committee reads every union's submitted proposals
    company = user("gen-c0")
    assert listed(company) == {p.id for p in proposals if submitted(p)}
    # a grassroots committee member its own union's, and the public results of the company's, never a sibling's
    member = user("gen-u001-c0")
    expected = {
        p.id
        for p in proposals
        if (session_union[p.session_id] == first and submitted(p))
        or (session_union[p.session_id] is None and p.state in PUBLIC)
        or (p.escalated_from_session_id and session_union[p.escalated_from_session_id] == first and submitted(p))
    }
    assert listed(member) == expected
    assert not any(session_union[db.session.get(Proposal, i).session_id] == second for i in listed(member))
    # a worker of that union: the public results of their union and the company's, and their own
    worker = user("gen-u001-w01-000")
    expected = {
        p.id
        for p in proposals
        if p.author_id == worker.id or (p.state in PUBLIC and session_union[p.session_id] in (None, first))
    }
    assert listed(worker) == expected
    # the list's condition and the page's check agree
    for person in (company, member, worker, user("gen-u002-d01-000"), user("gen-u001-b01-0")):
        seen = listed(person)
        for p in proposals:
            assert can_view(person, p) == (p.id in seen), (person.username, p.id)


def test_the_engine_and_the_figures_follow_the_unions(group):
    tree, grassroots = group
    session_union = union_of_session()
    review = next(
        p
        for p in db.session.scalars(select(Proposal).where(Proposal.state == "review").order_by(Proposal.id))
        if session_union[p.session_id] == grassroots[0].id
    )
    assert "accept" in available_events(review, user("gen-u001-c0"))
    assert "accept" not in available_events(review, user("gen-c0"))  # the company's committee reads, not decides
    assert "accept" not in available_events(review, user("gen-u002-c0"))
    report = stats.report(user=user("gen-c0"))
    by_union = {tree.key(row["union_id"]): row["total"] for row in report["by_union"]}
    assert set(by_union) == {None, *(u.id for u in grassroots)}
    assert sum(by_union.values()) == report["total"]


def test_too_few_people_for_the_unions_are_refused(app):
    result = app.test_cli_runner().invoke(args=["generate", "--proposals", "5", "--unions", "10", "--people", "50"])
    assert result.exit_code == 2 and "too few" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_people_alone_make_the_company_union_of_that_many(app):
    result = app.test_cli_runner().invoke(args=["generate", "--proposals", "40", "--people", "120"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert db.session.scalar(select(func.count(User.id))) == 120
    assert not db.session.scalar(select(func.count()).select_from(UnionRole))
    assert set(db.session.scalars(select(CongressSession.union_id))) == {None}
    assert unions.current().parent == {}  # one union: the company's


def test_a_share_of_grassroots_proposals_is_escalated_as_the_event_does(group):
    """Each escalated proposal: from a grassroots session to the company's of the same year, open then; its
    history one escalate row, review to review, by that union's committee, saying whence and whither; after
    it, the company's committee decides and its numbering numbers it; its state one the walk could reach."""
    tree, grassroots = group
    sessions = {s.id: s for s in db.session.scalars(select(CongressSession))}
    escalated = db.session.scalars(select(Proposal).where(Proposal.escalated_from_session_id.is_not(None))).all()
    under_review = db.session.scalar(
        select(func.count(Proposal.id)).where(Proposal.state != "draft", Proposal.submitted_at.is_not(None))
    )
    assert escalated and len(escalated) < under_review / 4  # a share, not most
    people = {u.id: u for u in db.session.scalars(select(User))}
    reached = set(LIFECYCLE.or_later("review")) | {"review", "rejected", "merged", "withdrawn"}
    for p in escalated:
        origin, present = sessions[p.escalated_from_session_id], sessions[p.session_id]
        assert origin.union_id in tree.units and present.union_id is None  # the generated unions: below the company
        assert origin.code.rsplit("-", 1)[1] == present.code.rsplit("-", 1)[1]  # the same year
        assert p.state in reached, p.state
        history = db.session.scalars(
            select(HistoryEntry).where(HistoryEntry.proposal_id == p.id).order_by(HistoryEntry.seq)
        ).all()
        events = [h.event for h in history]
        assert events.count("escalate") == 1
        row = history[events.index("escalate")]
        assert (row.from_state, row.to_state) == ("review", "review")
        assert row.payload["from_session_id"] == origin.id and row.payload["to_session_id"] == present.id
        assert row.payload["reason"] and row.comment == row.payload["reason"]
        assert "committee" in people[row.actor_id].roles_in(origin.union_id)
        for before, after in zip(history, history[1:], strict=False):
            assert after.from_state == before.to_state and after.at >= before.at
        for later in history[events.index("escalate") + 1 :]:
            if later.event in DECISIONS:
                assert "committee" in people[later.actor_id].roles, later.event  # the company's committee
        if p.number is not None:
            assert p.number <= present.last_number
    # numbers stay unique within each session, the escalated among the company's own
    numbered = db.session.execute(
        select(Proposal.session_id, Proposal.number).where(Proposal.number.is_not(None))
    ).all()
    assert len(numbered) == len(set(numbered))
    # the grassroots union follows what it escalated: its committee sees it
    member = user("gen-u001-c0")
    followed = [p for p in escalated if sessions[p.escalated_from_session_id].union_id == grassroots[0].id]
    assert followed and all(can_view(member, p) for p in followed)
