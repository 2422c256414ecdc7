"""Login throttling: too many failures for a user name or from an address, and the next attempts are
refused unchecked, on the login page and for API tokens alike, across processes (it is in the database)."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from proposals import create_app
from proposals.closure.tick import tick
from proposals.extensions import db
from proposals.models import LoginAttempt, User
from proposals.models.base import utcnow

from .conftest import PASSWORD
from .helpers import api_client, logged_in
from .helpers import sign_in as login

LIMITS = {"LOGIN_FAILURES_PER_ACCOUNT": 3, "LOGIN_FAILURES_PER_ADDRESS": 5, "LOGIN_FAILURE_WINDOW_MINUTES": 15}


@pytest.fixture(autouse=True)
def _limits(app):
    app.config.update(LIMITS)


def age(minutes: float = 0, *, days: float = 0, only=None) -> None:
    """Let time pass for the recorded attempts (all, or those with the ids in `only`)."""
    for attempt in db.session.scalars(select(LoginAttempt)):
        if only is None or attempt.id in only:
            attempt.at -= timedelta(minutes=minutes, days=days)
    db.session.commit()


def attempts() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(LoginAttempt))


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def no_password_checks(monkeypatch):
    """Fail the test if anyone's password is checked from now on."""

    def refuse(self, password):
        raise AssertionError("the password was checked")

    monkeypatch.setattr(User, "check_password", refuse)


def test_after_k_failures_even_the_right_password_is_refused_unchecked(client, make, monkeypatch):
    make.user(username="zhang")
    for _ in range(3):
        response = login(client, "zhang", "wrong password")
        assert response.status_code == 200 and "用户名或密码错误。" in text(response)
    assert attempts() == 3
    monkeypatch.setattr(User, "check_password", lambda self, pw: pytest.fail("the password was checked"))
    response = login(client, "zhang")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert "登录失败次数过多，请 15 分钟后再试。" in text(response)
    assert attempts() == 3  # a refused attempt guessed nothing: not counted, the lock does not grow
    assert not logged_in(client)


def test_an_unknown_user_name_is_throttled_alike(client, make, no_password_checks):
    """The refusal is the same whether the account exists or not: it tells no user names."""
    for _ in range(3):
        login(client, "nobody", "wrong password")
    response = login(client, "nobody")
    assert response.status_code == 429 and "登录失败次数过多，请 15 分钟后再试。" in text(response)


def test_the_lock_is_per_user_name(client, make):
    make.user(username="zhang")
    make.user(username="li")
    for _ in range(3):
        login(client, "zhang", "wrong password")
    assert login(client, "zhang").status_code == 429
    assert login(client, "li").status_code == 302  # another account from the same address is not locked


def test_a_success_resets_the_account_count(client, make):
    make.user(username="zhang")
    for _ in range(2):
        login(client, "zhang", "wrong password")
    assert login(client, "zhang").status_code == 302
    client.post("/logout")
    for _ in range(2):
        assert login(client, "zhang", "wrong password").status_code == 200
    assert login(client, "zhang").status_code == 302


def test_too_many_failures_from_one_address_lock_it_for_every_name(client, make):
    make.user(username="zhang")
    for n in range(5):
        assert login(client, f"guess{n}", "wrong password", address="10.9.9.9").status_code == 200
    assert login(client, "zhang", address="10.9.9.9").status_code == 429
    assert login(client, "zhang", address="10.0.0.2").status_code == 302  # the account itself is fine


def test_the_lock_ends_when_the_failures_leave_the_window(client, make):
    make.user(username="zhang")
    for _ in range(3):
        login(client, "zhang", "wrong password")
    assert login(client, "zhang").status_code == 429
    # 16 minutes pass for the oldest failure only: two remain in the window, one short of the limit
    age(16, only={db.session.scalar(select(func.min(LoginAttempt.id)))})
    assert login(client, "zhang").status_code == 302


def test_the_retry_time_is_when_the_lock_ends(client, make):
    for _ in range(3):
        login(client, "zhang", "wrong password")
    # the failures were 14 minutes ago: one minute to wait
    age(14)
    response = login(client, "zhang")
    assert response.status_code == 429 and 0 < int(response.headers["Retry-After"]) <= 60
    assert "请 1 分钟后再试。" in text(response)


def test_two_processes_share_the_count(app, make):
    """Two application instances (as two gunicorn workers or hosts) on one database."""
    make.user(username="zhang")
    other = create_app({**app.config})
    try:
        first, second = app.test_client(), other.test_client()
        login(first, "zhang", "wrong password")
        login(second, "zhang", "wrong password")
        login(first, "zhang", "wrong password")
        assert login(second, "zhang").status_code == 429
        assert login(first, "zhang").status_code == 429
    finally:
        with other.app_context():
            db.engine.dispose()


# -- the API's token login -------------------------------------------------------------------------


def test_the_api_token_login_is_throttled_with_429_and_retry_after(client, make):
    make.user(username="zhang")
    api = api_client(client)
    for _ in range(3):
        assert api.post("/auth/token", {"username": "zhang", "password": "wrong password"}).status_code == 401
    response = api.post("/auth/token", {"username": "zhang", "password": PASSWORD})
    assert response.status_code == 429
    assert response.json == {"error": "登录失败次数过多，请 15 分钟后再试。", "code": "too_many_attempts"}
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    english = api.post("/auth/token", {"username": "zhang", "password": PASSWORD}, headers={"Accept-Language": "en"})
    assert english.json["error"] == "Too many failed logins. Please try again in 15 minutes."


def test_the_page_and_the_api_count_together(client, make):
    make.user(username="zhang")
    api = api_client(client)
    login(client, "zhang", "wrong password", address="127.0.0.1")
    api.post("/auth/token", {"username": "zhang", "password": "wrong password"})
    login(client, "zhang", "wrong password", address="127.0.0.1")
    assert api.post("/auth/token", {"username": "zhang", "password": PASSWORD}).status_code == 429


# -- purging ---------------------------------------------------------------------------------------


def test_tick_purges_attempts_older_than_kept(app, client, make):
    app.config["LOGIN_ATTEMPTS_KEEP_DAYS"] = 7  # too short: 180 days it is (proposals/closure/retention.py)
    make.user(username="zhang")
    login(client, "zhang", "wrong password")
    login(client, "zhang")
    age(days=179)
    assert tick(utcnow(), mail=False).purged_login_attempts == 0
    age(days=2)
    client.post("/logout")
    login(client, "li", "wrong password")  # a recent one stays
    report = tick(utcnow(), mail=False)
    assert report.purged_login_attempts == 2
    assert db.session.scalars(select(LoginAttempt.username)).all() == ["li"]
