"""The outstanding-proposal vote: window, limit, one vote per proposal, hidden counts, publication, concurrency."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import CongressSession, User, Vote, VotePublication
from proposals.operations import NotFound, cast_vote, fire_event, publish_results, update_session, withdraw_vote
from proposals.operations import votes as voting
from workflow import PermissionDenied, StateConflict

from .helpers import china

START, END = date(2026, 12, 1), date(2026, 12, 10)


OPEN = china(START + timedelta(days=2))
AFTER = china(END + timedelta(days=1))


class Election:
    """A session whose vote runs from START to END, with proposals whose handling is finished (the last archived)."""

    def __init__(self, cast, limit: int = 2, candidates: int = 3):
        self.cast = cast
        window = {"vote_start": START.isoformat(), "vote_end": END.isoformat(), "vote_limit": limit}
        self.session = update_session(cast.session, window)
        self.closed = [cast.proposal_in("closed", title=f"关于第{n}件事的提案") for n in range(1, candidates + 1)]
        if self.closed:
            self.closed[-1] = fire_event(self.closed[-1].id, "archive", cast.committee)

    def standing(self, voter: User | None = None) -> int:
        stmt = select(func.count()).select_from(Vote).where(Vote.withdrawn_at.is_(None))
        if voter is not None:
            stmt = stmt.where(Vote.voter_id == voter.id)
        return db.session.scalar(stmt)


@pytest.fixture
def election(cast):
    return Election(cast)


def test_a_delegate_votes_within_the_window(cast):
    election = Election(cast, candidates=1)
    delegate = cast.delegate1
    for moment in (china(START, 0, 0), china(END, 23, 59)):  # China-local dates, both ends included
        vote = cast_vote(election.closed[0].id, delegate, now=moment)
        assert (vote.voter_id, vote.session_id, vote.withdrawn_at) == (delegate.id, election.session.id, None)
        withdraw_vote(election.closed[0].id, delegate, now=moment)
    for moment in (china(START - timedelta(days=1), 23, 59), china(END + timedelta(days=1), 0, 0)):
        with pytest.raises(StateConflict) as refused:
            cast_vote(election.closed[0].id, delegate, now=moment)
        assert refused.value.params == {"state": "", "start": "2026-12-01", "end": "2026-12-10"}
    assert election.standing() == 0


def test_no_window_no_vote(cast):
    p = cast.proposal_in("closed")
    with pytest.raises(StateConflict):
        cast_vote(p.id, cast.delegate1)
    assert voting.window(cast.session) == voting.UNSET


def test_up_to_the_limit_and_a_withdrawn_vote_frees_one(election):
    delegate = election.cast.delegate2
    first, second, third = election.closed
    cast_vote(first.id, delegate, now=OPEN)
    cast_vote(second.id, delegate, now=OPEN)
    assert voting.votes_left(election.session, delegate) == 0
    with pytest.raises(StateConflict) as refused:
        cast_vote(third.id, delegate, now=OPEN)
    assert refused.value.params["limit"] == 2
    withdraw_vote(first.id, delegate, now=OPEN)
    cast_vote(third.id, delegate, now=OPEN)
    assert voting.my_votes(election.session, delegate) == {second.id, third.id}
    # the withdrawn vote stays on record
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.withdrawn_at.is_not(None))) == 1
    with pytest.raises(StateConflict):
        withdraw_vote(first.id, delegate, now=OPEN)  # not voting for it any more


def test_one_vote_per_proposal(cast):
    election = Election(cast, candidates=1)
    delegate = cast.delegate3
    cast_vote(election.closed[0].id, delegate, now=OPEN)
    with pytest.raises(StateConflict):
        cast_vote(election.closed[0].id, delegate, now=OPEN)
    assert election.standing(delegate) == 1


def test_not_for_ones_own_proposal(cast):
    Election(cast, candidates=0)
    cast.author = cast.delegate3  # a delegate's proposal, walked through the same path
    own = cast.proposal_in("closed", title="代表本人的提案")
    with pytest.raises(PermissionDenied):
        cast_vote(own.id, cast.delegate3, now=OPEN)
    cast_vote(own.id, cast.delegate1, now=OPEN)


def test_only_delegates_vote(cast):
    election = Election(cast, candidates=1)
    for who in ("worker", "committee", "lead", "admin", "leader"):
        with pytest.raises(PermissionDenied):
            cast_vote(election.closed[0].id, getattr(cast, who), now=OPEN)
    assert election.standing() == 0


def test_only_proposals_whose_handling_is_finished(cast):
    election = Election(cast, candidates=0)
    for state in ("cosigning", "review", "accepted", "in_progress", "replied", "rejected"):
        p = cast.proposal_in(state)
        with pytest.raises(StateConflict):
            cast_vote(p.id, cast.head, now=OPEN)  # (the head sees them all: their delegation's)
    withdrawn = cast.make.proposal(author=cast.author, session=cast.session)
    for event, who in (("submit", "author"), ("withdraw", "author")):
        fire_event(withdrawn.id, event, getattr(cast, who))
    with pytest.raises(StateConflict):
        cast_vote(withdrawn.id, cast.head, now=OPEN)
    with pytest.raises(NotFound):  # withdrawn before it was submitted: its author's alone
        cast_vote(cast.proposal_in("withdrawn").id, cast.head, now=OPEN)
    assert election.standing() == 0


def test_not_a_suggestion(cast):
    election = Election(cast, candidates=0)
    p = cast.make.proposal(author=cast.author, session=cast.session)
    for event, who, payload in cast.path("closed"):
        p = fire_event(p.id, "convert" if event == "accept" else event, getattr(cast, who), payload)
    assert (p.state, p.kind) == ("closed", "suggestion")
    with pytest.raises(StateConflict):
        cast_vote(p.id, cast.delegate1, now=OPEN)
    assert p not in voting.candidates(election.session, cast.delegate1)


def test_someone_elses_draft_is_not_found(cast):
    Election(cast, candidates=0)
    draft = cast.proposal_in("draft")
    with pytest.raises(NotFound):
        cast_vote(draft.id, cast.delegate1, now=OPEN)


def test_counts_hidden_until_the_window_closes_then_ranked(election):
    cast = election.cast
    first, second, third = election.closed
    for delegate in (cast.delegate1, cast.delegate2):
        cast_vote(second.id, delegate, now=OPEN)
    cast_vote(first.id, cast.delegate3, now=OPEN)
    cast_vote(third.id, cast.head, now=OPEN)
    for today in (START - timedelta(days=1), START, END):
        with pytest.raises(StateConflict):
            voting.ranking(election.session, cast.worker, today)
    ranked = voting.ranking(election.session, cast.worker, END + timedelta(days=1))
    assert [(r.rank, r.proposal.id, r.votes) for r in ranked] == [(1, second.id, 2), (2, first.id, 1), (2, third.id, 1)]


def test_the_committee_publishes_after_the_window(election):
    cast = election.cast
    cast_vote(election.closed[2].id, cast.delegate1, now=OPEN)
    with pytest.raises(StateConflict):
        publish_results(election.session.id, cast.committee, now=OPEN)
    for who in ("worker", "delegate1", "admin", "supervisor"):
        with pytest.raises(PermissionDenied):
            publish_results(election.session.id, getattr(cast, who), now=AFTER)
    published = publish_results(election.session.id, cast.committee, now=AFTER)
    assert (published.published_by_id, published.published_at) == (cast.committee.id, AFTER)
    assert db.session.get(CongressSession, election.session.id).vote_results_published_at == AFTER
    assert published.ranking[0] == {"proposal_id": election.closed[2].id, "votes": 1, "rank": 1}
    assert [r.proposal.id for r in voting.published_ranking(published, cast.worker)][0] == election.closed[2].id
    with pytest.raises(StateConflict):
        publish_results(election.session.id, cast.committee, now=AFTER)
    assert db.session.scalar(select(func.count()).select_from(VotePublication)) == 1
    with pytest.raises(StateConflict):  # and nobody votes any more
        cast_vote(election.closed[0].id, cast.delegate2, now=AFTER)
    with pytest.raises(StateConflict):
        withdraw_vote(election.closed[2].id, cast.delegate1, now=AFTER)


def test_publishing_an_unknown_session_is_not_found(cast):
    with pytest.raises(NotFound):
        publish_results(999_999, cast.committee, now=AFTER)


def race(app, calls):
    """Run each (function, proposal_id, user_id) in its own thread with its own connection, released together."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, function, proposal_id, user_id):
        with app.app_context():
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                results[i] = function(proposal_id, user, now=OPEN).proposal_id
            except Exception as exc:  # reported by the assertions, not swallowed
                results[i] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_votes_of_one_delegate_do_not_exceed_the_limit(app, cast):
    election = Election(cast, limit=1)
    delegate = cast.delegate1
    for _ in range(3):
        results = race(app, [(cast_vote, p.id, delegate.id) for p in election.closed])
        voted_for = [r for r in results if isinstance(r, int)]
        refusals = [r for r in results if isinstance(r, StateConflict)]
        assert len(voted_for) == 1 and len(refusals) == 2, results
        db.session.expire_all()
        assert voting.my_votes(election.session, delegate) == set(voted_for)
        withdraw_vote(voted_for[0], delegate, now=OPEN)


def test_the_same_vote_twice_at_once_counts_once(app, cast):
    election = Election(cast, candidates=1)
    delegate = cast.delegate2
    p = election.closed[0]
    results = race(app, [(cast_vote, p.id, delegate.id), (cast_vote, p.id, delegate.id)])
    assert results.count(p.id) == 1, results
    assert sum(isinstance(r, StateConflict) for r in results) == 1, results
    db.session.expire_all()
    assert election.standing(delegate) == 1
