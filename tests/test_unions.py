"""A group of unions: the company union at the root, grassroots unions below it, each with its own sessions;
roles held in a union; who administers which union. Over the API, the operations and the admin pages."""

import pytest
from sqlalchemy import func, select

from proposals import unions
from proposals.extensions import db
from proposals.models import AuditEntry, CongressSession, OrgUnit, UnionRole, User
from proposals.operations import create_session, create_union, create_unit
from workflow import PermissionDenied

from .helpers import NEW_SESSION, api_client, login


@pytest.fixture
def api(client):
    return api_client(client)


@pytest.fixture
def group(make):
    """The company union with two grassroots unions (一分公司, 二分公司) and one below the first (一分公司某项目部)."""
    root = create_unit("union", {"code": "GH", "name": "某某集团公司工会"})
    first = create_union({"code": "FGS1", "name": "第一分公司工会", "parent_id": root.id})
    second = create_union({"code": "FGS2", "name": "第二分公司工会", "parent_id": root.id})
    project = create_union({"code": "XMB1", "name": "第一分公司某项目部工会", "parent_id": first.id})
    return root, first, second, project


def counts() -> dict:
    """What a refused request must leave as it was."""
    tables = (OrgUnit, CongressSession, AuditEntry, UnionRole)
    return {t.__name__: db.session.scalar(select(func.count()).select_from(t)) for t in tables}


def admin_of(make, union: OrgUnit) -> User:
    return make.user("worker", {"role": "union_admin", "union_id": union.id})


def test_the_tree_depth_first_from_the_company_union(api, make, group):
    root, first, second, project = group
    listed = api.as_(make.user("worker")).get("/unions")
    assert listed.status_code == 200
    assert [(u["code"], u["kind"], u["parent_id"]) for u in listed.json] == [
        ("GH", "union", None),
        ("FGS1", "grassroots", root.id),
        ("XMB1", "grassroots", first.id),
        ("FGS2", "grassroots", root.id),
    ]
    assert listed.json[0]["share_public_results"] is False and "share_public_results" not in listed.json[1]
    tree = unions.current()
    assert tree.below(first.id) == {first.id, project.id}
    assert tree.below(None) == {None, first.id, second.id, project.id}
    assert tree.above(project.id) == [project.id, first.id, None]


def test_a_bare_install_has_no_union_until_it_names_one(api, make):
    assert api.as_(make.user("worker")).get("/unions").json == []
    session = create_session({"code": "S1", "name": "第一次会议"})
    assert session.union_id is None
    assert api.as_(make.user("worker")).get(f"/sessions/{session.id}").json["union_id"] is None
    assert db.session.scalar(select(func.count(OrgUnit.id))) == 0  # no unit made behind the union's back


def test_the_administrators_of_the_parent_add_a_union_below_it(api, make, group):
    root, first, second, project = group
    made = api.as_(admin_of(make, first)).post(
        "/unions", {"code": "XMB2", "name": "第二项目部工会", "parent_id": first.id}
    )
    assert made.status_code == 201
    assert made.json | {"id": 0} == {
        "id": 0,
        "code": "XMB2",
        "name": "第二项目部工会",
        "kind": "grassroots",
        "parent_id": first.id,
        "active": True,
    }
    row = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "union.create", AuditEntry.target_id == made.json["id"])
    )
    assert row.details == {"code": "XMB2", "name": "第二项目部工会", "parent_id": first.id}
    # a union's administrator administers the unions below it too, the company's every union
    below = api.as_(admin_of(make, first)).post("/unions", {"code": "B", "name": "班组", "parent_id": project.id})
    assert below.status_code == 201
    company = api.as_(make.user("union_admin")).post("/unions", {"code": "FGS3", "name": "三", "parent_id": root.id})
    assert company.status_code == 201 and company.json["parent_id"] == root.id


