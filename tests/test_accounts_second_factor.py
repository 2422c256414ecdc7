"""The optional second factor (proposals/auth/totp.py, proposals/auth/second_factor.py): enrolment on
the account page, the login step after the password, recovery codes, turning it off, the
configuration that requires it of some roles, and API tokens of such accounts. Codes are made with
pyotp from the secret the application keeps, at moments of a clock moved by hand."""

import re
from datetime import UTC

import pyotp
import pytest
from sqlalchemy import select

from proposals.extensions import db
from proposals.models import ApiToken, AuditEntry, LoginSession, RecoveryCode, SecondFactor

from .conftest import PASSWORD
from .helpers import Clock, api_client, logged_in
from .helpers import sign_in as login


@pytest.fixture
def time(monkeypatch):
    return Clock(monkeypatch)


def code(user, time, offset: int = 0) -> str:
    """The code the user's app shows at the clock's present moment."""
    db.session.expire_all()
    secret = db.session.get(SecondFactor, user.id).secret
    return pyotp.TOTP(secret).at(time.now.replace(tzinfo=UTC), counter_offset=offset)


def text(response) -> str:
    return response.get_data(as_text=True)


def actions() -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("second_factor.%")).order_by(AuditEntry.id)
        )
    )


def enrol(client, user, time) -> list[str]:
    """Set the second factor up on the account page; return the recovery codes shown."""
    assert client.post("/account/second-factor/setup").status_code == 302
    response = client.post("/account/second-factor/confirm", data={"code": code(user, time)})
    assert response.status_code == 200, text(response)
    time.pass_(seconds=30)
    return re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", text(response))


@pytest.fixture
def zhang(make):
    return make.user("worker", username="zhang")


@pytest.fixture
def browser(app, zhang):
    client = app.test_client()
    assert login(client, "zhang").status_code == 302
    return client


