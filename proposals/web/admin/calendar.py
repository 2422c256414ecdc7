"""The working-day calendar (工作日历): the years the national calendar covers, the statutory holidays
of a year, and the union's own extra days off and extra working days."""

import re
from dataclasses import dataclass
from datetime import date

import chinese_calendar
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import TextAreaField

from workflow import InvalidPayload, calendar
from workflow.errors import N_
from workflow.payload import message

from ...extensions import db
from ...i18n import is_english
from ...inputs import number_arg
from ...models import CalendarOverride, CalendarYear
from ...operations import NotFound, add_calendar_override, clock, load_year, remove_calendar_override
from ...operations import calendar as calendar_ops
from ...stats import local_today
from ..deadlines import next_year_warning
from . import bp
from .forms import OverrideForm, show_errors


@dataclass(frozen=True)
class Holiday:
    name: str
    first: date
    last: date
    days: int


SPAN = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*(?:至|到|~|～|–|—|-{1,2})\s*(\d{4}-\d{2}-\d{2}))?$")


class LoadYearForm(FlaskForm):
    """The notice's arrangement of a year as pasted: a span or a day per line."""

    holidays = TextAreaField(
        _l("Holidays"),
        description=_l("One per line, as in the notice: 2027-02-05 至 2027-02-11, or a single date."),
        render_kw={"rows": 8, "maxlength": 4000, "spellcheck": "false"},
    )
    workdays = TextAreaField(
        _l("Make-up working days (调休)"),
        description=_l("The Saturdays and Sundays that are working days, one date per line."),
        render_kw={"rows": 4, "maxlength": 2000, "spellcheck": "false"},
    )

    def payload(self) -> dict:
        """The PUT body of /api/v1/calendar/{year}, or InvalidPayload naming the line that is not a date."""
        holidays, workdays, errors = [], [], {}
        for n, line in _lines(self.holidays.data):
            found = SPAN.match(line)
            if found is None:
                errors["holidays"] = message(N_("Line %(n)s is not a date or a span of dates."), {"n": str(n)})
                break
            holidays.append([found[1], found[2] or found[1]])
        for n, line in _lines(self.workdays.data):
            found = SPAN.match(line)
            if found is None or found[2]:
                errors["workdays"] = message(N_("Line %(n)s is not a date."), {"n": str(n)})
                break
            workdays.append(found[1])
        if errors:
            raise InvalidPayload(errors)
        return {"holidays": holidays, "workdays": workdays}


def _lines(text: str | None):
    for n, line in enumerate((text or "").splitlines(), 1):
        line = line.strip().strip("，,;；。")
        if line:
            yield n, line


def uncovered_years(today: date | None = None) -> list[int]:
    """The years to warn of whose official arrangement is not known (neither the package's nor loaded):
    this year, and from 1 November next year, which the deadlines set from then on reach."""
    today = today or local_today()
    found = [] if clock.working_calendar().is_official(today.year) else [today.year]
    next_year = next_year_warning(today)
    return found + ([next_year] if next_year else [])


def holidays(year: int) -> list[Holiday]:
    """The days off of `year` beyond its weekends, each as one stretch of days, with its festival's name."""
    row = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    names = calendar_ops.festival_names(year)
    if row is not None:
        spans = [(a, b, calendar_ops.span_name(a, b, names)) for a, b in row.arrangement().holidays]
    else:
        spans = calendar_ops.national_spans(year)
    return [Holiday(_name(name) if name else gettext("Holiday"), a, b, (b - a).days + 1) for a, b, name in spans]


def _name(chinese: str) -> str:
    if not is_english():
        return chinese
    return ENGLISH_NAMES.get(chinese, chinese)


ENGLISH_NAMES = {h.chinese: h.value for h in chinese_calendar.Holiday}
ENGLISH_NAMES |= {"清明节": "Tomb-sweeping Day", "劳动节": "Labour Day", "端午节": "Dragon Boat Festival"}


def makeup_days(year: int) -> list[date]:
    """The weekend days of `year` that are working days (调休)."""
    row = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    if row is not None:
        return list(row.arrangement().workdays)
    return calendar_ops.national_workdays(year)


def _year_shown(today: date) -> int:
    year = number_arg("year", today.year, maximum=9999)
    return year if calendar_ops.FIRST_YEAR <= year <= calendar_ops.LAST_YEAR else today.year


def render(form: OverrideForm, status: int = 200, load_form: LoadYearForm | None = None, year: int | None = None):
    covered = calendar.covered_years()
    today = local_today()
    year = year or _year_shown(today)
    working = clock.working_calendar()
    loaded = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
    overrides = db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day.desc())).all()
    return (
        render_template(
            "admin/calendar.html",
            covered=covered,
            uncovered=uncovered_years(today),
            year=year,
            official=working.is_official(year),
            loaded=loaded,
            holidays=holidays(year),
            makeup_days=makeup_days(year),
            overrides=overrides,
            today=today,
            form=form,
            load_form=load_form or _load_form(year, loaded),
            format_date=format_date,
        ),
        status,
    )


def _load_form(year: int, loaded: CalendarYear | None) -> LoadYearForm:
    """The form to load `year`, filled with what the union loaded before, if anything."""
    form = LoadYearForm(formdata=None)
    if loaded is not None:
        form.holidays.data = "\n".join(a if a == b else f"{a} 至 {b}" for a, b in loaded.holidays)
        form.workdays.data = "\n".join(loaded.workdays)
    return form


@bp.route("/calendar", methods=["GET", "POST"])
def calendar_page():
    """Show the working-day calendar, and add an extra day off or working day."""
    form = OverrideForm()
    if request.method == "POST":
        try:
            override = add_calendar_override(form.payload(), actor=current_user)
        except InvalidPayload as exc:
            show_errors(form, exc)
            return render(form, 422)
        flash(gettext("%(day)s added to the calendar.", day=format_date(override.day)), "success")
        return redirect(url_for("admin.calendar_page"))
    return render(form)


@bp.post("/calendar/<int:override_id>/remove")
def remove_override(override_id: int):
    """Take a day out of the union's calendar."""
    try:
        override = remove_calendar_override(override_id, actor=current_user)
    except NotFound:
        abort(404)
    flash(gettext("%(day)s removed from the calendar.", day=format_date(override.day)), "success")
    return redirect(url_for("admin.calendar_page"))


@bp.post("/calendar/<int:year>/load")
def load_calendar_year(year: int):
    """Load a year's official holiday arrangement from the notice; open deadlines on it are counted again."""
    if not calendar_ops.FIRST_YEAR <= year <= calendar_ops.LAST_YEAR:
        abort(404)
    form = LoadYearForm()
    try:
        result = load_year(year, form.payload(), current_user._get_current_object())
    except InvalidPayload as exc:
        show_errors(form, exc)
        return render(OverrideForm(formdata=None), 422, load_form=form, year=year)
    flash(gettext("The official calendar of %(year)s is loaded.", year=str(result["year"])), "success")
    return redirect(url_for("admin.calendar_page", year=year))
