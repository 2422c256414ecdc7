"""fire_event reads the guards' facts with one query (events.load_facts); pages and the API read them from
the proposal's collections (Proposal.facts). Both must say the same at every step of a lifecycle."""

from proposals.extensions import db
from proposals.models import Proposal
from proposals.operations import fire_event
from proposals.operations.events import load_facts


def test_the_query_and_the_collections_give_the_same_facts_at_every_step(cast):
    proposal = cast.make.proposal(author=cast.author, session=cast.session)
    unsatisfied = {"rating": "unsatisfied", "comment": "答复没有具体措施。"}
    steps = [
        *cast.path("replied"),
        ("evaluate", "delegate1", {"rating": "satisfied"}),  # a co-signer's rating: no state change
        ("evaluate", "author", unsatisfied),  # handled again: round 1, nothing countersigned or rated yet
        ("extend", "supervisor", {"days": 5, "reason": "需要协调预算。"}),
        ("reply", "lead", {"text": "已重新办理。", "outcome": "B", "planned_date": "2027-06-30"}),  # a draft
        ("countersign", "cohandler", {"agree": False, "reason": "请写明计划。"}),  # returned to the lead
        ("reply", "lead", {"text": "已重新办理，计划六月完成。", "outcome": "B", "planned_date": "2027-06-30"}),
        ("countersign", "cohandler", None),  # agreed: it goes out
        ("evaluate", "delegate2", {"rating": "satisfied"}),
    ]
    seen = []
    for event, who, payload in steps:
        fire_event(proposal.id, event, getattr(cast, who), payload)
        db.session.expire_all()
        proposal = db.session.get(Proposal, proposal.id)
        queried = load_facts(proposal)
        assert queried == proposal.facts(), (event, who)
        seen.append(queried)
    last = seen[-1]
    assert last.rehandle_round == 1 and last.extended and last.evaluator_ids == {cast.delegate2.id}
    assert last.cosigner_ids == {cast.delegate1.id, cast.delegate2.id}
    assert last.countersigned_department_ids == {cast.co_dept.id} and last.draft_status is None
    assert last.acknowledged_department_ids == {cast.lead_dept.id, cast.co_dept.id}
    assert [f.draft_status for f in seen[-6:-1]] == [
        None, "awaiting_countersign", "returned", "awaiting_countersign", None
    ]  # fmt: skip
    assert seen[-7].countersigned_department_ids == frozenset() and seen[-7].evaluator_ids == frozenset()
    assert seen[-4].countersigned_department_ids == frozenset()  # a disagreement is not a countersignature
    assert seen[-8].evaluator_ids == {cast.delegate1.id}
