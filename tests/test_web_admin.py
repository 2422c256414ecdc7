"""The administration pages (/admin), through the Flask test client, in Chinese unless said otherwise."""

import re
from datetime import date

import pytest
from flask import render_template
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import CalendarOverride, CongressSession, OrgUnit, User
from proposals.web.admin import listing
from proposals.web.admin.calendar import uncovered_years
from workflow import calendar

from .conftest import PASSWORD, get_user
from .test_i18n import request_context


def login(client, user, password=PASSWORD):
    response = client.post("/login", data={"username": user.username, "password": password})
    assert response.status_code == 302, response.text
    return client


@pytest.fixture
def zh(app):
    """The Chinese of a message as a page shows it; failing when the message has no translation."""

    def translate(msgid: str, **params) -> str:
        with request_context(app, "/"):
            text = gettext(msgid, **params)
        assert text != (msgid % params if params else msgid), f"no Chinese for {msgid!r}"
        return str(escape(text))

    return translate


@pytest.fixture
def admin(make, client):
    user = make.user("union_admin", username="admin", name="徐丽")
    login(client, user)
    return client


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def field_error(page: str, field: str) -> str:
    """The error shown next to a field, or '' when there is none."""
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page)
    return found.group(1) if found else ""


def input_value(page: str, field: str) -> str | None:
    found = re.search(rf'<input[^>]*\bname="{field}"[^>]*>', page)
    if not found:
        return None
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


# -- who may come in --------------------------------------------------------------------------------

GETS = [
    "/admin/",
    "/admin/sessions",
    "/admin/sessions/new",
    "/admin/sessions/{session}",
    "/admin/units",
    "/admin/units/department",
    "/admin/units/{unit}/edit",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/{user}",
    "/admin/calendar",
]
POSTS = [
    ("/admin/sessions/new", {"code": "X1", "name": "越权届次"}),
    ("/admin/sessions/{session}", {"name": "越权改名", "ack_days": "1"}),
    ("/admin/units/department", {"code": "X", "name": "越权部门"}),
    ("/admin/units/{unit}/edit", {"name": "越权改名"}),
    ("/admin/units/{unit}/deactivate", {}),
    ("/admin/users/new", {"username": "intruder", "name": "x", "password": PASSWORD, "roles": "union_admin"}),
    ("/admin/users/{user}", {"name": "x", "roles": "union_admin"}),
    ("/admin/users/{user}/password", {"password": "intruder123"}),
    ("/admin/users/{user}/disable", {}),
    ("/admin/calendar", {"day": "2026-06-02", "working": "off"}),
    ("/admin/calendar/{override}/remove", {}),
]


@pytest.mark.parametrize(
    "roles",
    [
        ("worker",),
        ("delegate", "delegation_head"),
        ("committee",),
        ("department_handler",),
        ("supervisor",),
        ("leader",),
    ],
)
def test_only_union_administrators_come_in(client, make, zh, roles):
    someone = make.user(*roles)
    ids = {
        "session": make.session().id,
        "unit": make.unit("department", name="原部门").id,
        "user": someone.id,
        "override": CalendarOverride(day=date(2026, 6, 3), working=False),
    }
    db.session.add(ids["override"])
    db.session.commit()
    ids["override"] = ids["override"].id
    login(client, someone)
    for path in GETS:
        response = client.get(path.format(**ids))
        assert response.status_code == 403, path
        assert zh("Only union administrators may use the administration pages.") in response.text
    for path, data in POSTS:
        assert client.post(path.format(**ids), data=data).status_code == 403, path
    db.session.expire_all()
    assert db.session.get(OrgUnit, ids["unit"]).name == "原部门" and db.session.get(OrgUnit, ids["unit"]).active
    assert db.session.get(User, someone.id).active and db.session.get(User, someone.id).check_password(PASSWORD)
    assert (count(CongressSession), count(OrgUnit), count(User), count(CalendarOverride)) == (1, 1, 1, 1)
    assert zh("Administration") not in client.get("/").text  # and no menu entry


