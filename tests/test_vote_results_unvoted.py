"""The vote's results before anyone voted (no one ranks first with 0 votes), on the page and over the API
alike, and what the vote list says of each proposal (its reply class and its author's rating)."""

from datetime import timedelta

import pytest

from proposals.extensions import db
from proposals.models import VotePublication
from proposals.operations import cast_vote, publish_results, update_session
from proposals.operations import votes as voting
from proposals.operations.clock import local_date, utcnow

from .helpers import api_client, china, login


@pytest.fixture
def api(client):
    return api_client(client)


def window(cast, start_offset: int, end_offset: int):
    today = local_date(utcnow())
    start, end = today + timedelta(days=start_offset), today + timedelta(days=end_offset)
    update_session(cast.session, {"vote_start": start.isoformat(), "vote_end": end.isoformat(), "vote_limit": 1})
    first = cast.proposal_in("closed", title="关于增设职工书屋的提案")
    second = cast.proposal_in("closed", title="关于改善班车线路的提案")
    return start, first, second


def test_without_a_vote_no_one_has_a_rank(client, api, cast):
    window(cast, -5, -1)
    ranked = voting.ranking(cast.session, cast.worker)
    assert [r.rank for r in ranked] == [None, None] and [r.votes for r in ranked] == [0, 0]
    rows = api.as_(cast.worker).get("/votes/results").json["rows"]
    assert [(r["rank"], r["votes"]) for r in rows] == [(None, 0), (None, 0)]
    login(client, cast.worker)
    page = client.get("/votes/results").text
    assert page.count('<span class="rank rank-none" title="无人投票，不排名次">—</span>') == 2
    assert 'class="rank" title' not in page and "is-top" not in page


def test_one_vote_ranks_its_proposal_and_leaves_the_other_without_a_rank(client, api, cast):
    start, first, second = window(cast, -5, -1)
    cast_vote(second.id, cast.delegate1, now=china(start + timedelta(days=1)))
    rows = api.as_(cast.worker).get("/votes/results").json["rows"]
    assert [(r["rank"], r["votes"], r["proposal"]["id"]) for r in rows] == [(1, 1, second.id), (None, 0, first.id)]
    published = publish_results(cast.session.id, cast.committee)
    assert [row["rank"] for row in published.ranking] == [1, None]
    assert api.as_(cast.worker).get("/votes/results").json["rows"] == rows
    login(client, cast.worker)
    page = client.get("/votes/results").text
    assert page.count('class="ranked is-top"') == 1 and page.count("rank-none") == 1


def test_a_result_published_before_keeps_no_rank_for_what_had_no_vote(api, cast):
    start, first, second = window(cast, -5, -1)
    cast_vote(second.id, cast.delegate1, now=china(start + timedelta(days=1)))
    published = publish_results(cast.session.id, cast.committee)
    published.ranking = [{**row, "rank": 1 if row["votes"] == 0 else row["rank"]} for row in published.ranking]
    db.session.commit()  # as the ranking was kept before this rule: everyone unvoted first
    assert db.session.get(VotePublication, published.id).ranking[1]["rank"] == 1
    rows = api.as_(cast.worker).get("/votes/results").json["rows"]
    assert [(r["rank"], r["votes"]) for r in rows] == [(1, 1), (None, 0)]


def test_the_vote_list_shows_each_items_reply_class_and_satisfaction(client, api, cast):
    window(cast, -1, 1)
    login(client, cast.delegate3)
    page = client.get("/votes/").text
    assert page.count('<span class="candidate-class" data-outcome="A">答复类别：A：已解决或采纳</span>') == 2
    assert page.count('<span class="candidate-rating" data-rating="satisfied">满意度：满意</span>') == 2
    candidates = api.as_(cast.delegate3).get("/votes").json["candidates"]
    assert {(c["outcome"], c["rating"]) for c in candidates} == {("A", "satisfied")}


def test_the_vote_buttons_names_start_with_their_visible_labels(client, cast):
    start, first, second = window(cast, -1, 1)
    cast_vote(first.id, cast.delegate3)
    login(client, cast.delegate3)
    page = client.get("/votes/").text
    assert "aria-label" not in page[page.index('class="candidates"') :]
    assert (
        '<button type="submit" class="link-button">撤回投票<span class="visually-hidden">'
        "：“关于增设职工书屋的提案”</span></button>"
    ) in page
