"""Supervision and the committee (issue 15): re-handling at the committee's request, re-classing a reply,
returning an assignment within the days for it or by asking the committee, and extensions asked for,
granted or refused, once per proposal."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from proposals import stats
from proposals.extensions import db
from proposals.models import Notification, Proposal
from proposals.operations import clock, fire_event
from workflow import InvalidPayload, PermissionDenied, StateConflict

from .helpers import api_client, login

WHY = {"reason": "答复未针对所提措施。"}


def told(proposal_id: int, event: str) -> set[int]:
    return set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.proposal_id == proposal_id, Notification.event == event)
        )
    )


def later(working_days: int):
    """A moment `working_days` working days from today (China-local), at noon there."""
    today = clock.local_date(clock.utcnow())
    day = clock.working_calendar().add(today, working_days)
    return clock.utcnow() + timedelta(days=(day - today).days)


# -- request_rehandle --------------------------------------------------------------------------------


def test_request_rehandle_starts_a_round_max_rehandle_does_not_count(make):
    from .conftest import Cast

    cast = Cast(make, session=make.new_session(max_rehandle=1))
    proposal = cast.proposal_in("replied")
    fired = fire_event(proposal.id, "request_rehandle", cast.committee, WHY)
    assert fired.state == "in_progress" and fired.rehandle_round == 1 and fired.committee_rehandles == 1
    expected = clock.working_calendar().add(clock.local_date(clock.utcnow()), cast.session.reply_days)
    assert {a.reply_deadline for a in fired.active_assignments} == {expected}
    assert fired.history[-1].payload["reply_deadline"] == expected.isoformat()
    assert told(proposal.id, "request_rehandle") == {cast.lead.id, cast.cohandler.id}
    # the new round: drafted, countersigned (which sends it); the author's one unsatisfied round is still left
    fire_event(proposal.id, "reply", cast.lead, {"text": "已重新研究。", "outcome": "A"})
    fire_event(proposal.id, "countersign", cast.cohandler)
    unsatisfied = {"rating": "unsatisfied", "comment": "仍不满意"}  # (a new session rates the result alone)
    assert fire_event(proposal.id, "evaluate", cast.author, unsatisfied).state == "in_progress"
    fire_event(proposal.id, "reply", cast.lead, {"text": "第三次答复。", "outcome": "A"})
    fire_event(proposal.id, "countersign", cast.cohandler)
    assert fire_event(proposal.id, "evaluate", cast.author, unsatisfied).state == "closed"  # now it is used up


def test_request_rehandle_refusals(cast):
    proposal = cast.proposal_in("replied")
    with pytest.raises(InvalidPayload):
        fire_event(proposal.id, "request_rehandle", cast.committee, {})
    with pytest.raises(PermissionDenied):
        fire_event(proposal.id, "request_rehandle", cast.supervisor, WHY)
    fire_event(proposal.id, "request_rehandle", cast.committee, WHY)
    with pytest.raises(StateConflict):  # twice: it is being handled again
        fire_event(proposal.id, "request_rehandle", cast.committee, WHY)
    rated = cast.proposal_in("closed")
    with pytest.raises(StateConflict):  # the author has rated it
        fire_event(rated.id, "request_rehandle", cast.committee, WHY)


def test_the_department_sees_why_on_the_page(client, cast):
    proposal = cast.proposal_in("replied")
    login(client, cast.committee)
    assert "request_rehandle" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    r = client.post(
        f"/proposals/{proposal.id}/events/request_rehandle", data={"request_rehandle-reason": "请补充落实时间表。"}
    )
    assert r.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == "in_progress"
    login(client, cast.lead)
    assert "请补充落实时间表。" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


# -- reclass -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["replied", "closed"])
def test_reclass_changes_the_released_reply_and_the_statistics(cast, state):
    proposal = cast.proposal_in(state)
    session_id = proposal.session_id
    assert stats.report(session_id)["outcome_counts"]["A"] == 1
    fired = fire_event(proposal.id, "reclass", cast.supervisor, {"outcome": "C", "reason": "条件所限尚不能解决。"})
    assert fired.state == state and fired.replies[-1].outcome == "C" and fired.latest_outcome == "C"
    payload = fired.history[-1].payload
    assert (payload["from_outcome"], payload["to_outcome"], payload["reason"]) == ("A", "C", "条件所限尚不能解决。")
    counts = stats.report(session_id)["outcome_counts"]
    assert counts["A"] == 0 and counts["C"] == 1
    assert told(proposal.id, "reclass") >= {cast.author.id, cast.lead.id}


def test_reclass_refusals(api_of, cast):
    proposal = cast.proposal_in("replied")
    supervisor = api_of(cast.supervisor)
    same = supervisor.fire(proposal.id, "reclass", {"outcome": "A", "reason": "同类"})
    assert same.status_code == 422 and set(same.json["fields"]) == {"outcome"}
    assert supervisor.fire(proposal.id, "reclass", {"outcome": "D", "reason": "x"}).status_code == 422
    assert supervisor.fire(proposal.id, "reclass", {"outcome": "B"}).status_code == 422  # no reason
    assert api_of(cast.committee).fire(proposal.id, "reclass", {"outcome": "B", "reason": "x"}).status_code == 403
    in_progress = cast.proposal_in("in_progress")
    assert supervisor.fire(in_progress.id, "reclass", {"outcome": "B", "reason": "x"}).status_code == 409
    assert db.session.get(Proposal, proposal.id).latest_outcome == "A"


@pytest.fixture
def api_of(client):
    api = api_client(client)
    return api.as_


# -- returning an assignment -------------------------------------------------------------------------


def test_decline_only_within_the_days_to_return_it(cast):
    proposal = cast.proposal_in("assigned")
    late = later(cast.session.decline_days + 1)
    with pytest.raises(StateConflict, match="ask the committee"):
        fire_event(proposal.id, "decline", cast.lead, WHY, now=late)
    # within them, asking the committee is not offered: the department returns it itself
    with pytest.raises(StateConflict):
        fire_event(proposal.id, "request_return", cast.lead, WHY)
    assert fire_event(proposal.id, "decline", cast.lead, WHY, now=later(cast.session.decline_days)).state == "accepted"


def test_request_return_then_approve(cast):
    proposal = cast.proposal_in("assigned")
    late = later(cast.session.decline_days + 1)
    fired = fire_event(proposal.id, "request_return", cast.lead, WHY, now=late)
    assert fired.state == "assigned" and fired.return_requested_at is not None
    assert told(proposal.id, "request_return") == {cast.committee.id}
    with pytest.raises(StateConflict):  # one open request at a time
        fire_event(proposal.id, "request_return", cast.lead, WHY, now=late)
    with pytest.raises(PermissionDenied):
        fire_event(proposal.id, "approve_return", cast.supervisor, None, now=late)
    with pytest.raises(PermissionDenied):  # the lead's to ask, not a co-handler's
        fire_event(proposal.id, "request_return", cast.cohandler, WHY, now=late)
    fired = fire_event(proposal.id, "approve_return", cast.committee, None, now=late)
    assert fired.state == "accepted" and fired.active_assignments == [] and fired.return_requested_at is None
    assert fired.lead_department_id is None
    assert told(proposal.id, "approve_return") == {cast.lead.id, cast.cohandler.id}


def test_request_return_then_refuse(api_of, cast):
    proposal = cast.proposal_in("in_progress")
    committee, lead = api_of(cast.committee), api_of(cast.lead)
    assert committee.fire(proposal.id, "refuse_return", WHY).status_code == 409  # nothing asked
    assert lead.fire(proposal.id, "request_return", {}).status_code == 422  # no reason
    assert lead.fire(proposal.id, "request_return", WHY).json["return_requested"] is True
    assert committee.fire(proposal.id, "refuse_return", {}).status_code == 422  # no reason
    body = committee.fire(proposal.id, "refuse_return", {"reason": "属本部门职责。"}).json
    assert body["state"] == "in_progress" and body["return_requested"] is False
    assert told(proposal.id, "refuse_return") == {cast.lead.id}
    assert lead.fire(proposal.id, "request_return", WHY).status_code == 200  # may ask again


# -- extensions --------------------------------------------------------------------------------------

ASK = {"days": 10, "reason": "需要采购审批。"}


def test_a_request_granted_moves_each_open_deadline(cast):
    proposal = cast.proposal_in("in_progress")  # the lead acknowledged; the co-handler not yet
    before = {a.department_id: (a.ack_deadline, a.reply_deadline) for a in proposal.active_assignments}
    fired = fire_event(proposal.id, "request_extension", cast.cohandler, ASK)
    assert fired.extension_requested_days == 10 and told(proposal.id, "request_extension") == {cast.supervisor.id}
    with pytest.raises(StateConflict):  # one open request
        fire_event(proposal.id, "request_extension", cast.lead, ASK)
    with pytest.raises(PermissionDenied):
        fire_event(proposal.id, "extend", cast.committee, ASK)
    fired = fire_event(proposal.id, "extend", cast.supervisor, {"days": 8, "reason": "同意延期。"})
    working = clock.working_calendar()
    lead = {a.department_id: a for a in fired.active_assignments}[cast.lead_dept.id]
    co = {a.department_id: a for a in fired.active_assignments}[cast.co_dept.id]
    assert lead.reply_deadline == working.add(before[cast.lead_dept.id][1], 8)
    assert lead.ack_deadline == before[cast.lead_dept.id][0]
    assert co.ack_deadline == working.add(before[cast.co_dept.id][0], 8)  # unacknowledged: its ack deadline
    assert co.reply_deadline == before[cast.co_dept.id][1]
    assert fired.extension_days == 8 and fired.extension_requested_days is None
    assert fired.history[-1].payload["asked_days"] == 10
    with pytest.raises(StateConflict, match="already been extended"):
        fire_event(proposal.id, "request_extension", cast.lead, ASK)


def test_an_overdue_deadline_is_extended_from_today(cast):
    proposal = cast.proposal_in("in_progress")
    lead = proposal.lead_assignment
    now = later(cast.session.reply_days + 3)  # three working days overdue
    fired = fire_event(proposal.id, "extend", cast.supervisor, {"days": 2, "reason": "补办。"}, now=now)
    lead = fired.lead_assignment
    assert lead.reply_deadline == clock.working_calendar().add(clock.local_date(now), 2)
    assert lead.reply_deadline > clock.local_date(now)


def test_refused_and_then_asked_again(cast):
    proposal = cast.proposal_in("assigned")
    with pytest.raises(StateConflict):  # nothing asked
        fire_event(proposal.id, "refuse_extension", cast.supervisor, WHY)
    with pytest.raises(InvalidPayload):
        fire_event(proposal.id, "request_extension", cast.lead, {"days": 10})
    fire_event(proposal.id, "request_extension", cast.lead, ASK)
    with pytest.raises(InvalidPayload):
        fire_event(proposal.id, "refuse_extension", cast.supervisor, {})
    fired = fire_event(proposal.id, "refuse_extension", cast.supervisor, {"reason": "时间充足。"})
    assert fired.extension_requested_days is None and fired.extension_days == 0
    assert told(proposal.id, "refuse_extension") == {cast.lead.id, cast.cohandler.id}
    assert fire_event(proposal.id, "request_extension", cast.lead, ASK).extension_requested_days == 10


def test_once_per_proposal_not_reset_by_a_reassignment(cast):
    proposal = cast.proposal_in("assigned")
    fire_event(proposal.id, "extend", cast.supervisor, {"days": 5, "reason": "需协调。"})
    fire_event(proposal.id, "decline", cast.lead, WHY)
    fire_event(proposal.id, "assign", cast.committee, {"lead_department_id": cast.other_dept.id})
    with pytest.raises(StateConflict, match="already been extended"):
        fire_event(proposal.id, "extend", cast.supervisor, {"days": 5, "reason": "再延。"})
    with pytest.raises(StateConflict):
        fire_event(proposal.id, "request_extension", cast.other_handler, ASK)


def test_the_extend_form_previews_the_new_deadline(client, cast):
    proposal = cast.proposal_in("in_progress")
    fire_event(proposal.id, "request_extension", cast.lead, ASK)
    due = db.session.get(Proposal, proposal.id).lead_assignment.reply_deadline
    new_due = clock.working_calendar().add(due, 10)
    login(client, cast.supervisor)
    page = client.get(f"/proposals/{proposal.id}?do=extend").get_data(as_text=True)
    cn = f"{new_due.year}年{new_due.month}月{new_due.day}日"
    assert f"<strong>{cn}</strong>" in page.split('class="extend-preview"')[1]
    assert 'value="10"' in page  # the days asked for, filled in
    other = clock.working_calendar().add(due, 3)
    page = client.get(f"/proposals/{proposal.id}?do=extend&extend_days=3").get_data(as_text=True)
    preview = page.split('class="extend-preview"')[1].split("</ul>")[0]
    assert f"<strong>{other.year}年{other.month}月{other.day}日</strong>" in preview
