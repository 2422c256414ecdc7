"""Sessions end at once: disabling, a password reset or change, and "log out everywhere" end a user's
browser sessions (remember cookies too) and API tokens on their very next request."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from proposals.closure.tick import tick
from proposals.extensions import db
from proposals.models import ApiToken, User
from proposals.models.base import utcnow
from proposals.operations import disable_user, reset_password
from proposals.operations.accounts import log_out_everywhere

from .conftest import PASSWORD
from .helpers import api_client, logged_in, token_for
from .helpers import sign_in as login


def token_works(client, secret: str) -> bool:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


@pytest.fixture
def zhang(make):
    return make.user("worker", username="zhang")


@pytest.fixture
def devices(app, zhang):
    """Two browsers where zhang is logged in, and an API token of his."""
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        assert login(client, "zhang").status_code == 302
    return first, second, token_for(zhang)


def test_disabling_ends_sessions_and_tokens_on_the_next_request(app, devices, zhang, make):
    first, second, token = devices
    assert logged_in(first) and token_works(first, token)
    make.user("union_admin")  # (not the last administrator)
    disable_user(zhang)
    assert not logged_in(first) and not logged_in(second)
    assert not token_works(first, token)
    assert login(app.test_client(), "zhang").status_code == 200  # and no new login


def test_enabling_again_does_not_revive_old_sessions(devices, zhang, make):
    first, _, token = devices
    disable_user(zhang)
    zhang.active = True
    db.session.commit()
    assert not logged_in(first) and not token_works(first, token)
    assert login(first, "zhang").status_code == 302 and logged_in(first)


def test_a_password_reset_ends_sessions_and_tokens(devices, zhang):
    first, second, token = devices
    reset_password(zhang, {"password": "Xin-Mima-2026"})
    assert not logged_in(first) and not logged_in(second) and not token_works(first, token)
    assert login(first, "zhang", "Xin-Mima-2026").status_code == 302


def test_a_remember_cookie_ends_with_the_sessions(app, zhang):
    client = app.test_client()
    login(client, "zhang", remember="y")
    client.delete_cookie("session")
    assert logged_in(client)  # back by the remember cookie alone
    client.delete_cookie("session")
    reset_password(zhang, {"password": "Xin-Mima-2026"})
    assert client.get_cookie("remember_token") is not None
    assert not logged_in(client)


def test_a_session_id_without_its_epoch_and_login_is_refused(app, zhang):
    """A session from before epochs or server-side logins (or a forged one) is not enough."""
    client = app.test_client()
    login(client, "zhang")
    with client.session_transaction() as session:
        live = session["_user_id"]
    user_id, epoch, key = live.split(":")
    for forged in (user_id, f"{user_id}:{epoch}", f"{user_id}:{epoch}:", f"{user_id}:{epoch}:{key}x"):
        with client.session_transaction() as session:
            session["_user_id"] = forged
        assert not logged_in(client), forged
    with client.session_transaction() as session:
        session["_user_id"] = live
    assert logged_in(client)
    with client.session_transaction() as session:
        session["_user_id"] = f"99999999999999999999:0:{key}"
    assert not logged_in(client)


def test_log_out_everywhere(app, devices, zhang):
    first, second, token = devices
    response = first.post("/account/logout-everywhere")
    assert response.status_code == 302 and response.location == "/login"
    assert "您已退出所有设备上的登录，访问令牌已全部作废。" in first.get("/login").get_data(as_text=True)
    assert not logged_in(first) and not logged_in(second) and not token_works(first, token)


def test_log_out_everywhere_as_an_operation(devices, zhang):
    first, second, token = devices
    log_out_everywhere(zhang)
    assert not logged_in(first) and not logged_in(second) and not token_works(first, token)


# -- changing one's password -----------------------------------------------------------------------


def change(client, current=PASSWORD, new="Geng-Hao-2026!", again=None):
    data = {"current_password": current, "new_password": new, "new_password_again": again or new}
    return client.post("/account/password", data=data)


def test_the_password_page_is_linked_from_the_user_menu(devices):
    first, _, _ = devices
    home = first.get("/").get_data(as_text=True)
    assert '<a class="account-link" href="/account/password">我的账号</a>' in home
    page = first.get("/account/password").get_data(as_text=True)
    assert '<h1 id="password-title">修改密码</h1>' in page
    assert 'autocomplete="current-password"' in page and 'autocomplete="new-password"' in page


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, devices, zhang):
    first, second, token = devices
    response = change(first)
    assert response.status_code == 302 and response.location == "/account/password"
    assert "密码已修改，您在其他设备上的登录已全部退出。" in first.get("/account/password").get_data(as_text=True)
    assert logged_in(first)
    assert not logged_in(second) and not token_works(first, token)
    fresh = app.test_client()
    assert login(fresh, "zhang").status_code == 200  # the old password no longer works
    assert login(fresh, "zhang", "Geng-Hao-2026!").status_code == 302


def test_changing_the_password_keeps_a_remember_cookie_working(app, zhang):
    client = app.test_client()
    login(client, "zhang", remember="y")
    assert change(client).status_code == 302
    client.delete_cookie("session")
    assert logged_in(client)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"current": "wrong password"}, "current_password", "当前密码不正确。"),
        ({"new": "short"}, "new_password", "至少 8 个字符。"),
        ({"new": "zhang"}, "new_password", "至少 8 个字符。"),
        ({"new": "12345678"}, "new_password", "请至少使用大写字母、小写字母、数字、符号中的三类。"),
        ({"new": "Password1"}, "new_password", "该密码过于常见或容易被猜中，请另选一个。"),
        ({"new": "Zhang-2026-ok"}, "new_password", "密码不得包含用户名。"),
        ({"new": PASSWORD}, "new_password", "新密码不能与当前密码相同。"),
        ({"new": "Geng-Hao-2026!", "again": "Geng-Hao-2026?"}, "new_password_again", "两次输入的新密码不一致。"),
        ({"current": ""}, "current_password", "请输入当前密码。"),
    ],
)
def test_a_wrong_change_is_refused_and_changes_nothing(devices, zhang, fields, field, message):
    first, second, token = devices
    hash_before, epoch_before = zhang.password_hash, zhang.session_epoch
    response = change(first, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<p class="field-error" id="{field}-error">{message}</p>' in page
    db.session.refresh(zhang)
    assert (zhang.password_hash, zhang.session_epoch) == (hash_before, epoch_before)
    assert logged_in(first) and logged_in(second) and token_works(first, token)


def test_the_user_name_is_not_a_password(make, app):
    make.user(username="wangxiaoming")
    client = app.test_client()
    login(client, "wangxiaoming")
    for new in ("WangXiaoMing-26", "26!wangxiaoming"):  # nor contain it, whatever the case
        response = change(client, new=new)
        assert response.status_code == 422
        assert "密码不得包含用户名。" in response.get_data(as_text=True)


def test_guessing_the_present_password_is_throttled(app, devices):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = 3
    first, _, _ = devices
    for _ in range(3):
        assert change(first, current="a guess").status_code == 422
    response = change(first)  # even the right one, unchecked
    assert response.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试。" in response.get_data(as_text=True)


def test_the_api_changes_the_password_and_keeps_its_own_token(app, client, devices, zhang):
    first, _, other_token = devices
    api = api_client(client).as_(zhang)
    response = api.post("/me/password", {"current_password": PASSWORD, "new_password": "Geng-Hao-2026!"})
    assert response.status_code == 204
    assert api.get("/me").status_code == 200
    assert not token_works(first, other_token) and not logged_in(first)
    refused = api.post("/me/password", {"current_password": PASSWORD, "new_password": "Ling-Yige-2026"})
    assert refused.status_code == 422 and refused.json["fields"] == {"current_password": "当前密码不正确。"}


# -- my API tokens ---------------------------------------------------------------------------------


def test_the_tokens_page_lists_ones_own_tokens_and_revokes_them(app, devices, zhang, make):
    first, _, token = devices
    other = make.user(username="li")
    token_for(other)
    page = first.get("/account/tokens").get_data(as_text=True)
    mine = db.session.scalars(select(ApiToken).where(ApiToken.user_id == zhang.id)).all()
    assert '<h1 id="tokens-title">我的访问令牌</h1>' in page
    assert [f'id="token-{t.id}"' in page for t in mine] == [True]
    assert page.count('<tr id="token-') == 1  # not li's
    response = first.post(f"/account/tokens/{mine[0].id}/revoke")
    assert response.status_code == 302
    assert not token_works(first, token)
    page = first.get("/account/tokens").get_data(as_text=True)
    assert "访问令牌已作废。" in page and "已于" in page and "作废</button>" not in page


def test_another_users_token_cannot_be_revoked(devices, make):
    first, _, _ = devices
    other = make.user(username="li")
    secret = token_for(other)
    theirs = db.session.scalar(select(ApiToken).where(ApiToken.user_id == other.id))
    assert first.post(f"/account/tokens/{theirs.id}/revoke").status_code == 404
    assert token_works(first, secret)


def test_account_pages_need_a_login(client):
    for path in ("/account/password", "/account/tokens"):
        assert client.get(path).location.startswith("/login")
    assert client.post("/account/logout-everywhere").location.startswith("/login")
    assert db.session.scalar(select(User.id)) is None


def test_tick_purges_tokens_dead_for_longer_than_kept(app, zhang):
    app.config["API_TOKENS_KEEP_DAYS"] = 30
    now = utcnow()
    live, _ = ApiToken.issue(zhang, 24, now=now)
    expired_long_ago, _ = ApiToken.issue(zhang, 1, now=now - timedelta(days=40))
    expired_lately, _ = ApiToken.issue(zhang, 1, now=now - timedelta(days=3))
    revoked_long_ago, _ = ApiToken.issue(zhang, 24 * 365, now=now - timedelta(days=40))
    revoked_long_ago.revoke(now - timedelta(days=31))
    db.session.commit()
    assert tick(now, mail=False).purged_api_tokens == 2
    kept = set(db.session.scalars(select(ApiToken.id)))
    assert kept == {live.id, expired_lately.id}
    assert tick(now, mail=False).purged_api_tokens == 0