def test_whoever_is_not_logged_in_is_sent_to_the_login_page(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert client.post("/admin/calendar", data={"day": "2026-06-02", "working": "off"}).status_code == 302
    assert count(CalendarOverride) == 0


def test_the_menu_leads_administrators_to_every_area(admin, zh):
    home = admin.get("/").text
    assert 'href="/admin/"' in home and zh("Administration") in home
    page = admin.get("/admin/").text
    for label in ("Sessions", "Units", "Users", "Working-day calendar"):
        assert zh(label) in page
    english = admin.get("/admin/?lang=en").text
    assert "Working-day calendar" in english and "Administration" in english


def test_every_form_carries_the_csrf_token(admin, app, make, zh):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make.user("worker")
    unit = make.unit("department")
    session = make.new_session()
    db.session.add(CalendarOverride(day=date(2026, 6, 3), working=False))
    db.session.commit()
    pages = [
        "/admin/sessions/new",
        f"/admin/sessions/{session.id}",
        "/admin/units/department",
        f"/admin/units/{unit.id}/edit",
        "/admin/users/new",
        f"/admin/users/{user.id}",
        "/admin/calendar",
    ]
    forms = 0
    for path in pages:
        for form in re.findall(r'<form[^>]*method="post".*?</form>', admin.get(path).text, re.DOTALL):
            assert 'name="csrf_token"' in form, (path, form[:200])
            forms += 1
    assert forms >= 12
    response = admin.post("/admin/calendar", data={"day": "2026-06-02", "working": "off"})  # no token
    assert response.status_code == 302 and response.location == "/admin/calendar"
    assert zh("The form had expired. Please try again.") in admin.get(response.location).text
    assert admin.post(f"/admin/users/{user.id}/disable").location == "/admin/"
    db.session.expire_all()
    assert count(CalendarOverride) == 1 and db.session.get(User, user.id).active


# -- sessions -------------------------------------------------------------------------------------

NEW_SESSION = {
    "code": "10-3",
    "name": "第十届职代会第三次会议",
    "is_open": "y",
    "collection_start": "2026-03-01",
    "collection_end": "2026-03-31",
    "cosign_deadline": "2026-04-05",
    "vote_start": "",
    "vote_end": "",
    "min_cosigners": "3",
    "ack_days": "5",
    "reply_days": "25",
    "feedback_days": "15",
    "max_rehandle": "2",
    "remind_days_before": "3",
    "vote_limit": "4",
    "two_axis_rating": "y",
}


SESSION_LABELS = (
    "Collection starts",
    "Collection ends",
    "Co-signing deadline",
    "Voting starts",
    "Voting ends",
    "Co-signers needed",
    "Delegation pre-review",
    "Days to acknowledge",
    "Days to reply",
    "Days to rate",
    "Rounds of re-handling",
    "Reminder before a deadline",
    "Votes per delegate",
    "Rate attitude and result",
    "Open for proposals",
)


def test_the_session_form_explains_each_setting_in_chinese(admin, zh):
    page = admin.get("/admin/sessions/new").text
    for label in SESSION_LABELS:
        assert zh(label) in page
    assert page.count('class="field-hint"') >= len(SESSION_LABELS) + 2  # one line on each, code and name too
    assert (
        zh("What still has too few co-signers after this day goes to review as a suggestion, not as a proposal.")
        in page
    )
    assert input_value(page, "ack_days") == "5" and input_value(page, "min_cosigners") == "2"  # the defaults


def test_admin_opens_a_session(admin, zh):
    response = admin.post("/admin/sessions/new", data=NEW_SESSION)
    assert response.status_code == 302
    session = db.session.scalar(select(CongressSession))
    assert (session.code, session.min_cosigners, session.reply_days, session.vote_limit) == ("10-3", 3, 25, 4)
    assert session.is_open and not session.delegation_review and session.two_axis_rating
    assert session.cosign_deadline == date(2026, 4, 5) and session.vote_start is None
    page = admin.get(response.location).text
    assert zh("Session %(name)s created.", name="第十届职代会第三次会议") in page and "10-3" in page


def test_the_session_list_counts_proposals_as_the_statistics_do(admin, cast):
    cast.proposal_in("review")
    cast.proposal_in("draft")  # drafts never count
    page = admin.get("/admin/sessions").text
    row = re.search(rf"<tr>\s*<td[^>]*>{cast.session.code}</td>.*?</tr>", page, re.DOTALL).group(0)
    assert cast.session.name in row and re.search(r'<td data-label="[^"]*">1</td>', row)


def test_session_form_errors_keep_the_input_and_change_nothing(admin, make, zh):
    make.new_session(code="10-3")
    before = count(CongressSession)
    data = NEW_SESSION | {"name": "第十届职代会第四次会议", "ack_days": "五天", "collection_end": "2026-02-01"}
    response = admin.post("/admin/sessions/new", data=data)
    assert response.status_code == 422
    page = response.text
    assert field_error(page, "ack_days") == zh("Must be a whole number.")
    assert input_value(page, "ack_days") == "五天" and input_value(page, "name") == "第十届职代会第四次会议"
    assert zh("Please correct the marked fields.") in page
    assert count(CongressSession) == before
    response = admin.post("/admin/sessions/new", data=NEW_SESSION | {"code": "10-4", "collection_end": "2026-02-01"})
    assert field_error(response.text, "collection_end") == zh("Must not be before the start.")
    response = admin.post("/admin/sessions/new", data=NEW_SESSION)
    assert field_error(response.text, "code") == zh("This code is taken.")
    assert count(CongressSession) == before


def test_admin_changes_a_sessions_settings(admin, make, zh):
    session = make.new_session(collection_start="2026-03-01", collection_end="2026-03-31")
    page = admin.get(f"/admin/sessions/{session.id}").text
    assert input_value(page, "collection_start") == "2026-03-01" and input_value(page, "code") is None
    data = NEW_SESSION | {"is_open": "", "delegation_review": "y", "collection_start": "", "collection_end": ""}
    data.pop("is_open")
    response = admin.post(f"/admin/sessions/{session.id}", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    session = db.session.get(CongressSession, session.id)
    assert not session.is_open and session.delegation_review and session.collection_start is None
    assert session.code.startswith("S")  # a session's code never changes
    assert zh("Settings of %(name)s saved.", name=session.name) in admin.get(response.location).text


def test_session_settings_errors_change_nothing(admin, make, zh):
    session = make.new_session(vote_start="2026-05-01")
    response = admin.post(
        f"/admin/sessions/{session.id}", data=NEW_SESSION | {"name": "", "vote_end": "2026-04-30", "reply_days": "0"}
    )
    assert response.status_code == 422
    assert field_error(response.text, "name") == zh("This field is required.")
    assert field_error(response.text, "reply_days") == zh("Must be between %(min)d and %(max)d.", min=1, max=365)
    assert input_value(response.text, "reply_days") == "0"
    db.session.expire_all()
    assert db.session.get(CongressSession, session.id).reply_days == 30
    assert admin.get("/admin/sessions/999").status_code == 404


# -- units ----------------------------------------------------------------------------------------


def test_admin_creates_renames_and_deactivates_units(admin, make, zh):
    response = admin.post("/admin/units/department", data={"code": "HR", "name": "人力资源部"})
    assert response.status_code == 302 and response.location == "/admin/units/department"
    assert zh("%(name)s created.", name="人力资源部") in admin.get(response.location).text
    grassroots = make.unit("grassroots", name="机加车间工会")
    page = admin.get("/admin/units/delegation").text
    assert "机加车间工会" in page  # offered as the parent
    response = admin.post(
        "/admin/units/delegation", data={"code": "D1", "name": "第一代表团", "parent_id": grassroots.id}
    )
    assert response.status_code == 302
    delegation = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "D1"))
    assert (delegation.kind, delegation.parent_id) == ("delegation", grassroots.id)

    response = admin.post(f"/admin/units/{delegation.id}/edit", data={"name": "第一代表团（机加）", "parent_id": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    delegation = db.session.get(OrgUnit, delegation.id)
    assert (delegation.name, delegation.parent_id, delegation.code) == ("第一代表团（机加）", None, "D1")

    hr = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "HR"))
    response = admin.post(f"/admin/units/{hr.id}/deactivate")
    assert response.status_code == 302
    page = admin.get(response.location).text
    deactivated = zh(
        "%(name)s deactivated. It is no longer offered for new assignments or accounts.", name="人力资源部"
    )
    assert deactivated in page and zh("Use again") in page
    db.session.expire_all()
    assert db.session.get(OrgUnit, hr.id).active is False
    assert "人力资源部" not in admin.get("/admin/users/new").text  # no longer offered
    admin.post(f"/admin/units/{hr.id}/reactivate")
    db.session.expire_all()
    assert db.session.get(OrgUnit, hr.id).active is True


