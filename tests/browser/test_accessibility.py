"""axe-core on the main pages: no serious or critical violations.

axe.min.js comes from the axe-playwright-python package on local disk and is evaluated in the page:
nothing is fetched from the internet. The action bar's forms (hidden until their button opens them)
are shown first, so their fields are checked too.
"""

import re

import pytest
from sqlalchemy import select

from proposals.extensions import db

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


def _open_vote_with_a_cast_vote(scene) -> None:
    """The scene's session votes today; its two closed proposals are the candidates, delegate1 voted for one."""
    from datetime import timedelta

    from proposals.models import CongressSession, User
    from proposals.operations import cast_vote, update_session
    from proposals.operations.clock import local_date, utcnow

    today = local_date(utcnow())
    session = db.session.get(CongressSession, scene.session_id)
    window = {
        "vote_start": (today - timedelta(days=1)).isoformat(),
        "vote_end": (today + timedelta(days=3)).isoformat(),
    }
    update_session(session, {**window, "vote_limit": 2})
    delegate = db.session.scalar(select(User).where(User.username == scene.usernames["delegate1"]))
    cast_vote(scene.proposals["closed"], delegate)


def test_the_vote_page_with_an_open_vote_and_a_cast_vote(login, live_server):
    """axe on /votes/ with every rule that checks names, label-content-name-mismatch included: the withdraw
    button's accessible name contains its visible label."""
    scene = live_server.run(make_scene, "closed", "archived")
    live_server.run(_open_vote_with_a_cast_vote, scene)
    page = login(scene.usernames["delegate1"])
    page.goto("/votes/")
    withdraw = page.get_by_role("button", name="撤回投票")
    assert withdraw.count() == 1 and withdraw.inner_text().startswith("撤回投票")
    assert page.get_by_role("button", name=re.compile("^投票")).count() == 1
    assert_accessible(page, rules=("label-content-name-mismatch",))
