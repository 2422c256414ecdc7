"""Issue 16's administration safeguards: a department liaison has a department (API, page, CLI), a
session's status follows its dates (pages and API), and the import template is a button with an
example row and the allowed values."""

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import User
from proposals.session_status import COLLECTING, ENDED, HANDLING, NOT_STARTED, status_of

from .conftest import PASSWORD, get_user
from .helpers import api_client, login

NO_DEPARTMENT = "承办部门联络人必须属于某个部门，请选择所在部门。"


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page)
    return found.group(1) if found else ""


# -- a department liaison has a department --------------------------------------------------------


def test_the_api_refuses_a_liaison_without_a_department(client, make):
    admin = api_client(client).as_(make.user("union_admin"))
    before = users()
    body = {"username": "liaison", "name": "联络人", "password": PASSWORD, "roles": ["department_handler"]}
    refused = admin.post("/users", body)
    assert refused.status_code == 422 and refused.json["fields"]["department_id"] == NO_DEPARTMENT
    assert users() == before
    dept = make.unit("department", name="后勤保障部")
    assert admin.post("/users", body | {"department_id": dept.id}).status_code == 201


def test_the_api_refuses_to_make_a_liaison_of_someone_without_a_department_or_to_take_theirs(client, make):
    admin = api_client(client).as_(make.user("union_admin"))
    worker = make.user("worker")
    refused = admin.patch(f"/users/{worker.id}", {"roles": ["worker", "department_handler"]})
    assert refused.status_code == 422 and refused.json["fields"]["department_id"] == NO_DEPARTMENT
    assert get_user(worker.username).roles == {"worker"}
    liaison = make.user("department_handler")
    department = liaison.department_id
    refused = admin.patch(f"/users/{liaison.id}", {"department_id": None})
    assert refused.status_code == 422 and "department_id" in refused.json["fields"]
    assert get_user(liaison.username).department_id == department
    assert admin.patch(f"/users/{liaison.id}", {"department_id": None, "roles": ["worker"]}).status_code == 200


def test_the_page_shows_the_missing_department_as_a_form_error(client, make):
    login(client, make.user("union_admin"))
    before = users()
    data = {"username": "liaison", "name": "联络人", "password": PASSWORD, "department_id": "0", "delegation_id": "0"}
    response = client.post("/admin/users/new", data=data | {"roles": ["department_handler"]})
    assert response.status_code == 422
    assert field_error(response.text, "department_id") == NO_DEPARTMENT
    assert users() == before


def test_the_cli_refuses_a_liaison_without_a_department(runner, make):
    make.unit("department", code="HQ")
    base = ["create-user", "li", "--name", "李四", "--password", "Long-Enough-26", "--role", "department_handler"]
    refused = runner.invoke(args=base)
    assert refused.exit_code != 0 and "department_id" in refused.output
    assert get_user("li") is None
    assert runner.invoke(args=[*base, "--department", "HQ"]).exit_code == 0


# -- a session's status follows its dates ---------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "is_open", "status"),
    [
        (date(2026, 2, 28), True, NOT_STARTED),
        (date(2026, 3, 1), True, COLLECTING),
        (date(2026, 3, 31), True, COLLECTING),
        (date(2026, 4, 1), True, HANDLING),
        (date(2026, 2, 28), False, ENDED),
        (date(2026, 3, 15), False, ENDED),
    ],
)
def test_a_sessions_status_follows_its_dates(make, today, is_open, status):
    session = make.new_session(collection_start="2026-03-01", collection_end="2026-03-31", is_open=is_open)
    assert status_of(session, today) == status


def test_a_session_without_dates_collects_while_open(make):
    assert status_of(make.new_session(), date(2026, 6, 1)) == COLLECTING


def test_the_sessions_page_and_the_api_say_the_status(client, make):
    admin = make.user("union_admin")
    future = make.new_session(name="未来的会议", collection_start="2999-01-01", collection_end="2999-01-31")
    past = make.new_session(name="过去的会议", collection_start="2000-01-01", collection_end="2000-01-31")
    ended = make.new_session(name="结束的会议", is_open=False)
    login(client, admin)
    page = client.get("/admin/sessions").text
    for session, label in ((future, "未开始"), (past, "审查与办理中"), (ended, "已结束")):
        row = re.search(rf"<td[^>]*>{session.name}</td>\s*<td[^>]*>(.*?)</td>", page, re.S).group(1)
        assert label in row, session.name
    assert "未开始" in client.get(f"/admin/sessions/{future.id}").text
    api = api_client(client).as_(admin)
    answer = api.get(f"/sessions/{future.id}")
    assert answer.status_code == 200 and answer.json["status"] == "not_started"
    assert {s["id"]: s["status"] for s in api.get("/sessions").json}[ended.id] == "ended"


# -- the import template -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["roster", "proposals"])
def test_the_import_template_is_a_button_with_an_example_and_the_allowed_values(client, make, kind):
    make.unit("department", code="HQ", name="后勤保障部")
    make.unit("grassroots", code="FGS1", name="第一分公司工会")
    make.session()
    login(client, make.user("union_admin"))
    page = client.get("/imports/").text
    assert f'href="/imports/templates/{kind}.xlsx" download>下载导入模板（.xlsx）</a>' in page
    response = client.get(f"/imports/templates/{kind}.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    template, allowed = book.worksheets
    header, example = [c.value for c in template[1] if c.value], [c.value for c in template[2]]
    assert len(header) >= 5 and example[-1] == "示例：导入前请删除此行。"
    assert any(example[:-1])
    values = {row[0].value: row[3].value or "" for row in allowed.iter_rows(min_row=2)}
    assert set(values) == {h for h in header}
    if kind == "roster":
        assert any("HQ（后勤保障部）" in v for v in values.values()) and any("职工代表" in v for v in values.values())
        assert "@FGS1（第一分公司工会）" in values[next(h for h in header if "角色" in h)]  # a role held there
    else:
        assert any("welfare" in v for v in values.values()) and any("HQ（后勤保障部）" in v for v in values.values())
