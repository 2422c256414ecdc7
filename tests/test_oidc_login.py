"""Signing in through an OpenID Connect provider (proposals/auth/providers/oidc.py, proposals/auth/external.py,
proposals/auth/provider_pages.py), against a real provider: node's oidc-provider (tests/oidc_provider.py).

Its accounts (tests/oidc/accounts.json): zhangsan (linked by user name), lisi.sso (by employee number
E1002), wangwu (nobody here), zhaoliu (disabled here), sunqi (whose login there passed a second factor).
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from proposals.auth import providers, totp
from proposals.extensions import db
from proposals.models import AuditEntry, ExternalIdentity, LoginAttempt, User
from proposals.operations import clock

from .conftest import PASSWORD, get_user
from .oidc_provider import app_path, browser

CALLBACK = "http://localhost/login/with/sso/callback"


@pytest.fixture
def app_overrides(oidc_provider) -> dict:
    return {
        "OIDC_PROVIDERS": {
            "sso": oidc_provider.settings(),
            "mfa": oidc_provider.settings(label="统一身份认证（双因素）", second_factor={"amr": ["otp", "mfa"]}),
        },
        "OUTBOUND_NO_PROXY": "127.0.0.1,localhost",
    }


def reconfigure(app, name: str, **settings) -> None:
    app.config["OIDC_PROVIDERS"][name].update(settings)
    providers.init_app(app)


def text(response) -> str:
    return response.get_data(as_text=True)


def sign_in(client, oidc_provider, login: str, provider: str = "sso", http=None, next_: str | None = None):
    """The whole sign-in: our button, the provider's login page, back to our callback; its answer."""
    start = client.get(f"/login/with/{provider}" + (f"?next={next_}" if next_ else ""))
    assert start.status_code == 302, text(start)
    back = oidc_provider.sign_in(start.headers["Location"], login, http=http)
    assert back.startswith(f"http://localhost/login/with/{provider}/callback?"), back
    return client.get(app_path(back))


def whoami(client) -> bool:
    """Whether this browser is logged in (an account page opens)."""
    return client.get("/account/tokens").status_code == 200


def links() -> list[tuple[str, str, str]]:
    rows = db.session.execute(
        select(ExternalIdentity.provider, ExternalIdentity.subject, User.username).join(
            User, User.id == ExternalIdentity.user_id
        )
    )
    return sorted(tuple(row) for row in rows)


def audit_actions() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_the_login_page_offers_the_providers_in_chinese(client):
    page = text(client.get("/login"))
    assert "使用公司统一身份认证登录" in page
    assert "使用统一身份认证（双因素）登录" in page
    assert 'href="/login/with/sso"' in page


def test_the_provider_page_has_a_discovered_authorization_request_with_pkce_state_and_nonce(client, oidc_provider):
    location = client.get("/login/with/sso").headers["Location"]
    assert location.startswith(f"{oidc_provider.issuer}/auth?")
    query = parse_qs(urlsplit(location).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["proposals"]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["code_challenge_method"] == ["S256"]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email"}
    assert len(query["state"][0]) >= 20 and len(query["nonce"][0]) >= 20


def test_a_first_login_links_the_account_of_the_same_user_name(app, client, make, oidc_provider):
    zhang = make.user("worker", username="zhangsan", name="张三")
    response = sign_in(client, oidc_provider, "zhangsan", next_="/account/tokens")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/tokens"
    assert whoami(client)
    assert links() == [("sso", "zhangsan", "zhangsan")]
    assert audit_actions()[-2:] == ["user.external_link", "login.provider"]
    attempt = db.session.scalar(select(LoginAttempt).order_by(LoginAttempt.id.desc()))
    assert (attempt.username, attempt.succeeded) == ("zhangsan", True)
    link = db.session.scalar(select(ExternalIdentity))
    assert link.user_id == zhang.id and link.last_login_at is not None


def test_a_later_login_follows_the_link_not_the_name(app, client, make, oidc_provider):
    make.user("worker", username="zhangsan")
    sign_in(client, oidc_provider, "zhangsan")
    client.post("/logout")
    user = get_user("zhangsan")
    user.username = "zhang.san"  # renamed here: the link still says who it is
    db.session.commit()
    make.user("worker", username="zhangsan")  # and a newcomer took the old name
    response = sign_in(client, oidc_provider, "zhangsan")
    assert response.status_code == 302
    assert links() == [("sso", "zhangsan", "zhang.san")]
    assert audit_actions().count("user.external_link") == 1


def test_a_first_login_links_by_employee_number_where_configured(app, client, make, oidc_provider):
    reconfigure(app, "sso", match="employee_no")
    li = make.user("worker", username="li.si", name="李四")
    li.employee_no = "E1002"
    db.session.commit()
    response = sign_in(client, oidc_provider, "lisi.sso")
    assert response.status_code == 302
    assert links() == [("sso", "lisi.sso", "li.si")]
    assert whoami(client)


def test_an_unknown_person_is_refused_and_nothing_is_created(app, client, make, oidc_provider):
    before = db.session.scalar(select(func.count(User.id)))
    response = sign_in(client, oidc_provider, "wangwu")
    assert response.status_code == 403
    page = text(response)
    assert "本系统中没有与您的公司统一身份认证账号对应的账号，请联系工会办公室为您开通。" in page
    assert db.session.scalar(select(func.count(User.id))) == before
    assert links() == []
    assert not whoami(client)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "login.provider_refused"))
    assert entry.details["reason"] == "unknown" and entry.details["subject"] == "wangwu"
    attempt = db.session.scalar(select(LoginAttempt).order_by(LoginAttempt.id.desc()))
    assert (attempt.username, attempt.succeeded) == ("sso:wangwu", False)


