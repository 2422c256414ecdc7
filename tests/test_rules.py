"""The lifecycle's rules beyond the table: thresholds, numbering, re-handling, settings, guards."""

import pytest

from proposals.extensions import db
from proposals.models import Proposal
from proposals.operations import NotFound, fire_event, update_session
from workflow import InvalidPayload, PermissionDenied, StateConflict

ASSIGN_BOTH = "assign_both"


def fire(proposal, event, user, payload=None):
    return fire_event(proposal.id, event, user, payload)


def test_cosigning_moves_on_exactly_when_the_last_needed_signature_arrives(cast):
    p = cast.proposal_in("cosigning")
    p = fire(p, "cosign", cast.delegate1)
    assert p.state == "cosigning"
    p = fire(p, "cosign", cast.delegate2)
    assert p.state == "review"
    assert [h.to_state for h in p.history if h.event == "cosign"] == ["cosigning", "review"]
    with pytest.raises(StateConflict):
        fire(p, "cosign", cast.head)  # a delegate who still sees it (the head of the author's delegation)
    with pytest.raises(NotFound):  # a delegate who no longer sees it at all
        fire(p, "cosign", cast.delegate3)
    assert len(p.cosignatures) == 2


def test_a_delegate_cannot_cosign_own_proposal_or_twice(cast, make):
    own = make.proposal(author=cast.delegate1, session=cast.session)
    own = fire(own, "submit", cast.delegate1)
    with pytest.raises(PermissionDenied):
        fire(own, "cosign", cast.delegate1)
    p = cast.proposal_in("cosigning")
    fire(p, "cosign", cast.delegate3)
    with pytest.raises(StateConflict) as refused:
        fire(p, "cosign", cast.delegate3)
    assert "withdraw" not in refused.value.available and refused.value.available == []


def test_a_worker_who_is_not_a_delegate_cannot_cosign(cast, make):
    with pytest.raises(NotFound):  # co-signing proposals are shown to delegates only
        fire(cast.proposal_in("cosigning"), "cosign", cast.worker)
    with pytest.raises(PermissionDenied):  # the committee sees it but is no delegate
        fire(cast.proposal_in("cosigning"), "cosign", cast.committee)


def test_numbers_are_sequential_per_session_and_never_reused(cast, make):
    numbers = []
    for decision in ("accept", "reject", "convert", "accept"):
        p = cast.proposal_in("review")
        p = fire(p, decision, cast.committee, {"reason": "说明"} if decision != "accept" else None)
        numbers.append(p.number)
    assert numbers == [1, None, 2, 3]
    other = make.new_session()
    cast2 = type(cast)(make, session=other)
    assert fire(cast2.proposal_in("review"), "accept", cast2.committee).number == 1
    # a declined assignment goes back to accepted and keeps its number
    p = cast.proposal_in("assigned")
    n = p.number
    p = fire(p, "decline", cast.lead, {"reason": "不属于本部门职责。"})
    assert (p.state, p.number) == ("accepted", n)
    assert all(a.ended_at for a in p.assignments)


def test_convert_makes_a_numbered_suggestion(cast):
    p = fire(cast.proposal_in("review"), "convert", cast.committee)
    assert (p.state, p.kind, p.number) == ("accepted", "suggestion", 1)


def test_reject_needs_a_reason(cast):
    p = cast.proposal_in("review")
    with pytest.raises(InvalidPayload) as refused:
        fire(p, "reject", cast.committee, {"reason": "  "})
    assert set(refused.value.fields) == {"reason"}
    assert fire(p, "reject", cast.committee, {"reason": "个人诉求。"}).history[-1].comment == "个人诉求。"


def test_unknown_and_extra_payload_fields_are_refused(cast):
    p = cast.proposal_in("review")
    with pytest.raises(InvalidPayload) as refused:
        fire(p, "accept", cast.committee, {"comment": "好", "extra": 1})
    assert set(refused.value.fields) == {"extra"}
    with pytest.raises(InvalidPayload):
        fire(p, "accept", cast.committee, ["not", "an", "object"])


@pytest.mark.parametrize("state", ["draft", "cosigning", "review"])
def test_withdraw_from_each_allowed_state_keeps_the_record(cast, state):
    p = fire(cast.proposal_in(state), "withdraw", cast.author, {"reason": "问题已解决"})
    assert p.state == "withdrawn"
    assert db.session.get(Proposal, p.id).history[-1].event == "withdraw"


