"""The session's procedure on the pages (issue 14): the presets and the lifecycle diagram of the session
form, the delegation proposal's box and the invitees' picker, and what a proposal's page says of them."""

import json
import re
from datetime import timedelta

import pytest
from lxml import html as lxml_html
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import CongressSession, Proposal
from proposals.operations import clock, update_session
from proposals.presets import PRESETS

from .helpers import NEW_SESSION, SAMPLES, login, upload


@pytest.fixture
def admin(client, cast):
    login(client, cast.admin)
    return client


def tree(page: str):
    return lxml_html.fromstring(page)


def proposal_data(cast, **more) -> dict:
    return {
        "session_id": cast.session.id,
        "title": "关于错峰安排教职工体检的提案",
        "reason": "集中体检影响教学。",
        "measures": "按院系分批体检。",
        "category": "welfare",
        "desired_department_id": 0,
        **more,
    }


# -- the session form --------------------------------------------------------------------------------


def test_the_session_form_offers_each_preset_with_its_values_and_a_served_script(admin):
    page = admin.get("/admin/sessions/new").text
    buttons = {
        b.get("data-preset-name"): json.loads(b.get("data-preset")) for b in tree(page).xpath("//button[@data-preset]")
    }
    assert buttons == {name: preset.values for name, preset in PRESETS.items()}
    assert "职代会" in page and "教代会" in page and "严格" in page
    script = tree(page).xpath("//script[contains(@src, 'presets.js')]/@src")
    assert script and not script[0].startswith("http")  # the application's own, never a CDN
    served = admin.get(script[0])
    assert served.status_code == 200 and "data-preset" in served.get_data(as_text=True)
    served.close()
    for name in ("proposers", "min_cosigner_delegations", "delegation_share", "late_submissions"):
        assert tree(page).xpath(f"//*[@name='{name}']"), name
    assert "提案与附议" in page and "谁可以提交提案" in page  # the group and a label, in Chinese


def test_the_form_saves_the_procedure_and_a_preset_may_be_changed_after(admin):
    data = NEW_SESSION | PRESETS["strict"].values | {"min_cosigners": "4", "delegation_review": "y"}
    data = {k: (v if v is True or isinstance(v, str) else str(v)) for k, v in data.items() if v is not False}
    data["delegation_review"] = "y"
    data["delegation_share"] = "0,6"
    response = admin.post("/admin/sessions/new", data=data)
    assert response.status_code == 302
    session = db.session.scalar(select(CongressSession).where(CongressSession.code == NEW_SESSION["code"]))
    assert (session.proposers, session.min_cosigners, session.min_cosigner_delegations) == ("delegates", 4, 2)
    assert (session.late_submissions, session.delegation_share, session.delegation_review) == ("refuse", 0.6, True)


