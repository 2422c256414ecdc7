"""The reply as practised: the lead department drafts it, the co-handling departments countersign that
draft (or disagree, returning it with a reason), the session may have the supervisor or the committee
approve it, and only then does it go out to the author. Nothing of a draft reaches anyone who may not see
handling records, by page, API, notification or mail.
"""

import io
from datetime import UTC, datetime

import pytest
from flask import current_app
from sqlalchemy import func, select

from proposals.closure.compose import compose
from proposals.closure.mail import MailConfig
from proposals.closure.tick import tick
from proposals.extensions import db
from proposals.models import Countersignature, HistoryEntry, Notification, Proposal, ReplyDraft
from proposals.operations import clock, fire_event, update_session, update_user
from proposals.stats import overdue_ids, report
from workflow import InvalidPayload, PermissionDenied, StateConflict

from .helpers import SAMPLES, api_client, login

DRAFT = {
    "text": "拟增加座位一百个，下月底前完成。",
    "outcome": "B",
    "planned_date": "2027-03-31",
    "contact": "后勤 1234",
}
REVISED = {"text": "已增加座位一百个，本月底前完成。", "outcome": "A"}


def at(day: str, hour: int = 9) -> datetime:
    """A China-local moment as the naive UTC the operations use."""
    local = datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=clock.LOCAL)
    return local.astimezone(UTC).replace(tzinfo=None)


def told(event: str, proposal_id: int) -> set[int]:
    stmt = select(Notification.user_id).where(Notification.event == event, Notification.proposal_id == proposal_id)
    return set(db.session.scalars(stmt))


def snapshot(proposal_id: int) -> tuple:
    db.session.expire_all()
    p = db.session.get(Proposal, proposal_id)
    count = lambda model, *where: db.session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
    return (
        p.state,
        p.version,
        count(HistoryEntry, HistoryEntry.proposal_id == proposal_id),
        count(Notification),
        count(Countersignature),
        tuple(db.session.execute(select(ReplyDraft.status, ReplyDraft.revision, ReplyDraft.text)).all()),
    )


@pytest.fixture
def acknowledged(cast):
    """In progress, the lead and the co-handler both acknowledged: the lead is to draft the reply."""
    proposal = cast.proposal_in("in_progress")
    fire_event(proposal.id, "acknowledge", cast.cohandler)
    return proposal


def test_the_draft_waits_for_the_cohandler_and_is_hidden_from_the_author(client, cast, acknowledged):
    pid = acknowledged.id
    followers = {cast.author.id, cast.delegate1.id}
    before = {n for n in db.session.scalars(select(Notification.id).where(Notification.user_id.in_(followers)))}
    p = fire_event(pid, "reply", cast.lead, DRAFT)
    assert p.state == "in_progress" and p.replies == []
    drafted = told("reply_drafted", pid)  # the co-handling department's staff are asked to countersign
    assert cast.cohandler.id in drafted and not drafted & {cast.lead.id, cast.author.id, cast.committee.id}
    after = set(db.session.scalars(select(Notification.id).where(Notification.user_id.in_(followers))))
    assert after == before  # not the author, not the co-signers
    co = next(a for a in p.active_assignments if a.role == "cohandler")
    assert co.countersign_deadline == clock.working_calendar().add(clock.local_date(clock.utcnow()), 5)
    api = api_client(client)
    for who in ("author", "delegate1", "worker"):
        body = api.as_(getattr(cast, who)).get(f"/proposals/{pid}").json
        assert body["reply"] is None and body["reply_draft"] is None, who
        assert DRAFT["text"] not in str(body), who
    for who in ("lead", "cohandler", "committee", "supervisor"):
        draft = api.as_(getattr(cast, who)).get(f"/proposals/{pid}").json["reply_draft"]
        assert draft["status"] == "awaiting_countersign" and draft["text"] == DRAFT["text"], who
        assert draft["planned_date"] == "2027-03-31" and draft["countersignatures"] == [], who
    login(client, cast.author)
    page = client.get(f"/proposals/{pid}").text
    assert DRAFT["text"] not in page and "答复稿" not in page
    login(client, cast.cohandler)
    page = client.get(f"/proposals/{pid}").text
    assert DRAFT["text"] in page and "答复稿" in page and "待会签" in page


