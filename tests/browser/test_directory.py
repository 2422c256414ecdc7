"""Signing in with a company account in a real browser: the login page says it works, the directory
(a real slapd, tests/ldap_server.py) checks the password, and the account made at the first sign-in is
the one the pages show."""

import pytest
from playwright.sync_api import expect

from ..ldap_server import PASSWORD as COMPANY_PASSWORD
from ..ldap_server import Directory
from .conftest import DESKTOP, screenshot


@pytest.fixture
def company_directory(live_server, slapd):
    """The served app signing in through the test directory, for this test only."""
    directory = Directory(slapd).load()
    settings = directory.config()
    before = {key: live_server.app.config.get(key) for key in settings}
    live_server.app.config.update(settings)
    yield directory
    live_server.app.config.update(before)


def test_a_company_account_signs_in_on_the_login_page(browser, live_server, company_directory):
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="zh-CN", service_workers="block")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        page.goto("/login")
        expect(page.locator("#login-directory-hint")).to_contain_text("公司账号")
        page.get_by_label("用户名").fill("wangwu")
        page.get_by_label("密码").fill("not the password")
        page.get_by_role("button", name="登录").click()
        expect(page.locator("#login-error")).to_have_text("用户名或密码错误。")
        page.get_by_label("密码").fill(COMPANY_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/login" not in url)
        expect(page.locator(".user-name")).to_have_text("王五")  # the directory's name, on a new account
        screenshot(page, "directory-login")
    finally:
        context.close()
