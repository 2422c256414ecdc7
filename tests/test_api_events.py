"""The whole lifecycle over HTTP as the different roles, and each refusal for each kind of event."""

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import HistoryEntry, Proposal
from proposals.operations import fire_event, update_session
from workflow import LIFECYCLE, StateConflict

from .conftest import PASSWORD, Cast
from .helpers import Api, api_client


@pytest.fixture
def api(client):
    return api_client(client)


def api_login(api: Api, username: str) -> Api:
    r = api.post("/auth/token", {"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.json
    return Api(api.client, api.document, r.json["token"])


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.json
    return response.json


def test_the_whole_lifecycle_through_the_api(api, make):
    make.user("union_admin", username="admin")
    admin = api_login(api, "admin")
    dept = {
        code: ok(admin.post("/departments", {"code": code, "name": name}), 201)["id"]
        for code, name in (("HR", "人力资源部"), ("LOG", "后勤保障部"), ("FIN", "财务部"))
    }
    delegation = ok(admin.post("/delegations", {"code": "D1", "name": "第一代表团"}), 201)["id"]
    body = {"code": "X3", "name": "第十届职代会第三次会议", "max_rehandle": 1, "two_axis_rating": True}
    session = ok(admin.post("/sessions", body), 201)
    assert session["min_cosigners"] == 2 and session["max_rehandle"] == 1 and session["delegation_review"] is False
    people = {
        "author": {"roles": ["worker"], "delegation_id": delegation},
        "rep1": {"roles": ["delegate"], "delegation_id": delegation},
        "rep2": {"roles": ["delegate"]},
        "committee": {"roles": ["committee"]},
        "hr": {"roles": ["department_handler"], "department_id": dept["HR"]},
        "logistics": {"roles": ["department_handler"], "department_id": dept["LOG"]},
        "finance": {"roles": ["department_handler"], "department_id": dept["FIN"]},
        "supervisor": {"roles": ["supervisor"]},
    }
    for username, fields in people.items():
        user = ok(admin.post("/users", {"username": username, "name": username, "password": PASSWORD, **fields}), 201)
        assert user["roles"] == fields["roles"]
    as_ = {username: api_login(api, username) for username in people}

    draft = ok(
        as_["author"].post(
            "/proposals",
            {
                "session_id": session["id"],
                "title": "关于改善职工食堂就餐环境的提案",
                "reason": "食堂座位不足，高峰期排队时间长。",
                "measures": "增加座位，错峰就餐。",
                "category": "welfare",
                "desired_department_id": dept["LOG"],
            },
        ),
        201,
    )
    pid = draft["id"]
    ok(as_["author"].patch(f"/proposals/{pid}", {"measures": "增加座位，错峰就餐，延长供餐时间。"}))

    def fire(who, event, payload=None, state=None):
        body = ok(as_[who].fire(pid, event, payload))
        if state:
            assert body["state"] == state, (event, body["state"])
        return body

    fire("author", "submit", state="cosigning")
    assert ok(as_["rep1"].get(f"/proposals/{pid}"))["available_events"] == ["cosign"]
    fire("rep1", "cosign", {"comment": "赞同"}, state="cosigning")
    fire("rep2", "cosign", state="review")
    body = fire("committee", "accept", state="accepted")
    assert body["number"] == 1
    body = fire(
        "committee",
        "assign",
        {"lead_department_id": dept["HR"], "cohandler_department_ids": [dept["FIN"]]},
        state="assigned",
    )
    assert body["ack_deadline"] and body["reply_deadline"] > body["ack_deadline"]
    # a mis-assignment goes back and is assigned again
    fire("hr", "decline", {"reason": "应由后勤保障部主办。"}, state="accepted")
    assert ok(as_["hr"].get(f"/proposals/{pid}"))["assignments"] == []
    fire(
        "committee",
        "assign",
        {"lead_department_id": dept["LOG"], "cohandler_department_ids": [dept["FIN"]]},
        state="assigned",
    )
    fire("finance", "acknowledge", state="assigned")
    fire("logistics", "acknowledge", state="in_progress")
    fire("logistics", "progress", {"note": "已完成现场调研。"}, state="in_progress")
    fire("supervisor", "urge", {"comment": "请加快办理。"})
    before = ok(as_["supervisor"].get(f"/proposals/{pid}"))["reply_deadline"]
    body = fire("supervisor", "extend", {"days": 10, "reason": "需要采购审批。"})
    assert body["reply_deadline"] > before
    assert body["assignments"][0]["extended_days"] == 10
    # the lead drafts the reply; the co-handler countersigns that draft, which sends it out
    assert ok(as_["finance"].fire(pid, "countersign"), 409)["available_events"] == ["progress"]
    reply = {"text": "将增加座位。", "outcome": "B", "planned_date": "2027-06-30", "contact": "后勤 1234"}
    body = fire("logistics", "reply", reply, state="in_progress")
    assert body["reply"] is None and body["reply_draft"]["status"] == "awaiting_countersign"
    assert ok(as_["author"].get(f"/proposals/{pid}"))["reply_draft"] is None  # not the author's before it goes out
    body = fire("finance", "countersign", {"comment": "同意"}, state="replied")
    assert body["reply"]["outcome"] == "B" and body["reply"]["on_time"] is True
    assert body["reply"]["planned_date"] == "2027-06-30"
    # a co-signer's rating leaves it open; the author's "unsatisfied" sends it back for one more round
    fire("rep1", "evaluate", {"rating": "basically_satisfied", "attitude": "satisfied"}, state="replied")
    body = fire(
        "author",
        "evaluate",
        {"rating": "unsatisfied", "attitude": "satisfied", "comment": "进度太慢"},
        state="in_progress",
    )
    assert body["rehandle_round"] == 1 and body["reply"] is None and len(body["replies"]) == 1
    fire("logistics", "reply", {"text": "座位已增加一百个。", "outcome": "A"}, state="in_progress")
    fire("finance", "countersign", state="replied")
    body = fire("author", "evaluate", {"rating": "satisfied", "attitude": "satisfied"}, state="closed")
    assert body["final_rating"] == "satisfied"
    body = fire("committee", "archive", state="archived")
    assert body["available_events"] == []
    assert [h["event"] for h in body["history"]] == [
        "create", "edit", "submit", "cosign", "cosign", "accept", "assign", "decline", "assign", "acknowledge",
        "acknowledge", "progress", "urge", "extend", "reply", "countersign", "evaluate", "evaluate", "reply",
        "countersign", "evaluate", "archive",
    ]  # fmt: skip
    stats = ok(as_["committee"].get(f"/stats?session_id={session['id']}"))
    assert stats["counts"]["archived"] == 1
    assert stats["rates"]["closure_rate"] == 1.0 and stats["rates"]["satisfaction_rate"] == 1.0
    assert stats["outcomes"] == {"A": 1.0, "B": 0.0, "C": 0.0}


def walk(cast: Cast, proposal_id: int, steps) -> Proposal:
    proposal = None
    for event, who, payload in steps:
        proposal = fire_event(proposal_id, event, getattr(cast, who), payload)
    return proposal


@pytest.mark.parametrize(
    "event, payload, to_state, kind",
    [
        ("withdraw", {"reason": "重复提交"}, "withdrawn", "proposal"),
        ("reject", {"reason": "不属于职代会职权范围。"}, "rejected", "proposal"),
        ("convert", {"reason": "更适合作为建议办理。"}, "accepted", "suggestion"),
        ("send_back", {"reason": "请补充具体措施。"}, "draft", "proposal"),
    ],
)
def test_review_decisions(api, cast, event, payload, to_state, kind):
    proposal = cast.proposal_in("review")
    who = cast.author if event == "withdraw" else cast.committee
    body = ok(api.as_(who).fire(proposal.id, event, payload))
    assert body["state"] == to_state and body["kind"] == kind
    assert body["history"][-1]["comment"] == payload["reason"]
    assert (body["number"] is not None) is (to_state == "accepted")


def test_merge_into_another_proposal(api, cast):
    survivor = cast.proposal_in("review", title="关于食堂的另一件提案")
    proposal = cast.proposal_in("review")
    committee = api.as_(cast.committee)
    r = committee.fire(proposal.id, "merge", {"into_id": proposal.id})
    assert r.status_code == 422 and set(r.json["fields"]) == {"into_id"}
    body = ok(committee.fire(proposal.id, "merge", {"into_id": survivor.id}))
    assert body["state"] == "merged" and body["merged_into_id"] == survivor.id


def test_delegation_head_forwards_or_sends_back(api, make):
    cast = Cast(make, session=make.new_session(delegation_review=True))

    def in_delegation_review():
        proposal = cast.proposal_in("cosigning")
        walk(cast, proposal.id, [("cosign", "delegate1", None), ("cosign", "delegate2", None)])
        return proposal

    head = api.as_(cast.head)
    for event, payload, state in (
        ("forward", {"comment": "同意"}, "review"),
        ("send_back", {"reason": "请修改"}, "draft"),
    ):
        proposal = in_delegation_review()
        assert ok(head.get(f"/proposals/{proposal.id}"))["state"] == "delegation_review"
        assert ok(head.get(f"/proposals/{proposal.id}"))["available_events"] == ["forward", "send_back"]
        assert ok(head.fire(proposal.id, event, payload))["state"] == state
    # and forward's refusals, each leaving the proposal as it was
    proposal = in_delegation_review()
    hidden = cast.make.proposal(author=cast.worker, session=cast.session)
    for caller, target, body, status in (
        (head, hidden.id, None, 404),
        (api.as_(cast.committee), proposal.id, None, 409),  # its turn comes once the head's days have passed
        (head, proposal.id, {"comment": 5}, 422),
    ):
        before = snapshot(target)
        assert caller.fire(target, "forward", body).status_code == status
        assert snapshot(target) == before
    ok(head.fire(proposal.id, "forward"))
    assert ok(head.fire(proposal.id, "forward"), 409)["state"] == "review"


# -- each refusal for each event -------------------------------------------------------------------

DRAFT = ("reply", "lead", {"text": "拟答复", "outcome": "A"})
# event: (the state it is tried in, who may fire it there, a good payload, steps to take first,
#         a user who sees the proposal but may not fire it, a state where it is not possible for that actor)
CASES = {
    "submit": ("draft", "author", None, [], ("review", "committee"), ("review", "author")),
    "withdraw": ("review", "author", None, [], ("review", "committee"), ("accepted", "author")),
    "cosign": ("cosigning", "delegate3", None, [], ("cosigning", "committee"), ("accepted", "delegate3")),
    "send_back": ("review", "committee", {"reason": "请补充"}, [], ("review", "author"), ("accepted", "committee")),
    "accept": ("review", "committee", None, [], ("review", "author"), ("accepted", "committee")),
    "convert": ("review", "committee", None, [], ("review", "delegate1"), ("rejected", "committee")),
    "reject": ("review", "committee", {"reason": "不予立案"}, [], ("review", "head"), ("accepted", "committee")),
    "merge": ("review", "committee", "TARGET", [], ("review", "author"), ("assigned", "committee")),
    "assign": ("accepted", "committee", "ASSIGN", [], ("accepted", "worker"), ("review", "committee")),
    "acknowledge": ("assigned", "lead", None, [], ("assigned", "other_handler"), ("replied", "lead")),
    "decline": ("assigned", "lead", {"reason": "非本部门职责"}, [], ("assigned", "cohandler"), ("in_progress", "lead")),
    "progress": ("in_progress", "lead", {"note": "已调研"}, [], ("in_progress", "worker"), ("assigned", "lead")),
    "countersign": ("in_progress", "cohandler", None, [("acknowledge", "cohandler", None), DRAFT],
                    ("in_progress", "lead"), ("assigned", "cohandler")),
    "reply": ("in_progress", "lead", {"text": "已解决", "outcome": "A"}, [("acknowledge", "cohandler", None)],
              ("in_progress", "cohandler"), ("assigned", "lead")),
    # (in a session whose replies the supervisor approves: test_each_refusal_changes_nothing turns it on)
    "approve_reply": ("in_progress", "supervisor", None, [DRAFT, ("countersign", "cohandler", None)],
                      ("in_progress", "committee"), ("assigned", "supervisor")),
    "return_reply": ("in_progress", "supervisor", {"reason": "请补充"}, [DRAFT, ("countersign", "cohandler", None)],
                     ("in_progress", "committee"), ("assigned", "supervisor")),
    "evaluate": ("replied", "author", {"rating": "satisfied"}, [], ("replied", "worker"), ("in_progress", "author")),
    "urge": ("in_progress", "supervisor", None, [], ("in_progress", "worker"), ("replied", "supervisor")),
    "extend": ("in_progress", "supervisor", {"days": 5, "reason": "需要审批"}, [], ("in_progress", "committee"),
               ("closed", "supervisor")),
    "request_return": ("in_progress", "lead", {"reason": "非本部门职责"}, [], ("in_progress", "cohandler"),
                       ("replied", "lead")),
    "approve_return": ("in_progress", "committee", None, [("request_return", "lead", {"reason": "非本部门职责"})],
                       ("in_progress", "supervisor"), ("replied", "committee")),
    "refuse_return": ("in_progress", "committee", {"reason": "属本部门职责"},
                      [("request_return", "lead", {"reason": "非本部门职责"})], ("in_progress", "supervisor"),
                      ("replied", "committee")),
    "request_rehandle": ("replied", "committee", {"reason": "答复不具体"}, [], ("replied", "supervisor"),
                         ("closed", "committee")),
    "reclass": ("replied", "supervisor", {"outcome": "B", "reason": "尚在落实"}, [], ("replied", "committee"),
                ("in_progress", "supervisor")),
    "request_extension": ("in_progress", "cohandler", {"days": 5, "reason": "需要审批"}, [],
                          ("in_progress", "supervisor"), ("replied", "lead")),
    "refuse_extension": ("in_progress", "supervisor", {"reason": "时间充足"},
                         [("request_extension", "lead", {"days": 5, "reason": "需要审批"})],
                         ("in_progress", "committee"), ("replied", "supervisor")),
    "archive": ("closed", "committee", None, [], ("closed", "worker"), ("replied", "committee")),
    "mark_key": ("accepted", "committee", {"reason": "涉及面广"}, [], ("accepted", "supervisor"),
                 ("closed", "committee")),
    "unmark_key": ("accepted", "committee", {"reason": "已不必"}, [("mark_key", "committee", {"reason": "涉及面广"})],
                   ("accepted", "supervisor"), ("closed", "committee")),
}  # fmt: skip


def snapshot(proposal_id: int):
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal_id)
    history = db.session.scalar(select(func.count(HistoryEntry.id)).where(HistoryEntry.proposal_id == proposal_id))
    return proposal.state, proposal.version, history


def good_payload(cast: Cast, payload):
    if payload == "TARGET":
        return {"into_id": cast.proposal_in("review", title="同类提案").id}
    if payload == "ASSIGN":
        return {"lead_department_id": cast.lead_dept.id}
    return payload


def test_every_event_is_covered():
    # forward needs a session with delegation review: test_delegation_head_forwards_or_sends_back;
    # escalate a group of unions: tests/test_escalation.py
    assert {*CASES, "forward", "escalate"} == {name for name, e in LIFECYCLE.events.items() if not e.is_system}


@pytest.mark.parametrize("event", list(CASES))
def test_each_refusal_changes_nothing(api, cast, event):
    state, who, payload, steps, (seen_state, bystander), (wrong_state, wrong_actor) = CASES[event]
    payload = good_payload(cast, payload)
    if event in ("approve_reply", "return_reply"):
        update_session(cast.session, {"reply_approval": "supervisor"})

    def refused(proposal, user, body, status):
        before = snapshot(proposal.id)
        r = api.as_(user, language="en").fire(proposal.id, event, body)
        assert r.status_code == status, (event, r.json)
        assert r.json["error"] and r.json["code"]
        assert snapshot(proposal.id) == before
        return r.json

    # 404: a draft of someone else, whoever asks
    hidden = cast.make.proposal(author=cast.worker, session=cast.session)
    refused(hidden, getattr(cast, who) if who != "worker" else cast.author, payload, 404)
    # 403: the proposal is in view, the event is not the caller's
    refused(cast.proposal_in(seen_state), getattr(cast, bystander), payload, 403)
    # 409: the caller's event, not in this state; the body says what the caller may do instead
    conflict = cast.proposal_in(wrong_state)
    body = refused(conflict, getattr(cast, wrong_actor), payload, 409)
    assert body["state"] == wrong_state
    assert (
        body["available_events"]
        == ok(api.as_(getattr(cast, wrong_actor)).get(f"/proposals/{conflict.id}"))["available_events"]
    )
    assert event not in body["available_events"]
    # 422: the right caller at the right time, with a payload that is wrong
    proposal = cast.proposal_in(state)
    walk(cast, proposal.id, steps)
    body = refused(proposal, getattr(cast, who), {**(payload or {}), "unexpected": True}, 422)
    assert body["fields"] == {"unexpected": "Unknown field."}
    required = [name for name, field in LIFECYCLE.events[event].payload.items() if field.required]
    if required:
        body = refused(proposal, getattr(cast, who), {}, 422)
        assert set(body["fields"]) == set(required)
    # and then it works
    assert api.as_(getattr(cast, who)).fire(proposal.id, event, payload).status_code == 200


def test_unknown_and_system_events(api, cast):
    proposal = cast.proposal_in("replied")
    r = api.as_(cast.committee).fire(proposal.id, "teleport")
    assert r.status_code == 404 and r.json["error"]
    r = api.as_(cast.committee).fire(proposal.id, "close_unrated")
    assert r.status_code == 403
    assert snapshot(proposal.id)[0] == "replied"


def test_a_lost_race_is_a_conflict(api, cast):
    proposal = cast.proposal_in("review")
    committee = api.as_(cast.committee)
    assert committee.fire(proposal.id, "accept").status_code == 200
    r = committee.fire(proposal.id, "reject", {"reason": "晚了一步"})
    assert r.status_code == 409
    assert r.json["state"] == "accepted" and r.json["available_events"] == ["assign", "mark_key"]


def test_a_concurrent_change_is_a_conflict_with_the_present_state(api, cast, monkeypatch):
    from proposals.api import proposals as routes

    proposal = cast.proposal_in("review")

    def lose_the_race(proposal_id, event, user, payload=None):
        fire_event(proposal_id, "accept", cast.committee)  # the other request, committed first
        raise StateConflict("Someone else changed this proposal at the same moment; please look again.", state="review")

    monkeypatch.setattr(routes, "fire_event", lose_the_race)
    r = api.as_(cast.committee, language="en").fire(proposal.id, "reject", {"reason": "同时"})
    assert r.status_code == 409
    assert r.json["error"] == "Someone else changed this proposal at the same moment; please look again."
    assert r.json["state"] == "accepted" and r.json["available_events"] == ["assign", "mark_key"]
