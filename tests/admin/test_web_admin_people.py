"""The administration pages (/admin): users and the working-day calendar. In Chinese unless said otherwise."""

import re
from datetime import date

from flask import render_template
from sqlalchemy import select

from proposals.extensions import db
from proposals.models import CalendarOverride, User
from proposals.web.admin import listing
from proposals.web.admin.calendar import uncovered_years
from workflow import calendar

from ..conftest import PASSWORD, get_user
from ..helpers import request_context
from .conftest import count, field_error, input_value, login

# -- users ----------------------------------------------------------------------------------------


def test_admin_creates_a_user_who_can_log_in(admin, make, app, zh):
    dept = make.unit("department", name="后勤保障部")
    data = {
        "username": "huanglei",
        "name": "黄磊",
        "password": "Hou-Qin-2026!",
        "email": "huanglei@example.com",
        "department_id": dept.id,
        "delegation_id": "0",
        "roles": ["department_handler", "delegate"],
    }
    response = admin.post("/admin/users/new", data=data)
    assert response.status_code == 302
    assert zh("Account %(username)s created.", username="huanglei") in admin.get(response.location).text
    user = get_user("huanglei")
    assert (user.department_id, user.delegation_id, user.roles) == (dept.id, None, {"department_handler", "delegate"})
    login(app.test_client(), user, "Hou-Qin-2026!")


def test_user_form_errors_keep_the_input_and_change_nothing(admin, make, zh):
    make.user("worker", username="taken")
    before = count(User)
    data = {"username": "taken", "name": "新同事", "password": "short", "email": "x@example.com", "roles": "delegate"}
    response = admin.post("/admin/users/new", data=data)
    assert response.status_code == 422
    page = response.text
    assert field_error(page, "username") == zh("This user name is taken.")
    assert field_error(page, "password") == zh("At least %(min)d characters.", min=8)
    assert input_value(page, "name") == "新同事" and input_value(page, "email") == "x@example.com"
    assert 'value="delegate" checked' in page or re.search(r'checked[^>]*value="delegate"', page)
    response = admin.post("/admin/users/new", data=data | {"username": "fresh", "password": PASSWORD, "roles": []})
    assert field_error(response.text, "roles") == zh("This field is required.")
    assert count(User) == before