def test_a_mail_of_the_draft_tells_the_cohandler_its_text_and_nobody_else(app, cast, acknowledged):
    for user in (cast.cohandler, cast.author):
        update_user(user, {"email": f"{user.username}@example.com"})
    fire_event(acknowledged.id, "reply", cast.lead, DRAFT)
    config = MailConfig.from_app(current_app.config)
    (row,) = db.session.scalars(
        select(Notification).where(Notification.event == "reply_drafted", Notification.user_id == cast.cohandler.id)
    )
    body = compose(row, config, row.created_at).get_content()
    assert "答复稿待本部门会签" in body and DRAFT["text"] in body
    fire_event(acknowledged.id, "countersign", cast.cohandler)  # released: the author is told, without a record
    (row,) = db.session.scalars(
        select(Notification).where(Notification.event == "reply", Notification.user_id == cast.author.id)
    )
    assert "已答复" in compose(row, config, row.created_at).get_content()


def test_countersigning_before_a_draft_is_refused_and_changes_nothing(client, cast, acknowledged):
    before = snapshot(acknowledged.id)
    r = api_client(client).as_(cast.cohandler, language="en").fire(acknowledged.id, "countersign")
    assert r.status_code == 409 and "no draft reply to countersign" in r.json["error"]
    assert snapshot(acknowledged.id) == before


def test_disagreeing_needs_a_reason_and_returns_the_draft_to_the_lead(client, cast, acknowledged):
    pid = acknowledged.id
    fire_event(pid, "reply", cast.lead, DRAFT)
    api = api_client(client).as_(cast.cohandler, language="en")
    before = snapshot(pid)
    r = api.fire(pid, "countersign", {"agree": False})
    assert r.status_code == 422 and set(r.json["fields"]) == {"reason"}
    r = api.fire(pid, "countersign", {"agree": True, "reason": "理由"})
    assert r.status_code == 422 and set(r.json["fields"]) == {"reason"}
    assert snapshot(pid) == before
    body = api.fire(pid, "countersign", {"agree": False, "reason": "请写明完成时间。"}).json
    assert body["state"] == "in_progress" and body["reply_draft"]["status"] == "returned"
    assert body["reply_draft"]["countersignatures"] == [
        {
            "department_id": cast.co_dept.id,
            "agree": False,
            "comment": "请写明完成时间。",
            "at": body["history"][-1]["at"],
        }
    ]
    assert told("reply_returned", pid) == {cast.lead.id}
    with pytest.raises(StateConflict):  # nothing to countersign until the lead revises it
        fire_event(pid, "countersign", cast.cohandler)
    login(client, cast.lead)
    page = client.get(f"/proposals/{pid}").text
    assert "会办部门不同意答复稿，理由" in page and "请写明完成时间。" in page  # up front, for the lead
    # the revision is countersigned afresh, and goes out
    p = fire_event(pid, "reply", cast.lead, REVISED)
    draft = p.reply_drafts[-1]
    assert (draft.revision, draft.status, draft.current_countersignatures()) == (2, "awaiting_countersign", [])
    p = fire_event(pid, "countersign", cast.cohandler, {"comment": "同意。"})
    assert p.state == "replied" and [(r.text, r.outcome, r.planned_date) for r in p.replies] == [
        (REVISED["text"], "A", None)
    ]
    assert told("reply", pid) >= {cast.author.id, cast.delegate1.id, cast.delegate2.id}
    # every revision's text stays in the history
    texts = [h.payload["text"] for h in p.history if h.event == "reply"]
    assert texts == [DRAFT["text"], REVISED["text"]]


