"""Signing in through an OpenID Connect provider in a real browser: the login page's button, the provider's
own login page (node's oidc-provider, tests/oidc_provider.py), and back, logged in; an unknown person is
told why not, in Chinese. The app is served here with the provider configured (CSRF on)."""

import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from proposals import create_app
from proposals.extensions import db
from proposals.operations import seed_default_categories

from .. import databases
from ..conftest import Factory, app_config
from .conftest import DESKTOP, LiveServer


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory, oidc_provider) -> Iterator[LiveServer]:
    url = databases.fresh_url(tmp_path_factory.mktemp("sso"), own="sso")
    config = app_config(
        url,
        WTF_CSRF_ENABLED=True,
        OIDC_PROVIDERS={"sso": oidc_provider.settings(match="employee_no")},
        OUTBOUND_NO_PROXY="127.0.0.1,localhost",
    )
    app = create_app(config)
    with app.app_context():
        databases.reset(db)
        seed_default_categories()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="sso-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        with app.app_context():
            databases.dispose(db)


@pytest.fixture
def page(browser, sso_server):
    context = browser.new_context(base_url=sso_server.url, viewport=DESKTOP, locale="zh-CN", service_workers="block")
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def worker_with_employee_no(employee_no: str) -> str:
    user = Factory().user("worker", name="李四")
    user.employee_no = employee_no
    db.session.commit()
    return user.name


def at_the_provider(page, login: str, password: str) -> None:
    page.goto("/login")
    page.get_by_role("link", name="使用公司统一身份认证登录").click()
    expect(page.get_by_role("heading", name="测试身份认证中心")).to_be_visible()
    page.get_by_label("账号").fill(login)
    page.get_by_label("口令").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_person_signs_in_at_the_providers_page(page, sso_server, oidc_provider):
    name = sso_server.run(worker_with_employee_no, "E1002")  # lisi.sso's employee number there
    at_the_provider(page, "lisi.sso", oidc_provider.accounts["lisi.sso"]["password"])
    page.wait_for_url(f"{sso_server.url}/")
    expect(page.get_by_text(name).first).to_be_visible()
    page.goto("/account/tokens")
    expect(page).to_have_url(f"{sso_server.url}/account/tokens")  # logged in: the account page opens


def test_an_unknown_person_is_told_why_not(page, sso_server, oidc_provider):
    at_the_provider(page, "wangwu", oidc_provider.accounts["wangwu"]["password"])
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("本系统中没有与您的公司统一身份认证账号对应的账号")
    page.goto("/account/tokens")
    expect(page).to_have_url(f"{sso_server.url}/login?next=%2Faccount%2Ftokens")
