"""The list of proposals (提案列表): filters in a plain GET form, sorting, pages by cursor.

The selection, its order and its pages are proposals.queries'; this module only reads the form,
and works out how each row's deadline reads (working days left or overdue) for every list page.
"""

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from sqlalchemy import String, cast, func, literal, select, union_all
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.fields import Label

from workflow import LIFECYCLE
from workflow.errors import N_

from .. import unions
from ..access import can_see_author
from ..compat import DirectRenderOption
from ..extensions import db
from ..i18n import state_label
from ..inputs import id_or_nothing
from ..models import KINDS, Category, CongressSession, OrgUnit, Proposal
from ..operations import clock
from ..queries import SORTS, TASKS, BadCursor, Filters, Page, list_page
from ..reasons import of_proposals
from ..stats import HANDLING, local_today, outcome_codes
from . import NavItem, choice_label

bp = Blueprint("lists", __name__)
NAV = [NavItem("lists.index", N_("Proposal list"), order=30)]

PAGE_SIZE = 20
SORT_LABELS = {
    "newest": N_("Newest first"),
    "oldest": N_("Oldest first"),
    "number": N_("By number"),
    "title": N_("By subject"),
    "changed": N_("Last changed"),
    "deadline": N_("Reply deadline"),
}
KIND_LABELS = {"proposal": N_("Proposal"), "suggestion": N_("Suggestion")}
assert set(SORT_LABELS) == set(SORTS) and set(KIND_LABELS) == set(KINDS)


# -- the filter form -------------------------------------------------------------------------------


def optional_int(value):
    """'' (no choice) is None; anything else must be a whole number (checked in to_filters)."""
    if value in (None, ""):
        return None
    number = id_or_nothing(value)
    return value if number is None else number