@pytest.mark.parametrize("state", ["accepted", "assigned", "in_progress", "replied", "closed", "rejected"])
def test_withdraw_is_refused_once_the_committee_has_decided(cast, state):
    with pytest.raises(StateConflict):
        fire(cast.proposal_in(state), "withdraw", cast.author)


def test_merge_links_to_a_surviving_proposal_of_the_same_session(cast, make):
    target = cast.proposal_in("review", title="目标")
    p = cast.proposal_in("review")
    with pytest.raises(InvalidPayload):
        fire(p, "merge", cast.committee, {"into_id": p.id})
    with pytest.raises(InvalidPayload):
        fire(p, "merge", cast.committee, {"into_id": 999999})
    elsewhere = type(cast)(make, session=make.new_session()).proposal_in("review")
    with pytest.raises(InvalidPayload):
        fire(p, "merge", cast.committee, {"into_id": elsewhere.id})
    withdrawn = cast.proposal_in("withdrawn")
    with pytest.raises(InvalidPayload):
        fire(p, "merge", cast.committee, {"into_id": withdrawn.id})
    p = fire(p, "merge", cast.committee, {"into_id": target.id})
    assert (p.state, p.merged_into_id) == ("merged", target.id)


def test_assign_checks_departments(cast, make):
    p = cast.proposal_in("accepted")
    for payload in (
        {"lead_department_id": 999999},
        {"lead_department_id": cast.delegation.id},
        {"lead_department_id": cast.lead_dept.id, "cohandler_department_ids": [cast.lead_dept.id]},
        {"lead_department_id": cast.lead_dept.id, "cohandler_department_ids": [cast.co_dept.id, cast.co_dept.id]},
    ):
        with pytest.raises(InvalidPayload):
            fire(p, "assign", cast.committee, payload)
    assert db.session.get(Proposal, p.id).assignments == []
    p = fire(p, "assign", cast.committee, {"lead_department_id": cast.lead_dept.id})
    (lead,) = p.assignments
    assert lead.role == "lead" and lead.ack_deadline < lead.reply_deadline


def test_the_reply_goes_out_once_every_cohandler_agreed_to_the_draft(cast):
    p = cast.proposal_in("in_progress")
    with pytest.raises(StateConflict) as refused:  # nothing to countersign before the lead drafts
        fire(p, "countersign", cast.cohandler)
    assert "countersign" not in refused.value.available
    reply = {"text": "答复", "outcome": "B", "planned_date": "2027-06-30"}
    p = fire(p, "reply", cast.lead, reply)
    assert p.state == "in_progress" and p.replies == []  # a draft, not a reply
    p = fire(p, "countersign", cast.cohandler)
    assert p.state == "replied" and [r.text for r in p.replies] == ["答复"]
    with pytest.raises(StateConflict):
        fire(p, "countersign", cast.cohandler)


def test_reply_outcome_must_be_one_of_the_sessions_classes_with_what_it_requires(cast):
    p = cast.proposal_in("in_progress")
    for payload, wrong in (
        ({"text": "答复", "outcome": "D"}, {"outcome"}),
        ({"text": "答复", "outcome": "B"}, {"planned_date"}),
        ({"text": "答复", "outcome": "C"}, {"reason"}),
        ({"text": "答复", "outcome": "B", "planned_date": "2027-02-30"}, {"planned_date"}),
    ):
        with pytest.raises(InvalidPayload) as refused:
            fire(p, "reply", cast.lead, payload)
        assert set(refused.value.fields) == wrong
    assert db.session.get(Proposal, p.id).reply_drafts == []
    classes = [{"code": c, "label": f"{c} 类", "requires": []} for c in "ABCD"]
    update_session(cast.session, {"outcome_classes": classes})
    assert fire(p, "reply", cast.lead, {"text": "答复", "outcome": "D"}).state == "in_progress"


def test_cosigners_rate_without_closing_and_only_once(cast):
    p = cast.proposal_in("replied")
    p = fire(p, "evaluate", cast.delegate1, {"rating": "unsatisfied", "comment": "答复没有具体措施。"})
    assert p.state == "replied"
    with pytest.raises(StateConflict):
        fire(p, "evaluate", cast.delegate1, {"rating": "satisfied"})
    with pytest.raises(PermissionDenied):
        fire(p, "evaluate", cast.delegate3, {"rating": "satisfied"})
    p = fire(p, "evaluate", cast.author, {"rating": "basically_satisfied"})
    assert (p.state, p.final_rating) == ("closed", "basically_satisfied")


