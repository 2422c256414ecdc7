"""Delegation pre-review never strands a proposal: no head, straight to the committee; a head who does
not act within `delegation_review_days` working days lets the committee act (workflow/predicates.py)."""

from datetime import date

import pytest

from proposals.operations import available_events, fire_event, update_session
from workflow import LIFECYCLE, Actor, Facts, Settings, StateConflict

from .helpers import Clock, api_client, china, login

MONDAY = date(2026, 3, 2)  # a plain working week, no holiday near
COMMITTEE = Actor(id=9, roles=frozenset({"committee"}))


@pytest.fixture
def clock(monkeypatch):
    found = Clock(monkeypatch)
    found.now = china(MONDAY, 10)
    return found


# -- the engine ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("has_head", "to_state"), [(True, "delegation_review"), (False, "review")])
def test_without_a_head_a_proposal_goes_straight_to_the_committee(has_head, to_state):
    facts = Facts(state="draft", author_id=1, delegation_has_head=has_head)
    author = Actor(id=1, roles=frozenset({"worker"}))
    settings = Settings(min_cosigners=0, delegation_review=True)
    assert LIFECYCLE.decide("submit", facts, author, settings).to_state == to_state


@pytest.mark.parametrize(("waited", "days", "may_act"), [(5, 5, False), (6, 5, True), (1, 1, False), (2, 1, True)])
def test_the_committee_acts_on_pre_review_only_after_the_heads_days(waited, days, may_act):
    facts = Facts(state="delegation_review", author_id=1, delegation_id=3, prereview_waited=waited)
    settings = Settings(delegation_review=True, delegation_review_days=days)
    available = LIFECYCLE.available_events(facts, COMMITTEE, settings)
    assert ("forward" in available, "send_back" in available) == (may_act, may_act)
    if not may_act:
        with pytest.raises(StateConflict):
            LIFECYCLE.decide("forward", facts, COMMITTEE, settings)


def test_the_head_may_act_at_once():
    head = Actor(id=5, roles=frozenset({"delegation_head", "delegate"}), delegation_id=3)
    facts = Facts(state="delegation_review", author_id=1, delegation_id=3, prereview_waited=0)
    available = LIFECYCLE.available_events(facts, head, Settings(delegation_review=True))
    assert {"forward", "send_back"} <= set(available)


# -- through the operations ------------------------------------------------------------------------


def test_an_author_without_delegation_is_reviewed_by_the_committee(cast, make):
    update_session(cast.session, {"delegation_review": True, "min_cosigners": 0})
    loner = make.user("worker")
    proposal = make.proposal(author=loner, session=cast.session)
    assert fire_event(proposal.id, "submit", loner).state == "review"


def test_a_delegation_without_a_head_does_not_strand_it(cast, make):
    update_session(cast.session, {"delegation_review": True, "min_cosigners": 0})
    headless = make.unit("delegation")
    author = make.user("worker", delegation_id=headless.id)
    proposal = make.proposal(author=author, session=cast.session)
    assert fire_event(proposal.id, "submit", author).state == "review"


def test_the_committee_takes_over_once_the_days_have_passed(cast, clock):
    update_session(cast.session, {"delegation_review": True, "min_cosigners": 0, "delegation_review_days": 5})
    proposal = fire_event(cast.make.proposal(author=cast.author, session=cast.session).id, "submit", cast.author)
    assert proposal.state == "delegation_review"
    clock.now = china(date(2026, 3, 9), 10)  # five working days later: still the head's
    assert "forward" not in available_events(proposal, cast.committee)
    with pytest.raises(StateConflict):
        fire_event(proposal.id, "forward", cast.committee)
    clock.now = china(date(2026, 3, 10), 10)  # the sixth
    assert {"forward", "send_back"} <= set(available_events(proposal, cast.committee))
    proposal = fire_event(proposal.id, "forward", cast.committee, {"comment": "团长逾期未审，由委员会转审查。"})
    assert proposal.state == "review"
    assert proposal.history[-1].actor_id == cast.committee.id


def test_the_setting_over_the_api(client, make):
    admin = make.user("union_admin")
    api = api_client(client).as_(admin)
    created = api.post("/sessions", {"code": "P1", "name": "预审会议", "delegation_review_days": 3})
    assert created.status_code == 201 and created.json["delegation_review_days"] == 3
    changed = api.patch(f"/sessions/{created.json['id']}", {"delegation_review_days": 8})
    assert changed.json["delegation_review_days"] == 8
    assert api.get(f"/sessions/{created.json['id']}").json["delegation_review_days"] == 8
    for wrong in (0, 61, "5", 2.5):
        refused = api.patch(f"/sessions/{created.json['id']}", {"delegation_review_days": wrong})
        assert refused.status_code == 422 and "delegation_review_days" in refused.json["fields"], wrong
    assert api.get(f"/sessions/{created.json['id']}").json["delegation_review_days"] == 8
    assert make.new_session().delegation_review_days == 5  # the default


def test_the_committee_sees_the_buttons_on_the_page_once_it_may_act(client, cast, clock):
    update_session(cast.session, {"delegation_review": True, "min_cosigners": 0})
    proposal = fire_event(cast.make.proposal(author=cast.author, session=cast.session).id, "submit", cast.author)
    login(client, cast.committee)
    assert 'id="event-forward"' not in client.get(f"/proposals/{proposal.id}").text
    clock.now = china(date(2026, 3, 10), 10)
    login(client, cast.committee)  # (a week later: signed in again)
    assert 'id="event-forward"' in client.get(f"/proposals/{proposal.id}").text


def test_the_session_form_offers_the_setting_with_its_hint(client, make):
    login(client, make.user("union_admin"))
    page = client.get("/admin/sessions/new").text
    assert 'name="delegation_review_days"' in page and "代表团团长预审的工作日数" in page
    assert 'name="key_remind_days_before"' in page and "重点提案办理期限前" in page
