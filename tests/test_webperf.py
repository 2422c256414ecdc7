"""What the web benchmark's fixes (bench/README.md, "web") must keep: the same answers, fewer statements.

Working days from precomputed sets and cached counts, the request's catalog kept per locale, the list
filter form's options written straight out, the proposal page and its event POST without needless loads.
"""

from datetime import date, timedelta

import chinese_calendar
import pytest
from flask import render_template_string
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from sqlalchemy import event
from wtforms import SelectMultipleField, widgets

from proposals.extensions import db
from proposals.i18n import gettext
from proposals.web.lists import ListFilterForm, categories, filter_choices, sessions, units
from workflow.calendar import (
    add_working_days,
    covered_years,
    fallback_days_off,
    is_working_day,
    working_days_between,
)

from .conftest import PASSWORD

# -- working days -----------------------------------------------------------------------------------


def package_says(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year without the notice: the statutory holidays and their 补假
        return day.weekday() < 5 and day not in fallback_days_off(day.year)


def test_every_day_is_what_chinese_calendar_says():
    years = covered_years()
    day, last = date(years.start - 1, 1, 1), date(years.stop, 12, 31)  # and a year either side
    while day <= last:
        assert is_working_day(day) == package_says(day), day
        day += timedelta(days=1)


def counted(start: date, end: date) -> int:
    """Working days after start up to end, one day at a time."""
    if end < start:
        return -counted(end, start)
    return sum(package_says(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


@pytest.mark.parametrize(
    "start, end",
    [
        (date(2025, 9, 26), date(2025, 10, 20)),  # National Day and its make-up Saturdays
        (date(2026, 2, 10), date(2026, 3, 2)),  # Spring Festival
        (date(2026, 3, 9), date(2026, 3, 2)),  # backwards
        (date(2026, 12, 20), date(2027, 1, 20)),  # into a year the package may not know
        (date(2026, 3, 2), date(2026, 3, 2)),
    ],
)
def test_counts_and_sums_agree_with_a_day_by_day_count(start, end):
    assert working_days_between(start, end) == counted(start, end)
    if end > start:
        n = counted(start, end)
        assert working_days_between(start, add_working_days(start, n)) == n


def test_counts_follow_the_unions_own_days_whatever_was_counted_before():
    start, end = date(2026, 3, 2), date(2026, 3, 16)  # Monday to Monday, no holiday
    assert working_days_between(start, end) == 10
    tuesday, saturday = date(2026, 3, 10), date(2026, 3, 7)
    assert working_days_between(start, end, frozenset({tuesday})) == 9
    assert working_days_between(start, end, extra_on=frozenset({saturday})) == 11
    assert working_days_between(start, end, {tuesday}, {saturday}) == 10  # plain sets too
    assert add_working_days(start, 6) == date(2026, 3, 10)
    assert add_working_days(start, 6, frozenset({tuesday})) == date(2026, 3, 11)
    assert add_working_days(start, 6, extra_on=frozenset({saturday})) == date(2026, 3, 9)
    assert working_days_between(start, end) == 10 and add_working_days(start, 6) == date(2026, 3, 10)


# -- the request's catalog --------------------------------------------------------------------------


def test_the_catalog_of_a_request_follows_a_forced_locale(app):
    template = "{{ _('Proposal list') }}|{{ state_label('draft') }}"
    with app.test_request_context("/"):
        assert gettext("Proposal list") == babel_gettext("Proposal list") == "提案列表"
        assert render_template_string(template) == "提案列表|草稿"
        with force_locale("en"):  # mail in the recipient's language, in the middle of a request
            assert gettext("Proposal list") == babel_gettext("Proposal list") == "Proposal list"
            assert render_template_string(template) == "Proposal list|Draft"
        assert gettext("Proposal list") == babel_gettext("Proposal list") == "提案列表"
        assert render_template_string(template) == "提案列表|草稿"
        assert gettext("At most %(max)d characters.", max=200) == babel_gettext("At most %(max)d characters.", max=200)


def test_each_request_has_its_own_language(client, make):
    user = make.user("committee")
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert "提案列表" in client.get("/proposals/").text
    assert "Proposal list" in client.get("/proposals/?lang=en").text
    assert "提案列表" in client.get("/proposals/?lang=zh").text


# -- the list's filter form -------------------------------------------------------------------------


def test_the_filter_options_in_one_statement_are_the_ones_asked_one_by_one(cast, make):
    make.new_session()
    make.unit("department", name="安全环保部")
    make.unit("delegation", name="机关代表团")
    assert filter_choices() == {
        "session": sessions(),
        "category": categories(),
        "department": units("department"),
        "delegation": units("delegation"),
    }


QUERIES = ["", "session={s}&category=safety&department={d}&state=draft&state=assigned&overdue=1&sort=title"]


@pytest.mark.parametrize("query", QUERIES)
def test_the_form_renders_as_wtforms_does(app, cast, make, query):
    make.unit("department", name='<"维修&保障">')  # to be escaped
    query = query.format(s=cast.session.id, d=cast.lead_dept.id)
    with app.test_request_context("/proposals/?" + query):
        form = ListFilterForm()
        form.to_filters()
        for field in (form.sort, form.session, form.category, form.department, form.delegation, form.overdue):
            assert field(class_="input") == widgets.Select()(field, class_="input"), field.name
        stock = list(SelectMultipleField.__iter__(form.state))  # WTForms' own boxes, a field each
        ours = list(form.state)
        assert [(o(), o.label()) for o in ours] == [(o(), o.label()) for o in stock]
        assert [o(class_="box") for o in ours] == [o(class_="box") for o in stock]
        assert any(o.checked for o in ours) == ("state=" in query)


# -- statements ------------------------------------------------------------------------------------


class Recorded:
    """Statements sent, and how many had been sent at each commit."""

    def __init__(self):
        self.statements, self.commits = [], []

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self.statement)
        event.listen(db.engine, "commit", self.commit)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self.statement)
        event.remove(db.engine, "commit", self.commit)

    def statement(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def commit(self, conn):
        self.commits.append(len(self.statements))


def test_an_event_from_the_page_sends_nothing_after_its_commit(app, client, cast):
    proposal = cast.proposal_in("in_progress")
    client.post("/login", data={"username": cast.supervisor.username, "password": PASSWORD})
    client.get("/")
    with Recorded() as recorded:
        response = client.post(f"/proposals/{proposal.id}/events/urge", data={"urge-comment": "请加快办理进度。"})
    assert response.status_code == 302 and response.location.endswith(f"/proposals/{proposal.id}")
    assert recorded.commits and recorded.statements[recorded.commits[-1] :] == []
    with client.session_transaction() as session:
        assert session["_flashes"] == [("success", "已督办，并已通知承办部门。")]


def test_the_proposal_page_asks_the_roles_of_the_viewer_only(client, cast, make):
    proposal = cast.proposal_in("in_progress")
    client.post("/login", data={"username": cast.committee.username, "password": PASSWORD})
    with Recorded() as recorded:
        page = client.get(f"/proposals/{proposal.id}")
    assert page.status_code == 200 and cast.author.name in page.text
    loads = [s for s in recorded.statements if s.startswith(("SELECT user_roles.", "SELECT union_roles."))]
    assert len(loads) == 2  # the viewer's roles, at the root and in the unions; nobody else's (the facts'
    # delegation-head check reads user_roles inside its EXISTS: a question, not somebody's roles loaded)
