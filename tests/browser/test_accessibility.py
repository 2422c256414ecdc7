"""axe-core on the main pages: no serious or critical violations.

axe.min.js comes from the axe-playwright-python package on local disk and is evaluated in the page:
nothing is fetched from the internet. The action bar's forms (hidden until their button opens them)
are shown first, so their fields are checked too.
"""

import pytest

from .conftest import make_scene, screenshot
from .steps import assert_accessible


@pytest.fixture(scope="module")
def a11y_scene(live_server):
    return live_server.run(make_scene, "review", "in_progress", "replied")


# (name, who is logged in, address: a path, or the state of the proposal whose page it is, with a bare name)
PAGES = [
    ("login", None, "/login"),
    ("login in English", None, "/login?lang=en"),
    ("tasks", "delegate1", "/"),
    ("proposal form", "author", "/proposals/new"),
    ("proposal under review, committee", "committee", "review"),
    ("proposal in progress, lead department", "lead", "in_progress"),
    ("proposal replied, author", "author", "replied"),
    ("proposal list", "committee", "/proposals/"),
    ("public results", "worker", "/public"),
]


@pytest.mark.parametrize(("name", "who", "where"), PAGES, ids=[name for name, _, _ in PAGES])
def test_no_serious_violations(browser, login, live_server, a11y_scene, name, who, where):
    if who is None:
        context = browser.new_context(base_url=live_server.url, locale="zh-CN")
        page = context.new_page()
    else:
        page = login(a11y_scene.usernames[who])
    path = where if where.startswith("/") else f"/proposals/{a11y_scene.proposals[where]}"
    response = page.goto(path)
    assert response.ok, f"{path}: {response.status}"
    try:
        assert_accessible(page)
    finally:
        if who is None:
            context.close()


def test_form_with_errors(login, a11y_scene):
    """The proposal form sent back with its messages next to the fields."""
    page = login(a11y_scene.usernames["author"])
    page.goto("/proposals/new")
    page.get_by_role("button", name="保存草稿").click()
    page.locator(".field-error").first.wait_for()
    screenshot(page, "form-errors-desktop")
    assert_accessible(page)
