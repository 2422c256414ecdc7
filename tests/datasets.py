"""Datasets more than one test file works on, as plain functions of the `cast` and `make` fixtures: each
file that uses one makes it a fixture of its own (`dataset`)."""

from datetime import timedelta

from proposals.models.base import utcnow
from proposals.operations import create_session, fire_event, update_session

LONG_AGO = timedelta(days=90)  # further back than any acknowledgement or reply deadline reaches


def stages(cast, make):
    """Proposals in every stage, some half-way through a step, so each task group has members and
    non-members that differ by one fact."""
    then = utcnow() - LONG_AGO

    def fire(proposal, event_name, who, payload=None, now=None):
        return fire_event(proposal.id, event_name, getattr(cast, who), payload, now=now)

    p = {state: cast.proposal_in(state) for state in ("draft", "cosigning", "review", "accepted", "assigned")}
    p["in_progress"] = cast.proposal_in("in_progress")  # co-handler has not acknowledged yet
    p["acknowledged"] = cast.proposal_in("in_progress")
    fire(p["acknowledged"], "acknowledge", "cohandler")  # ...and here has, with no draft reply to countersign yet
    p["drafted"] = cast.proposal_in("in_progress")
    fire(p["drafted"], "acknowledge", "cohandler")
    fire(p["drafted"], "reply", "lead", {"text": "拟答复。", "outcome": "A"})  # the co-handler is to countersign it
    p["replied"] = cast.proposal_in("replied")
    p["rated_by_cosigner"] = cast.proposal_in("replied")
    fire(p["rated_by_cosigner"], "evaluate", "delegate1", {"rating": "satisfied"})
    p["rehandled"] = cast.proposal_in("replied")
    fire(
        p["rehandled"], "evaluate", "author", {"rating": "unsatisfied", "comment": "答复没有具体措施。"}
    )  # a new round: a new draft to write
    p["closed"] = cast.proposal_in("closed")
    p["rejected"] = cast.proposal_in("rejected")
    p["cosigned_once"] = cast.proposal_in("cosigning")
    fire(p["cosigned_once"], "cosign", "delegate3")
    p["by_delegate"] = make.proposal(author=cast.delegate1, session=cast.session, title="代表自己的提案")
    fire(p["by_delegate"], "submit", "delegate1")
    p["late"] = cast.proposal_in("accepted")
    fire(p["late"], "assign", "committee", {"lead_department_id": cast.other_dept.id}, now=then)
    p["declined"] = cast.proposal_in("assigned")
    fire(p["declined"], "decline", "lead", {"reason": "不属于本部门。"})
    fire(p["declined"], "assign", "committee", {"lead_department_id": cast.other_dept.id})
    fire(p["declined"], "acknowledge", "other_handler")
    heads = create_session({"code": "DR", "name": "代表团预审的会议", "min_cosigners": 0, "delegation_review": True})
    p["delegation_review"] = make.proposal(author=cast.author, session=heads, title="待代表团预审")
    fire(p["delegation_review"], "submit", "author")
    p["other_draft"] = make.proposal(author=cast.worker, session=cast.session, title="别人的草稿")
    return p


def hand_checked(cast, make):
    """Sixteen proposals; the comments say what each one adds to the report."""
    then = utcnow() - LONG_AGO

    def fire(proposal, event, who, payload=None, now=None):
        return fire_event(proposal.id, event, getattr(cast, who) if who else None, payload, now=now)

    assign_other = {"lead_department_id": cast.other_dept.id}
    p = {}
    p["draft"] = cast.proposal_in("draft")  # never counted
    p["cosigning"] = cast.proposal_in("cosigning")
    p["withdrawn"] = cast.proposal_in("withdrawn")
    p["rejected"] = cast.proposal_in("rejected")  # reviewed, not accepted
    p["merged"] = cast.proposal_in("merged")  # reviewed, not accepted; its target is under review
    p["converted"] = cast.proposal_in("review")
    fire(p["converted"], "convert", "committee")  # accepted, as a suggestion
    p["late_ack"] = cast.proposal_in("accepted")
    fire(p["late_ack"], "assign", "committee", assign_other, now=then)  # overdue: not acknowledged in time
    p["late_reply"] = cast.proposal_in("accepted")
    fire(p["late_reply"], "assign", "committee", assign_other, now=then)
    fire(p["late_reply"], "acknowledge", "other_handler", now=then)  # overdue: no reply in time
    p["replied"] = cast.proposal_in("replied")  # A, on time, not rated yet
    fire(p["replied"], "evaluate", "delegate1", {"rating": "satisfied"})  # a co-signer's rating: satisfied
    p["satisfied"] = cast.proposal_in("closed")  # A, on time, satisfied
    # a co-signer's rating after the author's closed it: not satisfied
    fire(p["satisfied"], "evaluate", "delegate2", {"rating": "unsatisfied", "comment": "座位仍然不够。"})
    p["no_response"] = cast.proposal_in("replied")
    fire(p["no_response"], "close_unrated", None)  # A, on time, closed without a rating: not evaluated
    p["basically"] = cast.proposal_in("accepted")
    assign = {"lead_department_id": cast.lead_dept.id, "cohandler_department_ids": [cast.co_dept.id]}
    fire(p["basically"], "assign", "committee", assign, now=then)
    fire(p["basically"], "acknowledge", "lead", now=then)
    fire(p["basically"], "acknowledge", "cohandler", now=then)
    fire(p["basically"], "reply", "lead", {"text": "列入明年计划。", "outcome": "B", "planned_date": "2027-06-30"})
    fire(p["basically"], "countersign", "cohandler")  # released: B, late
    fire(p["basically"], "evaluate", "author", {"rating": "basically_satisfied"})
    p["unsatisfied"] = cast.proposal_in("in_progress", category="safety")
    fire(p["unsatisfied"], "acknowledge", "cohandler")
    fire(p["unsatisfied"], "reply", "lead", {"text": "暂无条件解决。", "outcome": "C", "reason": "场地所限。"})
    fire(p["unsatisfied"], "countersign", "cohandler")  # released: C, on time
    update_session(cast.session, {"max_rehandle": 0})
    fire(
        p["unsatisfied"], "evaluate", "author", {"rating": "unsatisfied", "comment": "答复没有具体措施。"}
    )  # closed, unsatisfied
    update_session(cast.session, {"max_rehandle": 2})
    fire(p["unsatisfied"], "evaluate", "delegate1", {"rating": "basically_satisfied"})  # a co-signer's: satisfied
    p["archived"] = cast.proposal_in("archived")  # A, on time, satisfied
    p["no_delegation"] = make.proposal(author=cast.worker, session=cast.session)
    fire(p["no_delegation"], "submit", "worker")  # co-signing; its author has no delegation
    other = make.new_session()
    p["elsewhere"] = make.proposal(author=cast.author, session=other)
    fire(p["elsewhere"], "submit", "author")  # another session
    return p