class FilterSelect(DirectRenderOption, widgets.Select):
    """WTForms' <select>, its options written straight out: the form offers every session, department
    and delegation, and WTForms' generic attribute writer was most of the list page's form time."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        selected = "selected " if choice.selected else ""
        return Markup(f'<option {selected}value="{escape(value)}">{escape(choice.label or choice.value)}</option>')


class CheckboxOption:
    """One box of a CheckboxList, as WTForms renders it: WTForms builds a whole field for each box and
    writes each attribute through a string formatter."""

    def __init__(self, name: str, id: str, value, label, checked: bool):
        self.name, self.id, self.data, self.checked = name, id, value, checked
        self.label = BoxLabel(id, label)

    def __call__(self, **kwargs) -> Markup:
        if kwargs:
            attributes = {"id": self.id, "type": "checkbox", "value": str(self.data), **kwargs}
            if self.checked:
                attributes["checked"] = True
            return Markup(f"<input {widgets.html_params(name=self.name, **attributes)}>")
        checked = "checked " if self.checked else ""
        return Markup(
            f'<input {checked}id="{escape(self.id)}" name="{escape(self.name)}" type="checkbox" '
            f'value="{escape(str(self.data))}">'
        )

    def __html__(self) -> str:
        return self()


class BoxLabel(Label):
    def __call__(self, text=None, **kwargs) -> Markup:
        if kwargs:
            return super().__call__(text, **kwargs)
        return Markup(f'<label for="{escape(self.field_id)}">{escape(text or self.text)}</label>')


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __iter__(self):
        assert not self.validators and not self.render_kw  # what WTForms' own boxes would carry
        for i, choice in enumerate(self.iter_choices()):
            yield CheckboxOption(
                self.name, f"{self.id}-{i}", choice.value, choice.label or choice.value, choice.selected
            )


class FilterSelectField(SelectField):
    widget = FilterSelect()


def units(kind: str) -> list[tuple[int, str]]:
    rows = db.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == kind).order_by(OrgUnit.name))
    return [(unit_id, name) for unit_id, name in rows]


def sessions() -> list[tuple[int, str]]:
    rows = db.session.execute(select(CongressSession.id, CongressSession.name).order_by(CongressSession.id.desc()))
    return [(session_id, name) for session_id, name in rows]


def categories() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Category.code, Category.name).order_by(Category.position, Category.id))
    return [(code, name) for code, name in rows]


def filter_choices() -> dict[str, list[tuple]]:
    """The sessions, categories, departments and delegations (as sessions(), categories() and units()),
    in one statement rather than four: every list page offers them all."""

    def ranked(kind, key, name, *order, where=None):
        rank = func.row_number().over(order_by=order)
        chosen = select(literal(kind, String).label("kind"), cast(key, String).label("key"), name.label("name"), rank)
        return chosen if where is None else chosen.where(where)

    rows = db.session.execute(
        union_all(
            ranked("session", CongressSession.id, CongressSession.name, CongressSession.id.desc()),
            ranked("category", Category.code, Category.name, Category.position, Category.id),
            ranked("department", OrgUnit.id, OrgUnit.name, OrgUnit.name, where=OrgUnit.kind == "department"),
            ranked("delegation", OrgUnit.id, OrgUnit.name, OrgUnit.name, where=OrgUnit.kind == "delegation"),
        )
    ).all()
    found = {"session": [], "category": [], "department": [], "delegation": []}
    for kind, key, name, _rank in sorted(rows, key=lambda row: (row[0], row[3])):
        found[kind].append((key if kind == "category" else int(key), name))
    return found


ANY = ("", _l("All"))


class ListFilterForm(FlaskForm):
    """What to list, read from the query string: a GET form (no CSRF token), works without script.

    The parameter names are shared with the dashboard's links and the ledger export: session, state,
    union, category, department, delegation, overdue (1 or 0), outcome; and q, kind, key (true or false: key proposals,
    重点提案, as the API's `key`), lead, sort, task."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"), render_kw={"maxlength": 200, "type": "search", "placeholder": _l("Subject or number")}
    )
    sort = FilterSelectField(_l("Sort"), validate_choice=False, default="newest")
    session = FilterSelectField(_l("Congress session"), coerce=optional_int, validate_choice=False)
    union = FilterSelectField(_l("Union"), coerce=optional_int, validate_choice=False)
    category = FilterSelectField(_l("Category"), validate_choice=False)
    department = FilterSelectField(_l("Department"), coerce=optional_int, validate_choice=False)
    delegation = FilterSelectField(_l("Delegation"), coerce=optional_int, validate_choice=False)
    kind = FilterSelectField(_l("Kind"), validate_choice=False)
    overdue = FilterSelectField(_l("Overdue"), validate_choice=False)
    outcome = FilterSelectField(_l("Reply class"), validate_choice=False)
    key = FilterSelectField(_l("Key proposals"), validate_choice=False)
    lead = BooleanField(_l("As lead department only"))
    state = CheckboxList(_l("State"), validate_choice=False)
    task = HiddenField()

    def __init__(self):
        super().__init__(formdata=request.args)
        self.sort.choices = [(k, _l(label)) for k, label in SORT_LABELS.items()]
        offered = filter_choices()
        self.session.choices = [ANY, *offered["session"]]
        self.union.choices = [ANY, *((u.id, u.name) for u in unions.current().ordered())]
        self.category.choices = [ANY, *offered["category"]]
        self.department.choices = [ANY, *offered["department"]]
        self.delegation.choices = [ANY, *offered["delegation"]]
        self.kind.choices = [ANY, *((k, _l(label)) for k, label in KIND_LABELS.items())]
        self.overdue.choices = [ANY, ("1", _l("Overdue only")), ("0", _l("Not overdue"))]
        self.outcome.choices = [ANY, *((o, choice_label(o)) for o in outcome_codes())]
        self.key.choices = [ANY, ("true", _l("Key proposals only")), ("false", _l("Not key proposals"))]
        self.state.choices = [(s, state_label(s)) for s in LIFECYCLE.states]

    def to_filters(self) -> Filters | None:
        """The filters asked for, or None with an error next to each field that is wrong."""
        self.validate()  # lengths only: the choices are checked here, with a message of our own
        choices = (self.sort, self.session, self.union, self.category, self.department, self.delegation, self.kind)
        for field in (*choices, self.overdue, self.outcome, self.key):
            if (field.data or None) not in {value or None for value, _label in field.choices}:
                field.errors = [_l("Choose one of the listed options.")]
        if any(s not in LIFECYCLE.states for s in self.state.data or ()):
            self.state.errors = [_l("Choose one of the listed options.")]
        if self.task.data and self.task.data not in TASKS:
            self.task.errors = [_l("Choose one of the listed options.")]
        if self.q.data and len(self.q.data) > 200:
            self.q.errors = [_l("At most %(max)d characters.", max=200)]
        if any(f.errors for f in self):
            return None
        return Filters(
            session_id=self.session.data,
            union_id=self.union.data,
            states=tuple(self.state.data or ()),
            category=self.category.data or None,
            department_id=None if self.lead.data else self.department.data,
            lead_department_id=self.department.data if self.lead.data else None,
            delegation_id=self.delegation.data,
            kind=self.kind.data or None,
            overdue={"1": True, "0": False}.get(self.overdue.data or ""),
            outcome=self.outcome.data or None,
            key={"true": True, "false": False}.get(self.key.data or ""),
            q=(self.q.data or "").strip() or None,
            task=self.task.data or None,
        )

    @property
    def sort_name(self) -> str:
        return self.sort.data if self.sort.data in SORTS else "newest"