def test_no_one_else_adds_a_union_and_a_refusal_changes_nothing(api, make, group):
    root, first, second, project = group
    callers = (
        (admin_of(make, second), first),  # a sibling's administrator
        (admin_of(make, project), first),  # an administrator below
        (admin_of(make, first), root),  # a grassroots administrator, at the company's level
        (make.user("committee", {"role": "committee", "union_id": first.id}), first),
        (make.user("worker"), first),
    )
    before = counts()
    for who, parent in callers:
        refused = api.as_(who).post("/unions", {"code": "X", "name": "某工会", "parent_id": parent.id})
        assert refused.status_code == 403 and refused.json["error"], who.username
    assert counts() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"code": "X", "name": "某工会"}, "parent_id"),
        ({"code": "X", "name": "某工会", "parent_id": 999999}, "parent_id"),
        ({"code": "", "name": "某工会", "parent_id": "first"}, "code"),
        ({"code": "X", "name": "", "parent_id": "first"}, "name"),
        ({"code": "X", "name": "某工会", "parent_id": "department"}, "parent_id"),
    ],
)
def test_bad_input_is_refused_with_its_field(api, make, group, body, field):
    root, first, second, project = group
    department = create_unit("department", {"code": "D1", "name": "人力资源部", "parent_id": root.id})
    named = {"first": first.id, "department": department.id}
    body = {k: named.get(v, v) if k == "parent_id" else v for k, v in body.items()}
    admin = api.as_(make.user("union_admin"), language="zh-CN")
    before = counts()
    refused = admin.post("/unions", body)
    assert refused.status_code == 422 and field in refused.json["fields"], refused.json
    assert counts() == before


def test_a_code_in_use_is_a_conflict(api, make, group):
    root, *_ = group
    admin = api.as_(make.user("union_admin"))
    before = counts()
    taken = admin.post("/unions", {"code": "FGS1", "name": "又一个", "parent_id": root.id})
    assert taken.status_code == 409
    assert counts() == before


def test_a_session_belongs_to_the_company_union_unless_it_names_another(api, make, group):
    root, first, second, project = group
    admin = api.as_(make.user("union_admin"))
    company = admin.post("/sessions", {"code": "10-3", "name": "公司第十届三次"})
    assert company.status_code == 201 and company.json["union_id"] == root.id
    assert db.session.get(CongressSession, company.json["id"]).union_id is None  # the root's one spelling
    named_root = admin.post("/sessions", {"code": "10-4", "name": "公司第十届四次", "union_id": root.id})
    assert named_root.json["union_id"] == root.id
    assert db.session.get(CongressSession, named_root.json["id"]).union_id is None
    own = admin.post("/sessions", {"code": "F1-1", "name": "一分公司一届一次", "union_id": first.id})
    assert own.status_code == 201 and own.json["union_id"] == first.id
    listed = {s["code"]: s["union_id"] for s in admin.get("/sessions").json}
    assert listed == {"10-3": root.id, "10-4": root.id, "F1-1": first.id}
    row = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "session.create", AuditEntry.target_id == own.json["id"])
    )
    assert row.details["union_id"] == first.id


def test_a_union_s_administrators_open_its_sessions_and_those_below_not_others(api, make, group):
    root, first, second, project = group
    admin = api.as_(admin_of(make, first))
    assert admin.post("/sessions", {"code": "F1", "name": "一分公司", "union_id": first.id}).status_code == 201
    assert admin.post("/sessions", {"code": "P1", "name": "项目部", "union_id": project.id}).status_code == 201
    before = counts()
    for union_id in (second.id, root.id, None):
        body = {"code": "NO", "name": "不行"} | ({"union_id": union_id} if union_id else {})
        refused = admin.post("/sessions", body)
        assert refused.status_code == 403 and refused.json["error"], union_id
    assert counts() == before
    # and changes the settings of its own sessions only
    company = create_session({"code": "10-3", "name": "公司"})
    theirs = db.session.scalar(select(CongressSession).where(CongressSession.code == "F1"))
    assert admin.patch(f"/sessions/{theirs.id}", {"min_cosigners": 3}).status_code == 200
    refused = admin.patch(f"/sessions/{company.id}", {"min_cosigners": 3})
    assert refused.status_code == 403
    db.session.refresh(company)
    assert company.min_cosigners != 3