def test_an_unknown_person_gets_an_account_where_the_provider_may_create_them(app, client, oidc_provider):
    reconfigure(app, "sso", create_users=True, roles=["worker"])
    response = sign_in(client, oidc_provider, "wangwu")
    assert response.status_code == 302
    user = get_user("wangwu")
    assert (user.name, user.employee_no, user.roles, user.has_password) == ("王五", "E9999", {"worker"}, False)
    assert links() == [("sso", "wangwu", "wangwu")]
    assert "user.create" in audit_actions()
    # no local password: the password login refuses whatever is typed
    client.post("/logout")
    assert client.post("/login", data={"username": "wangwu", "password": ""}).status_code == 400
    refused = client.post("/login", data={"username": "wangwu", "password": "anything at all"})
    assert refused.status_code == 200 and "用户名或密码错误" in text(refused)


def test_a_disabled_account_is_refused_linked_or_not(app, client, make, oidc_provider):
    zhao = make.user("worker", username="zhaoliu")
    zhao.active = False
    db.session.commit()
    response = sign_in(client, oidc_provider, "zhaoliu")
    assert response.status_code == 403
    assert "此账号已停用，请与工会办公室联系。" in text(response)
    assert links() == []
    assert not whoami(client)
    # linked while active, disabled since
    zhang = make.user("worker", username="zhangsan")
    sign_in(client, oidc_provider, "zhangsan")
    client.post("/logout")
    zhang = get_user("zhangsan")
    zhang.active = False
    db.session.commit()
    assert sign_in(client, oidc_provider, "zhangsan").status_code == 403
    assert not whoami(client)


def test_logout_ends_our_login_and_the_providers(app, client, make, oidc_provider):
    make.user("worker", username="zhangsan")
    at_provider = browser()
    sign_in(client, oidc_provider, "zhangsan", http=at_provider)
    assert whoami(client)
    response = client.post("/logout")
    assert response.status_code == 302
    end_session = response.headers["Location"]
    assert end_session.startswith(f"{oidc_provider.issuer}/session/end?")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["http://localhost/login"]
    assert query["id_token_hint"][0].count(".") == 2
    assert not whoami(client)  # our login ended at once, whatever the provider does next
    assert oidc_provider.log_out(end_session, at_provider).startswith("http://localhost/login")
    # the provider's session is over too: its login page is shown again
    start = client.get("/login/with/sso").headers["Location"]
    page = at_provider.get(start)
    assert 'name="login"' in page.text


def test_a_password_login_logs_out_here_only(app, client, make):
    make.user("worker", username="zhangsan")
    client.post("/login", data={"username": "zhangsan", "password": PASSWORD})
    response = client.post("/logout")
    assert response.headers["Location"] == "/login"


def test_an_answer_with_another_state_is_refused(app, client, make, oidc_provider):
    make.user("worker", username="zhangsan")
    start = client.get("/login/with/sso").headers["Location"]
    back = oidc_provider.sign_in(start, "zhangsan")
    forged = back.replace("state=", "state=x")
    response = client.get(app_path(forged))
    assert response.status_code == 400
    assert "登录应答与本浏览器发起的登录不符，请重新登录。" in text(response)
    assert not whoami(client) and links() == []


def test_an_answer_to_another_browser_is_refused(app, client, make, oidc_provider):
    make.user("worker", username="zhangsan")
    start = client.get("/login/with/sso").headers["Location"]
    back = oidc_provider.sign_in(start, "zhangsan")
    other = app.test_client()  # a victim's browser, given the attacker's answer
    assert other.get(app_path(back)).status_code == 400
    assert not whoami(other) and links() == []


