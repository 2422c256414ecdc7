"""Activation codes: imported people get no password (none hashed); an administrator issues codes (page,
API, command line), prints or sends them; a person sets their own password with a code once, before it
expires, throttled like logins, and every step is on the audit log. The code itself is kept nowhere."""

import csv
import io
import re
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from proposals.auth import activation
from proposals.closure.outbox import send_pending
from proposals.extensions import db
from proposals.models import AuditEntry, LoginAttempt, Notification, User
from proposals.operations import clock
from proposals.reports import audit_log

from .conftest import get_user
from .helpers import api_client, login

NOW = datetime(2026, 3, 2, 1, 0)
NEW = "Xin-Mima-2026!"
ROSTER = [
    ["username", "name", "roles", "department", "department_name", "email", "mobile"],
    ["wang", "王五", "worker", "HR", "人力资源部", "wang@union.example.cn", "13800138000"],
    ["li", "李四", "delegate", "HR", "", "", ""],
    ["zhao", "赵六", "worker", "", "", "", ""],
]


@pytest.fixture
def at(monkeypatch):
    """Set the clock the operations read: at(moment)."""
    moment = {"now": NOW}
    monkeypatch.setattr(clock, "utcnow", lambda: moment["now"])
    return lambda when: moment.update(now=when)


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def imported(runner, tmp_path, rows=ROSTER, *options):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes(rows))
    result = runner.invoke(args=["import-roster", str(path), *(options or ["--no-codes"])])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def people(runner, tmp_path, at):
    imported(runner, tmp_path)
    db.session.expire_all()
    return get_user("wang"), get_user("li"), get_user("zhao")


def issue(*users, how="api"):
    issued = activation.issue([u.id for u in users], actor=None, how=how)
    db.session.commit()
    return {one.username: one.code for one in issued}


def activate(client, username, code, password=NEW, again=None, address=None):
    data = {"username": username, "code": code, "new_password": password, "new_password_again": again or password}
    environ = {"environ_base": {"REMOTE_ADDR": address}} if address else {}
    return client.post("/activate", data=data, **environ)


def page_text(response) -> str:
    return response.get_data(as_text=True)


# -- the import hashes no password -------------------------------------------------------------------


def test_imported_people_get_no_password_and_no_hashing(runner, tmp_path, monkeypatch, at):
    hashed = []
    monkeypatch.setattr(User, "set_password", lambda self, password: hashed.append(password))
    result = imported(runner, tmp_path)
    assert hashed == []  # not one row paid for scrypt
    db.session.expire_all()
    wang = get_user("wang")
    assert wang.password_hash is None and not wang.must_change_password and wang.mobile == "13800138000"
    assert wang.roles == {"worker"} and wang.department.code == "HR"
    assert activation.awaiting_count() == 3
    assert "3" in result.output and "issue-activation-codes" in result.output  # --no-codes: issue them later
    created = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "user.create"))
    assert created == 3  # one audit row per person, written in bulk
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import.roster"))


def test_the_import_issues_codes_for_its_new_people(runner, tmp_path, at):
    result = imported(runner, tmp_path, ROSTER, "--address", "https://x.cn/")
    printed = dict(line.split("\t") for line in result.output.splitlines() if "\t" in line)
    assert set(printed) == {"wang", "li", "zhao"}
    db.session.expire_all()
    wang = get_user("wang")
    assert wang.password_hash is None and wang.activation_code_hash == activation.digest(printed["wang"])
    assert wang.activation_expires_at == NOW + timedelta(days=14)
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.create", AuditEntry.target_id == wang.id)
    )
    assert entry.details["activation_code"] is True and printed["wang"] not in str(entry.details)
    assert "activation_salt" not in entry.details and "activation_code_hash" not in entry.details


