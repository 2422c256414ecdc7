"""Public results (企务公开): the accepted proposals with their replies, reply classes and satisfaction,
open to every logged-in worker. Confidential authors are never named here, whoever looks."""

from flask import Blueprint, render_template, request
from flask_babel import format_percent
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField

from workflow.errors import N_

from ..access import PUBLIC_STATES
from ..extensions import db
from ..models import CongressSession
from ..queries import Filters
from ..stats import report
from . import NavItem
from .lists import ANY, categories, optional_int, requested_page, sessions

bp = Blueprint("public", __name__)
NAV = [NavItem("public.index", N_("Public results"), order=40)]

PAGE_SIZE = 20
RATING_LABELS = {
    "satisfied": N_("Satisfied"),
    "basically_satisfied": N_("Basically satisfied"),
    "unsatisfied": N_("Unsatisfied"),
    "no_response": N_("No rating given"),
}


class PublicFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        _l("Search"), render_kw={"maxlength": 200, "type": "search", "placeholder": _l("Subject or number")}
    )
    session = SelectField(_l("Congress session"), coerce=optional_int, validate_choice=False)
    category = SelectField(_l("Category"), validate_choice=False)

    def __init__(self):
        super().__init__(formdata=request.args)
        self.session.choices = [ANY, *sessions()]
        self.category.choices = [ANY, *categories()]
        if "session" not in request.args:  # the page opens on the current session; "All" is a choice
            self.session.data = current_session_id()

    def to_filters(self) -> Filters | None:
        for field in (self.session, self.category):
            if (field.data or None) not in {v or None for v, _ in field.choices}:
                field.errors = [_l("Choose one of the listed options.")]
        if self.q.data and len(self.q.data) > 200:
            self.q.errors = [_l("At most %(max)d characters.", max=200)]
        if self.session.errors or self.category.errors or self.q.errors:
            return None
        return Filters(
            session_id=self.session.data,
            category=self.category.data or None,
            states=PUBLIC_STATES,
            q=(self.q.data or "").strip() or None,
        )


def current_session_id() -> int | None:
    """The session the page opens on: the latest open one, else the latest (as the dashboard's)."""
    rows = db.session.execute(select(CongressSession.id, CongressSession.is_open).order_by(CongressSession.id.desc()))
    found = list(rows)
    return next((sid for sid, is_open in found if is_open), found[0][0] if found else None)


@bp.get("/public")
@login_required
def index():
    """List the accepted proposals with their replies, by session and number."""
    form = PublicFilterForm()
    filters = form.to_filters()
    page, status = requested_page(form, filters, "number", limit=PAGE_SIZE, include=("replies",))
    numbers = report(filters.session_id) if filters and filters.session_id else None
    return (
        render_template(
            "public/index.html", form=form, page=page, numbers=numbers, ratings=RATING_LABELS, percent=percent
        ),
        status,
    )


def percent(rate: float | None) -> str:
    return "—" if rate is None else format_percent(rate, "#,##0.0%")
