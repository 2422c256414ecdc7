"""The outstanding-proposal vote (优秀提案评选).

After handling, delegates vote for outstanding proposals of a session within its voting window
(vote_start..vote_end, China-local dates, both included), at most `vote_limit` standing votes each,
one per proposal, never for their own. The counts stay hidden until the window has closed; then the
committee publishes the result, which keeps the ranking as it stood.

Two votes by one delegate at the same moment are serialised on the delegate's own row (SELECT ... FOR
NO KEY UPDATE on PostgreSQL, the database write lock on SQLite), so the second sees the first and the
limit holds; a unique index keeps one standing vote per proposal and delegate whatever happens.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflow import LIFECYCLE, PermissionDenied, StateConflict, WorkflowError
from workflow.errors import N_

from ..access import can_view, visible_filter
from ..extensions import db
from ..models import CongressSession, Proposal, User, Vote, VotePublication
from . import clock
from .errors import NotFound
from .locks import sqlite_write_lock
from .unit import finish

# handling finished (DOMAIN: "after handling"): closed, rated or not, and archived proposals
ELIGIBLE_STATES = LIFECYCLE.or_later("closed")

UNSET, BEFORE, OPEN, CLOSED = "unset", "before", "open", "closed"


@dataclass(frozen=True)
class Ranked:
    rank: int | None  # 1, 2, 2, 4: proposals with equal counts share a rank; None without a vote
    proposal: Proposal
    votes: int


# -- reading ---------------------------------------------------------------------------------------


def window(session: CongressSession, today: date | None = None) -> str:
    """Where `today` (China-local) stands to the session's voting window: unset, before, open or closed."""
    if session.vote_start is None or session.vote_end is None:
        return UNSET
    today = today or clock.local_date(clock.utcnow())
    if today < session.vote_start:
        return BEFORE
    return OPEN if today <= session.vote_end else CLOSED


def vote_sessions() -> list[CongressSession]:
    """The sessions that have a voting window, the latest first."""
    stmt = (
        select(CongressSession)
        .where(CongressSession.vote_start.is_not(None), CongressSession.vote_end.is_not(None))
        .order_by(CongressSession.vote_end.desc(), CongressSession.id.desc())
    )
    return list(db.session.scalars(stmt))


def default_session(today: date | None = None) -> CongressSession | None:
    """The session whose vote is open today, or else the one whose window is the latest."""
    sessions = vote_sessions()
    return next((s for s in sessions if window(s, today) == OPEN), sessions[0] if sessions else None)


def _is_candidate():
    return (Proposal.state.in_(ELIGIBLE_STATES), Proposal.kind == "proposal")


def candidates(session: CongressSession, user: User) -> list[Proposal]:
    """The proposals of the session one may vote for, by their number."""
    stmt = (
        select(Proposal)
        .where(Proposal.session_id == session.id, *_is_candidate(), visible_filter(user))
        .order_by(Proposal.number, Proposal.id)
    )
    return list(db.session.scalars(stmt))


def _standing(session_id: int, voter_id: int):
    return select(Vote).where(Vote.session_id == session_id, Vote.voter_id == voter_id, Vote.withdrawn_at.is_(None))


def my_votes(session: CongressSession, voter: User) -> set[int]:
    """The proposals `voter` now stands voting for in this session."""
    return set(db.session.scalars(_standing(session.id, voter.id).with_only_columns(Vote.proposal_id)))


def votes_left(session: CongressSession, voter: User) -> int:
    return max(session.vote_limit - len(my_votes(session, voter)), 0)


def ranking(session: CongressSession, user: User, today: date | None = None) -> list[Ranked]:
    """The candidates with their counts, most votes first; refused while the vote is not over."""
    if window(session, today) != CLOSED:
        raise StateConflict(N_("The counts stay hidden until voting has closed."), state="")
    counts = dict(
        db.session.execute(
            select(Vote.proposal_id, func.count())
            .where(Vote.session_id == session.id, Vote.withdrawn_at.is_(None))
            .group_by(Vote.proposal_id)
        ).all()
    )
    rows = sorted(candidates(session, user), key=lambda p: (-counts.get(p.id, 0), p.number or 0, p.id))
    return _ranked([(p, counts.get(p.id, 0)) for p in rows])


def _ranked(rows: list[tuple[Proposal, int]]) -> list[Ranked]:
    """Ranks for counts in descending order: equal counts share one; a proposal nobody voted for has none
    (before any vote, everyone would otherwise stand first with 0 votes)."""
    result: list[Ranked] = []
    for position, (proposal, votes) in enumerate(rows, start=1):
        rank = result[-1].rank if result and result[-1].votes == votes else position
        result.append(Ranked(rank_shown(rank, votes), proposal, votes))
    return result


def rank_shown(rank: int | None, votes: int) -> int | None:
    """The rank a result shows, pages and API alike: none for a proposal without a vote (a result
    published before this rule kept rank 1 for those)."""
    return rank if votes else None


def publication(session: CongressSession) -> VotePublication | None:
    return db.session.scalar(select(VotePublication).where(VotePublication.session_id == session.id))


def published_ranking(published: VotePublication, user: User) -> list[Ranked]:
    """The ranking as the committee published it (of the proposals `user` may see, all of them in practice)."""
    ids = [row["proposal_id"] for row in published.ranking]
    found = {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(ids)))}
    return [
        Ranked(rank_shown(row["rank"], row["votes"]), found[row["proposal_id"]], row["votes"])
        for row in published.ranking
        if row["proposal_id"] in found and can_view(user, found[row["proposal_id"]])
    ]


@dataclass(frozen=True)
class Results:
    window: str
    published: VotePublication | None
    rows: list[Ranked] | None  # None while voting is not over: the counts stay hidden


