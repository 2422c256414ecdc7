"""The outstanding-proposal vote (优秀提案评选): delegates vote while it is open; everyone reads the result.

The counts never reach a page before the voting window has closed (operations.votes.ranking refuses).
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from workflow import PermissionDenied, StateConflict
from workflow.errors import N_

from ..access import can_see_author
from ..extensions import db
from ..i18n import translate_error
from ..inputs import number_arg
from ..models import CongressSession, Proposal
from ..operations import NotFound, cast_vote, publish_results, withdraw_vote
from ..operations import votes as voting
from . import NavItem
from .public import RATING_LABELS

bp = Blueprint("votes", __name__, url_prefix="/votes")
NAV = [NavItem("votes.index", N_("Outstanding proposals"), order=45)]


def chosen_session() -> CongressSession | None:
    """The session named by ?session=, or the one whose vote is open (else the latest)."""
    if "session" in request.args:
        session = db.session.get(CongressSession, number_arg("session", 0))
        if session is None:
            abort(404)
        return session
    return voting.default_session()


def authors_shown(proposals) -> set[int]:
    return {p.id for p in proposals if can_see_author(current_user, p)}


def render_index(session: CongressSession | None, status: int = 200):
    context: dict = {"session": session, "sessions": voting.vote_sessions(), "ratings": RATING_LABELS}
    if session is not None:
        found = voting.candidates(session, current_user)
        window = voting.window(session)
        context.update(
            window=window,
            candidates=found,
            mine=voting.my_votes(session, current_user),
            left=voting.votes_left(session, current_user),
            delegate=voting.is_voter(current_user),
            may_vote=voting.may_vote(current_user, session),
            authors=authors_shown(found),
        )
    return render_template("votes/index.html", **context), status


@bp.get("/")
@login_required
def index():
    """The proposals of the session's vote; delegates vote for them here while voting is open."""
    return render_index(chosen_session())


def _after(action, proposal_id: int, done: str):
    proposal = db.session.get(Proposal, proposal_id)
    try:
        action(proposal_id, current_user)
    except NotFound:
        abort(404)
    except (StateConflict, PermissionDenied) as exc:
        flash(translate_error(exc), "error")
        return render_index(proposal.session, status=409 if isinstance(exc, StateConflict) else 403)
    flash(gettext(done, title=proposal.title), "success")
    return redirect(url_for("votes.index", session=proposal.session_id, _anchor=f"p{proposal_id}"))


@bp.post("/<int:proposal_id>")
@login_required
def vote(proposal_id: int):
    """Vote for one proposal."""
    return _after(cast_vote, proposal_id, N_("Your vote for “%(title)s” is counted."))


@bp.post("/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id: int):
    """Take back one's vote for a proposal."""
    return _after(withdraw_vote, proposal_id, N_("Your vote for “%(title)s” is withdrawn."))


def render_results(session: CongressSession | None, status: int = 200):
    context: dict = {"session": session, "sessions": voting.vote_sessions(), "rows": None, "ratings": RATING_LABELS}
    if session is not None:
        found = voting.results(session, current_user)
        context.update(
            window=found.window,
            published=found.published,
            rows=found.rows,
            authors=authors_shown([r.proposal for r in found.rows or []]),
            may_publish=voting.may_publish(current_user, session),
        )
    return render_template("votes/results.html", **context), status


@bp.get("/results")
@login_required
def results():
    """The ranking once voting has closed, provisional until the committee publishes it."""
    return render_results(chosen_session())


@bp.post("/results/<int:session_id>/publish")
@login_required
def publish(session_id: int):
    """Publish the result of a closed vote (the committee)."""
    session = db.session.get(CongressSession, session_id)
    if session is None:
        abort(404)
    try:
        publish_results(session.id, current_user)
    except NotFound:
        abort(404)
    except (StateConflict, PermissionDenied) as exc:
        flash(translate_error(exc), "error")
        return render_results(session, status=409 if isinstance(exc, StateConflict) else 403)
    flash(gettext("The result of the vote is published."), "success")
    return redirect(url_for("votes.results", session=session.id))
