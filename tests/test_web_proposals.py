"""The proposal pages, through the Flask test client."""

import pytest

from proposals.extensions import db
from proposals.models import Proposal

from .helpers import login


def test_author_writes_saves_and_submits(client, cast):
    login(client, cast.author)
    page = client.get("/proposals/new")
    assert page.status_code == 200 and "提案" in page.text
    data = {
        "session_id": cast.session.id,
        "title": "关于增设夜班休息室的提案",
        "reason": "夜班职工无处休息。",
        "measures": "在二号楼设休息室。",
        "category": "welfare",
        "desired_department_id": cast.lead_dept.id,
        "save": "1",
    }
    response = client.post("/proposals/new", data=data)
    assert response.status_code == 302
    proposal = db.session.scalar(db.select(Proposal).order_by(Proposal.id.desc()))
    assert (proposal.state, proposal.desired_department_id) == ("draft", cast.lead_dept.id)
    page = client.get(response.location)
    assert "草稿" in page.text and "提交" in page.text
    response = client.post(f"/proposals/{proposal.id}/events/submit", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == "cosigning"


def test_form_errors_keep_what_was_typed_and_change_nothing(client, cast):
    login(client, cast.author)
    before = db.session.query(Proposal).count()
    response = client.post(
        "/proposals/new",
        data={
            "session_id": cast.session.id,
            "title": "只写了标题",
            "reason": "",
            "measures": "",
            "category": "welfare",
            "save": "1",
        },
    )
    assert response.status_code == 422
    assert "只写了标题" in response.text and "必填" in response.text
    assert db.session.query(Proposal).count() == before


def test_event_form_errors_show_next_to_the_field(client, cast):
    p = cast.proposal_in("review")
    login(client, cast.committee)
    page = client.get(f"/proposals/{p.id}")
    for label in ("立案", "不予立案", "并案", "退回修改"):
        assert label in page.text
    response = client.post(f"/proposals/{p.id}/events/reject", data={"reject-reason": ""})
    assert response.status_code == 422 and "必填" in response.text
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).state == "review"
    response = client.post(f"/proposals/{p.id}/events/reject", data={"reject-reason": "不属于职代会职权范围"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Proposal, p.id).state == "rejected"


def test_only_the_buttons_the_user_may_press(client, cast):
    p = cast.proposal_in("in_progress")
    login(client, cast.cohandler)
    page = client.get(f"/proposals/{p.id}").text
    assert "会签" in page and 'events/reply"' not in page and 'events/accept"' not in page
    assert "(保密)" not in page


@pytest.mark.parametrize("who", ["worker", "delegate3", "lead"])
def test_someone_elses_draft_is_not_found(client, cast, who):
    p = cast.proposal_in("draft")
    login(client, getattr(cast, who))
    assert client.get(f"/proposals/{p.id}").status_code == 404
    assert client.post(f"/proposals/{p.id}/events/submit").status_code == 404
    assert client.get(f"/proposals/{p.id}/edit").status_code == 404


def test_confidential_author_hidden_from_departments(client, cast):
    p = cast.proposal_in("assigned", confidential=True)
    login(client, cast.lead)
    page = client.get(f"/proposals/{p.id}").text
    assert cast.author.name not in page and "保密" in page


def test_similar_titles_are_listed(client, cast):
    cast.proposal_in("review", title="关于增加职工食堂座位的提案")
    login(client, cast.delegate1)
    fragment = client.get("/proposals/similar", query_string={"title": "增加食堂座位"}).text
    assert "关于增加职工食堂座位的提案" in fragment
    assert client.get("/proposals/similar", query_string={"title": "停车位"}).text.strip() == ""


def test_pages_need_login(client, cast):
    p = cast.proposal_in("accepted")
    assert client.get(f"/proposals/{p.id}").status_code == 302
    assert client.get("/proposals/new").status_code == 302


def test_refusals_are_pages_in_the_readers_language(client, cast):
    login(client, cast.worker)
    page = client.get("/proposals/999999")
    assert page.status_code == 404 and "页面不存在，或您无权查看。" in page.text
    page = client.get("/no-such-page?lang=en")
    assert page.status_code == 404 and "There is no such page, or you may not see it." in page.text
    assert client.get("/review").status_code == 403
    api = client.get("/api/v1/no-such-endpoint")
    assert api.status_code == 404 and api.is_json


def test_the_committee_finds_the_merge_target_by_similar_title_or_search(client, cast):
    target = cast.proposal_in("accepted", title="关于增加职工食堂座位的提案")
    other = cast.proposal_in("accepted", title="关于改善班车线路的提案")
    p = cast.proposal_in("review", title="建议食堂增加座位")
    login(client, cast.committee)
    page = client.get(f"/proposals/{p.id}").text
    assert f'name="merge-into_id" value="{target.id}"' in page  # offered by its similar title
    page = client.get(f"/proposals/{p.id}", query_string={"merge_q": "班车"}).text
    assert f'value="{other.id}"' in page and f'value="{target.id}"' not in page
    page = client.get(f"/proposals/{p.id}", query_string={"merge_q": str(other.number)}).text
    assert f'value="{other.id}"' in page
    response = client.post(f"/proposals/{p.id}/events/merge", data={"merge-into_id": str(target.id)})
    assert response.status_code == 302
    db.session.expire_all()
    merged = db.session.get(Proposal, p.id)
    assert (merged.state, merged.merged_into_id) == ("merged", target.id)


def test_the_assign_form_shows_the_deadlines_it_would_set(client, cast):
    p = cast.proposal_in("accepted")
    login(client, cast.committee)
    page = client.get(f"/proposals/{p.id}").text
    assert "5 个工作日" in page and "30 个工作日" in page


def test_the_pages_overdue_mark_is_the_statistics_overdue(cast):
    from datetime import timedelta

    from proposals import stats
    from proposals.web import deadlines

    for state in ("assigned", "in_progress", "replied"):
        p = cast.proposal_in(state)
        lead = p.lead_assignment
        for due in (lead.ack_deadline, lead.reply_deadline):
            for shift in range(-2, 5):  # across the deadline, weekends included
                today = due + timedelta(days=shift)
                page_says = any(d.overdue for d in deadlines.of(p, today=today))
                assert page_says == (p.id in stats.overdue_ids([p.id], today)), (state, today)


def test_submitting_in_a_closed_session_is_refused_on_the_page(client, cast):
    from proposals.operations import update_session

    draft = cast.proposal_in("draft")
    update_session(cast.session, {"is_open": False})
    login(client, cast.author)
    page = client.get(f"/proposals/{draft.id}").text
    assert 'events/submit"' not in page
    response = client.post(f"/proposals/{draft.id}/events/submit", data={})
    assert response.status_code == 409
    assert "本次会议已停止征集提案。" in response.text
    db.session.expire_all()
    assert db.session.get(Proposal, draft.id).state == "draft"
    assert db.session.get(Proposal, draft.id).submitted_at is None


def test_a_merged_proposal_names_its_target_only_to_who_may_view_it(app, client, cast, make):
    from proposals.operations import fire_event

    others = make.user("worker")
    target = make.proposal(author=others, session=cast.session, title="他人在审查中的提案")
    fire_event(target.id, "submit", others)
    for delegate in (cast.delegate3, make.user("delegate")):
        fire_event(target.id, "cosign", delegate)
    merged = cast.proposal_in("review")
    fire_event(merged.id, "merge", cast.committee, {"into_id": target.id})
    login(client, cast.author)  # may see their merged proposal, not the target still under review
    page = client.get(f"/proposals/{merged.id}").text
    assert "他人在审查中的提案" not in page
    assert f"提案 #{target.id}（无权查看）" in page and f'href="/proposals/{target.id}"' not in page
    committee = app.test_client()
    login(committee, cast.committee)
    page = committee.get(f"/proposals/{merged.id}").text
    assert f'href="/proposals/{target.id}">他人在审查中的提案</a>' in page


def test_a_draft_withdrawn_after_being_sent_back_is_its_authors_alone(app, client, cast):
    from proposals.operations import edit_draft, fire_event

    proposal = cast.proposal_in("review", title="提交时的标题")
    fire_event(proposal.id, "send_back", cast.committee, {"reason": "请补充具体措施。"})
    edit_draft(proposal.id, cast.author, {"title": "修改中的新标题"})
    fire_event(proposal.id, "withdraw", cast.author)
    for who in ("committee", "admin", "supervisor", "head", "delegate1", "delegate2"):
        other = app.test_client()
        login(other, getattr(cast, who))
        assert other.get(f"/proposals/{proposal.id}").status_code == 404, who
        listing = other.get("/proposals/")
        assert listing.status_code == 200 and "修改中的新标题" not in listing.text, who
    login(client, cast.author)
    page = client.get(f"/proposals/{proposal.id}")
    assert page.status_code == 200 and "修改中的新标题" in page.text
