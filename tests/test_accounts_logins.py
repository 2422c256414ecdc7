"""Server-side logins (proposals/auth/sessions.py): logging out ends the login for every copy of its
cookies, an unused login ends after its idle limit, and the retention of login records."""

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from proposals import create_app
from proposals.closure.tick import tick
from proposals.extensions import db
from proposals.models import ApiToken, AuditEntry, LoginAttempt, LoginSession
from proposals.operations import clock
from proposals.operations.accounts import log_out_everywhere

from .conftest import PASSWORD, app_config
from .helpers import Clock, api_client, logged_in
from .helpers import sign_in as login


def cookies_of(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token") if client.get_cookie(name)}


def replay(app, cookies: dict[str, str]):
    """A fresh browser holding copies of these cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


@pytest.fixture
def time(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def zhang(make):
    return make.user("worker", username="zhang")


def test_each_login_is_a_row_on_the_server(client, zhang):
    login(client, "zhang")
    row = db.session.scalar(select(LoginSession))
    assert row.user_id == zhang.id and row.ended_at is None and not row.remember
    key = client.get_cookie("session")
    assert key is not None and row.key_hash not in key.value  # the cookie holds the key, the table its hash


def test_a_copied_session_cookie_stops_working_at_logout(app, client, zhang):
    login(client, "zhang")
    copied = cookies_of(client)
    assert logged_in(replay(app, copied))
    assert client.post("/logout").status_code == 302
    assert not logged_in(client)
    assert not logged_in(replay(app, copied))
    assert db.session.scalar(select(LoginSession.ended_at)) is not None


def test_a_copied_remember_cookie_stops_working_at_logout(app, client, zhang):
    login(client, "zhang", remember="y")
    copied = cookies_of(client)
    assert set(copied) == {"session", "remember_token"}
    alone = {"remember_token": copied["remember_token"]}
    assert logged_in(replay(app, alone))  # the remember cookie alone logs in ...
    client.post("/logout")
    assert not logged_in(replay(app, alone))  # ... until the login it belongs to ends
    assert not logged_in(replay(app, copied))


def test_logging_out_ends_only_that_login(app, zhang):
    first, second = app.test_client(), app.test_client()
    login(first, "zhang")
    login(second, "zhang")
    first.post("/logout")
    assert not logged_in(first) and logged_in(second)


def test_logging_out_everywhere_still_ends_every_login(app, zhang):
    first, second = app.test_client(), app.test_client()
    login(first, "zhang", remember="y")
    login(second, "zhang")
    copied = cookies_of(first)
    log_out_everywhere(zhang)
    assert not logged_in(first) and not logged_in(second)
    assert not logged_in(replay(app, {"remember_token": copied["remember_token"]}))


@pytest.mark.parametrize(("roles", "limit"), [(("worker",), 8 * 60), (("union_admin", "committee"), 30)])
def test_an_unused_login_ends_after_its_idle_limit(app, make, time, roles, limit):
    user = make.user(*roles)
    client = app.test_client()
    login(client, user.username, remember="y")
    time.pass_(minutes=limit - 1)
    assert logged_in(client)  # used: the idle time starts again
    time.pass_(minutes=limit - 1)
    assert logged_in(client)
    time.pass_(minutes=limit + 1)
    response = client.get("/")
    assert response.status_code == 302 and response.location.startswith("/login")
    assert "您长时间未操作，已自动退出登录。" in client.get("/login").get_data(as_text=True)
    client.delete_cookie("session")
    assert not logged_in(client)  # the remember cookie of an ended login is nothing either


def test_the_idle_limits_are_settings(app, zhang, time):
    app.config["SESSION_IDLE_MINUTES"] = 5
    client = app.test_client()
    login(client, "zhang")
    time.pass_(minutes=4)
    assert logged_in(client)
    time.pass_(minutes=6)
    assert not logged_in(client)


def test_a_login_is_not_written_on_every_request(app, client, zhang, time):
    login(client, "zhang")
    seen = db.session.scalar(select(LoginSession.last_seen_at))
    time.pass_(seconds=10)
    assert logged_in(client)
    db.session.expire_all()
    assert db.session.scalar(select(LoginSession.last_seen_at)) == seen
    time.pass_(seconds=60)
    assert logged_in(client)
    db.session.expire_all()
    assert db.session.scalar(select(LoginSession.last_seen_at)) == time.now


# -- retention and tick ----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["AUDIT_KEEP_DAYS", "LOGIN_ATTEMPTS_KEEP_DAYS"])
def test_a_retention_below_180_days_is_raised_at_start(tmp_path, caplog, key):
    url = f"sqlite:///{tmp_path / 'retention.sqlite'}"
    with caplog.at_level(logging.WARNING):
        short = create_app(app_config(url, **{key: 30}))
    assert short.config[key] == 180
    assert f"{key} = 30 is less than the 180 days the records must be kept" in caplog.text
    assert create_app(app_config(url, **{key: 400})).config[key] == 400


def test_tick_purges_old_records_and_says_how_many(app, runner, client, zhang):
    now = clock.utcnow()
    login(client, "zhang")
    client.post("/logout")
    login(client, "zhang", "wrong password")
    db.session.add_all(
        [AuditEntry(at=now - timedelta(days=3 * 365 + 1), action="user.update"), AuditEntry(at=now, action="x")]
    )
    db.session.commit()
    for attempt in db.session.scalars(select(LoginAttempt)):
        attempt.at -= timedelta(days=181)
    db.session.scalar(select(LoginSession)).ended_at -= timedelta(days=181)
    db.session.commit()
    result = runner.invoke(args=["tick", "--no-mail"])
    assert result.exit_code == 0, result.output
    assert "purged: 1 old audit entries, 2 old login attempts, 1 old logins, 0 dead API tokens" in result.output
    assert set(db.session.scalars(select(AuditEntry.action))) == {"user.create", "x"}
    result = runner.invoke(args=["tick", "--no-mail"])
    assert "purged: 0 old audit entries, 0 old login attempts, 0 old logins, 0 dead API tokens" in result.output


def test_records_younger_than_180_days_stay(app, client, zhang):
    login(client, "zhang", "wrong password")
    db.session.add(AuditEntry(at=clock.utcnow() - timedelta(days=179), action="user.update"))
    app.config.update(AUDIT_KEEP_DAYS=1, LOGIN_ATTEMPTS_KEEP_DAYS=1)  # changed after start: still 180
    db.session.commit()
    report = tick(clock.utcnow() + timedelta(days=1), mail=False)
    assert (report.purged.audit_entries, report.purged.login_attempts) == (0, 0)


def test_replaying_a_future_day_deletes_no_live_token_nor_recent_record(app, runner, client, zhang):
    api = api_client(client)
    secret = api.post("/auth/token", {"username": "zhang", "password": PASSWORD}).json["token"]
    login(client, "zhang", "wrong password")
    result = runner.invoke(args=["tick", "--no-mail", "--now", "2040-01-01T09:00"])
    assert result.exit_code == 0, result.output
    assert "purged: 0 old audit entries, 0 old login attempts, 0 old logins, 0 dead API tokens" in result.output
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
    assert db.session.scalar(select(func.count()).select_from(LoginAttempt)) == 2
