"""Reference data and its administration over the API; the lifecycle and the numbers, read-only."""

import pytest

from workflow import LIFECYCLE

from .conftest import PASSWORD
from .helpers import api_client


@pytest.fixture
def api(client):
    return api_client(client)


@pytest.fixture
def admin(api, make):
    return api.as_(make.user("union_admin"))


def test_admin_creates_units_sessions_and_users(admin):
    dept = admin.post("/departments", {"code": "HR", "name": "人力资源部"})
    assert dept.status_code == 201
    assert dept.json["kind"] == "department" and dept.json["code"] == "HR" and dept.json["id"]
    delegation = admin.post("/delegations", {"code": "D1", "name": "第一代表团"})
    assert delegation.status_code == 201 and delegation.json["kind"] == "delegation"
    session = admin.post(
        "/sessions",
        {
            "code": "10-3",
            "name": "第十届职代会第三次会议",
            "min_cosigners": 3,
            "delegation_review": True,
            "ack_days": 3,
            "reply_days": 20,
            "feedback_days": 10,
            "max_rehandle": 1,
            "collection_start": "2026-03-01",
            "collection_end": "2026-03-31",
        },
    )
    assert session.status_code == 201
    assert session.json["min_cosigners"] == 3 and session.json["delegation_review"] is True
    assert session.json["collection_end"] == "2026-03-31" and session.json["vote_start"] is None
    user = admin.post(
        "/users",
        {
            "username": "chen",
            "name": "陈工",
            "password": PASSWORD,
            "roles": ["department_handler", "delegate"],
            "department_id": dept.json["id"],
            "delegation_id": delegation.json["id"],
            "email": "chen@example.com",
        },
    )
    assert user.status_code == 201
    assert user.json["roles"] == ["delegate", "department_handler"]
    assert "password" not in user.json and "password_hash" not in user.json
    assert admin.post("/auth/token", {"username": "chen", "password": PASSWORD}).status_code == 200

    r = admin.patch(f"/sessions/{session.json['id']}", {"reply_days": 25, "is_open": False})
    assert r.status_code == 200 and r.json["reply_days"] == 25 and r.json["is_open"] is False
    assert r.json["ack_days"] == 3
    assert admin.get(f"/sessions/{session.json['id']}").json == r.json


@pytest.mark.parametrize(
    "path, body, fields",
    [
        ("/departments", {"name": "无代码"}, {"code"}),
        ("/delegations", {"code": "", "name": "x", "kind": "union"}, {"code", "kind"}),
        ("/sessions", {"code": "S", "name": "x", "min_cosigners": -1, "ack_days": "5"}, {"min_cosigners", "ack_days"}),
        ("/sessions", {"code": "S", "name": "x", "vote_start": "2026-05-02", "vote_end": "2026-05-01"}, {"vote_end"}),
        ("/sessions", {"code": "S", "name": "x", "collection_start": "tomorrow"}, {"collection_start"}),
        ("/users", {"username": "u", "name": "n", "password": "short", "roles": ["worker"]}, {"password"}),
        ("/users", {"username": "u", "name": "n", "password": PASSWORD, "roles": ["king"]}, {"roles"}),
        ("/users", {"username": "u", "name": "n", "password": PASSWORD, "roles": [], "is_admin": True}, None),
    ],
)
def test_admin_payloads_are_checked(admin, path, body, fields):
    assert admin.post("/departments", {"code": "HR", "name": "人力资源部"}).status_code == 201
    r = admin.post(path, body)
    assert r.status_code == 422
    if fields is not None:
        assert set(r.json["fields"]) == fields
    else:
        assert {"roles", "is_admin"} <= set(r.json["fields"])


def test_patching_a_session(admin, make):
    session = make.session()
    assert admin.patch(f"/sessions/{session.id}", {"code": "NEW"}).status_code == 422
    assert admin.patch(f"/sessions/{session.id}", {"min_cosigners": "two"}).status_code == 422
    assert admin.patch("/sessions/999999", {"min_cosigners": 1}).status_code == 404
    assert admin.get("/sessions/999999").status_code == 404
    r = admin.patch(f"/sessions/{session.id}", {"delegation_review": True, "cosign_deadline": "2026-04-01"})
    assert r.status_code == 200 and r.json["cosign_deadline"] == "2026-04-01"


@pytest.mark.parametrize("role", ["worker", "delegate", "committee", "supervisor", "leader", "department_handler"])
def test_only_union_administrators_administer(api, make, role):
    session = make.session()
    caller = api.as_(make.user(role), language="en")
    for path, body in (
        ("/departments", {"code": "X", "name": "x"}),
        ("/delegations", {"code": "Y", "name": "y"}),
        ("/sessions", {"code": "Z", "name": "z"}),
        ("/users", {"username": "u", "name": "n", "password": PASSWORD, "roles": ["union_admin"]}),
    ):
        r = caller.post(path, body)
        assert r.status_code == 403 and r.json["error"] == "Only union administrators may do this."
    assert caller.patch(f"/sessions/{session.id}", {"min_cosigners": 0}).status_code == 403
    assert session.min_cosigners == 2


