"""Forgotten passwords: a one-time link mailed through the outbox to a real SMTP server (aiosmtpd), valid
30 minutes, used once, throttled like logins, and the same answer whether or not the account exists."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from proposals.auth import reset
from proposals.closure.outbox import send_pending
from proposals.extensions import db
from proposals.models import ApiToken, AuditEntry, Notification, PasswordReset
from proposals.operations import clock
from proposals.reports import audit_log

from .conftest import PASSWORD
from .helpers import logged_in

NOW = datetime(2026, 3, 2, 1, 0)
NEW = "Xin-Mima-2026!"


@pytest.fixture
def at(monkeypatch):
    """Set the clock the operations read: at(moment)."""
    moment = {"now": NOW}
    monkeypatch.setattr(clock, "utcnow", lambda: moment["now"])

    def set_to(when):
        moment["now"] = when

    return set_to


@pytest.fixture
def zhang(make):
    return make.user("worker", username="zhang", name="张伟", email="zhang@union.example.cn")


def ask(client, login):
    return client.post("/password/forgot", data={"login": login})


def mailed_link(mailbox) -> str:
    [(_to, message)] = mailbox.received[-1:]
    body = message.get_content()
    return re.search(r"http://tian\.example\.cn(/password/reset/\S+)", body).group(1)


def test_without_mail_the_page_says_to_ask_the_administrator(client, zhang):
    page = client.get("/password/forgot").get_data(as_text=True)
    assert "请联系工会办公室（工会管理员）为您重设密码" in page and "<form" not in page.split("<main")[1]
    response = ask(client, "zhang")
    assert response.status_code == 200 and "请联系工会办公室" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0


def test_the_login_page_links_to_it(client):
    assert '<a href="/password/forgot">忘记密码</a>' in client.get("/login").get_data(as_text=True)


def test_a_mailed_link_sets_a_new_password_and_ends_every_session(app, smtp, zhang, make):
    elsewhere = app.test_client()
    assert elsewhere.post("/login", data={"username": "zhang", "password": PASSWORD}).status_code == 302
    _token, api_secret = ApiToken.issue(zhang, 24)
    zhang.email_notifications = False  # a link asked for is mailed all the same
    db.session.commit()
    client = app.test_client()
    response = ask(client, "zhang")
    assert response.status_code == 302 and response.location == "/login"
    assert "重设密码的链接已发送到该邮箱" in client.get("/login").get_data(as_text=True)
    assert send_pending().sent == 1
    [(to, message)] = smtp.received
    assert to == ["zhang@union.example.cn"] and "重设密码" in message.get_content()
    path = mailed_link(smtp)
    secret = path.rsplit("/", 1)[1]
    row = db.session.scalar(select(PasswordReset))
    assert secret not in (row.token_hash, row.salt)  # only its hash is kept

    page = client.get(path)
    assert page.status_code == 200 and "zhang" in page.get_data(as_text=True)
    weak = client.post(path, data={"new_password": "Password1", "new_password_again": "Password1"})
    assert weak.status_code == 422 and "该密码过于常见" in weak.get_data(as_text=True)
    db.session.refresh(zhang)
    assert zhang.check_password(PASSWORD)  # refused: nothing changed, the link still works

    done = client.post(path, data={"new_password": NEW, "new_password_again": NEW})
    assert done.status_code == 302 and done.location == "/login"
    db.session.refresh(zhang)
    assert zhang.check_password(NEW) and not zhang.check_password(PASSWORD)
    assert not logged_in(elsewhere)
    assert ApiToken.find_valid(api_secret) is None
    assert app.test_client().post("/login", data={"username": "zhang", "password": NEW}).status_code == 302
    assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "user.password_reset_by_link"
    admin = make.user("union_admin")
    asked = audit_log.everything(audit_log.parse({"action": "user.password_reset_requested"}).filters, admin)
    assert len(asked) == 1


def test_a_link_works_once(app, smtp, zhang):
    client = app.test_client()
    ask(client, "zhang")
    send_pending()
    path = mailed_link(smtp)
    assert client.post(path, data={"new_password": NEW, "new_password_again": NEW}).status_code == 302
    again = client.post(path, data={"new_password": "Ling-Yige-2026", "new_password_again": "Ling-Yige-2026"})
    assert again.status_code == 404 and "该链接无效或已过期" in again.get_data(as_text=True)
    db.session.refresh(zhang)
    assert zhang.check_password(NEW)


def test_a_link_expires_after_thirty_minutes(app, smtp, zhang, at):
    client = app.test_client()
    ask(client, "zhang")
    send_pending(NOW)
    path = mailed_link(smtp)
    at(NOW + timedelta(minutes=29))
    assert client.get(path).status_code == 200
    at(NOW + timedelta(minutes=30))
    assert client.get(path).status_code == 404
    refused = client.post(path, data={"new_password": NEW, "new_password_again": NEW})
    assert refused.status_code == 404
    db.session.refresh(zhang)
    assert zhang.check_password(PASSWORD)


def test_a_link_not_sent_before_it_expired_is_not_sent(app, smtp, zhang, at):
    ask(app.test_client(), "zhang")
    report = send_pending(NOW + timedelta(minutes=31))
    assert report.sent == 0 and report.failed == 1 and smtp.received == []


def test_a_newer_link_replaces_the_older(app, smtp, zhang):
    client = app.test_client()
    ask(client, "zhang")
    send_pending()
    first = mailed_link(smtp)
    ask(client, "zhang")
    send_pending()
    second = mailed_link(smtp)
    assert first != second
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200


def test_unknown_accounts_get_the_same_answer(app, smtp, zhang, make):
    make.user("worker", username="li", name="李四")  # no email address
    make.user("worker", username="off", name="停用", email="off@union.example.cn").active = False
    db.session.commit()
    answers = []
    for login in ("zhang", "nobody", "li", "off", "nobody@union.example.cn"):
        client = app.test_client()
        response = ask(client, login)
        answers.append((response.status_code, response.location, client.get("/login").get_data(as_text=True)))
    assert all(answer == answers[0] for answer in answers)
    assert [n.user_id for n in db.session.scalars(select(Notification))] == [zhang.id]


def test_an_email_address_names_the_account(app, smtp, zhang):
    ask(app.test_client(), "ZHANG@union.example.cn")
    assert send_pending().sent == 1 and smtp.received[0][0] == ["zhang@union.example.cn"]


def test_requests_are_throttled_per_account_and_per_address(app, smtp, zhang):
    app.config.update(LOGIN_FAILURES_PER_ACCOUNT=2, LOGIN_FAILURES_PER_ADDRESS=5)
    client = app.test_client()
    assert [ask(client, "zhang").status_code for _ in range(3)] == [302, 302, 429]
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 2
    third = ask(client, "nobody")
    assert third.status_code == 302  # another account: its own count
    assert [ask(client, f"ghost{i}").status_code for i in range(3)] == [302, 302, 429]  # the address: 5 in all
    refused = ask(client, "ghost9")
    assert refused.status_code == 429 and "请求次数过多" in refused.get_data(as_text=True)


def test_an_empty_request_is_refused(app, smtp):
    response = ask(app.test_client(), "")
    assert response.status_code == 422 and "请输入用户名或电子邮箱。" in response.get_data(as_text=True)


def test_the_pages_speak_english_on_request(app, smtp, zhang):
    client = app.test_client()
    page = client.get("/password/forgot?lang=en").get_data(as_text=True)
    assert "User name or email address" in page
    assert "This link is invalid or has expired." in client.get("/password/reset/nothing").get_data(as_text=True)


def test_a_link_of_a_disabled_account_does_not_work(app, zhang):
    _link, secret = reset.new_link(zhang, "127.0.0.1")
    zhang.active = False
    db.session.commit()
    assert app.test_client().get(f"/password/reset/{secret}").status_code == 404


def test_tick_purges_links_a_day_after_they_ended(app, zhang):
    from proposals.closure.tick import tick

    reset.new_link(zhang, "127.0.0.1", NOW)
    db.session.commit()
    assert tick(NOW + timedelta(hours=23), mail=False).purged.reset_links == 0
    assert tick(NOW + timedelta(days=1, minutes=31), mail=False).purged.reset_links == 1
    assert db.session.scalar(select(func.count(PasswordReset.id))) == 0


def test_the_notification_list_tells_of_the_link(app, smtp, zhang):
    ask(app.test_client(), "zhang")
    client = app.test_client()
    client.post("/login", data={"username": "zhang", "password": PASSWORD})
    page = client.get("/notifications").get_data(as_text=True)
    assert "重设密码的链接已发送到您的电子邮箱。如果不是您本人申请的，请告知工会办公室。</span>" in page
    assert "/password/reset/" not in page