@pytest.mark.parametrize("max_rehandle", [0, 1, 2])
def test_rehandling_stops_after_max_rehandle_rounds(cast, max_rehandle):
    update_session(cast.session, {"max_rehandle": max_rehandle})
    p = cast.proposal_in("replied")
    for round_ in range(max_rehandle):
        p = fire(p, "evaluate", cast.author, {"rating": "unsatisfied", "comment": "答复没有具体措施。"})
        assert (p.state, p.rehandle_round) == ("in_progress", round_ + 1)
        with pytest.raises(StateConflict):  # a new round: the countersignature of the last one is past
            fire(p, "countersign", cast.cohandler)
        fire(p, "reply", cast.lead, {"text": "再答复", "outcome": "B", "planned_date": "2027-06-30"})
        p = fire(p, "countersign", cast.cohandler)
    p = fire(p, "evaluate", cast.author, {"rating": "unsatisfied", "comment": "答复没有具体措施。"})
    assert (p.state, p.final_rating, p.rehandle_round) == ("closed", "unsatisfied", max_rehandle)
    assert len(p.replies) == max_rehandle + 1


def test_extend_adds_working_days_once(cast):
    p = cast.proposal_in("in_progress")
    before = p.lead_assignment.reply_deadline
    p = fire(p, "extend", cast.supervisor, {"days": 10, "reason": "涉及预算调整"})
    assert p.lead_assignment.reply_deadline > before
    with pytest.raises(StateConflict):
        fire(p, "extend", cast.supervisor, {"days": 5, "reason": "再次延期"})
    with pytest.raises(InvalidPayload):
        fire(cast.proposal_in("assigned"), "extend", cast.supervisor, {"days": 0, "reason": "x"})


def test_system_events_close_cosigning_and_unrated_replies(cast):
    p = fire_event(cast.proposal_in("cosigning").id, "close_cosigning", None)
    assert (p.state, p.kind) == ("review", "suggestion")
    p = fire_event(cast.proposal_in("replied").id, "close_unrated", None)
    assert (p.state, p.final_rating) == ("closed", "no_response")
    with pytest.raises(PermissionDenied):
        fire(cast.proposal_in("replied"), "close_unrated", cast.committee)


# -- the session's settings change behaviour without code changes -----------------------------


def test_min_cosigners_zero_sends_a_proposal_straight_to_review(cast):
    update_session(cast.session, {"min_cosigners": 0})
    assert fire(cast.proposal_in("draft"), "submit", cast.author).state == "review"


def test_min_cosigners_three_needs_three(cast):
    update_session(cast.session, {"min_cosigners": 3})
    p = cast.proposal_in("cosigning")
    for delegate in (cast.delegate1, cast.delegate2):
        assert fire(p, "cosign", delegate).state == "cosigning"
    assert fire(p, "cosign", cast.delegate3).state == "review"


def test_delegation_review_inserts_the_heads_step(cast):
    update_session(cast.session, {"delegation_review": True})
    p = cast.proposal_in("cosigning")
    fire(p, "cosign", cast.delegate1)
    p = fire(p, "cosign", cast.delegate2)
    assert p.state == "delegation_review"
    with pytest.raises(StateConflict):  # accept is not possible before the head forwards
        fire(p, "accept", cast.committee)
    with pytest.raises(StateConflict):  # send_back is, but it is the head's step until the pre-review's days pass
        fire(p, "send_back", cast.committee, {"reason": "x"})
    with pytest.raises(PermissionDenied):
        fire(p, "forward", cast.delegate1)  # a co-signer sees it but heads no delegation
    p = fire(p, "send_back", cast.head, {"reason": "请补充测算数据。"})
    assert p.state == "draft"
    p = fire(p, "submit", cast.author)  # the co-signatures ended with the send-back: co-signing starts again
    assert p.state == "cosigning"
    fire(p, "cosign", cast.delegate1)
    p = fire(p, "cosign", cast.delegate2)
    assert p.state == "delegation_review"
    assert fire(p, "forward", cast.head).state == "review"


def test_delegation_head_of_another_delegation_cannot_forward(cast, make):
    update_session(cast.session, {"delegation_review": True, "min_cosigners": 0})
    other_head = make.user("delegation_head", delegation_id=make.unit("delegation").id)
    p = fire(cast.proposal_in("draft"), "submit", cast.author)
    assert p.state == "delegation_review"
    with pytest.raises(Exception) as refused:
        fire(p, "forward", other_head)
    assert type(refused.value).__name__ in ("PermissionDenied", "NotFound")
