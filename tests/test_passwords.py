"""The password policy on every path that sets a password, and initial passwords that must be changed at
the first page login (proposals/auth/passwords.py, proposals/auth/first_login.py)."""

import csv
import io

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from proposals.auth import activation, passwords
from proposals.extensions import db
from proposals.i18n import translate
from proposals.models import AuditEntry, User
from proposals.operations import create_user, reset_password

from .conftest import PASSWORD

STRONG = "Zhidaihui-2026"
TOO_SHORT = ("At least %(min)d characters.", {"min": 8})
FEW_CLASSES = ("Use at least three of: capital letters, small letters, digits, symbols.", {})
NAME = ("The password must not contain the user name.", {})
COMMON = ("This password is too common or too easy to guess. Please choose another.", {})


@pytest.mark.parametrize(
    ("password", "first"),
    [
        ("12345678", FEW_CLASSES),
        ("password", FEW_CLASSES),
        ("qqqqqqqq", FEW_CLASSES),
        ("Ab1!", TOO_SHORT),
        ("Password1", COMMON),
        ("P@ssw0rd", COMMON),
        ("Qwerty123!", COMMON),
        ("Admin@123", COMMON),
        ("Abcd1234!", COMMON),
        ("Zhangwei-2026", NAME),  # the user name, in any case
        ("2026!ZHANGWEI", NAME),
    ],
)
def test_the_policy_refuses(app, password, first):
    assert passwords.problems(password, "zhangwei")[0] == first


@pytest.mark.parametrize("password", [STRONG, "Tiaoli#2026", "kai hui 2026 QIAN", "矿区-食堂-Ab-2026"])
def test_the_policy_accepts(app, password):
    assert passwords.problems(password, "zhangwei") == []


def test_the_persons_own_words_count_as_guessable(app):
    assert passwords.problems("Wangxiaoming1!", "wxm", others=("Wang Xiaoming",)) == [COMMON]
    assert passwords.problems("Xm.Wang-2026", "u7", others=("x@wxm.cn",)) == []


def test_a_generated_initial_password_satisfies_the_policy(app):
    for _ in range(20):
        generated = passwords.initial_password("abc")
        assert passwords.problems(generated, "abc") == []


def test_the_messages_are_in_chinese_and_english(app):
    with app.test_request_context():
        assert translate(FEW_CLASSES) == "请至少使用大写字母、小写字母、数字、符号中的三类。"
        assert translate(COMMON) == "该密码过于常见或容易被猜中，请另选一个。"
        with force_locale("en"):
            assert translate(NAME) == "The password must not contain the user name."


# -- every path that sets a password ------------------------------------------------------------------


