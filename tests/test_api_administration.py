"""What the administration pages change, over the API: accounts, units, the union, the calendar's own days,
the outbox; imports with their sign-in slips; and the caller's own tokens and sessions."""

import csv
import io

import pytest
from sqlalchemy import func, select

from proposals.auth import activation
from proposals.extensions import db
from proposals.models import ApiToken, AuditEntry, CalendarOverride, Notification, OrgUnit, SignInSlips, User

from .conftest import PASSWORD, get_user
from .helpers import Api, api_client


@pytest.fixture
def api(client):
    return api_client(client)


def audit_rows() -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)))


def test_only_union_administrators(api, cast):
    target = cast.worker
    writes = [
        ("PATCH", f"/users/{target.id}", {"name": "改名"}),
        ("POST", f"/users/{target.id}/password", {}),
        ("POST", f"/users/{target.id}/disable", None),
        ("POST", f"/users/{target.id}/enable", None),
        ("PATCH", f"/units/{cast.other_dept.id}", {"name": "改名"}),
        ("POST", f"/units/{cast.other_dept.id}/deactivate", None),
        ("POST", f"/units/{cast.other_dept.id}/reactivate", None),
        ("PUT", "/union", {"name": "某工会"}),
        ("POST", "/calendar/overrides", {"day": "2027-03-03", "working": False}),
        ("DELETE", "/calendar/overrides/1", None),
        ("POST", "/outbox/1/retry", None),
        ("GET", "/sign-in-slips", None),
        ("GET", f"/users/{target.id}", None),
    ]
    before = audit_rows()
    for who in ("committee", "supervisor", "leader", "worker", "lead"):
        caller = api.as_(getattr(cast, who))
        for method, path, body in writes:
            response = caller.request(method, path, json=body)
            assert response.status_code == 403 and response.json["error"], (who, method, path)
    assert audit_rows() == before
    db.session.refresh(target)
    assert target.active and target.name != "改名"


def test_change_an_account(api, cast):
    admin = api.as_(cast.admin)
    changed = admin.patch(f"/users/{cast.worker.id}", {"name": "新名字", "roles": ["worker", "delegate"]})
    assert changed.status_code == 200
    assert changed.json["name"] == "新名字" and changed.json["roles"] == ["delegate", "worker"]
    wrong = admin.patch(f"/users/{cast.worker.id}", {"department_id": 999999, "name": "又改"})
    assert wrong.status_code == 422 and "department_id" in wrong.json["fields"]
    assert get_user(cast.worker.username).name == "新名字"
    assert admin.patch("/users/999999", {"name": "某"}).status_code == 404
    assert admin.get(f"/users/{cast.worker.id}").json["name"] == "新名字"


def test_disable_enable_and_the_last_administrator(api, cast):
    admin = api.as_(cast.admin)
    token = Api(api.client, api.document, None).as_(cast.worker)
    assert admin.post(f"/users/{cast.worker.id}/disable").json["active"] is False
    assert token.get("/me").status_code == 401  # its tokens stopped at once
    assert admin.post(f"/users/{cast.worker.id}/enable").json["active"] is True
    last = admin.post(f"/users/{cast.admin.id}/disable")
    assert last.status_code == 422 and last.json["error"]
    assert get_user(cast.admin.username).active


def test_a_new_password_chosen_or_generated(api, cast):
    admin = api.as_(cast.admin)
    body = {"password": "Another-Secret-42x", "must_change_password": True}
    chosen = admin.post(f"/users/{cast.worker.id}/password", body)
    assert chosen.status_code == 200 and chosen.json["generated_password"] is None
    assert get_user(cast.worker.username).check_password("Another-Secret-42x")
    generated = admin.post(f"/users/{cast.worker.id}/password", {})
    assert generated.headers["Cache-Control"] == "no-store"
    secret = generated.json["generated_password"]
    assert secret and get_user(cast.worker.username).check_password(secret)
    weak = admin.post(f"/users/{cast.worker.id}/password", {"password": "123"})
    assert weak.status_code == 422 and "password" in weak.json["fields"]
    assert get_user(cast.worker.username).check_password(secret)
    unknown = admin.post(f"/users/{cast.worker.id}/password", {"is_admin": True})
    assert unknown.status_code == 422 and "is_admin" in unknown.json["fields"]


def test_units_and_the_union(api, cast):
    admin = api.as_(cast.admin)
    renamed = admin.patch(f"/units/{cast.other_dept.id}", {"name": "后勤保障部"})
    assert renamed.status_code == 200 and renamed.json["name"] == "后勤保障部"
    itself = admin.patch(f"/units/{cast.other_dept.id}", {"parent_id": cast.other_dept.id})
    assert itself.status_code == 422 and "parent_id" in itself.json["fields"]
    assert admin.post(f"/units/{cast.other_dept.id}/deactivate").json["active"] is False
    assert admin.post(f"/units/{cast.other_dept.id}/reactivate").json["active"] is True
    assert admin.patch("/units/999999", {"name": "某"}).status_code == 404
    named = admin.request("PUT", "/union", json={"name": "某某公司工会"})
    assert named.status_code == 200 and named.json["kind"] == "union"
    assert admin.get("/union").json["name"] == "某某公司工会"
    empty = admin.request("PUT", "/union", json={"name": ""})
    assert empty.status_code == 422 and "name" in empty.json["fields"]
    assert db.session.scalar(select(OrgUnit.name).where(OrgUnit.kind == "union")) == "某某公司工会"