def test_a_row_with_a_password_still_gets_it(runner, tmp_path, at):
    rows = [["username", "name", "roles", "password"], ["qian", "钱七", "worker", "S3cret-Pass!"]]
    imported(runner, tmp_path, rows)
    qian = get_user("qian")
    assert qian.check_password("S3cret-Pass!") and activation.awaiting_count() == 0


def test_the_page_refuses_more_rows_than_a_request_holds_and_names_the_command(app, client, make):
    app.config["IMPORT_PAGE_MAX_ROWS"] = 2
    app.config["IMPORT_QUEUE"] = False  # as on SQLite: no task queue takes it (tests/test_import_jobs.py)
    login(client, make.user("union_admin"))
    before = db.session.scalar(select(func.count()).select_from(User))
    response = client.post(
        "/imports/roster",
        data={"roster-file": (io.BytesIO(csv_bytes(ROSTER)), "roster.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "flask --app proposals import-roster" in page_text(response) and "最多" in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(User)) == before


# -- issuing -------------------------------------------------------------------------------------------


def test_the_api_issues_codes_once_and_keeps_only_their_hmac(client, make, people):
    wang, li, zhao = people
    api = api_client(client).as_(make.user("union_admin"))
    response = api.post("/users/activation-codes", json={"user_ids": [wang.id, li.id]})
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert body["count"] == 2 and body["sent"] is None
    codes = {c["username"]: c["code"] for c in body["codes"]}
    assert set(codes) == {"wang", "li"} and re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", codes["wang"])
    db.session.expire_all()
    wang = get_user("wang")
    plain = activation.normalised(codes["wang"])
    stored = " ".join(str(v) for v in vars(wang).values())
    assert codes["wang"] not in stored and plain not in stored
    assert wang.activation_code_hash == activation.digest(codes["wang"])
    # nothing of it in the log
    details = " ".join(str(e.details) for e in db.session.scalars(select(AuditEntry)))
    assert plain not in details and codes["wang"] not in details
    issued = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "user.activation_code_issued")
    assert db.session.scalar(issued) == 2
    # every one awaiting: the three
    everyone = api.post("/users/activation-codes", json={"all_awaiting": True})
    assert everyone.status_code == 201 and everyone.json["count"] == 3
    # the account's JSON says nothing of the code
    assert "activation" not in str(api.get(f"/users/{wang.id}").json)


@pytest.mark.parametrize(
    "body",
    [{}, {"user_ids": [1], "all_awaiting": True}, {"user_ids": []}, {"user_ids": ["x"]}, {"user_ids": [999999]}],
)
def test_a_bad_request_changes_nothing(client, make, people, body):
    api = api_client(client).as_(make.user("union_admin"))
    before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = api.post("/users/activation-codes", json=body)
    assert response.status_code == 422 and response.json["error"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert db.session.scalar(select(func.count()).select_from(User).where(User.activation_code_hash.is_not(None))) == 0


def test_a_disabled_account_gets_no_code_and_others_may_not_issue(client, make, people):
    wang, _li, _zhao = people
    wang.active = False
    db.session.commit()
    api = api_client(client)
    refused = api.as_(make.user("union_admin")).post("/users/activation-codes", json={"user_ids": [wang.id]})
    assert refused.status_code == 422 and str(wang.id) in refused.json["error"] + str(refused.json)
    for role in ("worker", "committee", "leader"):
        assert api.as_(make.user(role)).post("/users/activation-codes", json={"all_awaiting": True}).status_code == 403
    assert activation.awaiting_count() == 2 and get_user("li").activation_code_hash is None


def test_the_page_prints_slips_with_codes_that_work(app, client, make, people):
    login(client, make.user("union_admin"))
    page = client.get("/admin/users/activation-codes")
    assert page.status_code == 200 and "3 人待激活" in page_text(page) and "wang" in page_text(page)
    assert "/admin/users/activation-codes" in page_text(client.get("/admin/users"))
    response = client.post(
        "/admin/users/activation-codes", data={"who": "chosen", "usernames": "wang、li", "how": "pdf"}
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "激活码" in text and "王五" in text and "李四" in text and "赵六" not in text
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", text).group(0)
    db.session.expire_all()
    owner = "wang" if get_user("wang").activation_code_hash == activation.digest(code) else "li"
    fresh = app.test_client()
    assert activate(fresh, owner, code).status_code == 302


def test_the_page_refuses_unknown_user_names(client, make, people):
    login(client, make.user("union_admin"))
    response = client.post(
        "/admin/users/activation-codes", data={"who": "chosen", "usernames": "wang, nobody", "how": "pdf"}
    )
    assert response.status_code == 422 and "nobody" in page_text(response)
    assert get_user("wang").activation_code_hash is None


def test_codes_are_sent_by_mail_and_work_from_the_link(app, smtp, client, make, people):
    login(client, make.user("union_admin"))
    response = client.post("/admin/users/activation-codes", data={"who": "all", "how": "send"})
    assert response.status_code == 302
    shown = page_text(client.get("/admin/users/activation-codes"))
    assert "已发出" in shown or "发出" in shown
    assert "2 人无法送达" in shown  # li and zhao have no address: no code was issued them
    db.session.expire_all()
    assert get_user("li").activation_code_hash is None
    assert send_pending().sent == 1
    [(to, message)] = smtp.received
    body = message.get_content()
    assert to == ["wang@union.example.cn"] and "激活码" in body
    link = re.search(r"http://tian\.example\.cn(/activate/[A-Z2-9]+)", body).group(1)
    code = re.search(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", body).group(0)
    assert link.endswith(activation.normalised(code))
    fresh = app.test_client()
    form = fresh.get(link)
    assert form.status_code == 200 and "wang" in page_text(form)
    done = fresh.post(link, data={"new_password": NEW, "new_password_again": NEW})
    assert done.status_code == 302 and done.location == "/login"
    assert get_user("wang").check_password(NEW)
    # the notification the person can read names no code; nor does anything the administrators read
    notice = db.session.scalar(select(Notification).where(Notification.event == "activation_code"))
    assert notice is not None
    listed = str(api_client(app.test_client()).as_(get_user("wang")).get("/notifications").json)
    assert "激活码" in listed and code not in listed and activation.normalised(code) not in listed
    for page in ("/admin/users/activation-codes", "/admin/audit", f"/admin/users/{get_user('wang').id}"):
        shown = page_text(client.get(page))
        assert code not in shown and activation.normalised(code) not in shown, page
    again = fresh.get(link)
    assert again.status_code == 404 and "已经使用" in page_text(again)


# -- using a code ----------------------------------------------------------------------------------------


def test_a_code_sets_the_password_once(app, client, people):
    wang, _li, _zhao = people
    codes = issue(wang)
    response = activate(client, "wang", codes["wang"].lower().replace("-", " "))  # as typed, loosely
    assert response.status_code == 302 and response.location == "/login"
    db.session.expire_all()
    wang = get_user("wang")
    assert wang.check_password(NEW) and wang.activation_used_at == NOW
    assert client.post("/login", data={"username": "wang", "password": NEW}).status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.activated"))
    assert entry.actor_id == wang.id and entry.details == {"by": "code"}
    # used: refused, said so, nothing changed
    hashed = wang.password_hash
    again = activate(app.test_client(), "wang", codes["wang"], password="Anders-2026!x")
    assert again.status_code == 409 or again.status_code == 422
    assert "已经使用" in page_text(again)
    db.session.expire_all()
    assert get_user("wang").password_hash == hashed
    assert activation.awaiting_count() == 2


def test_an_expired_code_is_refused_and_changes_nothing(client, people, at):
    wang, _li, _zhao = people
    codes = issue(wang)
    at(NOW + timedelta(days=15))
    response = activate(client, "wang", codes["wang"])
    assert response.status_code == 422 and "已过期" in page_text(response)
    assert get_user("wang").password_hash is None


def test_a_new_code_replaces_the_old(client, people):
    wang, _li, _zhao = people
    old = issue(wang)["wang"]
    new = issue(wang)["wang"]
    assert old != new
    assert activate(client, "wang", old).status_code == 422
    assert activate(client, "wang", new).status_code == 302


def test_someone_elses_code_or_a_wrong_one_is_refused_alike(client, people):
    wang, li, _zhao = people
    codes = issue(wang, li)
    for username, code in (("wang", codes["li"]), ("wang", "AAAA-BBBB-CCCC"), ("nobody", codes["wang"])):
        response = activate(client, username, code)
        assert response.status_code == 422 and "用户名或激活码不正确" in page_text(response)
    assert get_user("wang").password_hash is None and get_user("li").password_hash is None


def test_a_weak_password_is_refused_and_the_code_stays_usable(client, people):
    wang, _li, _zhao = people
    code = issue(wang)["wang"]
    weak = activate(client, "wang", code, password="password1")
    assert weak.status_code == 422 and get_user("wang").password_hash is None
    differ = activate(client, "wang", code, password=NEW, again=NEW + "x")
    assert differ.status_code == 422
    assert activate(client, "wang", code).status_code == 302


def test_tries_are_throttled_like_logins(app, client, people):
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT=3, LOGIN_FAILURES_PER_ADDRESS=5)
    wang, _li, _zhao = people
    code = issue(wang)["wang"]
    for _ in range(3):
        assert activate(client, "wang", "AAAA-BBBB-CCCC").status_code == 422
    throttled = activate(client, "wang", code)
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers and "分钟" in page_text(throttled)
    assert get_user("wang").password_hash is None
    # the right code from elsewhere still works: the name is locked for the failing address only
    assert activate(app.test_client(), "wang", code, address="10.0.0.9").status_code == 302
    tried = db.session.scalar(
        select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == "activate:wang")
    )
    assert tried == 4


def test_links_are_throttled_by_address(app, client, people):
    app.config.update(LOGIN_FAILURES_PER_ADDRESS=3)
    for n in range(3):
        assert client.get(f"/activate/WRONGCODE{n}").status_code == 404
    assert client.get("/activate/WRONGCODE9").status_code == 429


def test_the_login_page_links_to_activation(client):
    assert 'href="/activate"' in page_text(client.get("/login"))
    assert client.get("/activate").status_code == 200


def test_the_audit_log_names_each_step(client, people):
    wang, _li, _zhao = people
    code = issue(wang)["wang"]
    activate(client, "wang", "AAAA-BBBB-CCCC")
    activate(client, "wang", code)
    actions = {row.action for row in db.session.scalars(select(AuditEntry))}
    assert {
        "user.create",
        "import.roster",
        "user.activation_code_issued",
        "activation_codes.issue",
        "user.activated",
    } <= actions
    for action in actions:
        assert action in audit_log.ADMIN_ACTIONS, action


# -- the command line -----------------------------------------------------------------------------------


def test_the_command_lists_codes_once_or_writes_slips(runner, app, people, tmp_path):
    result = runner.invoke(args=["issue-activation-codes", "wang", "zhao"])
    assert result.exit_code == 0, result.output
    lines = dict(line.split("\t")[:2] for line in result.output.splitlines() if "\t" in line)
    assert set(lines) == {"wang", "zhao"}
    db.session.expire_all()
    assert get_user("zhao").activation_code_hash == activation.digest(lines["zhao"])
    slips = tmp_path / "slips.pdf"
    result = runner.invoke(args=["issue-activation-codes", "--all-awaiting", "--slips", str(slips)])
    assert result.exit_code == 0, result.output
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(slips.read_bytes())).pages)
    assert "王五" in text and "李四" in text and "赵六" in text and "/activate" in text
    assert runner.invoke(args=["issue-activation-codes"]).exit_code != 0
    assert runner.invoke(args=["issue-activation-codes", "nobody"]).exit_code != 0
