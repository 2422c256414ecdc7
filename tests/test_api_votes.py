"""The outstanding-proposal vote over the API: the same ballot, votes and results as the vote pages."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import Vote, VotePublication
from proposals.operations import cast_vote, fire_event, update_session
from proposals.operations.clock import local_date, utcnow

from .helpers import api_client, china


@pytest.fixture
def api(client):
    return api_client(client)


def standing() -> int:
    return db.session.scalar(select(func.count()).select_from(Vote).where(Vote.withdrawn_at.is_(None)))


def vote_window(cast, start_offset: int, end_offset: int, limit: int = 1):
    today = local_date(utcnow())
    start, end = today + timedelta(days=start_offset), today + timedelta(days=end_offset)
    update_session(cast.session, {"vote_start": start.isoformat(), "vote_end": end.isoformat(), "vote_limit": limit})
    first = cast.proposal_in("closed", title="关于增设职工书屋的提案")
    second = fire_event(cast.proposal_in("closed", title="关于改善班车线路的提案").id, "archive", cast.committee)
    return start, first, second


def test_a_delegate_votes_and_withdraws_while_voting_is_open(api, cast):
    _start, first, second = vote_window(cast, -1, 1)
    delegate = api.as_(cast.delegate3)
    ballot = delegate.get("/votes")
    assert ballot.status_code == 200
    assert ballot.json["session"]["window"] == "open" and ballot.json["may_vote"] is True
    assert [c["id"] for c in ballot.json["candidates"]] == [first.id, second.id]
    assert ballot.json["votes_left"] == 1

    cast_ = delegate.post(f"/votes/{first.id}")
    assert cast_.status_code == 201 and cast_.json["votes_left"] == 0
    assert [c["voted"] for c in cast_.json["candidates"]] == [True, False]
    over = delegate.post(f"/votes/{second.id}")  # the limit is one
    assert over.status_code == 409 and over.json["error"]
    again = delegate.post(f"/votes/{first.id}")
    assert again.status_code == 409
    assert standing() == 1

    withdrawn = delegate.delete(f"/votes/{first.id}")
    assert withdrawn.status_code == 200 and withdrawn.json["votes_left"] == 1
    assert delegate.delete(f"/votes/{first.id}").status_code == 409
    assert standing() == 0
    counts = delegate.get("/votes/results").json
    assert counts["rows"] is None and counts["published"] is False  # hidden while voting is open


def test_who_may_vote(api, cast):
    _start, first, _second = vote_window(cast, -1, 1)
    assert api.as_(cast.worker).post(f"/votes/{first.id}").status_code == 403  # not a delegate
    assert api.as_(cast.worker).get("/votes").json["may_vote"] is False
    own = cast.proposal_in("cosigning")
    assert api.as_(cast.delegate3).post(f"/votes/{own.id}").status_code == 409  # handling not finished
    draft = cast.make.proposal(author=cast.author)
    assert api.as_(cast.delegate3).post(f"/votes/{draft.id}").status_code == 404  # not theirs to know
    assert api.as_(cast.delegate3).post("/votes/999999").status_code == 404
    assert standing() == 0


def test_nothing_before_or_after_the_window(api, cast):
    _start, first, _second = vote_window(cast, 1, 3)
    refused = api.as_(cast.delegate3).post(f"/votes/{first.id}")
    assert refused.status_code == 409 and refused.json["error"]
    assert api.as_(cast.delegate3).get("/votes").json["session"]["window"] == "before"
    assert standing() == 0


def test_results_once_closed_then_published_by_the_committee(api, cast):
    start, first, second = vote_window(cast, -5, -1)
    for delegate, proposal in ((cast.delegate1, second), (cast.delegate2, second), (cast.delegate3, first)):
        cast_vote(proposal.id, delegate, now=china(start + timedelta(days=1)))
    provisional = api.as_(cast.worker).get("/votes/results")
    assert provisional.status_code == 200 and provisional.json["published"] is False
    assert [(r["rank"], r["votes"], r["proposal"]["id"]) for r in provisional.json["rows"]] == [
        (1, 2, second.id),
        (2, 1, first.id),
    ]
    assert provisional.json["may_publish"] is False
    assert api.as_(cast.worker).post(f"/votes/results/{cast.session.id}/publish").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(VotePublication)) == 0

    committee = api.as_(cast.committee)
    assert committee.get(f"/votes/results?session_id={cast.session.id}").json["may_publish"] is True
    published = committee.post(f"/votes/results/{cast.session.id}/publish")
    assert published.status_code == 200 and published.json["published"] is True
    assert published.json["rows"] == provisional.json["rows"]
    assert committee.post(f"/votes/results/{cast.session.id}/publish").status_code == 409
    assert committee.post("/votes/results/999999/publish").status_code == 404


def test_the_author_of_a_confidential_proposal_stays_hidden(api, cast):
    vote_window(cast, -1, 1)
    secret = cast.proposal_in("closed", title="保密的提案", confidential=True)
    shown = {c["id"]: c["author"] for c in api.as_(cast.delegate3).get("/votes").json["candidates"]}
    assert shown[secret.id] is None
    assert {c["id"]: c["author"] for c in api.as_(cast.committee).get("/votes").json["candidates"]}[secret.id]


def test_no_vote_scheduled_and_unknown_sessions(api, cast):
    ballot = api.as_(cast.delegate3).get("/votes")
    assert ballot.status_code == 200 and ballot.json["session"] is None and ballot.json["candidates"] == []
    assert api.as_(cast.delegate3).get("/votes/results").json["rows"] is None
    assert api.as_(cast.delegate3).get("/votes?session_id=999999").status_code == 404
    assert api.as_(cast.delegate3).get("/votes?session_id=x").status_code == 422
