"""Administration in a group of unions: a grassroots union's administrators administer their union and the
unions below it (its sessions, units, people and the roles held there), never a sibling's, the union
above or what is the whole group's (the company's roles, the calendar, the categories, the channels).
Written by hand from the issue's rules, through the API and the administration pages; every refusal
changes nothing."""

import re

import pytest
from sqlalchemy import func, select

from proposals.extensions import db
from proposals.models import AuditEntry, OrgUnit, User
from proposals.operations import create_union, create_unit, update_user

from .helpers import api_client, login


@pytest.fixture
def group(make):
    """The company union with two grassroots unions (the first with a project's union below it), a
    delegation and a department in each, a person in each, and the first union's administrator."""
    root = create_unit("union", {"code": "GH", "name": "集团公司工会"})
    first = create_union({"code": "FGS1", "name": "第一分公司工会", "parent_id": root.id})
    second = create_union({"code": "FGS2", "name": "第二分公司工会", "parent_id": root.id})
    project = create_union({"code": "XMB1", "name": "某项目部工会", "parent_id": first.id})
    units = {"root": root, "first": first, "second": second, "project": project}
    delegations, departments, people = {}, {}, {}
    for name, union in units.items():
        delegations[name] = create_unit(
            "delegation", {"code": f"D-{name}", "name": f"{name}代表团", "parent_id": union.id}
        )
        departments[name] = create_unit(
            "department", {"code": f"B-{name}", "name": f"{name}部门", "parent_id": union.id}
        )
        people[name] = make.user("worker", username=f"p-{name}", delegation_id=delegations[name].id)
    admin = make.user("worker", username="admin-first", delegation_id=delegations["first"].id)
    update_user(admin, {"roles": ["worker", {"role": "union_admin", "union_id": first.id}]})
    company_admin = make.user("union_admin", username="admin-company")
    db.session.commit()
    return {
        "units": units,
        "delegations": delegations,
        "departments": departments,
        "people": people,
        "admin": admin,
        "company_admin": company_admin,
    }


def _rows() -> tuple:
    """What a refusal must leave as it was."""
    return tuple(
        db.session.scalar(select(func.count()).select_from(model)) for model in (User, OrgUnit, AuditEntry)
    ) + (tuple(db.session.execute(select(User.id, User.delegation_id, User.active, User.name)).all()),)


def test_the_api_creates_people_only_in_the_unions_administered(client, group):
    api = api_client(client).as_(group["admin"])
    person = {"name": "新职工", "password": "Zhuce#2026-xyz"}
    ok = api.post(
        "/users",
        json={
            **person,
            "username": "new-first",
            "roles": ["worker"],
            "delegation_id": group["delegations"]["project"].id,
        },
    )
    assert ok.status_code == 201, ok.text  # a union below theirs
    before = _rows()
    for delegation in ("second", "root"):
        refused = api.post(
            "/users",
            json={
                **person,
                "username": f"new-{delegation}",
                "roles": ["worker"],
                "delegation_id": group["delegations"][delegation].id,
            },
        )
        assert refused.status_code == 403, refused.text
    assert _rows() == before


def test_roles_are_given_where_they_are_administered(client, group):
    api = api_client(client).as_(group["admin"])
    first, second, project = (group["units"][n].id for n in ("first", "second", "project"))
    here = {"name": "某人", "password": "Zhuce#2026-xyz", "delegation_id": group["delegations"]["first"].id}
    given = api.post(
        "/users",
        json={**here, "username": "c1", "roles": ["delegation_head", {"role": "committee", "union_id": project}]},
    )
    assert given.status_code == 201, given.text
    assert given.json["union_roles"] == [{"role": "committee", "union_id": project}]
    before = _rows()
    for roles in (["committee"], ["supervisor"], ["worker", {"role": "committee", "union_id": second}]):
        refused = api.post("/users", json={**here, "username": "c2", "roles": roles})
        assert refused.status_code == 403, (roles, refused.text)
    assert _rows() == before
    # the company's administrators give the company's roles
    api = api.as_(group["company_admin"])
    assert (
        api.post(
            "/users", json={**here, "username": "c3", "roles": ["committee", {"role": "leader", "union_id": first}]}
        ).status_code
        == 201
    )


def test_a_siblings_people_are_not_theirs_to_change(client, group):
    api = api_client(client).as_(group["admin"])
    sibling, own = group["people"]["second"], group["people"]["first"]
    before = _rows()
    assert api.patch(f"/users/{sibling.id}", json={"name": "改名"}).status_code == 403
    # nor may they move their own person into a sibling's delegation
    moved = api.patch(f"/users/{own.id}", json={"delegation_id": group["delegations"]["second"].id})
    assert moved.status_code == 403, moved.text
    assert _rows() == before
    assert api.patch(f"/users/{own.id}", json={"name": "新名字"}).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, own.id).name == "新名字"