def test_a_session_naming_no_union_is_refused(api, make, group):
    root, *_ = group
    department = create_unit("department", {"code": "D1", "name": "人力资源部", "parent_id": root.id})
    admin = api.as_(make.user("union_admin"), language="zh-CN")
    before = counts()
    for union_id in (999999, department.id, "first", 0):
        refused = admin.post("/sessions", {"code": "X1", "name": "某会议", "union_id": union_id})
        assert refused.status_code == 422 and "union_id" in refused.json["fields"], union_id
    assert refused.json["fields"]["union_id"] and counts() == before


def test_roles_in_a_union_are_given_and_changed_with_the_account(api, make, group):
    root, first, second, project = group
    admin = api.as_(make.user("union_admin"))
    made = admin.post(
        "/users",
        {
            "username": "zhang",
            "name": "张三",
            "password": "Tiaoli#2026-Qwerty",
            "roles": ["worker", {"role": "committee", "union_id": first.id}, {"role": "delegate", "union_id": root.id}],
        },
    )
    assert made.status_code == 201, made.json
    assert made.json["roles"] == ["delegate", "worker"]  # a role "in" the company union is a plain one
    assert made.json["union_roles"] == [{"role": "committee", "union_id": first.id}]
    user = db.session.get(User, made.json["id"])
    assert user.roles_in(first.id) == {"committee"} and user.roles_in(None) == {"delegate", "worker"}
    assert unions.holds(user, ("committee",), project.id) and not unions.holds(user, ("committee",), second.id)
    assert unions.scope_of(user, ("committee",)) == {first.id, project.id}

    changed = admin.patch(f"/users/{user.id}", {"roles": ["worker", {"role": "union_admin", "union_id": second.id}]})
    assert changed.status_code == 200
    assert changed.json["union_roles"] == [{"role": "union_admin", "union_id": second.id}]
    row = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "user.update").order_by(AuditEntry.id.desc())
    ).first()
    assert row.details["union_roles"] == [{"role": "union_admin", "union_id": second.id}]


@pytest.mark.parametrize(
    "roles",
    [
        [{"role": "committee", "union_id": "first"}],  # no role at the company union
        ["worker", {"role": "committee", "union_id": 999999}],
        ["worker", {"role": "chair", "union_id": "first"}],
        ["worker", {"role": "committee"}],
        ["worker", {"role": "committee", "union_id": "first", "extra": 1}],
        ["worker", {"role": "committee", "union_id": "department"}],
    ],
)
def test_bad_roles_in_a_union_change_nothing(api, make, group, roles):
    root, first, *_ = group
    department = create_unit("department", {"code": "D1", "name": "人力资源部", "parent_id": root.id})
    named = {"first": first.id, "department": department.id}
    roles = [
        {k: named.get(v, v) if k == "union_id" else v for k, v in r.items()} if isinstance(r, dict) else r
        for r in roles
    ]
    admin = api.as_(make.user("union_admin"), language="zh-CN")
    target = make.user("worker")
    before = counts()
    refused = admin.patch(f"/users/{target.id}", {"roles": roles})
    assert refused.status_code == 422 and refused.json["fields"]["roles"], refused.json
    created = admin.post("/users", {"username": "li", "name": "李四", "password": "Tiaoli#2026-Asdfgh", "roles": roles})
    assert created.status_code == 422
    assert counts() == before
    db.session.refresh(target)
    assert target.roles == {"worker"} and target.scoped_roles == []


