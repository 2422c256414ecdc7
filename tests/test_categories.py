"""Categories: administered by union administrators over the API and on their page; a retired one
stays on its proposals and is no longer offered for new ones."""

import pytest
from sqlalchemy import select

from proposals.extensions import db
from proposals.models import DEFAULT_CATEGORIES, AuditEntry, Category

from .admin.conftest import count, login
from .helpers import api_client


@pytest.fixture
def api(client):
    return api_client(client)


def category(code: str) -> Category:
    return db.session.scalar(select(Category).where(Category.code == code))


# -- the API --------------------------------------------------------------------------------------


def test_an_administrator_adds_a_category(api, make):
    admin = api.as_(make.user("union_admin"))
    r = admin.post("/categories", {"code": "housing", "name": "住房保障"})
    assert r.status_code == 201
    assert r.json["code"] == "housing" and r.json["name"] == "住房保障" and r.json["retired"] is False
    assert r.json["position"] == len(DEFAULT_CATEGORIES)  # after the others
    assert [c["code"] for c in admin.get("/categories").json][-1] == "housing"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "category.create"))
    assert entry.target_type == "categories" and entry.target_id == r.json["id"]


def test_a_duplicate_code_is_409_and_changes_nothing(api, make):
    admin = api.as_(make.user("union_admin"), language="en")
    r = admin.post("/categories", {"code": "welfare", "name": "又一个福利"})
    assert r.status_code == 409 and r.json["code"] == "taken"
    assert r.json["fields"] == {"code": "This code is taken."}
    assert count(Category) == len(DEFAULT_CATEGORIES) and category("welfare").name == "生活福利"


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"name": "无代码"}, {"code"}),
        ({"code": "x", "name": ""}, {"name"}),
        ({"code": "x" * 41, "name": "太长"}, {"code"}),
        ({"code": "x", "name": "n", "position": -1}, {"position"}),
        ({"code": "x", "name": "n", "retired": True}, {"retired"}),
    ],
)
def test_a_wrong_category_is_422(api, make, body, fields):
    admin = api.as_(make.user("union_admin"))
    r = admin.post("/categories", body)
    assert r.status_code == 422 and set(r.json["fields"]) == fields
    assert count(Category) == len(DEFAULT_CATEGORIES)


def test_patch_renames_moves_and_retires_but_never_changes_the_code(api, make):
    admin = api.as_(make.user("union_admin"))
    welfare = category("welfare")
    r = admin.patch(f"/categories/{welfare.id}", {"name": "生活后勤", "position": 0, "retired": True})
    assert r.status_code == 200
    assert (r.json["code"], r.json["name"], r.json["position"], r.json["retired"]) == ("welfare", "生活后勤", 0, True)
    assert admin.patch(f"/categories/{welfare.id}", {"code": "changed"}).status_code == 422
    assert admin.patch(f"/categories/{welfare.id}", {"name": ""}).status_code == 422
    assert admin.patch(f"/categories/{welfare.id}", {"retired": "yes"}).status_code == 422
    assert admin.patch("/categories/999999", {"name": "x"}).status_code == 404
    assert admin.patch(f"/categories/{welfare.id}", {"retired": False}).json["retired"] is False
    db.session.expire_all()
    assert (category("welfare").code, category("welfare").name) == ("welfare", "生活后勤")
    assert admin.delete(f"/categories/{welfare.id}").status_code == 405  # never deleted


@pytest.mark.parametrize("role", ["worker", "delegate", "committee", "supervisor", "leader", "department_handler"])
def test_only_union_administrators_administer_categories(api, make, role):
    caller = api.as_(make.user(role), language="en")
    r = caller.post("/categories", {"code": "x", "name": "x"})
    assert r.status_code == 403 and r.json["error"] == "Only union administrators may do this."
    assert caller.patch(f"/categories/{category('welfare').id}", {"retired": True}).status_code == 403
    db.session.expire_all()
    assert count(Category) == len(DEFAULT_CATEGORIES) and not category("welfare").retired


# -- a retired category ---------------------------------------------------------------------------


def test_a_retired_category_stays_on_its_proposals_and_is_not_offered(client, api, make):
    author = make.user("worker")
    proposal = make.proposal(author, category="welfare")
    draft = make.proposal(author, category="welfare", title="关于食堂的另一件事")
    admin = api.as_(make.user("union_admin"))
    assert admin.patch(f"/categories/{category('welfare').id}", {"retired": True}).status_code == 200
    writer = api.as_(author, language="en")
    fields = {"session_id": proposal.session_id, "title": "新提案", "reason": "理由", "measures": "措施"}
    r = writer.post("/proposals", {**fields, "category": "welfare"})
    assert r.status_code == 422
    assert r.json["fields"] == {"category": "This category is no longer in use; choose another."}
    assert writer.post("/proposals", {**fields, "category": "safety"}).status_code == 201
    assert writer.get(f"/proposals/{proposal.id}").json["category"] == "welfare"
    assert writer.patch(f"/proposals/{draft.id}", {"category": "welfare", "title": "改了题目"}).status_code == 200

    login(client, author)
    new_form = client.get("/proposals/new").text
    assert 'value="welfare"' not in new_form and 'value="safety"' in new_form
    edit_form = client.get(f"/proposals/{draft.id}/edit").text
    assert 'value="welfare" selected' in edit_form or 'selected value="welfare"' in edit_form