def test_a_wrong_procedure_setting_keeps_the_input_and_changes_nothing(admin, cast):
    response = admin.post(
        f"/admin/sessions/{cast.session.id}",
        data=NEW_SESSION | {"min_cosigner_delegations": "99", "late_submissions": "x"},
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert cast.session.min_cosigner_delegations == 0 and cast.session.late_submissions == "accept"


def test_the_session_page_draws_its_lifecycle_greyed_where_a_setting_turns_a_step_off(admin, cast):
    page = admin.get(f"/admin/sessions/{cast.session.id}").text
    svg = tree(page).xpath("//svg[contains(@class, 'lifecycle-diagram')]")
    assert svg, "no diagram"
    steps = {g.get("data-state"): g.get("class") for g in svg[0].xpath(".//*[@data-state]")}
    assert set(steps) >= {"draft", "cosigning", "delegation_review", "review", "accepted", "archived", "withdrawn"}
    assert steps["delegation_review"] == "step off" and steps["review"] == "step"
    ways = {p.get("data-way"): p.get("class") for p in svg[0].xpath(".//*[@data-way]")}
    assert ways["cosigning-delegation_review"] == "way off" and ways["cosigning-review"] == "way"
    assert "提交：所有职工" in page and "征集期后提交：照常受理" in page
    assert "<script" not in "".join(lxml_html.tostring(s, encoding="unicode") for s in svg)
    update_session(cast.session, {"preset": "strict"})
    page = admin.get(f"/admin/sessions/{cast.session.id}").text
    svg = tree(page).xpath("//svg[contains(@class, 'lifecycle-diagram')]")[0]
    steps = {g.get("data-state"): g.get("class") for g in svg.xpath(".//*[@data-state]")}
    assert steps["delegation_review"] == "step"
    assert "提交：仅限代表" in page and "征集期后提交：不予受理" in page and "来自至少 2 个代表团" in page
    update_session(cast.session, {"min_cosigners": 0, "min_cosigner_delegations": 0, "delegation_share": 0.0})
    page = admin.get(f"/admin/sessions/{cast.session.id}").text
    steps = {g.get("data-state"): g.get("class") for g in tree(page).xpath("//svg//*[@data-state]")}
    assert steps["cosigning"] == "step off"


# -- the proposal form and page ---------------------------------------------------------------------


def test_a_head_has_the_delegation_box_a_worker_has_not_and_both_may_invite(client, cast):
    login(client, cast.author)
    page = client.get("/proposals/new").text
    assert not tree(page).xpath("//input[@name='delegation_proposal']")
    offered = set(int(v) for v in tree(page).xpath("//select[@name='invitees']/option/@value"))
    assert {cast.delegate1.id, cast.delegate2.id, cast.head.id} <= offered and cast.author.id not in offered
    assert cast.worker.id not in offered  # delegates only
    response = client.post("/proposals/new", data=proposal_data(cast, invitees=[cast.delegate2.id], save="1"))
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal.invitees == [cast.delegate2.id]
    page = client.get(f"/proposals/{proposal.id}/edit").text
    assert tree(page).xpath(f"//select[@name='invitees']/option[@value='{cast.delegate2.id}']/@selected")
    assert cast.delegate2.name in client.get(f"/proposals/{proposal.id}").text
    login(client, cast.head)
    assert tree(client.get("/proposals/new").text).xpath("//input[@name='delegation_proposal']")


def test_a_delegation_proposal_shows_as_the_delegations_on_its_page_and_in_the_list(client, cast):
    login(client, cast.head)
    response = client.post("/proposals/new", data=proposal_data(cast, delegation_proposal="y", submit_now="1"))
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal.delegation_proposal and proposal.state == "cosigning"
    login(client, cast.delegate2)
    page = client.get(f"/proposals/{proposal.id}").text
    assert "代表团提案" in page and cast.delegation.name in page
    assert "本团已附议 0 人，须 1 人" in page  # delegate1 is the delegation's one delegate besides its head
    listed = client.get("/proposals/").text
    row = tree(listed).xpath(f"//a[@href='/proposals/{proposal.id}']/ancestor::td")[0].text_content()
    assert "代表团提案" in row and cast.delegation.name in row


def test_a_workers_draft_under_delegates_only_says_why_and_cannot_be_submitted(client, cast):
    update_session(cast.session, {"proposers": "delegates"})
    proposal = cast.proposal_in("draft")
    login(client, cast.author)
    page = client.get(f"/proposals/{proposal.id}").text
    assert "本次会议只有职工代表可以提交提案" in page
    assert not tree(page).xpath(f"//form[@action='/proposals/{proposal.id}/events/submit']")
    response = client.post(f"/proposals/{proposal.id}/events/submit", data={})
    assert response.status_code == 403 and "本次会议只有职工代表可以提交提案" in response.text
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == "draft"


def test_a_late_submission_taken_as_a_suggestion_tells_the_author_why(client, cast):
    today = clock.local_date(clock.utcnow())
    update_session(
        cast.session, {"collection_end": (today - timedelta(days=1)).isoformat(), "late_submissions": "suggestion"}
    )
    login(client, cast.author)
    response = client.post("/proposals/new", data=proposal_data(cast, submit_now="1"), follow_redirects=True)
    assert response.status_code == 200
    notice = "本件在提案征集期结束后提交"
    assert re.search(notice, response.text)
    proposal = db.session.scalar(select(Proposal))
    assert proposal.kind == "suggestion"
    assert notice in client.get(f"/proposals/{proposal.id}").text  # and it stays on the page


def test_a_late_submission_refused_says_so_and_the_draft_stays(client, cast):
    today = clock.local_date(clock.utcnow())
    update_session(
        cast.session, {"collection_end": (today - timedelta(days=1)).isoformat(), "late_submissions": "refuse"}
    )
    proposal = cast.proposal_in("draft")
    login(client, cast.author)
    response = client.post(f"/proposals/{proposal.id}/events/submit", data={})
    assert response.status_code == 409 and "征集期已结束" in response.text
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == "draft"


def test_save_and_submit_refused_saves_nothing_and_gives_the_form_back(client, cast, files):
    """Saving and submitting is one unit of work: a refused submission keeps no draft and no file either."""
    today = clock.local_date(clock.utcnow())
    update_session(
        cast.session, {"collection_end": (today - timedelta(days=1)).isoformat(), "late_submissions": "refuse"}
    )
    login(client, cast.author)
    data = proposal_data(cast, submit_now="1", attachments=[upload("附件.pdf", SAMPLES["pdf"])])
    response = client.post("/proposals/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 409 and "征集期已结束" in response.text
    assert "关于错峰安排教职工体检的提案" in response.text  # the form as typed
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Proposal)) == 0
    assert not files.exists() or list(files.iterdir()) == []
    proposal = cast.proposal_in("draft")  # a draft changed and submitted: neither the change is kept
    edited = client.post(f"/proposals/{proposal.id}/edit", data=proposal_data(cast, title="改过的标题", submit_now="1"))
    assert edited.status_code == 409 and "征集期已结束" in edited.text
    db.session.expire_all()
    kept = db.session.get(Proposal, proposal.id)
    assert kept.state == "draft" and kept.title != "改过的标题"
