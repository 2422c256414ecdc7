"""Rating a reply (issue 15): the two axes where the session rates them, the reason of an unsatisfied
rating up front for the department, the co-signers' ratings within the working days to rate (after the
author's closed it too, never moving it), and their satisfaction rate; through the API, the pages and the
operation itself, the refusals changing nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from proposals import presets
from proposals.extensions import db
from proposals.models import Evaluation, HistoryEntry, Proposal
from proposals.operations import clock, create_session, fire_event, update_session
from proposals.operations.released import rating_window_over, released_reply
from workflow import DEFAULT_LIFECYCLE, DefinitionError, InvalidPayload, Lifecycle, PermissionDenied, StateConflict

from .helpers import Clock, api_client, china, login

SATISFIED = {"rating": "satisfied"}
WHY = "答复没有具体措施和时间表。"


@pytest.fixture
def api(client):
    return api_client(client)


def state_of(proposal_id: int) -> tuple:
    """What a refusal must leave as it was: the proposal's state, version and final rating, its history
    and its ratings."""
    db.session.expire_all()
    p = db.session.get(Proposal, proposal_id)
    history = db.session.scalar(select(func.count(HistoryEntry.id)).where(HistoryEntry.proposal_id == proposal_id))
    ratings = db.session.scalar(select(func.count(Evaluation.id)).where(Evaluation.proposal_id == proposal_id))
    return p.state, p.version, p.final_rating, history, ratings


def ratings_of(proposal_id: int) -> list[tuple]:
    rows = db.session.scalars(select(Evaluation).where(Evaluation.proposal_id == proposal_id).order_by(Evaluation.id))
    return [(e.user_id, e.by_author, e.rating, e.attitude, e.comment) for e in rows]


# -- the session's setting ---------------------------------------------------------------------------


def test_a_new_session_rates_the_result_only_and_every_preset_both_axes(make):
    assert make.new_session().two_axis_rating is False
    for name in presets.PRESETS:
        session = create_session({"code": f"P{name}", "name": f"预设 {name}", "preset": name})
        assert session.two_axis_rating is True, name
    # a session changed later keeps what it was given: the default is only a new session's
    session = make.new_session(two_axis_rating=True)
    update_session(session, {"vote_limit": 3})
    assert db.session.get(type(session), session.id).two_axis_rating is True


# -- two axes through the API -------------------------------------------------------------------------


def test_where_the_session_rates_two_axes_both_are_required(api, cast):
    update_session(cast.session, {"two_axis_rating": True})
    p = cast.proposal_in("replied")
    author = api.as_(cast.author)
    before = state_of(p.id)
    r = author.fire(p.id, "evaluate", SATISFIED)
    assert r.status_code == 422 and set(r.json["fields"]) == {"attitude"}
    assert state_of(p.id) == before
    r = author.fire(p.id, "evaluate", {"attitude": "satisfied"})
    assert r.status_code == 422 and set(r.json["fields"]) == {"rating"}
    r = author.fire(p.id, "evaluate", {"rating": "satisfied", "attitude": "basically_satisfied"})
    assert r.status_code == 200 and r.json["state"] == "closed"
    assert ratings_of(p.id) == [(cast.author.id, True, "satisfied", "basically_satisfied", None)]


def test_where_the_session_rates_the_result_only_an_attitude_is_refused_in_both_languages(api, cast):
    p = cast.proposal_in("replied")
    before = state_of(p.id)
    for language, said in (
        ("zh", "本次会议只评价办理结果，请勿填写办理态度。"),
        ("en", "This session rates the result"),
    ):
        r = api.as_(cast.author, language=language).fire(
            p.id, "evaluate", {"rating": "satisfied", "attitude": "satisfied"}
        )
        assert r.status_code == 422 and set(r.json["fields"]) == {"attitude"}
        assert r.json["fields"]["attitude"].startswith(said)
    assert state_of(p.id) == before
    r = api.as_(cast.author).fire(p.id, "evaluate", SATISFIED)  # the result alone
    assert r.status_code == 200 and ratings_of(p.id) == [(cast.author.id, True, "satisfied", None, None)]


# -- an unsatisfied rating's reason -------------------------------------------------------------------


@pytest.mark.parametrize("rater", ["author", "delegate1"])
def test_an_unsatisfied_rating_needs_its_reason(api, cast, rater):
    p = cast.proposal_in("replied")
    before = state_of(p.id)
    for payload in ({"rating": "unsatisfied"}, {"rating": "unsatisfied", "comment": "   "}):
        r = api.as_(getattr(cast, rater)).fire(p.id, "evaluate", payload)
        assert r.status_code == 422 and set(r.json["fields"]) == {"comment"}
        assert "不满意的理由" in r.json["fields"]["comment"]
    assert state_of(p.id) == before
    r = api.as_(getattr(cast, rater)).fire(p.id, "evaluate", {"rating": "unsatisfied", "comment": WHY})
    assert r.status_code == 200 and r.json["state"] == ("in_progress" if rater == "author" else "replied")


def test_the_reason_stands_at_the_top_of_the_rehandling_round_for_the_department(client, cast):
    p = cast.proposal_in("replied", title="重新办理的提案")
    fire_event(p.id, "evaluate", cast.author, {"rating": "unsatisfied", "comment": WHY})
    fire_event(p.id, "progress", cast.lead, {"note": "已与提案人沟通。"})  # the round goes on: still up front
    login(client, cast.lead)
    page = client.get(f"/proposals/{p.id}").text
    panel = page.split('class="reason-panel', 1)[1].split("</section>", 1)[0]
    assert "不满意的理由" in panel and WHY in panel
    notes = client.get("/notifications").text
    reason = notes.split("notification-reason", 1)[1].split("</div>\n</div>", 1)[0]
    assert WHY in reason
    home = client.get("/").text
    card = home.split("重新办理的提案", 1)[1].split("</li>", 1)[0]
    assert WHY in card
    # answered: the next reply is what the author reads first, no longer the reason
    fire_event(p.id, "reply", cast.lead, {"text": "已增加座位一百个。", "outcome": "A"})
    fire_event(p.id, "countersign", cast.cohandler)  # the co-handler's agreement sends the draft out
    assert 'class="reason-panel' not in client.get(f"/proposals/{p.id}").text


# -- co-signers rate when they wish ---------------------------------------------------------------------


def test_a_cosigner_rates_after_the_authors_rating_closed_it_and_moves_nothing(api, cast):
    p = cast.proposal_in("closed")  # the author rated it satisfied
    r = api.as_(cast.delegate1).fire(p.id, "evaluate", {"rating": "unsatisfied", "comment": WHY})
    assert r.status_code == 200 and r.json["state"] == "closed"
    db.session.expire_all()
    p = db.session.get(Proposal, p.id)
    assert (p.state, p.final_rating, p.rehandle_round) == ("closed", "satisfied", 0)
    last = p.history[-1]
    assert (last.event, last.from_state, last.to_state, last.actor_id) == (
        "evaluate",
        "closed",
        "closed",
        cast.delegate1.id,
    )
    assert ratings_of(p.id)[-1] == (cast.delegate1.id, False, "unsatisfied", None, WHY)
    # once a round: the second is refused, and the others' turn is not the author's
    before = state_of(p.id)
    r = api.as_(cast.delegate1).fire(p.id, "evaluate", SATISFIED)
    assert r.status_code == 409 and "evaluate" not in r.json["available_events"]
    r = api.as_(cast.author).fire(p.id, "evaluate", SATISFIED)
    assert r.status_code == 409 and r.json["error"] == "您已对此答复进行过评价。"
    assert state_of(p.id) == before
    r = api.as_(cast.delegate2).fire(p.id, "evaluate", {"rating": "basically_satisfied"})
    assert r.status_code == 200 and r.json["state"] == "closed"


def test_the_author_cannot_rate_what_closed_without_a_rating_but_a_cosigner_can(cast):
    p = cast.proposal_in("replied")
    fire_event(p.id, "close_unrated", None)
    before = state_of(p.id)
    with pytest.raises(StateConflict) as refused:
        fire_event(p.id, "evaluate", cast.author, SATISFIED)
    assert refused.value.message == "The proposal is closed: its author can no longer rate the reply."
    assert state_of(p.id) == before
    p = fire_event(p.id, "evaluate", cast.delegate2, SATISFIED)
    assert (p.state, p.final_rating) == ("closed", "no_response")


def test_only_cosigners_and_the_author_rate(api, cast):
    p = cast.proposal_in("closed")
    before = state_of(p.id)
    assert api.as_(cast.delegate3).fire(p.id, "evaluate", SATISFIED).status_code == 403  # a delegate, not a co-signer
    assert api.as_(cast.lead).fire(p.id, "evaluate", SATISFIED).status_code == 403
    assert api.as_(cast.committee).fire(p.id, "evaluate", SATISFIED).status_code == 403
    with pytest.raises(PermissionDenied):
        fire_event(p.id, "evaluate", cast.worker, SATISFIED)
    assert state_of(p.id) == before


def test_a_cosigner_rates_until_the_last_day_to_rate_and_not_after(api, cast, monkeypatch):
    p = cast.proposal_in("closed")
    reply = released_reply(p)
    due = clock.feedback_due(reply, p.session)
    assert due == clock.working_calendar().add(clock.local_date(reply.created_at), p.session.feedback_days)
    assert not rating_window_over(p, due) and rating_window_over(p, due + timedelta(days=1))
    time = Clock(monkeypatch)
    time.now = china(due + timedelta(days=1), hour=9)
    before = state_of(p.id)
    for language, said in (
        ("zh", "评价答复的工作日期限已过"),
        ("en", "The working days for rating this reply have passed"),
    ):
        r = api.as_(cast.delegate1, language=language).fire(p.id, "evaluate", SATISFIED)
        assert r.status_code == 409 and r.json["error"].startswith(said)
    assert state_of(p.id) == before
    p = fire_event(p.id, "evaluate", cast.delegate1, SATISFIED, now=china(due, hour=17))  # the last day still counts
    assert p.state == "closed" and ratings_of(p.id)[-1][:3] == (cast.delegate1.id, False, "satisfied")


def test_the_window_counts_from_the_reply_of_the_present_round(cast):
    p = cast.proposal_in("replied")
    first = released_reply(p)
    fire_event(p.id, "evaluate", cast.author, {"rating": "unsatisfied", "comment": WHY})
    p = db.session.get(Proposal, p.id)
    assert released_reply(p) is None  # handled again: nothing to rate until the next reply
    later = first.created_at + timedelta(days=40)  # past the first reply's window
    fire_event(p.id, "reply", cast.lead, {"text": "已重新办理。", "outcome": "A"}, now=first.created_at)  # drafted
    p = fire_event(p.id, "countersign", cast.cohandler, now=later)  # released: the window counts from here
    assert released_reply(p).round == 1
    p = fire_event(p.id, "evaluate", cast.delegate1, SATISFIED, now=later + timedelta(days=1))
    assert p.state == "replied"


# -- the page's rating form ------------------------------------------------------------------------------


def rating_form(client, proposal_id: int) -> str:
    page = client.get(f"/proposals/{proposal_id}?do=evaluate").text
    return page.split('id="event-evaluate"', 1)[1].split("</form>", 1)[0]


@pytest.mark.parametrize("two_axes", [False, True])
def test_the_rating_form_asks_for_the_attitude_only_where_the_session_rates_it(client, cast, two_axes):
    update_session(cast.session, {"two_axis_rating": two_axes})
    p = cast.proposal_in("replied")
    login(client, cast.author)
    form = rating_form(client, p.id)
    assert 'name="evaluate-rating"' in form
    assert ('name="evaluate-attitude"' in form) is two_axes
    assert ("办理态度" in form) is two_axes


def test_the_page_refuses_an_unsatisfied_rating_without_its_reason_next_to_the_field(client, cast):
    p = cast.proposal_in("replied")
    login(client, cast.author)
    before = state_of(p.id)
    response = client.post(f"/proposals/{p.id}/events/evaluate", data={"evaluate-rating": "unsatisfied"})
    assert response.status_code == 422
    assert "请说明不满意的理由" in rating_form_of(response.text)
    assert state_of(p.id) == before
    data = {"evaluate-rating": "unsatisfied", "evaluate-comment": WHY}
    assert client.post(f"/proposals/{p.id}/events/evaluate", data=data).status_code == 302
    assert state_of(p.id)[0] == "in_progress"


def rating_form_of(page: str) -> str:
    return page.split('id="event-evaluate"', 1)[1].split("</form>", 1)[0]


def test_a_cosigner_finds_the_rating_form_on_a_closed_proposal(client, cast):
    p = cast.proposal_in("closed")
    login(client, cast.delegate1)
    assert 'name="evaluate-rating"' in rating_form(client, p.id)
    data = {"evaluate-rating": "basically_satisfied"}
    assert client.post(f"/proposals/{p.id}/events/evaluate", data=data).status_code == 302
    assert 'id="event-evaluate"' not in client.get(f"/proposals/{p.id}").text  # rated: no second form
    login(client, cast.author)
    assert 'id="event-evaluate"' not in client.get(f"/proposals/{p.id}").text


# -- the co-signers' satisfaction rate -------------------------------------------------------------------


def test_stats_and_the_dashboard_report_the_cosigners_satisfaction_rate(api, client, cast):
    rates = api.as_(cast.committee).get("/stats", query_string={"session_id": cast.session.id}).json["rates"]
    assert rates["cosigner_satisfaction_rate"] is None  # no co-signer has rated
    p = cast.proposal_in("closed")
    fire_event(p.id, "evaluate", cast.delegate1, SATISFIED)
    fire_event(p.id, "evaluate", cast.delegate2, {"rating": "unsatisfied", "comment": WHY})
    q = cast.proposal_in("replied")
    fire_event(q.id, "evaluate", cast.delegate1, {"rating": "basically_satisfied"})
    body = api.as_(cast.committee).get("/stats", query_string={"session_id": cast.session.id}).json
    assert body["rates"]["cosigner_satisfaction_rate"] == pytest.approx(2 / 3)
    assert body["rates"]["satisfaction_rate"] == 1.0  # the author's, apart
    assert [d["rates"]["cosigner_satisfaction_rate"] for d in body["by_department"]] == [pytest.approx(2 / 3)]
    assert [c["rates"]["cosigner_satisfaction_rate"] for c in body["by_category"]] == [pytest.approx(2 / 3)]
    login(client, cast.committee)
    page = client.get(f"/dashboard/?session={cast.session.id}").text
    tile = page.split('data-rate="cosigner_satisfaction_rate"', 1)[0].rsplit("<li", 1)[1]
    assert "附议人满意率" in tile
    assert "66.7%" in page.split('data-rate="cosigner_satisfaction_rate"', 1)[1].split("</strong>", 1)[0]


# -- the definition's payload rules -----------------------------------------------------------------------


def test_the_definition_names_only_known_switches_and_conditions():
    def with_evaluate(**changes):
        events = {**DEFAULT_LIFECYCLE["events"], "evaluate": {**DEFAULT_LIFECYCLE["events"]["evaluate"], **changes}}
        return {**DEFAULT_LIFECYCLE, "events": events}

    with pytest.raises(DefinitionError, match="unknown switch 'three_axes'"):
        Lifecycle(with_evaluate(asked_if=[{"field": "attitude", "switch": "three_axes", "refused": "x"}]))
    with pytest.raises(DefinitionError, match="asks for 'mood'"):
        Lifecycle(with_evaluate(asked_if=[{"field": "mood", "switch": "two_axis_rating", "refused": "x"}]))
    with pytest.raises(DefinitionError, match="unknown condition 'rated_badly'"):
        Lifecycle(with_evaluate(required_if=[{"field": "comment", "when": "rated_badly", "message": "x"}]))


def test_a_payload_error_and_a_refused_attitude_are_named_together(cast):
    p = cast.proposal_in("replied")
    with pytest.raises(InvalidPayload) as refused:
        fire_event(p.id, "evaluate", cast.author, {"rating": "great", "attitude": "satisfied"})
    assert set(refused.value.fields) == {"rating", "attitude"}
