"""The Content-Security-Policy in a real browser: the main pages load without a single violation, the
one script (similar-title detection, static/js/similar.js) still works, and injected inline script is
refused."""

import pytest
from playwright.sync_api import expect

from .conftest import make_scene

# recorded from the start of every document (an init script is the browser's own, outside the policy)
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", event => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sample);
});
"""


@pytest.fixture(scope="module")
def csp_scene(live_server):
    return live_server.run(make_scene, "review", "replied")


@pytest.fixture
def watched(login):
    """login(username) -> a page whose console errors, page errors and CSP violations are collected."""
    problems: list[str] = []

    def watched_login(username: str):
        page = login(username)
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        return page

    return watched_login, problems


def violations(page) -> list[str]:
    return page.evaluate("window.__violations || ['the recorder did not run']")


PAGES = {
    "author": ["/", "/proposals/", "/proposals/new", "replied", "/notifications", "/public", "/account/password"],
    "committee": ["/review", "review", "/dashboard/", "/reports/", "/account/tokens", "/account/second-factor"],
    "admin": ["/admin/", "/admin/users", "/admin/calendar"],
}


@pytest.mark.parametrize("who", sorted(PAGES))
def test_the_main_pages_break_no_rule(watched, csp_scene, who):
    watched_login, problems = watched
    page = watched_login(csp_scene.usernames[who])
    for where in PAGES[who]:
        path = where if where.startswith("/") else f"/proposals/{csp_scene.proposals[where]}"
        response = page.goto(path)
        assert response.ok, f"{path}: {response.status}"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        page.wait_for_load_state("load")
        assert violations(page) == [], path
    assert problems == []


def test_the_second_factor_set_up_breaks_no_rule(watched, csp_scene):
    """The QR code to scan is inline SVG: drawn without a style or a script the policy would refuse."""
    watched_login, problems = watched
    page = watched_login(csp_scene.usernames["author"])
    page.goto("/account/second-factor")
    page.get_by_role("button", name="设置两步验证").click()
    qr = page.get_by_role("img", name="供身份验证应用扫描的二维码")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] > 100
    assert violations(page) == [] and problems == []


def reset_link() -> str:
    """The address of a fresh forgotten-password link (run in the live server's application)."""
    from proposals.auth.reset import new_link
    from proposals.extensions import db

    from ..conftest import Factory

    _link, secret = new_link(Factory().user("worker", email="csp@example.cn"), "127.0.0.1")
    db.session.commit()
    return f"/password/reset/{secret}"


def test_the_pages_before_login_break_no_rule(browser, live_server):
    link = live_server.run(reset_link)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", service_workers="block")
    context.add_init_script(RECORD_VIOLATIONS)
    problems: list[str] = []
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    try:
        for path in ("/login", "/password/forgot", link):
            response = page.goto(path)
            assert response.ok, f"{path}: {response.status}"
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            page.wait_for_load_state("load")
            assert violations(page) == [], path
        assert page.get_by_role("heading", name="设置新密码").is_visible()
    finally:
        context.close()
    assert problems == []


def test_similar_titles_still_appear_while_typing(watched, csp_scene):
    watched_login, problems = watched
    page = watched_login(csp_scene.usernames["author"])
    page.goto("/proposals/new")
    title = f"处于review状态的提案（{csp_scene.session_id}）"
    page.get_by_label("案由", exact=True).fill(title)
    box = page.locator("#similar-box")
    expect(box.get_by_role("heading", name="已有类似的提案")).to_be_visible()
    expect(box.get_by_role("link", name=title)).to_be_visible()
    assert violations(page) == [] and problems == []


def test_injected_inline_script_is_refused(watched, csp_scene):
    """The check above can fail: an inline script (as an XSS would add) is blocked and reported."""
    watched_login, problems = watched
    page = watched_login(csp_scene.usernames["author"])
    page.goto("/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__violations.length > 0")
    assert page.evaluate("window.__ran === undefined")
    assert violations(page)[0].startswith("script-src")
    assert any("Content Security Policy" in p for p in problems)
