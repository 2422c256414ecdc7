"""The vote pages for each role: the ballot while voting is open, the results once it has closed."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import CongressSession, Vote
from proposals.operations import cast_vote, fire_event, update_session
from proposals.operations.clock import local_date, utcnow

from .helpers import china, login


def vote_as(client, user):
    """Log in as `user` (logging out whoever was logged in), on the voting page."""
    login(client, user)
    assert f'<span class="user-name">{user.name}</span>' in client.get("/votes/").text


def standing() -> int:
    return db.session.scalar(select(func.count()).select_from(Vote).where(Vote.withdrawn_at.is_(None)))


class Window:
    """The cast's session with a vote around today, and two proposals whose handling is finished."""

    def __init__(self, cast, start_offset: int, end_offset: int, limit: int = 1):
        today = local_date(utcnow())
        self.start, self.end = today + timedelta(days=start_offset), today + timedelta(days=end_offset)
        update_session(
            cast.session, {"vote_start": self.start.isoformat(), "vote_end": self.end.isoformat(), "vote_limit": limit}
        )
        self.session = cast.session
        self.first = cast.proposal_in("closed", title="关于增设职工书屋的提案")
        self.second = fire_event(
            cast.proposal_in("closed", title="关于改善班车线路的提案").id, "archive", cast.committee
        )


@pytest.fixture
def open_vote(cast):
    return Window(cast, -1, 1)


@pytest.fixture
def closed_vote(cast):
    """Voting ended yesterday: delegate1 and delegate2 voted for the second proposal, delegate3 for the first."""
    vote = Window(cast, -5, -1)
    during = china(vote.start + timedelta(days=1))
    for delegate, proposal in (
        (cast.delegate1, vote.second),
        (cast.delegate2, vote.second),
        (cast.delegate3, vote.first),
    ):
        cast_vote(proposal.id, delegate, now=during)
    return vote


def test_everyone_has_the_menu_entry(client, cast, open_vote):
    for who in ("worker", "delegate1", "lead", "committee", "leader"):
        vote_as(client, getattr(cast, who))
        page = client.get("/votes/")
        assert page.status_code == 200 and 'href="/votes/"' in page.text and "优秀提案评选" in page.text


def test_a_delegate_votes_and_withdraws_on_the_page(client, cast, open_vote):
    vote_as(client, cast.delegate1)
    page = client.get("/votes/").text
    assert "关于增设职工书屋的提案" in page and "关于改善班车线路的提案" in page
    assert f'action="/votes/{open_vote.first.id}"' in page and "您还剩 1 票（共 1 票）" in page
    response = client.post(f"/votes/{open_vote.first.id}")
    assert response.status_code == 302 and standing() == 1
    page = client.get(response.location).text
    assert "已投票" in page and f'action="/votes/{open_vote.first.id}/withdraw"' in page
    assert "您还剩 0 票" in page and f'action="/votes/{open_vote.second.id}"' not in page
    refused = client.post(f"/votes/{open_vote.second.id}")
    assert refused.status_code == 409 and "已全部投出" in refused.text and standing() == 1
    response = client.post(f"/votes/{open_vote.first.id}/withdraw")
    assert response.status_code == 302 and standing() == 0


def test_counts_are_hidden_while_voting_is_open(client, cast, open_vote):
    cast_vote(open_vote.first.id, cast.delegate2)
    for who in ("delegate1", "committee", "leader"):
        vote_as(client, getattr(cast, who))
        ballot = client.get("/votes/").text
        results = client.get("/votes/results")
        assert results.status_code == 200
        assert "vote-count" not in ballot and "vote-count" not in results.text
        assert "1 票" not in results.text
        assert "投票结束前不公开" in results.text and 'action="/votes/results/' not in results.text


