"""Key proposals (重点提案): the committee marks them, with a leader in charge (领导领办) who may urge."""

import io
from datetime import date, datetime

import docx
import pytest
from sqlalchemy import func, select

from proposals.closure.tick import tick
from proposals.extensions import db
from proposals.i18n import compile_translations
from proposals.models import HistoryEntry, Notification, Reminder
from proposals.operations import available_events, fire_event
from workflow import InvalidPayload, StateConflict

from .helpers import api_client, listed, login


@pytest.fixture(scope="module", autouse=True)
def catalogs():
    compile_translations(force=True)  # with every parts/*.po, even after a plain `pybabel compile`


def told(event: str, proposal_id: int | None = None) -> set[int]:
    """Who has a notification of this event."""
    stmt = select(Notification.user_id).where(Notification.event == event)
    if proposal_id is not None:
        stmt = stmt.where(Notification.proposal_id == proposal_id)
    return set(db.session.scalars(stmt))


def test_mark_and_unmark_with_a_leader_in_charge(client, cast):
    proposal = cast.proposal_in("in_progress")
    assert "urge" not in available_events(proposal, cast.leader)
    with pytest.raises(InvalidPayload):  # not a leader: refused, nothing changed
        fire_event(proposal.id, "mark_key", cast.committee, {"reason": "涉及面广", "leader_id": cast.worker.id})
    proposal = fire_event(proposal.id, "mark_key", cast.committee, {"reason": "涉及面广", "leader_id": cast.leader.id})
    assert proposal.key and proposal.key_leader_id == cast.leader.id
    assert "urge" in available_events(proposal, cast.leader)
    with pytest.raises(StateConflict):
        fire_event(proposal.id, "mark_key", cast.committee, {"reason": "再次"})
    api = api_client(client).as_(cast.committee)
    body = api.get(f"/proposals/{proposal.id}").json
    assert body["key"] is True and body["key_leader_id"] == cast.leader.id
    assert [p["id"] for p in api.get("/proposals?key=true").json["items"]] == [proposal.id]
    fire_event(proposal.id, "urge", cast.leader, {"comment": "请加快办理。"})
    proposal = fire_event(proposal.id, "unmark_key", cast.committee, {"reason": "已落实"})
    assert not proposal.key and "urge" not in available_events(proposal, cast.leader)
    assert api.get(f"/proposals/{proposal.id}").json["key_leader_id"] is None
    assert api.get("/proposals?key=true").json["items"] == []


# -- through the API: refusals change nothing ------------------------------------------------------


def test_a_leader_in_charge_who_is_not_a_leader_is_refused_with_nothing_changed(client, cast, make):
    proposal = cast.proposal_in("in_progress")
    api = api_client(client).as_(cast.committee)
    retired = make.user("leader")
    retired.active = False  # a leader no longer in office
    before = db.session.scalar(select(func.count()).select_from(HistoryEntry))
    for wrong in (cast.worker.id, cast.supervisor.id, 999999, retired.id):
        refused = api.fire(proposal.id, "mark_key", {"reason": "涉及面广", "leader_id": wrong})
        assert refused.status_code == 422 and set(refused.json["fields"]) == {"leader_id"}, wrong
    body = api.get(f"/proposals/{proposal.id}").json
    assert (body["key"], body["key_leader_id"]) == (False, None)
    assert db.session.scalar(select(func.count()).select_from(HistoryEntry)) == before
    assert not told("mark_key")


def test_unmark_key_is_recorded_and_the_leader_told(client, cast):
    proposal = cast.proposal_in("in_progress")
    api = api_client(client).as_(cast.committee)
    assert api.fire(proposal.id, "unmark_key", {"reason": "不是"}).status_code == 409  # not a key proposal
    api.fire(proposal.id, "mark_key", {"reason": "涉及面广", "leader_id": cast.leader.id})
    body = api.fire(proposal.id, "unmark_key", {"reason": "已落实"}).json
    assert body["key"] is False and "mark_key" in body["available_events"]
    assert body["history"][-1]["event"] == "unmark_key" and body["history"][-1]["comment"] == "已落实"
    assert cast.leader.id in told("unmark_key") and cast.lead.id in told("unmark_key")
    assert "urge" not in api.as_(cast.leader).get(f"/proposals/{proposal.id}").json["available_events"]


# -- lists, the page and the handling report -------------------------------------------------------


def test_the_key_filter_on_the_page_list_and_the_api(client, cast):
    plain = cast.proposal_in("in_progress", title="普通提案")
    key = cast.proposal_in("in_progress", title="重点的提案")
    fire_event(key.id, "mark_key", cast.committee, {"reason": "涉及面广"})
    api = api_client(client).as_(cast.worker)
    assert [p["id"] for p in api.get("/proposals?key=true").json["items"]] == [key.id]
    assert [p["id"] for p in api.get("/proposals?key=false").json["items"]] == [plain.id]
    assert api.get("/proposals?key=maybe").status_code == 422
    login(client, cast.worker)
    assert listed(client.get("/proposals/?key=true").text) == [key.id]
    assert listed(client.get("/proposals/?key=false").text) == [plain.id]
    assert set(listed(client.get("/proposals/").text)) == {plain.id, key.id}
    wrong = client.get("/proposals/?key=maybe")
    assert wrong.status_code == 400 and listed(wrong.text) == []
    page = client.get("/proposals/").text
    assert 'name="key"' in page and "仅看重点提案" in page  # offered among the filters


