"""The categories page (/admin/categories): list, add, rename or move, retire and bring back."""

from sqlalchemy import select

from proposals.extensions import db
from proposals.models import DEFAULT_CATEGORIES, AuditEntry, Category

from .conftest import count, field_error


def category(code: str) -> Category:
    return db.session.scalar(select(Category).where(Category.code == code))


def test_the_page_lists_adds_and_refuses_a_taken_code(admin, zh):
    page = admin.get("/admin/categories").text
    assert all(name in page for _, name in DEFAULT_CATEGORIES)
    response = admin.post("/admin/categories", data={"code": "housing", "name": "住房保障", "position": ""})
    assert response.status_code == 302
    assert zh("%(name)s created.", name="住房保障") in admin.get(response.location).text
    assert category("housing").position == len(DEFAULT_CATEGORIES)
    taken = admin.post("/admin/categories", data={"code": "housing", "name": "重复", "position": ""})
    assert taken.status_code == 422 and field_error(taken.text, "code") == zh("This code is taken.")
    empty = admin.post("/admin/categories", data={"code": "", "name": "", "position": "x"})
    assert empty.status_code == 422 and field_error(empty.text, "name") == zh("This field is required.")
    assert count(Category) == len(DEFAULT_CATEGORIES) + 1


def test_the_page_renames_retires_and_brings_back(admin, zh):
    welfare = category("welfare")
    response = admin.post(f"/admin/categories/{welfare.id}/edit", data={"name": "生活后勤", "position": "20"})
    assert response.status_code == 302
    assert admin.post(f"/admin/categories/{welfare.id}/edit", data={"name": ""}).status_code == 422
    response = admin.post(f"/admin/categories/{welfare.id}/retire")
    page = admin.get(response.location).text
    assert zh("%(name)s retired. It is no longer offered for new proposals.", name="生活后勤") in page
    assert zh("retired") in page
    db.session.expire_all()
    assert category("welfare").retired and category("welfare").position == 20
    admin.post(f"/admin/categories/{welfare.id}/restore")
    db.session.expire_all()
    assert not category("welfare").retired
    assert admin.get("/admin/categories/999999/edit").status_code == 404
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_type == "categories")).all()
    assert actions == ["category.update"] * 3
