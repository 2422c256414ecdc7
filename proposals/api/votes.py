"""The outstanding-proposal vote (优秀提案评选) over HTTP, as the votes pages have it: what one may vote for,
casting and withdrawing a vote while voting is open, the result once voting has closed, and its
publication by the committee. The rules are operations.votes'; the counts never leave it before the close."""

from flask import jsonify

from workflow.errors import N_
from workflow.payload import Integer

from ..access import can_see_author
from ..extensions import db
from ..models import CongressSession, Proposal
from ..operations import NotFound, cast_vote, publish_results, withdraw_vote
from ..operations import votes as voting
from . import bp
from .auth import current_user
from .errors import query
from .proposals import ID
from .serializers import day, iso, person

SESSION_ARG = {"session_id": Integer(minimum=1, maximum=2**31 - 1)}


def _chosen_session() -> CongressSession | None:
    """The session asked for (?session_id=), or the one whose vote is open (else the latest)."""
    session_id = query(SESSION_ARG).get("session_id")
    if session_id is None:
        return voting.default_session()
    session = db.session.get(CongressSession, session_id)
    if session is None:
        raise NotFound(N_("No such session."))
    return session


def _session_json(session: CongressSession) -> dict:
    return {
        "id": session.id,
        "name": session.name,
        "vote_start": day(session.vote_start),
        "vote_end": day(session.vote_end),
        "vote_limit": session.vote_limit,
        "window": voting.window(session),
    }


def _proposal_ref(proposal: Proposal) -> dict:
    user = current_user()
    return {
        "id": proposal.id,
        "number": proposal.number,
        "title": proposal.title,
        "author": person(proposal.author) if can_see_author(user, proposal) else None,
        "own": proposal.author_id == user.id,
        "outcome": proposal.latest_outcome,
        "rating": proposal.final_rating,
    }


def _ballot(session: CongressSession | None) -> dict:
    user = current_user()
    if session is None:
        return {
            "session": None,
            "candidates": [],
            "votes_left": 0,
            "may_vote": False,
            "delegate": voting.is_voter(user),
        }
    mine = voting.my_votes(session, user)
    return {
        "session": _session_json(session),
        "candidates": [{**_proposal_ref(p), "voted": p.id in mine} for p in voting.candidates(session, user)],
        "votes_left": voting.votes_left(session, user),
        "may_vote": voting.may_vote(user, session),
        "delegate": voting.is_voter(user),
    }


@bp.get("/votes")
def ballot():
    """The proposals of the session's vote, which of them the caller votes for, and how many votes are left."""
    return jsonify(_ballot(_chosen_session()))


def _after_vote(proposal_id: int) -> dict:
    proposal = db.session.get(Proposal, proposal_id)
    return _ballot(proposal.session)


@bp.post(f"/votes/<{ID}:proposal_id>")
def vote(proposal_id: int):
    """Vote for one outstanding proposal while voting is open (delegates; never one's own)."""
    cast_vote(proposal_id, current_user())
    response = jsonify(_after_vote(proposal_id))
    response.status_code = 201
    return response


@bp.delete(f"/votes/<{ID}:proposal_id>")
def withdraw(proposal_id: int):
    """Take back one's vote for a proposal while voting is open."""
    withdraw_vote(proposal_id, current_user())
    return jsonify(_after_vote(proposal_id))


def _results(session: CongressSession | None) -> dict:
    user = current_user()
    if session is None:
        return {"session": None, "published": False, "published_at": None, "rows": None, "may_publish": False}
    found = voting.results(session, user)
    return {
        "session": _session_json(session),
        "published": found.published is not None,
        "published_at": iso(found.published.published_at) if found.published is not None else None,
        "rows": None
        if found.rows is None
        else [{"rank": r.rank, "votes": r.votes, "proposal": _proposal_ref(r.proposal)} for r in found.rows],
        "may_publish": voting.may_publish(user, session),
    }


@bp.get("/votes/results")
def vote_results():
    """The ranking once voting has closed (null before), provisional until the committee publishes it."""
    return jsonify(_results(_chosen_session()))


@bp.post(f"/votes/results/<{ID}:session_id>/publish")
def publish_vote(session_id: int):
    """Publish the result of a closed vote (the committee)."""
    session = db.session.get(CongressSession, session_id)
    if session is None:
        raise NotFound(N_("No such session."))
    publish_results(session.id, current_user())
    return jsonify(_results(session))