def test_admin_edits_a_user(admin, make, zh):
    delegation = make.unit("delegation", name="第二代表团")
    user = make.user("worker", username="wangfang", name="王芳")
    page = admin.get(f"/admin/users/{user.id}").text
    assert input_value(page, "name") == "王芳" and input_value(page, "username") is None
    data = {"name": "王芳芳", "email": "", "department_id": "0", "delegation_id": delegation.id, "roles": ["delegate"]}
    response = admin.post(f"/admin/users/{user.id}", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    user = get_user("wangfang")
    assert (user.name, user.delegation_id, user.roles) == ("王芳芳", delegation.id, {"delegate"})
    response = admin.post(f"/admin/users/{user.id}", data=data | {"name": "", "roles": ["delegate", "king"]})
    assert response.status_code == 422
    assert field_error(response.text, "name") == zh("This field is required.") and field_error(response.text, "roles")
    db.session.expire_all()
    assert get_user("wangfang").name == "王芳芳"
    assert admin.get("/admin/users/999").status_code == 404


def test_admin_resets_a_password(admin, make, app, zh):
    user = make.user("worker")
    response = admin.post(f"/admin/users/{user.id}/password", data={"password": "short"})
    assert response.status_code == 422 and field_error(response.text, "password") == zh(
        "At least %(min)d characters.", min=8
    )
    response = admin.post(f"/admin/users/{user.id}/password", data={"password": "Brand-New-1x"})
    assert response.status_code == 302
    assert zh("New password set for %(username)s.", username=user.username) in admin.get(response.location).text
    login(app.test_client(), user, "Brand-New-1x")


def test_a_disabled_user_is_logged_out_at_once_and_can_come_back(admin, make, app, zh):
    user = make.user("delegate", username="leaving")
    theirs = login(app.test_client(), user)
    assert theirs.get("/").status_code == 200
    response = admin.post(f"/admin/users/{user.id}/disable")
    assert response.status_code == 302
    assert zh("Account %(username)s disabled.", username="leaving") in admin.get(response.location).text
    assert theirs.get("/").status_code == 302  # their open session has ended
    refused = app.test_client().post("/login", data={"username": "leaving", "password": PASSWORD})
    assert zh("This account is disabled. Please contact the union office.") in refused.text
    page = admin.get("/admin/users?status=disabled").text
    assert "leaving" in page
    admin.post(f"/admin/users/{user.id}/enable")
    login(app.test_client(), user)


def test_the_last_administrator_cannot_lock_everyone_out(admin, zh):
    me = get_user("admin")
    response = admin.post(f"/admin/users/{me.id}/disable")
    assert response.status_code == 422 and zh("At least one active union administrator must remain.") in response.text
    response = admin.post(f"/admin/users/{me.id}", data={"name": "徐丽", "roles": ["worker"]})
    assert response.status_code == 422
    assert field_error(response.text, "roles") == zh("At least one active union administrator must remain.")
    db.session.expire_all()
    assert get_user("admin").active and get_user("admin").has_role("union_admin")


def test_the_user_list_finds_and_pages(admin, make, zh):
    dept = make.unit("department", name="财务部")
    for n in range(listing.PAGE_SIZE + 5):
        make.user("worker", username=f"w{n:03d}", name=f"职工{n:03d}")
    make.user("department_handler", username="machao", name="马超", department_id=dept.id, email="ma@corp.cn")
    page = admin.get("/admin/users").text
    assert zh("%(n)s users found.", n=57) in page  # and the administrator
    assert "admin" in page and "w047" in page and "w048" not in page  # user name order: admin, machao, w000...
    next_link = re.search(r'href="(/admin/users\?after=[^"]+)"', page).group(1).replace("&amp;", "&")
    second = admin.get(next_link).text
    assert "w048" in second and "w054" in second and "w000" not in second
    assert 'rel="next"' not in second
    previous = re.search(r'href="(/admin/users\?before=[^"]+)"', second).group(1).replace("&amp;", "&")
    assert "w000" in admin.get(previous).text

    found = admin.get("/admin/users", query_string={"q": "马"}).text
    assert "machao" in found and "财务部" in found and "w000" not in found and zh("%(n)s users found.", n=1) in found
    assert "machao" in admin.get("/admin/users", query_string={"q": "CORP.CN"}).text
    found = admin.get("/admin/users", query_string={"role": "department_handler"}).text
    assert "machao" in found and "w000" not in found
    found = admin.get("/admin/users", query_string={"q": "w05", "role": "worker"}).text
    assert zh("%(n)s users found.", n=5) in found and 'rel="next"' not in found
    assert zh("%(n)s users found.", n=0) in admin.get("/admin/users", query_string={"q": "100%_"}).text
    assert admin.get("/admin/users", query_string={"role": "king", "status": "x"}).status_code == 200


# -- the working-day calendar ---------------------------------------------------------------------


def test_the_calendar_page_shows_the_covered_years_and_the_holidays(admin, zh):
    covered = calendar.covered_years()
    page = admin.get("/admin/calendar?year=2026").text
    assert (
        zh("Statutory holidays are known for %(first)s to %(last)s.", first=covered.start, last=covered.stop - 1)
        in page
    )
    assert "国庆节" in page and "春节" in page and "2026年9月20日" in page  # a make-up working day
    assert zh("None: the national calendar applies as it is.") in page
    assert admin.get("/admin/calendar?year=1900").status_code == 200  # an uncovered year: the nearest one


def test_a_year_the_calendar_does_not_cover_is_warned_of(app):
    last = calendar.covered_years().stop - 1
    # next year from 1 November on (deadlines set then reach it), this year always
    assert uncovered_years(date(last, 10, 31)) == []
    assert uncovered_years(date(last, 11, 1)) == [last + 1]
    assert uncovered_years(date(last + 1, 3, 1)) == [last + 1]
    assert uncovered_years(date(last - 1, 12, 1)) == []
    with request_context(app, "/admin/"):
        page = render_template("admin/_calendar_warning.html", uncovered=[last + 1])
        assert 'class="alert alert-warning"' in page and str(last + 1) in page and "not loaded yet" not in page
        assert render_template("admin/_calendar_warning.html", uncovered=[]).strip() == ""


def test_admin_adds_and_removes_days(admin, zh):
    response = admin.post("/admin/calendar", data={"day": "2026-06-02", "working": "off", "note": "厂庆日放假"})
    assert response.status_code == 302
    page = admin.get(response.location).text
    assert zh("%(day)s added to the calendar.", day="2026年6月2日") in page
    assert "厂庆日放假" in page and zh("an extra day off") in page
    override = db.session.scalar(select(CalendarOverride))
    assert (override.day, override.working, override.note) == (date(2026, 6, 2), False, "厂庆日放假")
    response = admin.post(f"/admin/calendar/{override.id}/remove")
    assert response.status_code == 302
    assert zh("%(day)s removed from the calendar.", day="2026年6月2日") in admin.get(response.location).text
    assert count(CalendarOverride) == 0
    assert admin.post(f"/admin/calendar/{override.id}/remove").status_code == 404


def test_calendar_form_errors_keep_the_input_and_change_nothing(admin, zh):
    response = admin.post("/admin/calendar", data={"day": "2026-06-06", "working": "off", "note": "周六"})
    assert response.status_code == 422
    assert field_error(response.text, "day") == zh("This day is already a day off.")
    assert input_value(response.text, "day") == "2026-06-06" and input_value(response.text, "note") == "周六"
    response = admin.post("/admin/calendar", data={"day": "", "working": "on"})
    assert field_error(response.text, "day") == zh("This field is required.")
    assert count(CalendarOverride) == 0
