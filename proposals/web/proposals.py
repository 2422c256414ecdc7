"""The proposal pages: write, read, and act on one proposal."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, lazyload, selectinload

from workflow import LIFECYCLE, InvalidPayload, PermissionDenied, StateConflict, UnknownEvent, WorkflowError
from workflow.errors import N_

from .. import procedure, progress, reasons, reply_drafts, unions
from ..access import REVIEW_ROLES, can_see_author, can_view
from ..extensions import db
from ..i18n import translate_error
from ..models import Assignment, Cosignature, Evaluation, HistoryEntry, Proposal, Reply, User
from ..operations import (
    NotFound,
    available_events,
    create_draft_with_attachments,  # attachments
    edit_draft_with_attachments,  # attachments
    fire_event,
    fire_events,
    reply_files,
)
from ..operations.register import REGISTER
from ..operations.unit import unit_of_work
from ..procedure import LATE_NOTICE
from ..references import neutral_reference
from ..timeline import timeline
from . import NavItem, deadlines
from .actions import actions
from .done import done_message
from .event_forms import event_form, payload_of, put_errors
from .forms import ProposalForm
from .similar import COSIGNABLE_STATES, merge_candidates, similar_titles

bp = Blueprint("proposals", __name__, url_prefix="/proposals")
NAV = [NavItem("proposals.new", N_("New proposal"), order=20)]


def load(proposal_id: int, *options) -> Proposal:
    """The proposal if the current user may know of it; 404 otherwise, never a hint."""
    proposal = db.session.get(Proposal, proposal_id, options=options)
    if proposal is None or not can_view(current_user, proposal):
        abort(404)
    return proposal


UNASKED = (lazyload(User.role_rows), lazyload(User.union_role_rows))  # a person's roles, here and in any union


def load_for_page(proposal_id: int) -> Proposal:
    """The proposal with everything its page shows, in a few queries rather than one per row and person.

    The page names people but never asks their roles: theirs are loaded only if something does ask
    (a User's roles are otherwise fetched with it, a statement for each group of people here)."""
    return load(
        proposal_id,
        joinedload(Proposal.session),
        joinedload(Proposal.category),
        joinedload(Proposal.author).options(*UNASKED),
        joinedload(Proposal.delegation),
        joinedload(Proposal.desired_department),
        joinedload(Proposal.merged_into),
        selectinload(Proposal.cosignatures).joinedload(Cosignature.user).options(*UNASKED),
        selectinload(Proposal.assignments).options(
            joinedload(Assignment.department), selectinload(Assignment.countersignatures)
        ),
        selectinload(Proposal.replies).joinedload(Reply.department),
        selectinload(Proposal.reply_drafts),
        selectinload(Proposal.evaluations).joinedload(Evaluation.user).options(*UNASKED),
        selectinload(Proposal.history).joinedload(HistoryEntry.actor).options(*UNASKED),
        selectinload(Proposal.attachments),
    )


EXTEND_DAYS = LIFECYCLE.event("extend").payload["days"]


def _extend_days(proposal: Proposal, forms: dict) -> int | None:
    """The working days the extend form's preview counts: those typed (the preview's own field, or the form
    sent back with an error), else those a department asked for; None when there are none within bounds."""
    typed = request.args.get("extend_days") or (forms["extend"].days.raw_data or [None])[0]
    for value in (typed, proposal.extension_requested_days):
        try:
            days = int(value)
        except (TypeError, ValueError):
            continue
        if EXTEND_DAYS.minimum <= days <= EXTEND_DAYS.maximum:
            if forms["extend"].days.data is None:
                forms["extend"].days.data = days
            return days
    return None


def render_detail(proposal: Proposal, forms: dict | None = None, open_event: str | None = None, status: int = 200):
    facts = proposal.facts()  # (once: the actions and the procedure's notes read the same)
    events = available_events(proposal, current_user, facts)
    bar = actions(events)
    forms = forms or {}
    for action in bar:
        forms.setdefault(action.event, event_form(action.event, session=proposal.session))
        if action.then:
            forms.setdefault(action.then, event_form(action.then, session=proposal.session))
    if "assign" in forms and not forms["assign"].lead_department_id.raw_data:  # the author's wish, unless sent
        forms["assign"].lead_department_id.data = proposal.desired_department_id
    draft = reply_drafts.visible(current_user, proposal)
    if "reply" in forms and draft is not None and not forms["reply"].text.raw_data:  # revising: the draft as it is
        form = forms["reply"]
        form.text.data, form.outcome.data, form.contact.data = draft.text, draft.outcome, draft.contact
        form.planned_date.data = draft.planned_date.isoformat() if draft.planned_date else None
        form.reason.data = draft.reason
    offers_assign = "assign" in forms
    requested = request.args.get("do")
    similar = (
        similar_titles(proposal.title, exclude=proposal.id, user=current_user) if proposal.state == "draft" else []
    )
    merge_query = request.args.get("merge_q", "")[:100]
    extend_days = _extend_days(proposal, forms) if "extend" in forms else None
    return (
        render_template(
            "proposals/detail.html",
            proposal=proposal,
            events=events,
            actions=bar,
            forms=forms,
            open_event=open_event or ("merge" if merge_query else requested if requested in events else None),
            progress=progress.of(proposal, current_user),
            reasons=reasons.up_front(current_user, proposal),
            show_author=can_see_author(current_user, proposal),
            procedure=procedure.of(proposal, current_user, facts),
            steps=timeline(current_user, proposal),
            merged_into_visible=proposal.merged_into is not None and can_view(current_user, proposal.merged_into),
            neutral_reference=neutral_reference,
            deadlines=deadlines.of(proposal),
            reply_draft=draft,
            reply_files=reply_files.readable(current_user, proposal),
            may_add_reply_files=reply_files.may_add(current_user, proposal),
            draft_labels=reply_drafts.STATUS_LABELS,
            similar=similar,
            cosignable=COSIGNABLE_STATES,
            merge_query=merge_query,
            merge_candidates=(
                merge_candidates(proposal, user=current_user, query=merge_query) if "merge" in events else []
            ),
            assign_preview=deadlines.if_assigned_now(proposal) if offers_assign else None,
            next_year_unofficial=deadlines.next_year_warning() if offers_assign or extend_days else None,
            extend_days=extend_days,
            extend_preview=deadlines.if_extended(proposal, extend_days) if extend_days else None,
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
        form = event_form(event, formdata=request.form, session=proposal.session)
    except UnknownEvent:
        abort(404)
    # an event that makes it a draft again (a send-back) takes it out of sight of all but its author
    # (access.can_view): they land on their list, not on a page that is no longer theirs
    to_draft = all(t.dest == LIFECYCLE.initial for t in LIFECYCLE.event(event).transitions)
    after = url_for("proposals.detail", proposal_id=proposal_id)
    if to_draft and proposal.author_id != current_user.id:
        after = url_for("review.index" if unions.holds_somewhere(current_user, REVIEW_ROLES) else "tasks.index")
    fired = [(event, payload_of(form, event))]
    forms = {event: form}
    then = REGISTER[event].then
    if then is not None:  # (accept with the assignment's fields filled: accepted and assigned together)
        forms[then] = then_form = event_form(then, formdata=request.form, session=proposal.session)
        then_payload = payload_of(then_form, then)
        if then_payload:  # anything of it filled in: fired, or refused with its errors (never silently dropped)
            fired.append((then, then_payload))
    done = []

    def say_what_happened(proposal):  # (said before the commit, which expires what was read)
        done.extend(done_message(name, proposal, payload, current_user) for name, payload in fired)

    try:  # (CSRFProtect has already refused a POST without a valid token)
        fire_events(proposal.id, fired, current_user, before_commit=say_what_happened)
    except InvalidPayload as exc:
        put_errors(forms[getattr(exc, "event", event)], exc.fields)
        flash(translate_error(exc), "error")
        return render_detail(load_for_page(proposal_id), forms, open_event=event, status=422)
    except (StateConflict, PermissionDenied) as exc:
        flash(translate_error(exc), "error")
        return render_detail(load_for_page(proposal_id), status=409 if isinstance(exc, StateConflict) else 403)
    except NotFound:
        abort(404)
    flash(" ".join(d for d in done if d), "success")
    if event == "submit":
        late_notice(proposal_id)
    return redirect(after)


def late_notice(proposal_id: int) -> None:
    """Tell the author why a submission just made is a suggestion: it came after the collection window."""
    if procedure.submitted_late(db.session.get(Proposal, proposal_id)):
        flash(gettext(LATE_NOTICE), "warning")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Write a new proposal: save it as a draft, or save and submit it."""
    form = ProposalForm()
    if request.method == "POST":
        try:
            with unit_of_work():  # the draft, its files and (when asked) its submission: all of it or nothing
                proposal = create_draft_with_attachments(current_user, form.payload(), form.uploads())
                submit_if_asked(form, proposal)
        except InvalidPayload as exc:
            put_errors(form, exc.fields)
            flash(translate_error(exc), "error")
            return render_form(form, status=422)
        except (StateConflict, PermissionDenied) as exc:  # the submission refused: nothing was saved
            return refused_submission(form, None, exc)
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
            with unit_of_work():  # the change, its files and (when asked) the submission: all of it or nothing
                proposal = edit_draft_with_attachments(
                    proposal.id, current_user, form.payload(with_session=False), form.uploads()
                )
                submit_if_asked(form, proposal)
        except InvalidPayload as exc:
            put_errors(form, exc.fields)
            flash(translate_error(exc), "error")
            return render_form(form, proposal, status=422)
        except (StateConflict, PermissionDenied) as exc:
            if getattr(exc, "event", None) == "submit":  # the submission refused: the change was not saved either
                return refused_submission(form, proposal, exc)
            flash(translate_error(exc), "error")
            return redirect(url_for("proposals.detail", proposal_id=proposal.id))
        return after_save(form, proposal)
    return render_form(form, proposal)


def render_form(form: ProposalForm, proposal: Proposal | None = None, status: int = 200):
    similar = similar_titles(form.title.data, exclude=proposal.id if proposal else None, user=current_user)
    return (
        render_template(
            "proposals/form.html", form=form, proposal=proposal, similar=similar, cosignable=COSIGNABLE_STATES
        ),
        status,
    )


def submit_if_asked(form: ProposalForm, proposal: Proposal) -> None:
    """Submit the draft just saved when the author chose "save and submit" (inside the save's unit of work)."""
    if form.submit_now.data:
        fire_event(proposal.id, "submit", current_user)


def refused_submission(form: ProposalForm, proposal: Proposal | None, exc: WorkflowError):
    """The form again, as typed (files are chosen anew), with why the submission was refused."""
    flash(translate_error(exc), "error")
    return render_form(form, proposal, status=409 if isinstance(exc, StateConflict) else 403)


def after_save(form: ProposalForm, proposal: Proposal):
    if form.submit_now.data:
        flash(gettext("Your proposal has been submitted."), "success")
        late_notice(proposal.id)
    else:
        flash(gettext("Draft saved."), "success")
    return redirect(url_for("proposals.detail", proposal_id=proposal.id))


@bp.get("/similar")
@login_required
def similar():
    """Proposals with titles like the one being typed (重复提案 detection), as a page fragment."""
    found = similar_titles(request.args.get("title", ""), user=current_user)
    return render_template("proposals/_similar.html", similar=found, cosignable=COSIGNABLE_STATES)