def test_enrolment_on_the_account_page(browser, zhang, time):
    page = text(browser.get("/account/second-factor"))
    assert '<h1 id="second-factor-title">两步验证</h1>' in page and "设置两步验证" in page
    assert browser.post("/account/second-factor/setup").status_code == 302
    page = text(browser.get("/account/second-factor"))
    factor = db.session.get(SecondFactor, zhang.id)
    assert factor.confirmed_at is None
    assert '<svg role="img"' in page and "<script" not in page and "style=" not in page
    assert " ".join(factor.secret[i : i + 4] for i in range(0, 32, 4)) in page
    wrong = browser.post("/account/second-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 422 and "验证码不正确，请输入应用当前显示的验证码。" in text(wrong)
    codes = enrol_confirm(browser, zhang, time)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == zhang.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # kept hashed
    assert actions() == ["second_factor.enrol"]
    assert "两步验证已开启" in text(browser.get("/account/second-factor"))
    assert "恢复码剩余：10 个。" in text(browser.get("/account/second-factor"))


def enrol_confirm(client, user, time) -> list[str]:
    response = client.post("/account/second-factor/confirm", data={"code": code(user, time)})
    assert response.status_code == 200
    assert "这些恢复码只显示这一次" in text(response)
    time.pass_(seconds=30)
    return re.findall(r"<li><code>([0-9a-f]{8}-[0-9a-f]{8})</code></li>", text(response))


def test_a_login_asks_for_the_code_after_the_password(app, browser, zhang, time):
    enrol(browser, zhang, time)
    client = app.test_client()
    response = login(client, "zhang", remember="y")
    assert response.status_code == 302 and response.location == "/login/second-factor"
    assert not logged_in(client)  # the password alone is not a login
    page = text(client.get("/login/second-factor"))
    assert "请输入身份验证应用显示的验证码" in page and "<svg" not in page
    wrong = client.post("/login/second-factor", data={"code": "123456"})
    assert wrong.status_code == 422 and not logged_in(client)
    response = client.post("/login/second-factor", data={"code": code(zhang, time)})
    assert response.status_code == 302 and logged_in(client)
    assert client.get_cookie("remember_token") is None  # remember-me is not honoured
    newest = db.session.scalars(select(LoginSession).order_by(LoginSession.id.desc())).first()
    assert newest.second_factor and not newest.remember


def test_a_code_works_once(app, browser, zhang, time):
    enrol(browser, zhang, time)
    first, second = app.test_client(), app.test_client()
    login(first, "zhang")
    login(second, "zhang")
    same = code(zhang, time)
    assert first.post("/login/second-factor", data={"code": same}).status_code == 302
    assert second.post("/login/second-factor", data={"code": same}).status_code == 422
    time.pass_(seconds=30)
    assert second.post("/login/second-factor", data={"code": code(zhang, time)}).status_code == 302


def test_wrong_codes_are_throttled_like_passwords(app, browser, zhang, time):
    enrol(browser, zhang, time)
    client = app.test_client()
    login(client, "zhang")
    for _ in range(5):
        assert client.post("/login/second-factor", data={"code": "000000"}).status_code == 422
    response = client.post("/login/second-factor", data={"code": code(zhang, time)})
    assert response.status_code == 429 and "登录失败次数过多" in text(response)
    login(client, "zhang")  # the right password again does not clear the codes' failures
    assert client.post("/login/second-factor", data={"code": code(zhang, time)}).status_code == 429


def test_a_recovery_code_works_once(app, browser, zhang, time):
    codes = enrol(browser, zhang, time)
    client = app.test_client()
    login(client, "zhang")
    response = client.post("/login/second-factor", data={"code": codes[3].upper()})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200 and "您使用恢复码登录，还剩 9 个。" in text(home)
    assert actions() == ["second_factor.enrol", "second_factor.recovery_code"]
    client.post("/logout")
    login(client, "zhang")
    assert client.post("/login/second-factor", data={"code": codes[3]}).status_code == 422


def test_the_second_step_waits_only_a_few_minutes(app, browser, zhang, time):
    enrol(browser, zhang, time)
    client = app.test_client()
    login(client, "zhang")
    time.pass_(minutes=6)
    response = client.post("/login/second-factor", data={"code": code(zhang, time)})
    assert response.status_code == 302 and response.location == "/login"
    assert "请重新登录。" in text(client.get("/login"))
    assert client.get("/login/second-factor").location == "/login"  # nothing pending: back to the password


def test_turning_it_off_needs_a_code(app, browser, zhang, time):
    enrol(browser, zhang, time)
    refused = browser.post("/account/second-factor/disable", data={"code": "000000"})
    assert refused.status_code == 422 and db.session.get(SecondFactor, zhang.id) is not None
    response = browser.post("/account/second-factor/disable", data={"code": code(zhang, time)})
    assert response.status_code == 302
    assert "两步验证已关闭。" in text(browser.get("/account/second-factor"))
    db.session.expire_all()
    assert db.session.get(SecondFactor, zhang.id) is None
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert actions() == ["second_factor.enrol", "second_factor.disable"]
    client = app.test_client()
    assert login(client, "zhang").location == "/"  # the password alone again


def test_a_remember_cookie_is_not_honoured_once_a_second_factor_is_on(app, zhang, time):
    client = app.test_client()
    login(client, "zhang", remember="y")
    remember = client.get_cookie("remember_token").value
    enrol(client, zhang, time)
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert not logged_in(thief)


# -- required of some roles ------------------------------------------------------------------------


@pytest.fixture
def required(app):
    app.config["SECOND_FACTOR_REQUIRED_ROLES"] = ("union_admin", "committee")


def test_a_role_that_requires_it_enrols_right_after_the_password(app, make, required, time):
    admin = make.user("union_admin", username="wang")
    client = app.test_client()
    response = login(client, "wang")
    assert response.location == "/login/second-factor" and not logged_in(client)
    page = text(client.get("/login/second-factor"))
    assert "您的角色要求登录时使用两步验证，请现在设置。" in page and '<svg role="img"' in page
    response = client.post("/login/second-factor", data={"code": code(admin, time)})
    assert response.status_code == 200 and len(re.findall(r"<li><code>", text(response))) == 10
    assert logged_in(client)
    assert actions() == ["second_factor.enrol"]
    page = text(client.get("/account/second-factor"))
    assert "您的角色要求使用两步验证，不能关闭。" in page
    time.pass_(seconds=30)
    refused = client.post("/account/second-factor/disable", data={"code": code(admin, time)})
    assert refused.status_code == 422 and db.session.get(SecondFactor, admin.id) is not None


def test_other_roles_are_not_asked(app, make, required):
    make.user("worker", username="li")
    assert login(app.test_client(), "li").location == "/"


def test_required_is_off_by_default(app, make):
    make.user("union_admin", username="wang")
    assert login(app.test_client(), "wang").location == "/"


# -- API tokens ------------------------------------------------------------------------------------


def test_a_password_alone_gets_no_api_token(app, client, browser, zhang, time):
    enrol(browser, zhang, time)
    response = api_client(client).post("/auth/token", {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 403 and response.json["code"] == "second_factor_required"
    assert "此账号使用两步验证" in response.json["error"]


def test_an_api_token_is_made_on_the_page_after_the_second_factor(app, browser, zhang, time):
    enrol(browser, zhang, time)
    client = app.test_client()
    login(client, "zhang")
    client.post("/login/second-factor", data={"code": code(zhang, time)})
    response = client.post("/account/tokens/new")
    assert response.status_code == 200
    secret = re.search(r'<code class="token-secret">([^<]+)</code>', text(response))[1]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_a_login_without_the_second_factor_makes_no_token(app, make):
    make.user("union_admin", username="wang")
    client = app.test_client()
    login(client, "wang")  # before the requirement
    app.config["SECOND_FACTOR_REQUIRED_ROLES"] = ("union_admin",)
    assert logged_in(client)  # (it ends when idle)
    assert client.post("/account/tokens/new").status_code == 403
    assert db.session.scalars(select(ApiToken)).all() == []


def test_tokens_are_made_on_the_page_by_accounts_without_a_second_factor_too(browser):
    response = browser.post("/account/tokens/new")
    assert response.status_code == 200 and "新的访问令牌" in text(response)