@pytest.mark.parametrize("who, status", [("worker", 403), ("committee", 403), ("lead", 403)])
def test_only_delegates_vote(client, cast, open_vote, who, status):
    vote_as(client, getattr(cast, who))
    page = client.get("/votes/").text
    assert "只有职工代表可以投票" in page and f'action="/votes/{open_vote.first.id}"' not in page
    response = client.post(f"/votes/{open_vote.first.id}")
    assert response.status_code == status and "只有职工代表" in response.text
    assert standing() == 0


def test_no_button_and_a_refusal_for_ones_own_proposal(client, cast):
    cast.author = cast.delegate3
    vote = Window(cast, -1, 1)
    vote_as(client, cast.delegate3)
    page = client.get("/votes/").text
    assert "本人提案" in page and f'action="/votes/{vote.first.id}"' not in page
    response = client.post(f"/votes/{vote.first.id}")
    assert response.status_code == 403 and "不能给自己的提案投票" in response.text
    assert standing() == 0


def test_unknown_or_invisible_proposals_are_not_found(client, cast, open_vote):
    draft = cast.proposal_in("draft")
    vote_as(client, cast.delegate1)
    assert client.post(f"/votes/{draft.id}").status_code == 404
    assert client.post("/votes/999999").status_code == 404
    assert client.get("/votes/?session=999999").status_code == 404


def test_before_the_window_opens(client, cast):
    Window(cast, 1, 3)
    vote_as(client, cast.delegate1)
    page = client.get("/votes/").text
    assert "投票开始后即可投票" in page and "未开始" in page and 'class="button">投票' not in page


def test_results_after_the_window_and_publication(client, cast, closed_vote):
    vote_as(client, cast.worker)
    page = client.get("/votes/results").text
    assert "暂定结果" in page and 'action="/votes/results/' not in page
    assert page.index("关于改善班车线路的提案") < page.index("关于增设职工书屋的提案")
    assert "2 票" in page and "1 票" in page
    assert client.post(f"/votes/results/{closed_vote.session.id}/publish").status_code == 403
    vote_as(client, cast.committee)
    page = client.get("/votes/results").text
    assert f'action="/votes/results/{closed_vote.session.id}/publish"' in page
    response = client.post(f"/votes/results/{closed_vote.session.id}/publish")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CongressSession, closed_vote.session.id).vote_results_published_at is not None
    page = client.get(response.location).text
    assert "投票结果已公布" in page and f"由{cast.committee.name}于" in page and "暂定结果" not in page
    again = client.post(f"/votes/results/{closed_vote.session.id}/publish")
    assert again.status_code == 409 and "已经公布" in again.text
    vote_as(client, cast.delegate1)
    assert client.post(f"/votes/{closed_vote.first.id}").status_code == 409  # voting is over


def test_the_ballot_after_the_window(client, cast, closed_vote):
    vote_as(client, cast.delegate1)
    page = client.get("/votes/").text
    assert "投票已结束" in page and 'class="button">投票' not in page and "vote-count" not in page


def test_no_vote_scheduled(client, cast):
    vote_as(client, cast.worker)
    for url in ("/votes/", "/votes/results"):
        page = client.get(url)
        assert page.status_code == 200 and "尚未安排优秀提案评选投票" in page.text


def test_sessions_to_choose_from(client, cast, make, closed_vote):
    other = make.new_session(vote_start="2025-12-01", vote_end="2025-12-10")
    vote_as(client, cast.worker)
    page = client.get("/votes/results").text
    assert f'href="/votes/results?session={other.id}"' in page and cast.session.name in page
    older = client.get(f"/votes/results?session={other.id}").text
    assert other.name in older and "关于改善班车线路的提案" not in older


def test_in_english(client, cast, closed_vote):
    vote_as(client, cast.delegate1)
    page = client.get("/votes/results?lang=en").text
    assert "Outstanding proposals: results" in page and "2 votes" in page and "Provisional" in page


def test_pages_need_login(client, cast, open_vote):
    assert client.get("/votes/").status_code == 302
    assert client.get("/votes/results").status_code == 302
    assert client.post(f"/votes/{open_vote.first.id}").status_code == 302
    assert standing() == 0