def test_revising_voids_the_countersignatures_given_to_the_text_before(cast, make):
    second = make.unit("department", name="第二会办部门")
    second_handler = make.user("department_handler", department_id=second.id)
    proposal = cast.proposal_in("accepted")
    assign = {"lead_department_id": cast.lead_dept.id, "cohandler_department_ids": [cast.co_dept.id, second.id]}
    pid = fire_event(proposal.id, "assign", cast.committee, assign).id
    for who in (cast.lead, cast.cohandler, second_handler):
        fire_event(pid, "acknowledge", who)
    fire_event(pid, "reply", cast.lead, DRAFT)
    p = fire_event(pid, "countersign", cast.cohandler)
    assert p.state == "in_progress" and told("countersign", pid) == {cast.lead.id}
    p = fire_event(pid, "reply", cast.lead, REVISED)  # the co-handler's agreement was to the text before
    p = fire_event(pid, "countersign", second_handler)
    assert p.state == "in_progress"  # still waiting for the first co-handler, on this revision
    p = fire_event(pid, "countersign", cast.cohandler)
    assert p.state == "replied" and p.replies[-1].text == REVISED["text"]


def test_without_cohandlers_the_reply_goes_out_at_once(cast):
    proposal = cast.proposal_in("accepted")
    pid = fire_event(proposal.id, "assign", cast.committee, {"lead_department_id": cast.lead_dept.id}).id
    fire_event(pid, "acknowledge", cast.lead)
    p = fire_event(pid, "reply", cast.lead, DRAFT)
    assert p.state == "replied" and p.replies[-1].planned_date.isoformat() == "2027-03-31"
    assert told("reply", pid) >= {cast.author.id}


def test_a_session_whose_supervisor_approves_replies(client, cast, acknowledged):
    update_session(cast.session, {"reply_approval": "supervisor"})
    pid = acknowledged.id
    fire_event(pid, "reply", cast.lead, DRAFT)
    p = fire_event(pid, "countersign", cast.cohandler)
    assert p.state == "in_progress" and p.reply_drafts[-1].status == "awaiting_approval"
    assert told("reply_to_approve", pid) == {cast.supervisor.id}
    assert cast.author.id not in told("reply", pid)
    with pytest.raises(PermissionDenied):  # the committee does not approve this session's replies
        fire_event(pid, "approve_reply", cast.committee)
    api = api_client(client).as_(cast.supervisor, language="en")
    before = snapshot(pid)
    r = api.fire(pid, "return_reply", {})
    assert r.status_code == 422 and set(r.json["fields"]) == {"reason"}
    assert snapshot(pid) == before
    body = api.fire(pid, "return_reply", {"reason": "请写明领用方式。"}).json
    assert body["reply_draft"]["status"] == "returned" and told("return_reply", pid) == {cast.lead.id}
    with pytest.raises(StateConflict):
        fire_event(pid, "approve_reply", cast.supervisor)
    fire_event(pid, "reply", cast.lead, REVISED)
    fire_event(pid, "countersign", cast.cohandler)
    body = api.fire(pid, "approve_reply", {"comment": "同意。"}).json
    assert body["state"] == "replied" and body["reply"]["text"] == REVISED["text"]
    assert cast.author.id in told("reply", pid)
    # without co-handlers the lead's draft goes to the approver straight away
    proposal = cast.proposal_in("accepted", title="另一件")
    other = fire_event(proposal.id, "assign", cast.committee, {"lead_department_id": cast.lead_dept.id}).id
    fire_event(other, "acknowledge", cast.lead)
    assert fire_event(other, "reply", cast.lead, REVISED).reply_drafts[-1].status == "awaiting_approval"
    assert told("reply_to_approve", other) == {cast.supervisor.id}


def test_the_approvers_task_group_lists_drafts_to_approve(client, cast, acknowledged):
    update_session(cast.session, {"reply_approval": "committee"})
    fire_event(acknowledged.id, "reply", cast.lead, DRAFT)
    fire_event(acknowledged.id, "countersign", cast.cohandler)
    login(client, cast.committee)
    home = client.get("/").text
    assert "待您审核的答复稿" in home
    login(client, cast.supervisor)
    assert "待您审核的答复稿" not in client.get("/").text


