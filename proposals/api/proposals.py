"""Proposals over HTTP: list, read, write drafts, fire lifecycle events."""

from flask import jsonify, url_for

from workflow import LIFECYCLE, StateConflict
from workflow.errors import N_
from workflow.payload import Boolean, Choice, Integer, Line

from .. import unions
from ..access import can_view
from ..extensions import db
from ..models import Proposal
from ..operations import NotFound, available_events, create_proposal, edit_draft, fire_event
from ..operations.versions import version_json, versions_of
from ..queries import Filters, list_page
from . import bp
from .auth import current_user
from .errors import json_body, query
from .serializers import proposal_detail, proposal_summary

ID = "id"
LIST_ARGS = {
    "state": Choice(choices=tuple(LIFECYCLE.states)),
    "session_id": Integer(),
    "union_id": Integer(),
    "department_id": Integer(),
    "category": Line(max_length=40),
    "overdue": Boolean(),
    "key": Boolean(),
    "q": Line(max_length=200),
    "limit": Integer(minimum=1, maximum=100),
    "cursor": Integer(),
}
DEFAULT_LIMIT = 20


def _visible(proposal_id: int) -> Proposal:
    """The proposal, if the caller may know it exists; otherwise 404, with no hint either way."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or not can_view(current_user(), proposal):
        raise NotFound()
    return proposal


def _conflict(exc: StateConflict, proposal_id: int) -> StateConflict:
    """The refusal with the proposal's present state and what the caller may do instead."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is not None and can_view(current_user(), proposal):
        exc.state = proposal.state
        exc.available = available_events(proposal, current_user())
    return exc


@bp.get("/proposals")
def list_proposals():
    """The proposals the caller may see, newest first, a page at a time."""
    user = current_user()
    args = query(LIST_ARGS)
    if "union_id" in args and not unions.current().is_union(args["union_id"]):
        raise NotFound(N_("No such union."))
    filters = Filters(
        session_id=args.get("session_id"),
        union_id=args.get("union_id"),
        states=(args["state"],) if "state" in args else (),
        category=args.get("category"),
        department_id=args.get("department_id"),
        overdue=args.get("overdue"),
        key=args.get("key"),
        q=args.get("q"),
    )
    cursor = str(args["cursor"]) if "cursor" in args else None
    page = list_page(user, filters, "newest", after=cursor, limit=args.get("limit", DEFAULT_LIMIT))
    return jsonify(
        {
            "items": [proposal_summary(p, user, p.id in page.overdue) for p in page.items],
            "next_cursor": page.next_cursor,
        }
    )


@bp.post("/proposals")
def create():
    """Start a draft; it stays the author's alone until submitted."""
    proposal = create_proposal(current_user(), json_body())
    response = jsonify(proposal_detail(proposal, current_user()))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_proposal", proposal_id=proposal.id)
    return response


@bp.get(f"/proposals/<{ID}:proposal_id>")
def get_proposal(proposal_id: int):
    """One proposal, as far as the caller may know it."""
    return jsonify(proposal_detail(_visible(proposal_id), current_user()))


@bp.get(f"/proposals/<{ID}:proposal_id>/versions")
def list_versions(proposal_id: int):
    """Each submitted version of a proposal, oldest first: its text and the attachments it carried."""
    return jsonify({"items": [version_json(v) for v in versions_of(proposal_id, current_user())]})


@bp.patch(f"/proposals/<{ID}:proposal_id>")
def edit(proposal_id: int):
    """Change some fields of the caller's own draft."""
    try:
        proposal = edit_draft(proposal_id, current_user(), json_body())
    except StateConflict as exc:
        raise _conflict(exc, proposal_id) from None
    return jsonify(proposal_detail(proposal, current_user()))


@bp.post(f"/proposals/<{ID}:proposal_id>/events/<event>")
def fire(proposal_id: int, event: str):
    """Fire a lifecycle event on a proposal, with its payload."""
    payload = json_body()
    try:
        proposal = fire_event(proposal_id, event, current_user(), payload)
    except StateConflict as exc:
        raise _conflict(exc, proposal_id) from None
    return jsonify(proposal_detail(proposal, current_user()))
