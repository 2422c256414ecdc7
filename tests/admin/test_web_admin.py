"""The administration pages (/admin): who may come in, sessions and units. In Chinese unless said otherwise."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from proposals.extensions import db
from proposals.models import DEFAULT_CATEGORIES, CalendarOverride, Category, CongressSession, OrgUnit, User

from ..conftest import PASSWORD
from ..helpers import NEW_SESSION
from .conftest import count, field_error, input_value, login

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
    "/admin/categories",
    "/admin/categories/{category}/edit",
    "/admin/union",
]
POSTS = [
    ("/admin/sessions/new", {"code": "X1", "name": "越权届次"}),
    ("/admin/sessions/{session}", {"name": "越权改名", "ack_days": "1"}),
    ("/admin/units/department", {"code": "X", "name": "越权部门"}),
    ("/admin/units/{unit}/edit", {"name": "越权改名"}),
    ("/admin/units/{unit}/deactivate", {}),
    ("/admin/users/new", {"username": "intruder", "name": "x", "password": PASSWORD, "roles": "union_admin"}),
    ("/admin/users/{user}", {"name": "x", "roles": "union_admin"}),
    ("/admin/users/{user}/password", {"password": "Intruder-123x"}),
    ("/admin/users/{user}/disable", {}),
    ("/admin/calendar", {"day": "2026-06-02", "working": "off"}),
    ("/admin/calendar/{override}/remove", {}),
    ("/admin/categories", {"code": "intrusion", "name": "越权类别"}),
    ("/admin/categories/{category}/edit", {"name": "越权改名"}),
    ("/admin/categories/{category}/retire", {}),
    ("/admin/categories/{category}/restore", {}),
    ("/admin/union", {"name": "越权工会"}),
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
        "category": db.session.scalar(select(Category.id).where(Category.code == "welfare")),
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
    units = 2 if "department_handler" in roles else 1  # a liaison's own department, and the one above
    assert (count(CongressSession), count(OrgUnit), count(User), count(CalendarOverride)) == (1, units, 1, 1)
    welfare = db.session.get(Category, ids["category"])
    assert (welfare.name, welfare.retired, count(Category)) == ("生活福利", False, len(DEFAULT_CATEGORIES))
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
    for label in ("The union", "Sessions", "Units", "Categories", "Users", "Working-day calendar"):
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
        "/admin/categories",
        "/admin/categories/1/edit",
        "/admin/union",
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


def test_a_sessions_reply_classes_are_lines_of_the_form(admin, make, zh):
    session = make.new_session()
    page = admin.get(f"/admin/sessions/{session.id}").text
    assert "B | " + zh("B: being solved, or planned with a date") + " | planned_date" in page
    lines = "A | " + zh("A: solved or adopted") + "\nB | 列入计划 | planned_date\nD | 留作参考 | reason"
    response = admin.post(f"/admin/sessions/{session.id}", data=NEW_SESSION | {"outcome_classes": lines})
    assert response.status_code == 302
    db.session.expire_all()
    classes = db.session.get(CongressSession, session.id).outcome_classes
    assert classes == [
        {"code": "A", "label": "A: solved or adopted", "requires": []},  # DOMAIN's label stays a msgid
        {"code": "B", "label": "列入计划", "requires": ["planned_date"]},
        {"code": "D", "label": "留作参考", "requires": ["reason"]},
    ]
    response = admin.post(f"/admin/sessions/{session.id}", data=NEW_SESSION | {"outcome_classes": "a | 小写"})
    assert response.status_code == 422
    assert zh("A class code is a capital letter, then up to 9 capitals or digits.") in response.text
    db.session.expire_all()
    assert db.session.get(CongressSession, session.id).outcome_classes == classes


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