def test_the_countersign_deadline_is_reminded_and_counted_overdue(app, cast):
    update_session(cast.session, {"countersign_days": 3, "remind_days_before": 1})
    monday = at("2025-03-03")
    proposal = cast.make.proposal(author=cast.author, session=cast.session)
    for event, who, payload in cast.path("in_progress"):
        proposal = fire_event(proposal.id, event, getattr(cast, who), payload, now=monday)
    fire_event(proposal.id, "acknowledge", cast.cohandler, now=monday)
    fire_event(proposal.id, "reply", cast.lead, DRAFT, now=monday)
    assert db.session.get(Proposal, proposal.id).countersign_deadline.isoformat() == "2025-03-06"
    assert tick(at("2025-03-04")).reminders == 0
    assert tick(at("2025-03-05")).reminders == 1
    assert told("remind_countersign", proposal.id) == {cast.cohandler.id}
    assert overdue_ids([proposal.id], at("2025-03-06").date()) == set()
    assert overdue_ids([proposal.id], at("2025-03-07").date()) == {proposal.id}
    assert tick(at("2025-03-07")).overdue_notices == 2
    assert told("overdue_countersign", proposal.id) == {cast.cohandler.id, cast.supervisor.id}
    fire_event(proposal.id, "countersign", cast.cohandler, now=at("2025-03-07", 10))
    p = db.session.get(Proposal, proposal.id)
    assert p.state == "replied" and p.countersign_deadline is None


def test_a_sessions_own_outcome_classes(client, cast, acknowledged):
    admin = api_client(client).as_(cast.admin, language="en")
    session_path = f"/sessions/{cast.session.id}"
    wrong = [{"code": "A", "label": "甲"}, {"code": "A", "label": "乙"}]
    r = admin.patch(session_path, json={"outcome_classes": wrong})
    assert r.status_code == 422 and "named twice" in r.json["fields"]["outcome_classes"]
    r = admin.patch(session_path, json={"outcome_classes": [{"code": "a", "label": "甲"}]})
    assert r.status_code == 422
    classes = [
        {"code": "A", "label": "已解决", "requires": []},
        {"code": "B", "label": "正在解决", "requires": ["planned_date"]},
        {"code": "C", "label": "列入计划", "requires": ["planned_date"]},
        {"code": "D", "label": "留作参考", "requires": ["reason"]},
    ]
    assert admin.patch(session_path, json={"outcome_classes": classes}).json["outcome_classes"] == classes
    with pytest.raises(InvalidPayload) as refused:
        fire_event(acknowledged.id, "reply", cast.lead, {"text": "留作参考。", "outcome": "D"})
    assert set(refused.value.fields) == {"reason"}
    with pytest.raises(InvalidPayload) as refused:
        fire_event(acknowledged.id, "reply", cast.lead, {"text": "列入计划。", "outcome": "C"})
    assert set(refused.value.fields) == {"planned_date"}
    fire_event(acknowledged.id, "reply", cast.lead, {"text": "留作参考。", "outcome": "D", "reason": "经费所限。"})
    p = fire_event(acknowledged.id, "countersign", cast.cohandler)
    assert (p.replies[-1].outcome, p.replies[-1].reason, p.latest_outcome) == ("D", "经费所限。", "D")
    numbers = report(cast.session.id)
    assert numbers["outcome_counts"]["D"] == 1 and numbers["outcomes"]["D"] == 1.0
    login(client, cast.author)
    page = client.get(f"/proposals/{p.id}").text
    assert "留作参考" in page and "经费所限。" in page