def test_calendar_days_of_the_union(api, cast):
    admin = api.as_(cast.admin)
    added = admin.post("/calendar/overrides", {"day": "2027-03-03", "working": False, "note": "厂庆"})
    assert added.status_code == 201 and added.json["day"] == "2027-03-03"
    again = admin.post("/calendar/overrides", {"day": "2027-03-03", "working": False})
    assert again.status_code == 422 and "day" in again.json["fields"]
    assert db.session.scalar(select(func.count(CalendarOverride.id))) == 1
    assert admin.delete(f"/calendar/overrides/{added.json['id']}").status_code == 204
    assert admin.delete(f"/calendar/overrides/{added.json['id']}").status_code == 404
    assert db.session.get(CalendarOverride, added.json["id"]) is None


def test_retrying_a_message_that_is_not_parked(api, cast):
    cast.proposal_in("cosigning")
    waiting = db.session.scalar(select(Notification).limit(1))
    refused = api.as_(cast.admin).post(f"/outbox/{waiting.id}/retry")
    assert refused.status_code == 409 and refused.json["error"]
    assert api.as_(cast.admin).post("/outbox/999999/retry").status_code == 404
    waiting.email_state = "failed"
    db.session.commit()
    retried = api.as_(cast.admin).post(f"/outbox/{waiting.id}/retry")
    assert retried.status_code == 200 and retried.json["state"] != "failed"


def roster_csv() -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["用户名", "姓名", "角色", "部门编码", "部门名称", "代表团编码", "代表团名称", "电子邮箱", "密码"],
            ["wang", "王五", "职工代表", "", "", "D1", "第一代表团", "wang@example.cn", ""],
        ]
    )
    return out.getvalue().encode("utf-8-sig")


def upload(caller, kind: str, body: bytes, name: str):
    data = {"file": (io.BytesIO(body), name)}
    return caller.request("POST", f"/imports/{kind}", data=data, content_type="multipart/form-data")


def test_import_a_roster_and_take_its_slips_once(api, cast):
    admin = api.as_(cast.admin)
    imported = upload(admin, "roster", roster_csv(), "roster.csv")
    assert imported.status_code == 201, imported.json
    assert imported.json["users_created"] == 1 and imported.json["slips_id"]
    assert get_user("wang").name == "王五"
    slips_id = imported.json["slips_id"]
    assert admin.get("/sign-in-slips").json[0]["id"] == slips_id
    assert api.as_(cast.committee).post(f"/sign-in-slips/{slips_id}/show").status_code == 403
    shown = admin.post(f"/sign-in-slips/{slips_id}/show")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    (slip,) = shown.json
    assert slip["username"] == "wang" and "initial_password" not in slip
    assert get_user("wang").activation_code_hash == activation.digest(slip["activation_code"])
    gone = admin.post(f"/sign-in-slips/{slips_id}/pdf")
    assert gone.status_code == 404 and gone.json["error"]
    assert db.session.scalar(select(func.count(SignInSlips.id))) == 0


def test_slips_as_a_pdf(api, cast):
    admin = api.as_(cast.admin)
    slips_id = upload(admin, "roster", roster_csv(), "roster.csv").json["slips_id"]
    pdf = admin.post(f"/sign-in-slips/{slips_id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    assert admin.post(f"/sign-in-slips/{slips_id}/show").status_code == 404


def test_a_refused_import_changes_nothing(api, cast):
    admin = api.as_(cast.admin)
    users = db.session.scalar(select(func.count(User.id)))
    bad = roster_csv().replace("职工代表".encode(), "国王".encode())
    refused = upload(admin, "roster", bad, "roster.csv")
    assert refused.status_code == 422 and refused.json["code"] == "import_refused"
    assert refused.json["problems"] and refused.json["problems"][0]["row"] == 2
    assert db.session.scalar(select(func.count(User.id))) == users
    assert upload(admin, "nothing", roster_csv(), "roster.csv").status_code == 404
    none = admin.request("POST", "/imports/roster", data={}, content_type="multipart/form-data")
    assert none.status_code == 422 and "file" in none.json["fields"]
    assert admin.post("/imports/roster", {"file": "x"}).status_code == 400
    assert upload(api.as_(cast.committee), "roster", roster_csv(), "roster.csv").status_code == 403
    assert db.session.scalar(select(func.count(User.id))) == users


def test_own_tokens_and_logging_out_everywhere(api, cast):
    caller = api.as_(cast.worker)
    other = api.as_(cast.worker)
    listed = caller.get("/me/tokens")
    assert listed.status_code == 200 and len(listed.json) == 2
    assert sum(t["current"] for t in listed.json) == 1
    others_id = next(t["id"] for t in listed.json if not t["current"])
    theirs = db.session.scalar(select(ApiToken.id).where(ApiToken.user_id != cast.worker.id).limit(1))
    if theirs is not None:
        assert caller.delete(f"/me/tokens/{theirs}").status_code == 404
    assert api.as_(cast.lead).delete(f"/me/tokens/{others_id}").status_code == 404
    assert caller.delete(f"/me/tokens/{others_id}").status_code == 204
    assert other.get("/me").status_code == 401
    assert caller.get("/me").status_code == 200
    assert caller.delete("/me/sessions").status_code == 204
    assert caller.get("/me").status_code == 401
    login = api.client.post("/login", data={"username": cast.worker.username, "password": PASSWORD})
    assert login.status_code == 302  # logging out everywhere ends sessions; the password still works