def test_the_page_and_api_show_the_key_mark_and_the_leader_to_those_who_follow_the_handling(client, cast):
    proposal = cast.proposal_in("in_progress")
    login(client, cast.committee)
    assert "tag-key" not in client.get(f"/proposals/{proposal.id}").text
    fire_event(proposal.id, "mark_key", cast.committee, {"reason": "涉及面广", "leader_id": cast.leader.id})
    leader = f"领办领导：{cast.leader.name}"
    api = api_client(client)
    for who, names_leader in ((cast.committee, True), (cast.leader, True), (cast.lead, True), (cast.worker, False)):
        login(client, who)
        page = client.get(f"/proposals/{proposal.id}").text
        assert '<span class="tag tag-key">重点提案</span>' in page
        assert (leader in page) is names_leader, who.roles
        body = api.as_(who).get(f"/proposals/{proposal.id}").json  # the API says as much as the page
        assert body["key"] is True and (body["key_leader_id"] == cast.leader.id) is names_leader, who.roles


def test_the_handling_report_lists_key_proposals_first(client, cast):
    first, second, third = (cast.proposal_in("in_progress", title=f"第{n}件提案") for n in "一二三")
    assert (first.number, second.number, third.number) == (1, 2, 3)
    fire_event(third.id, "mark_key", cast.committee, {"reason": "涉及面广"})
    login(client, cast.committee)
    response = client.get(f"/reports/sessions/{cast.session.id}/handling-report.docx")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs]
    key_heading, outstanding = paragraphs.index("四、重点提案"), paragraphs.index("五、优秀提案")
    assert paragraphs[key_heading + 1 : outstanding] == ["第3号　第三件提案"]
    unresolved = paragraphs.index("六、尚未办结的提案")
    assert [p.split("（")[0] for p in paragraphs[unresolved + 1 : unresolved + 4]] == [
        "第3号　第三件提案",
        "第1号　第一件提案",
        "第2号　第二件提案",
    ]


# -- reminders start earlier -----------------------------------------------------------------------

MONDAY = datetime(2025, 3, 3, 1)  # 09:00 in China, a month without holidays (as tests/test_tick.py)


def china_morning(day: int) -> datetime:
    return datetime(2025, 3, day, 1)


def reply_reminded(proposal_id: int) -> set[int]:
    return told("remind_reply", proposal_id)


def test_reminders_for_key_proposals_start_key_remind_days_before(cast, make):
    cast.session = make.new_session(reply_days=10)  # the reply is due on Monday 17 March
    assert (cast.session.remind_days_before, cast.session.key_remind_days_before) == (3, 5)
    walked = []
    for title in ("普通提案", "重点提案"):
        proposal = make.proposal(author=cast.author, session=cast.session, title=title)
        for event, who, payload in cast.path("in_progress"):
            proposal = fire_event(proposal.id, event, getattr(cast, who), payload, now=MONDAY)
        walked.append(proposal)
    plain, key = walked
    fire_event(key.id, "mark_key", cast.committee, {"reason": "涉及面广"}, now=MONDAY)
    assert key.lead_assignment.reply_deadline == date(2025, 3, 17)

    tick(china_morning(7))  # six working days ahead: neither yet
    assert reply_reminded(key.id) == reply_reminded(plain.id) == set()
    tick(china_morning(10))  # five: the key proposal only
    # (the lead department owes the reply; a co-handler is reminded of its own countersign deadline)
    assert reply_reminded(key.id) == {cast.lead.id} and reply_reminded(plain.id) == set()
    tick(china_morning(11))  # four: nothing new
    assert reply_reminded(plain.id) == set()
    assert db.session.scalar(select(func.count()).select_from(Reminder).where(Reminder.kind == "reply")) == 1
    tick(china_morning(12))  # three: the other proposal as every proposal is
    assert reply_reminded(plain.id) == {cast.lead.id}


def test_the_key_reminder_days_are_the_sessions_setting(cast, make):
    cast.session = make.new_session(reply_days=10, key_remind_days_before=8)
    proposal = cast.proposal_in("draft")
    for event, who, payload in cast.path("in_progress"):
        proposal = fire_event(proposal.id, event, getattr(cast, who), payload, now=MONDAY)
    fire_event(proposal.id, "mark_key", cast.committee, {"reason": "涉及面广"}, now=MONDAY)
    tick(china_morning(4))  # nine working days ahead
    assert reply_reminded(proposal.id) == set()
    tick(china_morning(5))  # eight
    assert reply_reminded(proposal.id) == {cast.lead.id}
