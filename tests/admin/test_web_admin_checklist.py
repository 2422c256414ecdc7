"""The first-run checklist on the administrators' home: each item is done when the data says so, and
the list goes away once every item is."""

from datetime import date

import pytest

from proposals import calendar_status
from proposals.operations import update_session
from proposals.web.admin.checklist import checklist, pending
from workflow import calendar

COVERED = calendar.covered_years()
KNOWN_NEXT = date(COVERED[-1] - 1, 11, 1)  # next year is one chinese-calendar knows
UNKNOWN_NEXT = date(COVERED[-1], 11, 1)  # next year is beyond it
SUMMER = date(COVERED[-1], 6, 1)


def done(today: date) -> dict[str, bool]:
    return {item.key: item.done for item in checklist(today)}


def test_a_bare_install_has_everything_to_do(make):
    make.user("union_admin")
    assert done(UNKNOWN_NEXT) == dict.fromkeys(("session", "department", "delegation", "users", "calendar"), False)


def test_next_years_calendar_is_on_the_list_from_november_only(make):
    assert "calendar" not in done(SUMMER)
    assert done(KNOWN_NEXT)["calendar"] is True and done(UNKNOWN_NEXT)["calendar"] is False
    assert calendar_status.next_year_official(KNOWN_NEXT) and not calendar_status.next_year_official(UNKNOWN_NEXT)


def test_each_item_is_done_by_the_data(make):
    make.user("union_admin")
    session = make.new_session(is_open=True)
    assert done(SUMMER)["session"] is False  # no collection dates yet
    update_session(session, {"collection_start": "2026-03-01", "collection_end": "2026-03-31"})
    update_session(make.new_session(), {"is_open": False, "collection_start": "2026-03-01"})
    assert done(SUMMER)["session"] is True

    department = make.unit("department")
    make.user("worker", department_id=department.id)  # not a liaison
    assert done(SUMMER)["department"] is False
    make.user("department_handler", department_id=department.id)
    assert done(SUMMER)["department"] is True

    delegation = make.unit("delegation")
    make.user("worker", delegation_id=delegation.id)  # not a delegate
    assert done(SUMMER)["delegation"] is False
    assert done(SUMMER)["users"] is True  # (more users than the administrators now)
    make.user("delegate", delegation_id=delegation.id)
    assert done(SUMMER) == dict.fromkeys(("session", "department", "delegation", "users"), True)
    assert pending(SUMMER) == []


@pytest.mark.parametrize("other_roles", [("union_admin",), ("union_admin", "committee")])
def test_administrators_alone_are_not_yet_the_users(make, other_roles):
    make.user("union_admin")
    make.user(*other_roles)
    assert done(SUMMER)["users"] is False
    make.user("worker").active = False
    assert done(SUMMER)["users"] is False


def test_the_home_shows_the_checklist_until_each_item_is_done(admin, make, zh, monkeypatch):
    page = admin.get("/admin/").text
    assert zh("Getting started") in page
    assert '<li class="todo" data-item="session">' in page
    assert f'href="/admin/sessions">{zh("Open a congress session and set its collection dates")}</a>' in page
    make.new_session(is_open=True, collection_start="2026-03-01", collection_end="2026-03-31")
    page = admin.get("/admin/").text
    assert '<li class="done" data-item="session">' in page
    department, delegation = make.unit("department"), make.unit("delegation")
    make.user("department_handler", department_id=department.id)
    make.user("delegate", delegation_id=delegation.id)
    monkeypatch.setattr("proposals.web.admin.checklist.next_year_official", lambda today: True)
    assert zh("Getting started") not in admin.get("/admin/").text
    monkeypatch.setattr("proposals.web.admin.checklist.next_year_official", lambda today: False)
    # from January on, whatever today is: the calendar is on the list
    monkeypatch.setattr("proposals.web.admin.checklist.CALENDAR_FROM", (1, 1))
    page = admin.get("/admin/").text
    assert '<li class="todo" data-item="calendar">' in page and 'href="/admin/calendar"' in page