def test_reference_lists(api, make):
    first = make.new_session()
    second = make.new_session()
    dept = make.unit("department", code="B-DEPT")
    other = make.unit("department", code="A-DEPT")
    delegation = make.unit("delegation", code="D")
    caller = api.as_(make.user("worker"))
    assert [s["id"] for s in caller.get("/sessions").json] == [second.id, first.id]
    assert [d["id"] for d in caller.get("/departments").json] == [other.id, dept.id]
    assert [d["id"] for d in caller.get("/delegations").json] == [delegation.id]
    categories = caller.get("/categories").json
    assert categories[0] == {"id": 1, "code": "production", "name": "生产经营", "position": 0, "retired": False}
    assert {c["code"] for c in categories} >= {"welfare", "safety", "other"}


def test_the_lifecycle_definition(api, make):
    caller = api.as_(make.user("worker"), language="en")
    body = caller.get("/workflow").json
    assert body["initial"] == "draft"
    assert [s["name"] for s in body["states"]] == list(LIFECYCLE.states)
    assert {s["name"] for s in body["states"] if s["final"]} == {"rejected", "merged", "withdrawn", "archived"}
    events = {e["name"]: e for e in body["events"]}
    assert set(events) == set(LIFECYCLE.events)
    assert events["accept"]["sources"] == ["review"] and events["accept"]["destinations"] == ["accepted"]
    assert events["accept"]["roles"] == ["committee"] and events["accept"]["label"] == "Accept"
    assert events["submit"]["destinations"] == ["cosigning", "delegation_review", "review"]
    assert events["reply"]["payload"]["required"] == ["text", "outcome"]
    assert events["close_unrated"]["system"] is True
    assert [(t["sources"], t["dest"], t["roles"]) for t in events["send_back"]["transitions"]] == [
        (["review"], "draft", ["committee"]),
        (["delegation_review"], "draft", ["head_of_authors_delegation", "committee"]),  # once pre-review is overdue
    ]
    assert events["progress"]["transitions"][0]["dest"] is None  # the state stays


def test_stats_arguments(api, make):
    caller = api.as_(make.user("committee"))
    assert caller.get("/stats?session_id=999999").status_code == 404
    assert caller.get("/stats?session_id=x").status_code == 422
    session = make.session()
    body = caller.get(f"/stats?session_id={session.id}").json
    assert body["session_id"] == session.id and body["total"] == 0
    assert all(rate is None for rate in body["rates"].values())
    assert body["by_department"] == body["by_category"] == body["by_delegation"] == []


# -- who acted, and names or codes taken ------------------------------------------------------------


def audit_rows(action: str) -> list:
    from sqlalchemy import select

    from proposals.extensions import db
    from proposals.models import AuditEntry

    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_the_audit_rows_of_api_administration_name_the_administrator(api, make):
    acting = make.user("union_admin")
    admin = api.as_(acting)
    assert admin.post("/departments", {"code": "HR", "name": "人力资源部"}).status_code == 201
    assert admin.post("/delegations", {"code": "D1", "name": "第一代表团"}).status_code == 201
    session = admin.post("/sessions", {"code": "10-3", "name": "第十届职代会第三次会议"})
    assert session.status_code == 201
    user = {"username": "chen", "name": "陈七", "password": PASSWORD, "roles": ["worker"]}
    assert admin.post("/users", user).status_code == 201
    assert admin.patch(f"/sessions/{session.json['id']}", {"reply_days": 25}).status_code == 200
    # (the factory's rows before these were written by the system, as from the command line)
    assert [(r.details["code"], r.actor_id) for r in audit_rows("unit.create")] == [
        ("HR", acting.id),
        ("D1", acting.id),
    ]
    assert [r.actor_id for r in audit_rows("session.create")] == [acting.id]
    assert [(r.details["username"], r.actor_id) for r in audit_rows("user.create")][-1] == ("chen", acting.id)
    assert [r.actor_id for r in audit_rows("session.update")] == [acting.id]


@pytest.mark.parametrize(
    "path, body, field, msgid",
    [
        ("/users", {"username": "chen", "name": "陈七", "password": PASSWORD, "roles": ["worker"]}, "username",
         "该用户名已被使用。"),
        ("/departments", {"code": "HR", "name": "人力资源部"}, "code", None),
        ("/delegations", {"code": "D1", "name": "第一代表团"}, "code", None),
        ("/sessions", {"code": "10-3", "name": "第十届职代会第三次会议"}, "code", None),
    ],
)  # fmt: skip
def test_a_name_or_code_taken_is_a_conflict_and_changes_nothing(admin, path, body, field, msgid):
    assert admin.post(path, body).status_code == 201
    again = admin.post(path, {**body, "name": "另一个名称"})
    assert again.status_code == 409
    assert set(again.json["fields"]) == {field}
    assert again.json["code"] == "taken"
    assert again.json["error"] == again.json["fields"][field]
    if msgid:
        assert again.json["error"] == msgid
    listed = admin.get(path).json if path != "/users" else None
    if listed is not None:
        assert [row["name"] for row in listed if row["code"] == body["code"]] == [body["name"]]


def test_a_taken_name_with_other_faults_is_refused_with_them_all(admin):
    assert admin.post("/departments", {"code": "HR", "name": "人力资源部"}).status_code == 201
    r = admin.post("/departments", {"code": "HR", "name": "x", "parent_id": 999999})
    assert r.status_code == 422 and set(r.json["fields"]) == {"code", "parent_id"}