def test_an_id_token_with_another_nonce_is_refused(app, client, make, oidc_provider):
    make.user("worker", username="zhangsan")
    start = client.get("/login/with/sso").headers["Location"]
    state = parse_qs(urlsplit(start).query)["state"][0]
    with client.session_transaction() as session:
        key = f"_state_sso_{state}"
        data = session[key]
        data["data"]["nonce"] = "not-the-nonce-that-was-sent"
        session[key] = data
    response = client.get(app_path(oidc_provider.sign_in(start, "zhangsan")))
    assert response.status_code == 400
    assert "登录应答与本浏览器发起的登录不符，请重新登录。" in text(response)
    assert not whoami(client) and links() == []


def test_a_refusal_at_the_provider_is_said(app, client):
    client.get("/login/with/sso")
    with client.session_transaction() as session:
        state = next(key for key in session if key.startswith("_state_sso_")).removeprefix("_state_sso_")
    response = client.get(f"/login/with/sso/callback?error=access_denied&state={state}")
    assert response.status_code == 400
    assert "登录已在认证服务一方取消或被拒绝。" in text(response)


def test_failed_answers_are_throttled_per_address(app, client, make, oidc_provider):
    app.config["LOGIN_FAILURES_PER_ADDRESS"] = 2
    make.user("worker", username="zhangsan")
    for _ in range(2):
        assert client.get("/login/with/sso/callback?code=x&state=y").status_code == 400
    response = sign_in(client, oidc_provider, "zhangsan")  # a good answer, but from this address, now
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    assert "登录失败次数过多" in text(response)
    assert not whoami(client) and links() == []
    other = app.test_client()
    response = other.get("/login/with/sso", environ_base={"REMOTE_ADDR": "10.0.0.8"})
    back = oidc_provider.sign_in(response.headers["Location"], "zhangsan")
    assert other.get(app_path(back), environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 302


def enable_totp(user) -> None:
    factor = totp.begin(user)
    factor.confirmed_at = clock.utcnow()
    db.session.commit()


def test_a_provider_login_still_asks_the_accounts_own_second_factor(app, client, make, oidc_provider):
    enable_totp(make.user("worker", username="zhangsan"))
    response = sign_in(client, oidc_provider, "zhangsan", next_="/account/tokens")
    assert response.headers["Location"] == "/login/second-factor"
    assert not whoami(client)


def test_a_provider_whose_second_factor_counts_logs_in_at_once(app, client, make, oidc_provider):
    enable_totp(make.user("worker", username="sunqi"))
    response = sign_in(client, oidc_provider, "sunqi", provider="mfa")
    assert response.headers["Location"] == "/"
    # the login passed a second factor: an API token may be made in it
    assert client.post("/account/tokens/new").status_code == 200


def test_the_provider_must_say_the_second_factor_was_passed(app, client, make, oidc_provider):
    enable_totp(make.user("worker", username="zhangsan"))  # zhangsan's login there: a password only
    response = sign_in(client, oidc_provider, "zhangsan", provider="mfa")
    assert response.headers["Location"] == "/login/second-factor"


def test_a_provider_may_be_trusted_for_the_second_factor_of_everybody(app, client, make, oidc_provider):
    reconfigure(app, "sso", second_factor=True)
    enable_totp(make.user("worker", username="zhangsan"))
    assert sign_in(client, oidc_provider, "zhangsan").headers["Location"] == "/"


def test_a_provider_only_person_makes_and_uses_an_api_token(app, client, oidc_provider):
    reconfigure(app, "sso", create_users=True)
    sign_in(client, oidc_provider, "wangwu")
    page = client.post("/account/tokens/new")
    assert page.status_code == 200
    secret = text(page).split('<code class="token-secret">', 1)[1].split("<", 1)[0]
    client.post("/logout")
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.get_json()["username"] == "wangwu"
    # the password exchange has nothing to check for them
    exchange = app.test_client().post("/api/v1/auth/token", json={"username": "wangwu", "password": "x" * 12})
    assert exchange.status_code == 401


def test_an_unknown_provider_is_not_found(client):
    assert client.get("/login/with/nosuch").status_code == 404
    assert client.get("/login/with/nosuch/callback?code=a&state=b").status_code == 404


def test_an_unreachable_provider_is_said(app, client, oidc_provider):
    reconfigure(app, "sso", server_metadata_url="http://127.0.0.1:9/.well-known/openid-configuration")
    response = client.get("/login/with/sso")
    assert response.status_code == 502
    assert "暂时无法连接认证服务，请稍后再试。" in text(response)