def test_units_are_made_in_the_unions_administered(client, group):
    api = api_client(client).as_(group["admin"])
    made = api.post(
        "/delegations", json={"code": "D-new", "name": "新代表团", "parent_id": group["units"]["project"].id}
    )
    assert made.status_code == 201, made.text
    before = _rows()
    for parent in ("second", "root"):
        refused = api.post(
            "/delegations", json={"code": f"D-{parent}2", "name": "别人的", "parent_id": group["units"][parent].id}
        )
        assert refused.status_code == 403, refused.text
    refused = api.post(
        "/unions", json={"code": "FGS3", "name": "第三分公司工会", "parent_id": group["units"]["root"].id}
    )
    assert refused.status_code == 403
    assert _rows() == before
    assert (
        api.post(
            "/unions", json={"code": "XMB2", "name": "二号项目部工会", "parent_id": group["units"]["first"].id}
        ).status_code
        == 201
    )


def test_sessions_are_opened_in_the_unions_administered(client, group):
    api = api_client(client).as_(group["admin"])
    opened = api.post(
        "/sessions", json={"code": "P-1", "name": "项目部职代会", "union_id": group["units"]["project"].id}
    )
    assert opened.status_code == 201, opened.text
    for union in ("second", "root"):
        refused = api.post(
            "/sessions", json={"code": f"S-{union}", "name": "别人的", "union_id": group["units"][union].id}
        )
        assert refused.status_code == 403, refused.text


def test_the_administration_pages_show_only_what_is_theirs(client, group, make):
    first_session = make.new_session(union_id=group["units"]["first"].id, name="一分公司一届一次")
    second_session = make.new_session(union_id=group["units"]["second"].id, name="二分公司一届一次")
    login(client, group["admin"])
    assert client.get("/admin/").status_code == 200
    users = client.get("/admin/users").text
    assert "p-first" in users and "p-project" in users
    assert "p-second" not in users and "p-root" not in users
    sessions = client.get("/admin/sessions").text
    assert first_session.name in sessions and second_session.name not in sessions
    delegations = client.get("/admin/units/delegation").text
    assert "first代表团" in delegations and "project代表团" in delegations
    assert "second代表团" not in delegations and "root代表团" not in delegations
    grassroots = client.get("/admin/units/grassroots").text
    assert "某项目部工会" in grassroots and "第二分公司工会" not in grassroots
    # a sibling's records, by their address: refused, not shown
    assert client.get(f"/admin/users/{group['people']['second'].id}").status_code == 403
    assert client.get(f"/admin/sessions/{second_session.id}").status_code == 403
    assert client.get(f"/admin/units/{group['delegations']['second'].id}/edit").status_code == 403
    assert client.get(f"/admin/users/{group['people']['project'].id}").status_code == 200
    # what is the whole group's is the company's administrators'
    for page in (
        "/admin/calendar",
        "/admin/categories",
        "/admin/channels",
        "/admin/audit",
        "/admin/union",
        "/admin/outbox",
    ):
        refused = client.get(page)
        assert refused.status_code == 403, page
    assert "公司工会" in client.get("/admin/calendar").text  # said in the user's language


def test_the_people_form_offers_only_their_units_and_keeps_roles_beyond_them(client, group):
    person = group["people"]["first"]
    second = group["units"]["second"].id
    update_user(person, {"roles": ["worker", {"role": "delegate", "union_id": second}]})
    db.session.commit()
    login(client, group["admin"])
    page = client.get(f"/admin/users/{person.id}").text
    assert "first代表团" in page and "second代表团" not in page
    form = {
        "name": "改了名",
        "email": "",
        "department_id": "0",
        "delegation_id": str(group["delegations"]["first"].id),
        "roles": ["worker"],
        "union_roles": [f"committee:{group['units']['first'].id}"],
    }
    saved = client.post(f"/admin/users/{person.id}", data=form)
    assert saved.status_code == 302, saved.text
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.name == "改了名"
    assert person.scoped_roles == sorted([("committee", group["units"]["first"].id), ("delegate", second)])


def test_session_form_offers_their_unions(client, group):
    login(client, group["admin"])
    page = client.get("/admin/sessions/new").text
    offered = set(re.findall(r'<option[^>]*value="(\d+)"', page.split('name="union_id"')[1].split("</select>")[0]))
    assert offered == {str(group["units"]["first"].id), str(group["units"]["project"].id)}
