"""The committee's bulk review: who may use it, bulk decisions through the engine, one conflict among them."""

import re

import pytest

from proposals import create_app
from proposals.extensions import db
from proposals.models import Proposal
from proposals.operations import fire_event

from .conftest import PASSWORD, FreshContextClient
from .helpers import listed, login


def state_of(proposal) -> tuple[str, str, int | None]:
    db.session.expire_all()
    fresh = db.session.get(Proposal, proposal.id)
    return fresh.state, fresh.kind, fresh.number


@pytest.fixture
def under_review(cast):
    return [cast.proposal_in("review", title=f"待审查提案{n}") for n in range(3)]


def test_the_committee_sees_what_awaits_review_and_a_way_to_merge(client, cast, under_review):
    cast.proposal_in("accepted")
    cast.proposal_in("cosigning")
    login(client, cast.committee)
    response = client.get("/review")
    assert response.status_code == 200
    assert listed(response.text) == [p.id for p in under_review]  # oldest first
    assert response.text.count('type="checkbox" name="ids"') == 3
    assert f'href="/proposals/{under_review[0].id}?do=merge#event-merge"' in response.text  # its form open
    for label in ("立案", "转为意见建议", "不予立案", "退回修改"):
        assert label in response.text
    assert '<a href="/review" aria-current="page">提案审查</a>' in response.text


@pytest.mark.parametrize("who", ["worker", "delegate1", "lead", "supervisor", "admin", "leader", "head"])
def test_others_may_not_review(client, cast, under_review, who):
    login(client, getattr(cast, who))
    assert client.get("/review").status_code == 403
    ids = [str(p.id) for p in under_review]
    assert client.post("/review", data={"ids": ids, "decision": "accept"}).status_code == 403
    assert all(state_of(p)[0] == "review" for p in under_review)
    assert 'href="/review"' not in client.get("/").text


def test_accepting_several_numbers_each(client, cast, under_review):
    login(client, cast.committee)
    response = client.post("/review", data={"ids": [str(p.id) for p in under_review], "decision": "accept"})
    assert response.status_code == 200
    assert "立案：已完成 3 件，共 3 件。" in response.text
    assert [state_of(p)[0] for p in under_review] == ["accepted"] * 3
    assert sorted(state_of(p)[2] for p in under_review) == [1, 2, 3]
    assert listed(response.text) == []  # nothing left to review


def test_one_conflict_fails_alone_and_says_why(client, cast, under_review):
    first, changed, last = under_review
    login(client, cast.committee)
    client.get("/review")  # the committee looks at the list...
    fire_event(changed.id, "withdraw", cast.author)  # ...while the author withdraws one
    data = {"ids": [str(p.id) for p in under_review], "decision": "reject", "reason": "不属于职代会职权范围。"}
    response = client.post("/review", data=data)
    assert response.status_code == 200
    assert [state_of(p)[0] for p in under_review] == ["rejected", "withdrawn", "rejected"]
    page = response.text
    assert "不予立案：已完成 2 件，共 3 件。" in page
    assert "有 1 件未能处理，原因见下方。" in page
    failed = re.search(
        rf'href="/proposals/{changed.id}">[^<]+</a></td>\s*<td class="outcome-number">.*?</td>\s*'
        rf'<td><span class="failed">([^<]+)</span>',
        page,
    )
    assert failed and "已撤回" in failed.group(1) and "不予立案" in failed.group(1)
    history = db.session.get(Proposal, first.id).history[-1]
    assert (history.event, history.comment) == ("reject", "不属于职代会职权范围。")


@pytest.mark.parametrize(
    ("decision", "expected"), [("convert", ("accepted", "suggestion")), ("send_back", ("draft", "proposal"))]
)
def test_convert_and_send_back(client, cast, under_review, decision, expected):
    login(client, cast.committee)
    data = {"ids": [str(under_review[0].id)], "decision": decision, "reason": "请补充具体措施。"}
    assert client.post("/review", data=data).status_code == 200
    assert state_of(under_review[0])[:2] == expected
    assert state_of(under_review[1])[0] == "review"


def test_a_reject_without_a_reason_changes_nothing_and_keeps_the_choice(client, cast, under_review):
    login(client, cast.committee)
    data = {"ids": [str(under_review[1].id)], "decision": "reject", "reason": "  "}
    response = client.post("/review", data=data)
    assert response.status_code == 422
    assert re.search(r'<p class="field-error" id="reason-error">此项为必填项。</p>', response.text)
    assert f'value="{under_review[1].id}" id="pick-{under_review[1].id}" checked' in response.text
    assert 'value="reject" checked' in response.text or 'checked id="decision-2"' in response.text
    assert [state_of(p)[0] for p in under_review] == ["review"] * 3


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "accept"},  # nothing chosen
        {"ids": ["x"], "decision": "accept"},
        {"ids": ["1"], "decision": "merge"},  # merging needs a target: on the proposal page only
        {"ids": ["1"]},
    ],
)
def test_a_wrong_request_is_422_and_changes_nothing(client, cast, under_review, data):
    login(client, cast.committee)
    response = client.post("/review", data=data)
    assert response.status_code == 422 and "请修改标出的内容。" in response.text
    assert [state_of(p)[0] for p in under_review] == ["review"] * 3


def test_a_hidden_proposal_fails_without_showing_it(client, cast, under_review):
    draft = cast.proposal_in("draft", title="别人的草稿")
    login(client, cast.committee)
    response = client.post("/review", data={"ids": [str(draft.id), str(under_review[0].id)], "decision": "accept"})
    assert "别人的草稿" not in response.text and f"#{draft.id}" in response.text
    assert state_of(draft)[0] == "draft" and state_of(under_review[0])[0] == "accepted"


def test_a_filtered_selection_and_english(client, cast, make, under_review):
    quick = make.new_session(min_cosigners=0)
    other = make.proposal(author=cast.worker, session=quick, title="另一届的提案", category="safety")
    fire_event(other.id, "submit", cast.worker)
    login(client, cast.committee)
    assert listed(client.get(f"/review?session={quick.id}").text) == [other.id]
    assert listed(client.get("/review?category=safety").text) == [other.id]
    assert listed(client.get("/review?q=待审查提案1").text) == [under_review[1].id]
    assert client.get("/review?session=nope").status_code == 400
    english = client.get("/review?lang=en").text
    assert "Convert to suggestion" in english and "Apply to the chosen proposals" in english


def test_the_decision_form_needs_its_csrf_token(app, cast, under_review):
    protected = create_app({**app.config, "WTF_CSRF_ENABLED": True})
    protected.test_client_class = FreshContextClient
    client = protected.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": cast.committee.username, "password": PASSWORD, "csrf_token": token})
    page = client.get("/review").text
    assert 'name="csrf_token"' in page
    response = client.post("/review", data={"ids": [str(under_review[0].id)], "decision": "accept"})
    assert response.status_code == 400
    assert state_of(under_review[0])[0] == "review"
    with protected.app_context():
        db.engine.dispose()
