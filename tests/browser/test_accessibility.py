"""axe-core on the main pages: no serious or critical violations.

axe.min.js comes from the axe-playwright-python package on local disk and is evaluated in the page:
nothing is fetched from the internet. Closed <details> (the event forms) are opened first, so their
fields are checked too.
"""

import pytest
from axe_playwright_python.base import AXE_SCRIPT

from .conftest import make_scene, screenshot

FAILING_IMPACTS = ("serious", "critical")


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


def assert_accessible(page) -> None:
    page.evaluate("document.querySelectorAll('details').forEach(details => { details.open = true; })")
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
    assert not failing, f"axe on {page.url}:\n" + "\n".join(describe(v) for v in failing)


def describe(violation: dict) -> str:
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"]
    for node in violation["nodes"][:5]:
        lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}")
        lines.extend(f"      {line}" for line in (node.get("failureSummary") or "").splitlines()[1:])
    if len(violation["nodes"]) > 5:
        lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