def test_the_page_drafts_disagrees_and_countersigns_through_its_forms(client, cast, acknowledged):
    pid = acknowledged.id
    login(client, cast.lead)
    form = client.get(f"/proposals/{pid}").text
    assert 'name="reply-outcome"' in form and 'value="B"' in form and 'type="date"' in form
    sent = client.post(
        f"/proposals/{pid}/events/reply",
        data={"reply-text": DRAFT["text"], "reply-outcome": "B", "reply-planned_date": "2027-03-31"},
    )
    assert sent.status_code == 302
    assert "已拟写答复稿，请会办部门会签" in client.get(sent.location).text
    login(client, cast.cohandler)
    said = client.post(f"/proposals/{pid}/events/countersign", data={"countersign-agree": "false"})
    assert said.status_code == 422 and "请说明本部门不同意答复稿的理由" in said.text
    said = client.post(
        f"/proposals/{pid}/events/countersign", data={"countersign-agree": "false", "countersign-reason": "请补充。"}
    )
    assert said.status_code == 302 and "退回主办部门" in client.get(said.location).text
    login(client, cast.lead)
    revised = client.post(f"/proposals/{pid}/events/reply", data={"reply-text": REVISED["text"], "reply-outcome": "A"})
    assert revised.status_code == 302, revised.text
    login(client, cast.cohandler)
    said = client.post(f"/proposals/{pid}/events/countersign")  # the one-click button: agree
    assert said.status_code == 302, said.text
    shown = client.get(said.location).text
    assert "答复已送达提案人" in shown
    db.session.expire_all()
    assert db.session.get(Proposal, pid).state == "replied"


# -- files sent with the reply (a scanned 答复函) ----------------------------------------------------------


def send_files(caller, proposal_id: int, *files: tuple[bytes, str]):
    data = {"attachments": [(io.BytesIO(body), name) for body, name in files]}
    return caller.request(
        "POST", f"/proposals/{proposal_id}/reply-files", data=data, content_type="multipart/form-data"
    )


def fetched(caller, url: str) -> int:
    """The status of a download, its response closed (it holds the file open until then)."""
    response = caller.get(url)
    status = response.status_code
    response.close()
    return status


def test_files_go_with_the_draft_to_its_readers_and_with_the_reply_to_everyone(
    app, client, cast, acknowledged, tmp_path
):
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "attachments")
    pid = acknowledged.id
    api = api_client(client)
    lead = api.as_(cast.lead, language="en")
    for who, status in (("cohandler", 403), ("committee", 403)):
        before = snapshot(pid)
        assert send_files(api.as_(getattr(cast, who)), pid, (SAMPLES["pdf"], "答复函.pdf")).status_code == status
        assert snapshot(pid) == before
    r = send_files(lead, pid, (b"MZ not a pdf", "答复函.pdf"))
    assert r.status_code == 422
    added = send_files(lead, pid, (SAMPLES["pdf"], "答复函.pdf"))
    assert added.status_code == 201, added.json
    (item,) = added.json["items"]
    url = item["url"].removeprefix("/api/v1")
    fire_event(pid, "reply", cast.lead, DRAFT)  # a draft: its files are the handling side's
    assert (
        api.as_(cast.cohandler).get(f"/proposals/{pid}").json["reply_draft"]["attachments"][0]["filename"]
        == "答复函.pdf"
    )
    assert fetched(api.as_(cast.cohandler), url) == 200
    for who in ("author", "delegate1", "worker"):
        assert fetched(api.as_(getattr(cast, who)), url) == 404, who
    login(client, cast.author)
    assert "答复函.pdf" not in client.get(f"/proposals/{pid}").text
    assert fetched(client, f"/proposals/{pid}/reply-files/{item['id']}") == 404
    fire_event(pid, "countersign", cast.cohandler)  # out: the reply's files are its readers'
    body = api.as_(cast.author).get(f"/proposals/{pid}").json
    assert [f["filename"] for f in body["reply"]["attachments"]] == ["答复函.pdf"]
    assert fetched(api.as_(cast.worker), url) == 200  # disclosed with the reply
    assert "答复函.pdf" in client.get(f"/proposals/{pid}").text
    r = send_files(lead, pid, (SAMPLES["pdf"], "补充.pdf"))  # the reply is out: too late
    assert r.status_code == 409


