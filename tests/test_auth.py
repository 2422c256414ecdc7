"""Logging in and out, the home page, and the layout every page shares."""

import re
from pathlib import Path

import pytest
from flask_login import login_required

from proposals import create_app
from proposals.extensions import db

from .conftest import PASSWORD
from .helpers import sign_in as login

ROOT = Path(__file__).resolve().parent.parent


def logged_in(client) -> bool:
    """Whether the client's session belongs to a user (the home page shows it, else sends to login)."""
    return client.get("/").status_code == 200


def text(response) -> str:
    return response.get_data(as_text=True)


# -- the login page -----------------------------------------------------------------------------


def test_login_page_is_in_chinese(client):
    response = client.get("/login")
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="zh-Hans-CN">' in page
    assert '<h1 id="login-title">登录</h1>' in page
    assert '<label class="field-label" for="username">用户名</label>' in page
    assert '<label class="field-label" for="password">密码</label>' in page
    assert 'autocomplete="current-password"' in page
    assert '<a href="/password/forgot">忘记密码</a>' in page


def test_login_succeeds_and_goes_home(client, make):
    make.user("delegate", "committee", username="zhang", name="张伟")
    response = login(client, "zhang")
    assert response.status_code == 302
    assert response.location == "/"
    page = text(client.get("/"))
    assert '<span class="user-name">张伟</span>' in page  # the layout names who is logged in
    assert "职工代表" in page and "提案工作委员会委员" in page  # the home page, in Chinese
    assert 'action="/logout"' in page


@pytest.mark.parametrize(
    ("username", "password"),
    [("zhang", "wrong password"), ("nobody", PASSWORD), ("ZHANG", PASSWORD)],
)
def test_wrong_credentials_are_refused_next_to_the_form(client, make, username, password):
    make.user("worker", username="zhang")
    response = login(client, username, password)
    assert response.status_code == 200
    page = text(response)
    assert '<div class="alert alert-error" role="alert" id="login-error">用户名或密码错误。</div>' in page
    assert page.index("login-error") < page.index('id="username"')  # in the form, above the fields
    assert f'name="username" required spellcheck="false" type="text" value="{username}"' in page
    assert 'value="' + password + '"' not in page  # the password is never sent back
    assert not logged_in(client)


def test_empty_fields_are_named(client):
    page = text(login(client, "", ""))
    assert "请输入用户名。" in page and "请输入密码。" in page
    assert 'aria-describedby="username-error"' in page and 'aria-invalid="true"' in page


def test_a_disabled_user_cannot_log_in(client, make):
    user = make.user("worker", username="retired")
    user.active = False
    db.session.commit()
    page = text(login(client, "retired"))
    assert "此账号已停用，请与工会办公室联系。" in page
    assert not logged_in(client)
    page = text(login(client, "retired", "wrong password"))  # a wrong password learns nothing more
    assert "用户名或密码错误。" in page and "停用" not in page


def test_a_user_disabled_while_logged_in_is_logged_out(client, make):
    user = make.user("worker", username="leaving")
    login(client, "leaving")
    assert logged_in(client)
    user.active = False
    db.session.commit()
    assert not logged_in(client)


def test_stay_logged_in_sets_the_remember_cookie(client, make):
    make.user("worker", username="zhang")
    assert "remember_token" not in login(client, "zhang").headers.get("Set-Cookie", "")
    client.post("/logout")
    response = login(client, "zhang", remember="y")
    assert "remember_token=" in ";".join(response.headers.getlist("Set-Cookie"))


def test_the_login_page_sends_a_logged_in_user_on(client, make):
    make.user("worker", username="zhang")
    login(client, "zhang")
    assert client.get("/login").location == "/"
    assert client.get("/login?next=/proposals/7").location == "/proposals/7"


# -- where to go after logging in ---------------------------------------------------------------


@pytest.mark.parametrize("target", ["/proposals/5", "/proposals/5?tab=reply&page=2", "/"])
def test_login_goes_to_a_local_next(client, make, target):
    make.user("worker", username="zhang")
    page = text(client.get("/login", query_string={"next": target}))
    assert 'name="next" type="hidden" value="' in page
    assert login(client, "zhang", next=target).location == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example/proposals",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "evil.example",
        "/\tevil",
        "/login",
        "/logout",
    ],
)
def test_login_ignores_a_next_that_leaves_the_site(client, make, target):
    make.user("worker", username="zhang")
    response = client.get("/login", query_string={"next": target})
    if "\t" in target:  # no query argument of a page may hold a control character: refused whole
        assert response.status_code == 400
    else:
        assert '<input id="next" name="next" type="hidden" value="">' in text(response)
    assert login(client, "zhang", next=target).location == "/"