# -- deadlines as rows show them -------------------------------------------------------------------


@dataclass(frozen=True)
class Mark:
    kind: str  # "ack" or "reply": which deadline runs now
    due: date
    days_left: int  # working days; negative when past
    overdue: bool  # stats' definition, nothing else
    provisional: bool = False  # counted across a year whose official arrangement is not known yet


def marks(page: Page, today: date | None = None) -> dict[int, Mark]:
    """For each item being handled, the deadline that runs now; the calendar is read once per page."""
    today = today or local_today()
    working = clock.working_calendar()
    found = {}
    for proposal in page.items:
        lead = proposal.lead_assignment
        if lead is None or proposal.state not in HANDLING:
            continue
        if proposal.state == "assigned":
            kind, start, due = "ack", lead.ack_start, lead.ack_deadline
        else:
            kind, start, due = "reply", lead.reply_start, lead.reply_deadline
        provisional = working.is_provisional(start, due)
        found[proposal.id] = Mark(kind, due, working.between(today, due), proposal.id in page.overdue, provisional)
    return found


@bp.app_template_global()
def page_url(endpoint: str, **changes) -> str:
    """This page's address with some query arguments changed (None drops one); a new cursor replaces the old."""
    args = request.args.to_dict(flat=False)
    args.pop("after", None)
    args.pop("before", None)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [value]
    return url_for(endpoint, **args)


@bp.app_template_global()
def author_shown(proposal: Proposal, public: bool = False) -> bool:
    """Whether a row names its author: public pages never name a confidential one."""
    return can_see_author(None if public else current_user, proposal)


@bp.app_template_global()
def lead_department(proposal: Proposal):
    lead = proposal.lead_assignment
    return lead.department if lead else None


def requested_page(form: FlaskForm, filters: Filters | None, sort: str, **options) -> tuple[Page, int]:
    """The page the query string's cursor asks for, and the status to answer with: 400 when the form
    is wrong (no rows then) or the cursor is not one of ours (the first page then, with a message)."""
    if filters is None:
        return Page([]), 400
    after, before = request.args.get("after") or None, request.args.get("before") or None
    try:
        return list_page(current_user, filters, sort, after=after, before=before, **options), 200
    except BadCursor:
        form.form_errors.append(_l("This page link is no longer valid. Here is the first page."))
        return list_page(current_user, filters, sort, **options), 400


# -- the page --------------------------------------------------------------------------------------


@bp.get("/proposals/")
@login_required
def index():
    """List the proposals the user may see, filtered and sorted, a page at a time."""
    form = ListFilterForm()
    filters = form.to_filters()
    page, status = requested_page(form, filters, form.sort_name, limit=PAGE_SIZE)
    task_label = TASKS[filters.task].label if filters and filters.task else None
    return (
        render_template(
            "lists/index.html",
            form=form,
            page=page,
            marks=marks(page),
            task_label=task_label,
            reasons=of_proposals(current_user, page.items),  # a returned assignment's reason, in 待交办 too
        ),
        status,
    )
