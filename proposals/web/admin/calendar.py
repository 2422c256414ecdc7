"""The working-day calendar (工作日历): the years the national calendar covers, the statutory holidays
of a year, and the union's own extra days off and extra working days."""

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, gettext
from flask_login import current_user
from sqlalchemy import select

from workflow import InvalidPayload, calendar

from ...extensions import db
from ...i18n import is_english
from ...inputs import number_arg
from ...models import CalendarOverride
from ...operations import NotFound, add_calendar_override, remove_calendar_override
from ...stats import local_today
from . import bp
from .forms import OverrideForm, show_errors


@dataclass(frozen=True)
class Holiday:
    name: str
    first: date
    last: date
    days: int


def uncovered_years(today: date | None = None) -> list[int]:
    """This year and next, those the installed chinese-calendar package does not know."""
    today = today or local_today()
    covered = calendar.covered_years()
    return [year for year in (today.year, today.year + 1) if year not in covered]


def holidays(year: int) -> list[Holiday]:
    """The statutory holidays of `year`, each as one stretch of consecutive days off."""
    names = {}
    for h in chinese_calendar.Holiday:
        names[h.value] = h.value if is_english() else h.chinese
    stretches: list[Holiday] = []
    for day, name in sorted((d, n) for d, n in chinese_calendar.holidays.items() if d.year == year):
        shown = names.get(name, name)
        last = stretches[-1] if stretches else None
        if last and last.name == shown and last.last + timedelta(days=1) == day:
            stretches[-1] = Holiday(shown, last.first, day, last.days + 1)
        else:
            stretches.append(Holiday(shown, day, day, 1))
    return stretches


def makeup_days(year: int) -> list[date]:
    """The weekend days of `year` that are working days (调休)."""
    return sorted(d for d in chinese_calendar.workdays if d.year == year)


def render(form: OverrideForm, status: int = 200):
    covered = calendar.covered_years()
    today = local_today()
    year = number_arg("year", today.year, maximum=9999)
    if year not in covered:
        year = min(max(today.year, covered.start), covered.stop - 1)
    overrides = db.session.scalars(select(CalendarOverride).order_by(CalendarOverride.day.desc())).all()
    return (
        render_template(
            "admin/calendar.html",
            covered=covered,
            uncovered=uncovered_years(today),
            year=year,
            holidays=holidays(year),
            makeup_days=makeup_days(year),
            overrides=overrides,
            today=today,
            form=form,
            format_date=format_date,
        ),
        status,
    )


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
