"""The proposal page's action bar, step indicator and reasons up front; sending back from review; the
committee's stubs of returned proposals (issue 16), through the Flask test client."""

import re

import pytest

from proposals.extensions import db
from proposals.models import Assignment, HistoryEntry, Notification, Proposal
from proposals.operations import fire_event
from proposals.progress import STEP_OF_STATE, STOPPED, check
from proposals.web.actions import IRREVERSIBLE, actions
from workflow import LIFECYCLE, DefinitionError

from .helpers import login


def bar_buttons(html: str) -> list[tuple[str, str]]:
    """The action bar's buttons, in order: (class, visible label)."""
    section = html.split('<div class="action-buttons">', 1)[1].split('<div class="action-form', 1)[0]
    found = re.findall(r'<button[^>]*class="([^"]*)"[^>]*>(.*?)</button>', section, re.S)
    return [(cls, re.sub(r"\s+", "", label)) for cls, label in found]


def bar(html: str) -> list[str]:
    """The action bar's buttons' labels, in order."""
    return [label for _cls, label in bar_buttons(html)]


# -- sending back ----------------------------------------------------------------------------------


def test_sending_back_lands_on_the_review_list_which_keeps_a_stub(client, cast):
    p = cast.proposal_in("review", title="关于增设夜班休息室的提案")
    login(client, cast.committee)
    response = client.post(f"/proposals/{p.id}/events/send_back", data={"send_back-reason": "请补充具体措施。"})
    assert response.status_code == 302 and response.location.endswith("/review")
    page = client.get(response.location)
    assert page.status_code == 200
    stub = page.text.split('class="card returned"', 1)[1].split("</section>", 1)[0]
    assert "关于增设夜班休息室的提案" in stub and "请补充具体措施。" in stub and "已退回，等待修改" in stub
    assert client.get(f"/proposals/{p.id}").status_code == 404  # the draft is its author's alone


def test_the_stub_keeps_the_title_as_sent_back_never_the_drafts_text(client, cast):
    p = cast.proposal_in("review", title="关于增设夜班休息室的提案")
    fire_event(p.id, "send_back", cast.committee, {"reason": "请补充具体措施。"})
    login(client, cast.author)
    data = {
        "title": "改写后的草稿标题",
        "reason": "草稿里新写的理由",
        "measures": "草稿里新写的措施",
        "category": "welfare",
        "desired_department_id": 0,
        "save": "1",
    }
    assert client.post(f"/proposals/{p.id}/edit", data=data).status_code == 302
    login(client, cast.committee)
    page = client.get("/review").text
    assert "关于增设夜班休息室的提案" in page
    assert "改写后的草稿标题" not in page and "草稿里新写" not in page
    login(client, cast.author)  # submitted again: the stub goes, the proposal is in the lists itself
    client.post(f"/proposals/{p.id}/events/submit", data={})
    login(client, cast.committee)
    assert 'class="card returned"' not in client.get("/review").text


def test_only_the_committee_sees_the_stubs(client, cast):
    p = cast.proposal_in("review", title="关于增设夜班休息室的提案")
    fire_event(p.id, "send_back", cast.committee, {"reason": "请补充具体措施。"})
    login(client, cast.delegate1)
    assert client.get("/review").status_code == 403


# -- the action bar --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "who", "first"),
    [
        ("draft", "author", "提交"),
        ("cosigning", "delegate1", "附议"),
        ("review", "committee", "立案"),
        ("accepted", "committee", "交办"),
        ("assigned", "lead", "签收"),
        ("replied", "author", "满意度评价"),
    ],
)
def test_the_main_task_comes_first_and_prominent(client, cast, state, who, first):
    p = cast.proposal_in(state)
    login(client, getattr(cast, who))
    page = client.get(f"/proposals/{p.id}").text
    content = page[page.index("<main") : page.index("</main>")]  # (the phone header's menu is a <details>)
    assert "<details" not in content and "<summary" not in content
    buttons = bar(page)
    assert buttons and buttons[0].startswith(first), buttons
    classes = [cls for cls, _label in bar_buttons(page)]
    assert classes[0] == "button" and all(cls == "button button-secondary" for cls in classes[1:])


def test_co_signing_is_one_button(client, cast):
    p = cast.proposal_in("cosigning")
    login(client, cast.delegate1)
    page = client.get(f"/proposals/{p.id}").text
    form = page.split(f'action="/proposals/{p.id}/events/cosign"', 1)[1].split("</form>", 1)[0]
    assert "<textarea" not in form and ">附议</button>" in form.replace("\n", "")
    assert client.post(f"/proposals/{p.id}/events/cosign", data={}).status_code == 302
    db.session.expire_all()
    assert len(db.session.get(Proposal, p.id).cosignatures) == 1