def users() -> int:
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize("weak", ["12345678", "password", "qqqqqqqq", "Password1", "hu-wei-01x"])
def test_the_api_refuses_a_weak_password_and_creates_nothing(app, make, weak):
    admin = make.user("union_admin")
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": admin.username, "password": PASSWORD}).json["token"]
    before = users()
    response = client.post(
        "/api/v1/users",
        json={"username": "hu-wei-01x", "name": "胡伟", "password": weak, "roles": ["worker"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422 and "password" in response.json["fields"]
    assert users() == before


def test_the_admin_pages_refuse_weak_passwords(app, make):
    admin = make.user("union_admin")
    worker = make.user("worker")
    client = app.test_client()
    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    before = users()
    created = client.post(
        "/admin/users/new", data={"username": "hu", "name": "胡", "password": "Password1", "roles": "worker"}
    )
    assert created.status_code == 422 and "该密码过于常见" in created.get_data(as_text=True)
    assert users() == before
    hash_before = worker.password_hash
    reset = client.post(f"/admin/users/{worker.id}/password", data={"password": "12345678"})
    assert reset.status_code == 422 and "请至少使用大写字母" in reset.get_data(as_text=True)
    db.session.refresh(worker)
    assert worker.password_hash == hash_before


def test_the_command_line_refuses_a_weak_password(runner):
    result = runner.invoke(args=["create-user", "li", "--name", "李四", "--role", "worker", "--password", "password"])
    assert result.exit_code != 0 and "password" in result.output
    assert users() == 0
    done = runner.invoke(args=["create-user", "li", "--name", "李四", "--role", "worker", "--password", STRONG])
    assert done.exit_code == 0
    assert not db.session.scalar(select(User).where(User.username == "li")).must_change_password


def test_the_roster_refuses_a_weak_password(runner, make, tmp_path):
    path = tmp_path / "roster.csv"
    out = io.StringIO()
    csv.writer(out).writerows([["username", "name", "roles", "password"], ["wang", "王五", "worker", "Password1"]])
    path.write_text(out.getvalue(), encoding="utf-8")
    result = runner.invoke(args=["import-roster", str(path)])
    assert result.exit_code == 1 and users() == 0


# -- initial passwords -------------------------------------------------------------------------------


def test_the_roster_gives_activation_codes_not_passwords_and_keeps_a_given_password(app, runner, tmp_path):
    # A row without a password gets an activation code (printed once), never a generated password; a row with
    # one keeps it, as the policy allows it (a weak one is refused: test_the_roster_refuses_a_weak_password).
    path = tmp_path / "roster.csv"
    out = io.StringIO()
    rows = [["username", "name", "roles", "password"], ["wang", "王五", "worker", ""], ["li", "李四", "worker", STRONG]]
    csv.writer(out).writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    result = runner.invoke(args=["import-roster", str(path)])
    assert result.exit_code == 0, result.output
    printed = dict(line.split("\t") for line in result.output.splitlines() if "\t" in line)
    wang = db.session.scalar(select(User).where(User.username == "wang"))
    li = db.session.scalar(select(User).where(User.username == "li"))
    assert set(printed) == {"wang"}
    assert wang.password_hash is None and not wang.must_change_password
    assert wang.activation_code_hash == activation.digest(printed["wang"])
    assert li.check_password(STRONG) and not li.must_change_password and li.activation_code_hash is None


def test_an_initial_password_must_be_changed_before_anything_else(app, make):
    user = create_user(
        {"username": "zhou", "name": "周", "password": PASSWORD, "roles": ["worker"], "must_change_password": True}
    )
    client = app.test_client()
    assert client.post("/login", data={"username": "zhou", "password": PASSWORD}).location == "/"
    for path in ("/", "/proposals/", "/account/tokens", "/notifications"):
        response = client.get(path)
        assert response.status_code == 302 and response.location == "/account/password", path
    assert client.post("/proposals/new", data={}).status_code == 303
    page = client.get("/account/password").get_data(as_text=True)
    assert "您的密码是初始密码，请先设置自己的密码再继续。" in page
    assert client.get("/logout").status_code == 200  # logging out stays possible
    changed = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": STRONG, "new_password_again": STRONG}
    )
    assert changed.status_code == 302 and changed.location == "/"
    assert client.get("/").status_code == 200
    db.session.refresh(user)
    assert not user.must_change_password
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "user.password_change"


def test_the_api_gives_no_token_for_an_initial_password(app):
    create_user(
        {"username": "zhou", "name": "周", "password": PASSWORD, "roles": ["worker"], "must_change_password": True}
    )
    response = app.test_client().post("/api/v1/auth/token", json={"username": "zhou", "password": PASSWORD})
    assert response.status_code == 403
    assert response.json["error"] == "该账号使用的是初始密码，请先在网页上登录并修改密码。"


def test_the_api_may_mark_a_password_initial(app, make):
    admin = make.user("union_admin")
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": admin.username, "password": PASSWORD}).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    body = {"name": "某", "password": STRONG, "roles": ["worker"]}
    assert client.post("/api/v1/users", json={**body, "username": "a1"}, headers=auth).status_code == 201
    marked = {**body, "username": "a2", "must_change_password": True}
    assert client.post("/api/v1/users", json=marked, headers=auth).status_code == 201
    rows = db.session.execute(select(User.username, User.must_change_password).where(User.username.like("a%")))
    flags = dict(rows.all())
    assert flags == {"a1": False, "a2": True}


def test_the_admin_page_marks_or_generates_an_initial_password(app, make):
    admin = make.user("union_admin")
    worker = make.user("worker")
    client = app.test_client()
    client.post("/login", data={"username": admin.username, "password": PASSWORD})
    client.post(
        "/admin/users/new",
        data={"username": "hu", "name": "胡", "password": STRONG, "roles": "worker", "must_change_password": "y"},
    )
    assert db.session.scalar(select(User.must_change_password).where(User.username == "hu")) is True
    generated = client.post(f"/admin/users/{worker.id}/password", data={"password": ""})
    assert generated.status_code == 200 and generated.headers["Cache-Control"] == "no-store"
    page = generated.get_data(as_text=True)
    shown = page.split('id="generated-password"')[1].split("<code>")[1].split("</code>")[0]
    db.session.refresh(worker)
    assert worker.check_password(shown) and worker.must_change_password
    assert passwords.problems(shown, worker.username) == []
    reset_password(worker, {"password": STRONG})
    assert not worker.must_change_password