def test_the_lead_adds_files_on_the_page(app, client, cast, acknowledged, tmp_path):
    app.config["ATTACHMENTS_DIR"] = str(tmp_path / "attachments")
    login(client, cast.lead)
    page = client.get(f"/proposals/{acknowledged.id}").text
    assert 'name="attachments"' in page and "随答复发送" in page
    sent = client.post(
        f"/proposals/{acknowledged.id}/reply-files",
        data={"attachments": [(io.BytesIO(SAMPLES["pdf"]), "答复函.pdf")]},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    assert "答复函.pdf" in client.get(sent.location).text
    login(client, cast.cohandler)
    assert "reply-files-input" not in client.get(f"/proposals/{acknowledged.id}").text  # the lead's alone
    refused = client.post(
        f"/proposals/{acknowledged.id}/reply-files",
        data={"attachments": [(io.BytesIO(SAMPLES["pdf"]), "x.pdf")]},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403


def test_an_extension_moves_a_cohandlers_countersign_deadline(cast, acknowledged):
    monday = at("2025-03-03")
    fire_event(acknowledged.id, "reply", cast.lead, DRAFT, now=monday)
    p = db.session.get(Proposal, acknowledged.id)
    co = next(a for a in p.active_assignments if a.role == "cohandler")
    assert co.countersign_deadline.isoformat() == "2025-03-10"  # 5 working days
    fire_event(acknowledged.id, "extend", cast.supervisor, {"days": 3, "reason": "需协调预算。"}, now=monday)
    db.session.expire_all()
    p = db.session.get(Proposal, acknowledged.id)
    co = next(a for a in p.active_assignments if a.role == "cohandler")
    assert co.countersign_deadline.isoformat() == "2025-03-13" and p.countersign_deadline == co.countersign_deadline


def test_a_supervisor_reclasses_to_one_of_the_sessions_classes(cast):
    classes = [{"code": c, "label": f"{c} 类", "requires": []} for c in "ABCD"]
    update_session(cast.session, {"outcome_classes": classes})
    p = cast.proposal_in("replied")
    with pytest.raises(InvalidPayload) as refused:
        fire_event(p.id, "reclass", cast.supervisor, {"outcome": "E", "reason": "核实后调整。"})
    assert set(refused.value.fields) == {"outcome"}
    p = fire_event(p.id, "reclass", cast.supervisor, {"outcome": "D", "reason": "核实后调整。"})
    assert p.replies[-1].outcome == "D" and report(cast.session.id)["outcome_counts"]["D"] == 1


def test_the_lead_revises_the_draft_as_it_stands(client, cast, acknowledged):
    fire_event(acknowledged.id, "reply", cast.lead, DRAFT)
    fire_event(acknowledged.id, "countersign", cast.cohandler, {"agree": False, "reason": "请写明完成时间。"})
    login(client, cast.lead)
    page = client.get(f"/proposals/{acknowledged.id}").text
    form = page.split('id="event-reply"', 1)[1].split("</form>", 1)[0]
    assert DRAFT["text"] in form and 'value="2027-03-31"' in form and "后勤 1234" in form
    assert '<input checked id="reply-outcome-1" name="reply-outcome" required type="radio" value="B">' in form


def test_the_ledger_counts_an_agreement_not_a_disagreement_as_countersigned(cast, acknowledged):
    from proposals.reports.ledger import rows

    fire_event(acknowledged.id, "reply", cast.lead, DRAFT)
    fire_event(acknowledged.id, "countersign", cast.cohandler, {"agree": False, "reason": "请补充。"})
    row = next(r for r in rows(cast.committee) if r["id"] == acknowledged.id)
    assert row["countersigned_by"] is None
    fire_event(acknowledged.id, "reply", cast.lead, REVISED)
    fire_event(acknowledged.id, "countersign", cast.cohandler)
    row = next(r for r in rows(cast.committee) if r["id"] == acknowledged.id)
    assert row["countersigned_by"] == cast.co_dept.name