def test_a_grassroots_administrator_is_no_administrator_of_the_company(make, group):
    root, first, *_ = group
    admin = admin_of(make, first)
    with pytest.raises(PermissionDenied):
        create_session({"code": "X", "name": "公司的"}, actor=admin)
    with pytest.raises(PermissionDenied):
        create_union({"code": "X", "name": "某工会", "parent_id": root.id}, actor=admin)
    assert not admin.has_role("union_admin")


def test_the_session_form_offers_the_unions_once_there_is_a_group(client, make, group):
    root, first, *_ = group
    login(client, make.user("union_admin"))
    page = client.get("/admin/sessions/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'name="union_id"' in text and "第一分公司工会" in text
    form = NEW_SESSION | {"code": "F1-1", "name": "一分公司一届一次", "union_id": str(first.id)}
    created = client.post("/admin/sessions/new", data=form)
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    session = db.session.scalar(select(CongressSession).where(CongressSession.code == "F1-1"))
    assert session.union_id == first.id
    edit = client.get(f"/admin/sessions/{session.id}").get_data(as_text=True)
    assert 'name="union_id"' not in edit  # a session's union never changes


def test_a_single_union_s_session_form_has_no_union_to_choose(client, make):
    login(client, make.user("union_admin"))
    assert 'name="union_id"' not in client.get("/admin/sessions/new").get_data(as_text=True)


def test_the_people_form_gives_roles_in_a_grassroots_union(client, make, group):
    root, first, *_ = group
    login(client, make.user("union_admin"))
    target = make.user("worker", {"role": "committee", "union_id": first.id})
    page = client.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert f'value="committee:{first.id}"' in page and "第一分公司工会" in page
    data = {"name": target.name, "roles": ["worker"], "union_roles": [f"supervisor:{first.id}"]}
    saved = client.post(f"/admin/users/{target.id}", data=data)
    assert saved.status_code == 302
    db.session.refresh(target)
    assert target.scoped_roles == [("supervisor", first.id)]


def test_a_proposal_is_handled_by_its_union_s_own_or_the_company_s_departments(api, make, group):
    from proposals.models import Assignment, Proposal

    from .conftest import Cast
    from .helpers import move_into

    root, first, second, project = group
    company = Cast(make)  # (its administrator stays the company's: one must remain)
    cast = move_into(Cast(make, session=make.new_session(union_id=project.id)), project)
    own = create_unit("department", {"code": "XMB-ZH", "name": "项目部综合办", "parent_id": project.id})
    above = create_unit("department", {"code": "FGS1-GC", "name": "一分公司工程部", "parent_id": first.id})
    sibling = create_unit("department", {"code": "FGS2-ZH", "name": "二分公司综合部", "parent_id": second.id})
    proposal = cast.proposal_in("accepted")
    committee = api.as_(cast.committee)
    events = f"/proposals/{proposal.id}/events"
    for payload, field in (
        ({"lead_department_id": sibling.id}, "lead_department_id"),
        ({"lead_department_id": own.id, "cohandler_department_ids": [sibling.id]}, "cohandler_department_ids"),
    ):
        refused = committee.post(f"{events}/assign", json=payload)
        assert refused.status_code == 422, refused.text
        assert field in refused.json["fields"], refused.json
        assert "另一个工会" in refused.json["fields"][field]
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == "accepted"
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    # its own, the union above's and the company's functional departments
    page = login(api.client, cast.committee).get(f"/proposals/{proposal.id}").text
    assert "项目部综合办" in page and "一分公司工程部" in page and cast.co_dept.name in page
    assert "二分公司综合部" not in page
    ok = committee.post(
        f"{events}/assign", json={"lead_department_id": own.id, "cohandler_department_ids": [above.id, cast.co_dept.id]}
    )
    assert ok.status_code == 200, ok.text
    # and a company proposal is not handled by a grassroots union's department
    theirs = company.proposal_in("accepted")
    refused = api.as_(company.committee).post(
        f"/proposals/{theirs.id}/events/assign", json={"lead_department_id": own.id}
    )
    assert refused.status_code == 422, refused.text