def results(session: CongressSession, user: User, today: date | None = None) -> Results:
    """The result as `user` may read it now: as published, else provisional once voting has closed."""
    today = today or clock.local_date(clock.utcnow())  # (one date for the whole answer, even at midnight)
    status = window(session, today)
    published = publication(session)
    if published is not None:
        rows = published_ranking(published, user)
    elif status == CLOSED:
        rows = ranking(session, user, today)
    else:
        rows = None
    return Results(status, published, rows)


# -- voting ----------------------------------------------------------------------------------------


def _lock_voter(voter_id: int) -> None:
    """Serialise this delegate's votes: take their row's lock before reading anything."""
    if not sqlite_write_lock(User.__table__, voter_id):  # (SQLite: the database's write lock, before any read)
        # NO KEY UPDATE: other rows may still refer to the user meanwhile
        db.session.execute(select(User.id).where(User.id == voter_id).with_for_update(key_share=True))


def is_voter(user: User) -> bool:
    """Who votes for outstanding proposals: the delegates."""
    return user.has_role("delegate")


def is_publisher(user: User) -> bool:
    """Who publishes the result: the proposal committee."""
    return user.has_role("committee")


def may_vote(user: User, session: CongressSession, today: date | None = None) -> bool:
    return is_voter(user) and window(session, today) == OPEN


def may_publish(user: User, session: CongressSession, today: date | None = None) -> bool:
    return is_publisher(user) and window(session, today) == CLOSED and publication(session) is None


def _votable(proposal_id: int, voter: User, now: datetime) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id, populate_existing=True)
    if proposal is None or not can_view(voter, proposal):
        raise NotFound()
    if not is_voter(voter):
        raise PermissionDenied(N_("Only delegates vote for outstanding proposals."))
    if proposal.state not in ELIGIBLE_STATES or proposal.kind != "proposal":
        raise StateConflict(N_("Only proposals whose handling is finished can be voted for."), state=proposal.state)
    session = proposal.session
    status = window(session, clock.local_date(now))
    if status == UNSET:
        raise StateConflict(N_("No vote for outstanding proposals is scheduled for this session."), state="")
    if status != OPEN:
        raise StateConflict(
            N_("Voting is open from %(start)s to %(end)s."),
            state="",
            start=session.vote_start.isoformat(),
            end=session.vote_end.isoformat(),
        )
    return proposal


def cast_vote(proposal_id: int, voter: User, *, now: datetime | None = None) -> Vote:
    """Vote for an outstanding proposal and commit, or raise and change nothing."""
    now = now or clock.utcnow()
    try:
        _lock_voter(voter.id)
        proposal = _votable(proposal_id, voter, now)
        if proposal.author_id == voter.id:
            raise PermissionDenied(N_("You cannot vote for your own proposal."))
        standing = list(db.session.scalars(_standing(proposal.session_id, voter.id)))
        if any(v.proposal_id == proposal.id for v in standing):
            raise StateConflict(N_("You have already voted for this proposal."), state="")
        limit = proposal.session.vote_limit
        if len(standing) >= limit:
            raise StateConflict(
                N_("You have used all %(limit)d of your votes; withdraw one to vote for another."),
                state="",
                limit=limit,
            )
        vote = Vote(session_id=proposal.session_id, proposal_id=proposal.id, voter_id=voter.id, cast_at=now)
        db.session.add(vote)
        finish()
    except WorkflowError:
        db.session.rollback()
        raise
    except IntegrityError as exc:  # the unique index: the same vote at the same moment
        db.session.rollback()
        raise StateConflict(N_("You have already voted for this proposal."), state="") from exc
    return vote


def withdraw_vote(proposal_id: int, voter: User, *, now: datetime | None = None) -> Vote:
    """Take back one's vote while voting is open; the vote stays on record, marked withdrawn."""
    now = now or clock.utcnow()
    try:
        _lock_voter(voter.id)
        proposal = _votable(proposal_id, voter, now)
        vote = db.session.scalar(_standing(proposal.session_id, voter.id).where(Vote.proposal_id == proposal.id))
        if vote is None:
            raise StateConflict(N_("You have not voted for this proposal."), state="")
        vote.withdrawn_at = now
        finish()
    except WorkflowError:
        db.session.rollback()
        raise
    return vote


def publish_results(session_id: int, user: User, *, now: datetime | None = None) -> VotePublication:
    """Publish the result of a closed vote (the committee), keeping who, when and the ranking."""
    now = now or clock.utcnow()
    try:
        if not is_publisher(user):
            raise PermissionDenied(N_("Only the proposal committee publishes the results."))
        # the session row's lock: of two publications at once, the second sees the first
        sqlite_write_lock(CongressSession.__table__, session_id)
        session = db.session.get(CongressSession, session_id, populate_existing=True, with_for_update=True)
        if session is None:
            raise NotFound()
        if window(session, clock.local_date(now)) != CLOSED:
            raise StateConflict(N_("The results can be published once voting has closed."), state="")
        if session.vote_results_published_at is not None:
            raise StateConflict(N_("The results of this vote have already been published."), state="")
        rows = ranking(session, user, clock.local_date(now))
        published = VotePublication(
            session_id=session.id,
            published_by_id=user.id,
            published_at=now,
            ranking=[{"proposal_id": r.proposal.id, "votes": r.votes, "rank": r.rank} for r in rows],
        )
        session.vote_results_published_at = now
        db.session.add(published)
        finish()
    except WorkflowError:
        db.session.rollback()
        raise
    except IntegrityError as exc:
        db.session.rollback()
        raise StateConflict(N_("The results of this vote have already been published."), state="") from exc
    return published