def test_unit_form_errors_keep_the_input_and_change_nothing(admin, make, zh):
    make.unit("department", code="HR", name="人力资源部")
    response = admin.post("/admin/units/department", data={"code": "HR", "name": "重复的部门"})
    assert response.status_code == 422
    assert field_error(response.text, "code") == zh("This code is taken.")
    assert input_value(response.text, "name") == "重复的部门"
    assert count(OrgUnit) == 1
    unit = db.session.scalar(select(OrgUnit))
    response = admin.post(f"/admin/units/{unit.id}/edit", data={"name": "  "})
    assert response.status_code == 422 and field_error(response.text, "name") == zh("This field is required.")
    db.session.expire_all()
    assert db.session.get(OrgUnit, unit.id).name == "人力资源部"
    missing = admin.get("/admin/units/union")
    assert missing.status_code == 404
    assert zh("There is no such record. It may have been mistyped in the address.") in missing.text
    assert admin.post("/admin/units/999/deactivate").status_code == 404


# -- users ----------------------------------------------------------------------------------------


def test_admin_creates_a_user_who_can_log_in(admin, make, app, zh):
    dept = make.unit("department", name="后勤保障部")
    data = {
        "username": "huanglei",
        "name": "黄磊",
        "password": "secret123",
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
    login(app.test_client(), user, "secret123")


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
    response = admin.post(f"/admin/users/{user.id}/password", data={"password": "brand new 1"})
    assert response.status_code == 302
    assert zh("New password set for %(username)s.", username=user.username) in admin.get(response.location).text
    login(app.test_client(), user, "brand new 1")


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
    assert uncovered_years(date(last, 6, 1)) == [last + 1]
    assert uncovered_years(date(last - 1, 6, 1)) == []
    with request_context(app, "/admin/"):
        page = render_template("admin/_calendar_warning.html", uncovered=[last + 1])
        assert 'class="alert alert-warning"' in page and str(last + 1) in page and "not known yet" not in page
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