def test_a_protected_page_asks_to_log_in_first_and_comes_back(app, client, make):
    app.add_url_rule("/protected", "protected", login_required(lambda: "secret"))
    make.user("worker", username="zhang")
    response = client.get("/protected?x=1")
    assert response.status_code == 302
    assert response.location == "/login?next=%2Fprotected%3Fx%3D1"
    page = text(client.get(response.location))
    assert '<div class="alert alert-info" role="status">请先登录后再访问此页面。</div>' in page
    assert 'value="/protected?x=1"' in page
    assert login(client, "zhang", next="/protected?x=1").location == "/protected?x=1"
    assert text(client.get("/protected?x=1")) == "secret"


# -- the home page and logging out --------------------------------------------------------------


def test_home_sends_anonymous_users_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_the_old_home_address_leads_home(client, make):
    make.user("worker", username="zhang")
    login(client, "zhang")
    assert client.get("/home").location == "/"


def test_logout(client, make):
    make.user("worker", username="zhang")
    login(client, "zhang")
    response = client.post("/logout")
    assert response.status_code == 302 and response.location == "/login"
    assert '<div class="alert alert-success" role="status">您已退出登录。</div>' in text(client.get("/login"))
    assert not logged_in(client)


def test_a_logout_link_asks_first(client, make):
    assert client.get("/logout").location == "/login"
    make.user("worker", username="zhang")
    login(client, "zhang")
    page = text(client.get("/logout"))
    assert "确定要退出登录吗？" in page
    assert logged_in(client)


# -- with CSRF protection on, as in production --------------------------------------------------


@pytest.fixture
def csrf_client(app):
    """A client of a second app on the same database, with CSRF protection on."""
    protected = create_app({**app.config, "WTF_CSRF_ENABLED": True})
    yield protected.test_client()
    with protected.app_context():
        db.engine.dispose()


def csrf_token(page: str) -> str:
    match = re.search(r'<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)">', page)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_the_login_form_carries_a_csrf_token(csrf_client, make):
    make.user("worker", username="zhang")
    token = csrf_token(text(csrf_client.get("/login")))
    response = csrf_client.post("/login", data={"username": "zhang", "password": PASSWORD, "csrf_token": token})
    assert response.location == "/"
    assert csrf_client.get("/").status_code == 200


def test_a_login_without_the_token_is_refused_kindly(csrf_client, make):
    make.user("worker", username="zhang")
    response = csrf_client.post("/login", data={"username": "zhang", "password": PASSWORD, "next": "/proposals/2"})
    assert response.status_code == 302 and response.location == "/login?next=/proposals/2"
    page = text(csrf_client.get(response.location))
    assert '<div class="alert alert-warning" role="alert">页面已过期，请重新操作。</div>' in page
    assert csrf_client.get("/").status_code == 302


def test_logging_out_needs_the_token(csrf_client, make):
    make.user("worker", username="zhang")
    token = csrf_token(text(csrf_client.get("/login")))
    csrf_client.post("/login", data={"username": "zhang", "password": PASSWORD, "csrf_token": token})
    csrf_client.post("/logout")  # e.g. from another site
    assert csrf_client.get("/").status_code == 200
    home = text(csrf_client.get("/"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
    csrf_client.post("/logout", data={"csrf_token": token})
    assert csrf_client.get("/").status_code == 302


# -- the layout ---------------------------------------------------------------------------------


def test_the_layout(client):
    page = text(client.get("/login"))
    assert page.index('<a class="skip-link" href="#main">跳到主要内容</a>') < page.index('<main id="main"')
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<a class="brand" href="/">' in page and "提案管理系统" in page
    assert '<link rel="stylesheet" href="/static/css/app.css">' in page
    assert "<script" not in page and "style=" not in page


def test_the_style_sheet_and_icon_are_served_by_the_app(client):
    css = client.get("/static/css/app.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert '"Microsoft YaHei"' in text(css) and '"PingFang SC"' in text(css)
    css.close()
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    icon.close()


def test_nothing_is_loaded_from_outside():
    files = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "proposals" / "static").rglob("*.*")]
    offenders = [
        f"{f.relative_to(ROOT)}: {m.group(0)}"
        for f in files
        if f.suffix in (".html", ".css", ".js", ".svg")
        for m in re.finditer(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*", f.read_text(encoding="utf-8"))
        if "www.w3.org/" not in m.group(0)  # XML namespaces name, they load nothing
    ]
    assert offenders == []
