"""Committee review (提案审查): the proposals awaiting review in a filtered selection, decided in bulk.

Each decision is the same event as on the proposal page, fired through operations.fire_event one
proposal at a time: one that changed meanwhile fails with its own conflict and the rest go through.
Merging needs a target, so it stays on the proposal page; each row links there.

Accepted proposals are assigned in bulk on /review/assign: one lead department (and co-handling ones)
for every chosen proposal, each through the assign event, all of them in one transaction or none
(operations/bulk.py).
"""

from dataclasses import dataclass, replace

from flask import Blueprint, abort, flash, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField

from workflow import LIFECYCLE, InvalidPayload, WorkflowError
from workflow.errors import N_
from workflow.payload import validate

from .. import unions
from ..access import REVIEW_ROLES, can_view
from ..extensions import db
from ..i18n import event_label, translate, translate_error
from ..inputs import id_or_nothing
from ..models import OrgUnit, Proposal
from ..operations import bulk, fire_event
from ..queries import Filters
from ..returned import returned_to_authors
from . import NavItem
from .done import done_message
from .lists import ANY, KIND_LABELS, categories, marks, optional_int, requested_page, sessions, units

REVIEWERS = REVIEW_ROLES  # who the engine lets decide a review (proposals.access)
DECISIONS = ("accept", "convert", "reject", "send_back")
PAGE_SIZE = 50
MAX_CHOSEN = 100

bp = Blueprint("review", __name__)
NAV = [NavItem("review.index", N_("Review"), roles=REVIEWERS, order=35)]


class ReviewFilterForm(FlaskForm):
    """Which proposals under review to show (a GET form)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), render_kw={"maxlength": 200, "type": "search"})
    session = SelectField(_l("Congress session"), coerce=optional_int, validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)
    delegation = SelectField(_l("Delegation"), coerce=optional_int, validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)

    def __init__(self):
        super().__init__(formdata=request.args)
        self.session.choices = [ANY, *sessions()]
        self.category.choices = [ANY, *categories()]
        self.delegation.choices = [ANY, *units("delegation")]
        self.kind.choices = [ANY, *((k, _l(label)) for k, label in KIND_LABELS.items())]

    def to_filters(self) -> Filters | None:
        self.validate()
        for field in (self.session, self.category, self.delegation, self.kind):
            if (field.data or None) not in {value or None for value, _label in field.choices}:
                field.errors = [_l("Choose one of the listed options.")]
        if self.q.data and len(self.q.data) > 200:
            self.q.errors = [_l("At most %(max)d characters.", max=200)]
        if any(f.errors for f in self):
            return None
        return Filters(
            states=("review",),
            session_id=self.session.data,
            category=self.category.data or None,
            delegation_id=self.delegation.data,
            kind=self.kind.data or None,
            q=(self.q.data or "").strip() or None,
        )


def chosen_ids(limit: int) -> tuple[list[int], list[str]]:
    """The proposals ticked in the posted list (each once), with the errors of a choice that is empty,
    holds something other than ids, or is longer than `limit`."""
    raw = request.form.getlist("ids")
    chosen = list(dict.fromkeys(n for n in map(id_or_nothing, raw) if n is not None))
    if not chosen or len(chosen) != len(set(raw)):
        return chosen, [gettext("Choose at least one proposal from the list.")]
    if len(chosen) > limit:
        return chosen, [gettext("At most %(max)d at a time.", max=limit)]
    return chosen, []


class DecisionForm(FlaskForm):
    """One decision for every chosen proposal (a POST form, with its CSRF token)."""

    decision = RadioField(_l("Decision"), validate_choice=False)
    reason = TextAreaField(_l("Reason or comment"), render_kw={"rows": 3, "maxlength": 2000})

    def __init__(self):
        super().__init__()
        self.decision.choices = [(e, event_label(e)) for e in DECISIONS]
        self.decision.flags.required = True
        self.chosen: list[int] = []
        self.chosen_errors: list[str] = []

    def read(self) -> dict | None:
        """The chosen proposals and the event's payload, or None with errors next to the fields."""
        self.validate()
        self.chosen, self.chosen_errors = chosen_ids(MAX_CHOSEN)
        if self.decision.data not in DECISIONS:
            self.decision.errors = [_l("Choose a decision.")]
            return None
        payload = {text_field(self.decision.data): self.reason.data or ""}
        try:
            payload = validate(LIFECYCLE.event(self.decision.data).payload, payload)
        except InvalidPayload as exc:
            self.reason.errors = [translate(message) for message in exc.fields.values()]
            return None
        return None if self.chosen_errors else payload


def text_field(event: str) -> str:
    """Where the typed text goes in the event's payload: its reason, or else its comment."""
    return "reason" if "reason" in LIFECYCLE.event(event).payload else "comment"


@dataclass(frozen=True)
class Outcome:
    proposal_id: int
    title: str | None  # None when the user may not know the proposal
    error: str | None  # why it failed; None when done
    number: int | None = None  # the number it was given (accepted or converted), when done
    done: str | None = None  # what happened, as the proposal page says it (web/done.py)


def decide(form: DecisionForm, payload: dict) -> list[Outcome]:
    """Fire the decision on each chosen proposal in turn; a refusal stops only that one."""
    found = db.session.scalars(select(Proposal).where(Proposal.id.in_(form.chosen)))
    titles = {p.id: p.title for p in found if can_view(current_user, p)}
    outcomes, event = [], form.decision.data
    for proposal_id in form.chosen:
        fired: list = []  # (number, what happened), read before the commit
        try:
            fire_event(
                proposal_id,
                event,
                current_user,
                payload,
                before_commit=lambda p, fired=fired: fired.append(
                    (p.number, done_message(event, p, payload, current_user))
                ),
            )
        except WorkflowError as exc:
            outcomes.append(Outcome(proposal_id, titles.get(proposal_id), translate_error(exc)))
        else:
            number, said = fired[0]
            outcomes.append(Outcome(proposal_id, titles.get(proposal_id), None, number, said))
    return outcomes


