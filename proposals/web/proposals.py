"""The proposal pages: write, read, and act on one proposal."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from workflow import InvalidPayload, PermissionDenied, StateConflict, UnknownEvent
from workflow.errors import N_

from ..access import can_see_author, can_view
from ..extensions import db
from ..i18n import translate_error
from ..models import Assignment, Cosignature, Evaluation, HistoryEntry, Proposal, Reply, User
from ..operations import (
    NotFound,
    available_events,
    create_draft_with_attachments,  # attachments
    edit_draft_with_attachments,  # attachments
    fire_event,
)
from ..references import neutral_reference
from ..timeline import timeline
from . import NavItem, deadlines
from .done import done_message
from .event_forms import event_form, payload_of, put_errors
from .forms import ProposalForm
from .similar import merge_candidates, similar_titles

bp = Blueprint("proposals", __name__, url_prefix="/proposals")
NAV = [NavItem("proposals.new", N_("New proposal"), order=20)]


def load(proposal_id: int, *options) -> Proposal:
    """The proposal if the current user may know of it; 404 otherwise, never a hint."""
    proposal = db.session.get(Proposal, proposal_id, options=options)
    if proposal is None or not can_view(current_user, proposal):
        abort(404)
    return proposal


def load_for_page(proposal_id: int) -> Proposal:
    """The proposal with everything its page shows, in a few queries rather than one per row and person.

    The page names people but never asks their roles: theirs are loaded only if something does ask
    (a User's roles are otherwise fetched with it, a statement for each group of people here)."""
    return load(
        proposal_id,
        joinedload(Proposal.session),
        joinedload(Proposal.category),
        joinedload(Proposal.author).lazyload(User.role_rows),
        joinedload(Proposal.delegation),
        joinedload(Proposal.desired_department),
        joinedload(Proposal.merged_into),
        selectinload(Proposal.cosignatures).joinedload(Cosignature.user).lazyload(User.role_rows),
        selectinload(Proposal.assignments).options(
            joinedload(Assignment.department), selectinload(Assignment.countersignatures)
        ),
        selectinload(Proposal.replies).joinedload(Reply.department),
        selectinload(Proposal.evaluations).joinedload(Evaluation.user).lazyload(User.role_rows),
        selectinload(Proposal.history).joinedload(HistoryEntry.actor).lazyload(User.role_rows),
        selectinload(Proposal.attachments),
    )


def render_detail(proposal: Proposal, forms: dict | None = None, open_event: str | None = None, status: int = 200):
    events = available_events(proposal, current_user)
    forms = forms or {}
    for event in events:
        forms.setdefault(event, event_form(event))
    similar = (
        similar_titles(proposal.title, exclude=proposal.id, user=current_user) if proposal.state == "draft" else []
    )
    merge_query = request.args.get("merge_q", "")[:100]
    return (
        render_template(
            "proposals/detail.html",
            proposal=proposal,
            events=events,
            forms=forms,
            open_event=open_event or ("merge" if merge_query else None),
            show_author=can_see_author(current_user, proposal),
            steps=timeline(current_user, proposal),
            merged_into_visible=proposal.merged_into is not None and can_view(current_user, proposal.merged_into),
            neutral_reference=neutral_reference,
            deadlines=deadlines.of(proposal),
            similar=similar,
            merge_query=merge_query,
            merge_candidates=(
                merge_candidates(proposal, user=current_user, query=merge_query) if "merge" in events else []
            ),
            assign_preview=deadlines.if_assigned_now(proposal) if "assign" in events else None,
            next_year_unofficial=deadlines.next_year_warning() if "assign" in events else None,
        ),
        status,
    )


@bp.get("/<int:proposal_id>")
@login_required
def detail(proposal_id: int):
    """Show a proposal, its timeline and what the current user may do with it."""
    return render_detail(load_for_page(proposal_id))


@bp.post("/<int:proposal_id>/events/<event>")
@login_required
def fire(proposal_id: int, event: str):
    """Fire one lifecycle event from the proposal page."""
    proposal = load(proposal_id)
    try:
        form = event_form(event, formdata=request.form)
    except UnknownEvent:
        abort(404)
    payload, done = payload_of(form, event), []
    try:  # (CSRFProtect has already refused a POST without a valid token)
        fire_event(  # (what happened is said before the commit, which expires what was read)
            proposal.id,
            event,
            current_user,
            payload,
            before_commit=lambda fired: done.append(done_message(event, fired, payload, current_user)),
        )
    except InvalidPayload as exc:
        put_errors(form, exc.fields)
        flash(translate_error(exc), "error")
        return render_detail(load_for_page(proposal_id), {event: form}, open_event=event, status=422)
    except (StateConflict, PermissionDenied) as exc:
        flash(translate_error(exc), "error")
        return render_detail(load_for_page(proposal_id), status=409 if isinstance(exc, StateConflict) else 403)
    except NotFound:
        abort(404)
    flash(done[0], "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal_id))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Write a new proposal: save it as a draft, or save and submit it."""
    form = ProposalForm()
    if request.method == "POST":
        try:
            proposal = create_draft_with_attachments(current_user, form.payload(), form.uploads())  # attachments
        except InvalidPayload as exc:
            put_errors(form, exc.fields)
            flash(translate_error(exc), "error")
            return render_form(form, status=422)
        return after_save(form, proposal)
    return render_form(form)


@bp.route("/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id: int):
    """Change one's own draft."""
    proposal = load(proposal_id)
    if proposal.author_id != current_user.id:
        abort(404)
    if request.method == "GET" and not proposal.can_edit(current_user):  # the same refusal as a sent form's
        flash(gettext("Only a draft can be edited."), "error")
        return redirect(url_for("proposals.detail", proposal_id=proposal.id))
    form = ProposalForm(obj=proposal if request.method == "GET" else None, keep_category_id=proposal.category_id)
    if request.method == "GET":
        form.category.data = proposal.category.code
        form.desired_department_id.data = proposal.desired_department_id or 0
    if request.method == "POST":
        try:
            proposal = edit_draft_with_attachments(  # attachments
                proposal.id, current_user, form.payload(with_session=False), form.uploads()
            )
        except InvalidPayload as exc:
            put_errors(form, exc.fields)
            flash(translate_error(exc), "error")
            return render_form(form, proposal, status=422)
        except StateConflict as exc:
            flash(translate_error(exc), "error")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
        return after_save(form, proposal)
    return render_form(form, proposal)


def render_form(form: ProposalForm, proposal: Proposal | None = None, status: int = 200):
    similar = similar_titles(form.title.data, exclude=proposal.id if proposal else None, user=current_user)
    return render_template("proposals/form.html", form=form, proposal=proposal, similar=similar), status


def after_save(form: ProposalForm, proposal: Proposal):
    if form.submit_now.data:
        try:
            fire_event(proposal.id, "submit", current_user)
        except (StateConflict, PermissionDenied) as exc:
            flash(translate_error(exc), "error")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
        flash(gettext("Your proposal has been submitted."), "success")
    else:
        flash(gettext("Draft saved."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.get("/similar")
@login_required
def similar():
    """Proposals with titles like the one being typed (重复提案 detection), as a page fragment."""
    found = similar_titles(request.args.get("title", ""), user=current_user)
    return render_template("proposals/_similar.html", similar=found)