def test_irreversible_events_ask_confirmation_in_place(client, cast):
    assert {"reject", "merge", "withdraw"} <= IRREVERSIBLE and "accept" not in IRREVERSIBLE
    p = cast.proposal_in("review")
    login(client, cast.committee)
    page = client.get(f"/proposals/{p.id}?do=reject").text
    panel = page.split('id="event-reject"', 1)[1].split("</form>", 1)[0]
    assert " hidden" not in panel.split(">", 1)[0]  # opened by ?do= (the way without JavaScript)
    assert "不可撤销" in panel and "确认：不予立案" in panel
    assert 'id="event-merge"' in page and re.search(r'id="event-merge"[^>]* hidden', page)


def test_every_action_is_a_button_in_order():
    found = actions(["withdraw", "accept", "reject", "merge", "send_back", "convert"])
    assert [a.event for a in found][0] == "accept" and found[0].main
    assert not any(a.main for a in found[1:])
    assert {a.event for a in found if a.one_click} == set()
    assert [a.event for a in actions(["acknowledge", "decline"])] == ["acknowledge", "decline"]
    assert actions(["acknowledge"])[0].one_click


# -- accepting and assigning in one form -------------------------------------------------------------


def test_accept_and_assign_in_one_form(client, cast):
    p = cast.proposal_in("review", desired_department_id=cast.lead_dept.id)
    login(client, cast.committee)
    page = client.get(f"/proposals/{p.id}?do=accept").text
    panel = page.split('id="event-accept"', 1)[1].split("</form>", 1)[0]
    assert re.search(
        rf'<option selected value="{cast.lead_dept.id}">|<option value="{cast.lead_dept.id}" selected>', panel
    )
    response = client.post(
        f"/proposals/{p.id}/events/accept",
        data={
            "assign-lead_department_id": str(cast.lead_dept.id),
            "assign-cohandler_department_ids": [str(cast.co_dept.id)],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    p = db.session.get(Proposal, p.id)
    assert p.state == "assigned" and p.number is not None
    assert [h.event for h in p.history][-2:] == ["accept", "assign"]


def test_accept_and_assign_is_both_or_none(client, cast):
    p = cast.proposal_in("review")
    login(client, cast.committee)
    before = db.session.query(HistoryEntry).filter_by(proposal_id=p.id).count()
    notes = db.session.query(Notification).count()
    response = client.post(
        f"/proposals/{p.id}/events/accept",
        data={
            "assign-lead_department_id": str(cast.lead_dept.id),
            "assign-cohandler_department_ids": [str(cast.lead_dept.id)],
        },
    )
    assert response.status_code == 422
    errors = re.findall(r'class="field-error"[^>]*>([^<]+)<', response.text)
    assert errors, "the assignment's error stands next to its field"
    db.session.expire_all()
    p = db.session.get(Proposal, p.id)
    assert (p.state, p.number) == ("review", None)
    assert db.session.query(HistoryEntry).filter_by(proposal_id=p.id).count() == before
    assert db.session.query(Notification).count() == notes
    assert db.session.query(Assignment).filter_by(proposal_id=p.id).count() == 0
    assert 'id="event-accept"' in response.text and not re.search(r'id="event-accept"[^>]* hidden', response.text)


def test_accept_alone_leaves_it_to_assign_later(client, cast):
    p = cast.proposal_in("review")
    login(client, cast.committee)
    assert client.post(f"/proposals/{p.id}/events/accept", data={"assign-lead_department_id": ""}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).state == "accepted"


def test_the_assign_form_starts_at_the_desired_department_or_please_choose(client, cast):
    wished = cast.proposal_in("accepted", desired_department_id=cast.co_dept.id)
    plain = cast.proposal_in("accepted", title="另一件提案")
    login(client, cast.committee)
    page = client.get(f"/proposals/{wished.id}?do=assign").text
    assert re.search(rf'<option selected value="{cast.co_dept.id}">|<option value="{cast.co_dept.id}" selected>', page)
    page = client.get(f"/proposals/{plain.id}?do=assign").text
    select = page.split('name="assign-lead_department_id"', 1)[1].split("</select>", 1)[0]
    assert '<option selected value="">请选择</option>' in select and select.count(" selected") == 1


# -- where it stands, and why --------------------------------------------------------------------------


def test_every_state_lies_at_a_step():
    assert set(STEP_OF_STATE) == set(LIFECYCLE.states)
    with pytest.raises(DefinitionError, match="lies at no step"):
        check({k: v for k, v in STEP_OF_STATE.items() if k != "review"}, LIFECYCLE)
    with pytest.raises(DefinitionError, match="steps back"):
        check({**STEP_OF_STATE, "draft": "close"}, LIFECYCLE)
    assert STEP_OF_STATE["rejected"] is STOPPED


def progress_of(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split('class="progress"', 1)[1].split("</section>", 1)[0]))


def test_the_steps_say_how_many_co_signers_are_still_needed(client, cast):
    p = cast.proposal_in("cosigning")
    fire_event(p.id, "cosign", cast.delegate1)
    login(client, cast.delegate2)
    text = progress_of(client.get(f"/proposals/{p.id}").text)
    assert "提交" in text and "办结" in text
    assert "已有 1 名，还需 1 名" in text


def test_the_steps_give_the_departments_deadlines_and_the_rating_deadline(client, cast):
    p = cast.proposal_in("assigned")
    login(client, cast.lead)
    text = progress_of(client.get(f"/proposals/{p.id}").text)
    assert "签收截止" in text and "答复截止" in text and cast.lead_dept.name in text
    r = cast.proposal_in("replied", title="第二件")
    login(client, cast.author)
    text = progress_of(client.get(f"/proposals/{r.id}").text)
    assert "评价截止" in text and "逾期未评价视为未表态" in text


def test_the_steps_show_the_round_of_re_handling(client, cast):
    p = cast.proposal_in("replied")
    fire_event(p.id, "evaluate", cast.author, {"rating": "unsatisfied", "comment": "食堂座位仍然不够。"})
    login(client, cast.author)
    page = client.get(f"/proposals/{p.id}").text
    assert "第 2 轮" in progress_of(page)
    panel = page.split('class="reason-panel', 1)[1].split("</section>", 1)[0]
    assert "食堂座位仍然不够。" in panel


def test_a_rejections_reason_stands_up_front(client, cast):
    p = cast.proposal_in("rejected")
    login(client, cast.author)
    page = client.get(f"/proposals/{p.id}").text
    panel = page.split('class="reason-panel', 1)[1].split("</section>", 1)[0]
    assert "不属于职代会职权范围。" in panel
    assert "不予立案" in progress_of(page)


def test_a_merges_target_stands_up_front(client, cast):
    p = cast.proposal_in("merged")
    login(client, cast.author)
    page = client.get(f"/proposals/{p.id}").text
    panel = page.split('class="reason-panel', 1)[1].split("</section>", 1)[0]
    assert "另一件同类提案" in panel and 'href="/proposals/' in panel


def test_a_declined_assignments_reason_is_the_committees_not_the_authors(client, cast):
    p = cast.proposal_in("assigned")
    fire_event(p.id, "decline", cast.lead, {"reason": "不属于本部门职责。"})
    login(client, cast.committee)
    page = client.get(f"/proposals/{p.id}").text
    assert "不属于本部门职责。" in page.split('class="reason-panel', 1)[1].split("</section>", 1)[0]
    login(client, cast.author)
    assert 'class="reason-panel' not in client.get(f"/proposals/{p.id}").text


# -- the similar-proposal hint ---------------------------------------------------------------------------


def test_the_similar_hint_offers_co_signing_only_what_can_still_be_co_signed(client, cast):
    open_one = cast.proposal_in("cosigning", title="关于增设夜班休息室的提案")
    done_one = cast.proposal_in("accepted", title="关于增设夜班休息室的建议")
    login(client, cast.delegate3)
    page = client.get("/proposals/similar", query_string={"title": "增设夜班休息室"}).text
    items = dict(re.findall(r'<li><a href="/proposals/(\d+)">.*?</a>(.*?)</li>', page, re.S))
    assert "附议此提案" in items[str(open_one.id)] and "附议此提案" not in items[str(done_one.id)]


def test_the_category_starts_at_please_choose(client, cast):
    login(client, cast.author)
    page = client.get("/proposals/new").text
    select = page.split('name="category"', 1)[1].split("</select>", 1)[0]
    first = re.search(r"<option[^>]*>([^<]*)</option>", select)
    assert first.group(1) == "请选择"


# -- reasons in the notification and on the home card ---------------------------------------------------


def test_a_send_backs_reason_is_in_the_authors_notification(client, cast):
    p = cast.proposal_in("review")
    fire_event(p.id, "send_back", cast.committee, {"reason": "请补充具体措施。"})
    login(client, cast.author)
    page = client.get("/notifications").text
    reason = page.split("notification-reason", 1)[1].split("</div>\n</div>", 1)[0]
    assert "退回修改的理由" in reason and "请补充具体措施。" in reason


def test_a_returned_assignment_is_flagged_on_the_committees_home_card_with_its_reason(client, cast):
    p = cast.proposal_in("assigned", title="退回重新交办的提案")
    fire_event(p.id, "decline", cast.lead, {"reason": "不属于本部门职责。"})
    login(client, cast.committee)
    page = client.get("/").text
    item = page.split("退回重新交办的提案", 1)[1].split("</li>", 1)[0]
    assert "承办部门申请退回的理由" in item and "不属于本部门职责。" in item
    login(client, cast.author)  # a handling record: not the author's to read
    assert "不属于本部门职责。" not in client.get("/").text + client.get("/notifications").text