@bp.route("/review", methods=["GET", "POST"])
@login_required
def index():
    """Show the proposals under review; on POST, decide the chosen ones and say how each went."""
    if not unions.holds_somewhere(current_user, REVIEWERS):
        abort(403)
    filter_form = ReviewFilterForm()
    form = DecisionForm()
    outcomes, status = None, 200
    if request.method == "POST":
        payload = form.read()
        if payload is None:
            flash(gettext("Please correct the marked fields."), "error")
            status = 422
        else:
            outcomes = decide(form, payload)
            done = sum(1 for o in outcomes if o.error is None)
            if done:
                label = event_label(form.decision.data)
                flash(
                    gettext("%(event)s: %(n)s of %(total)s done.", event=label, n=done, total=len(outcomes)), "success"
                )
            if done < len(outcomes):
                flash(gettext("%(n)s could not be changed; see why below.", n=len(outcomes) - done), "error")
            form = DecisionForm()  # the choices are spent: start the next decision afresh
            form.decision.data, form.reason.data = None, ""
    page, page_status = requested_page(
        filter_form, filter_form.to_filters(), "oldest", limit=PAGE_SIZE, include=("cosignatures",)
    )
    return (
        render_template(
            "review/index.html",
            filter_form=filter_form,
            form=form,
            page=page,
            marks=marks(page),
            outcomes=outcomes,
            chosen=set(form.chosen),
            returned=returned_to_authors(current_user),
        ),
        status if status != 200 else page_status,
    )


# -- bulk assignment (交办) ------------------------------------------------------------------------


def departments() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "department", OrgUnit.active).order_by(OrgUnit.name)
    )
    return [(unit_id, name) for unit_id, name in rows]


class AssignForm(FlaskForm):
    """One assignment for every chosen accepted proposal (a POST form, with its CSRF token)."""

    lead_department_id = SelectField(_l("Lead department"), coerce=optional_int, validate_choice=False)
    cohandler_department_ids = SelectMultipleField(
        _l("Co-handling departments"), coerce=optional_int, validate_choice=False
    )
    comment = TextAreaField(_l("Comment"), render_kw={"rows": 3, "maxlength": 2000})

    def __init__(self):
        super().__init__()
        choices = departments()
        self.lead_department_id.choices = [(0, _l("Choose a department")), *choices]
        self.cohandler_department_ids.choices = choices
        self.lead_department_id.flags.required = True
        self.chosen: list[int] = []
        self.chosen_errors: list[str] = []

    def read(self) -> dict | None:
        """The chosen proposals and the assignment's payload, or None with errors next to the fields."""
        self.validate()
        self.chosen, self.chosen_errors = chosen_ids(bulk.MAX_AT_ONCE)
        payload = {
            "lead_department_id": self.lead_department_id.data or None,
            "cohandler_department_ids": [d for d in self.cohandler_department_ids.data or [] if d],
            "comment": self.comment.data or "",
        }
        try:
            payload = validate(LIFECYCLE.event("assign").payload, payload)
        except InvalidPayload as exc:
            for name, message in exc.fields.items():
                getattr(self, name, self.comment).errors = [translate(message)]
            return None
        return None if self.chosen_errors else payload


@bp.route("/review/assign", methods=["GET", "POST"])
@login_required
def assign():
    """Show the accepted proposals awaiting assignment; on POST, assign the chosen ones to one lead
    department (and co-handling ones), each through the assign event, all or none."""
    if not unions.holds_somewhere(current_user, REVIEWERS):
        abort(403)
    filter_form = ReviewFilterForm()
    form = AssignForm()
    outcomes, status = None, 200
    if request.method == "POST":
        payload = form.read()
        if payload is None:
            flash(gettext("Please correct the marked fields."), "error")
            status = 422
        else:
            try:
                done = bulk.fire_on_all(
                    form.chosen,
                    "assign",
                    current_user,
                    payload,
                    read=lambda p: Outcome(
                        p.id, p.title, None, p.number, done_message("assign", p, payload, current_user)
                    ),
                )
            except bulk.Refused as refused:
                title = db.session.scalar(select(Proposal.title).where(Proposal.id == refused.proposal_id))
                shown = (
                    title
                    if title is not None and can_view(current_user, db.session.get(Proposal, refused.proposal_id))
                    else None
                )
                outcomes = [Outcome(refused.proposal_id, shown, translate_error(refused.error))]
                flash(
                    gettext("Nothing was assigned: one of the chosen proposals could not be; see why below."), "error"
                )
                status = 409
            else:
                outcomes = done
                flash(gettext("%(n)s proposals assigned.", n=len(done)), "success")
                form = AssignForm()
                form.lead_department_id.data, form.cohandler_department_ids.data, form.comment.data = None, [], ""
    filters = filter_form.to_filters()
    filters = replace(filters, states=("accepted",)) if filters is not None else None
    page, page_status = requested_page(filter_form, filters, "oldest", limit=PAGE_SIZE)
    return (
        render_template(
            "review/assign.html",
            filter_form=filter_form,
            form=form,
            page=page,
            marks=marks(page),
            outcomes=outcomes,
            chosen=set(form.chosen),
        ),
        status if status != 200 else page_status,
    )
