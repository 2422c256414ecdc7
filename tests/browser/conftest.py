"""Real-browser tests: the app served by werkzeug on a free local port, driven by Debian's Chromium.

The server, Playwright and the browser live for this package only (scope "package"): Playwright's
sync API marks an asyncio loop as running in the main thread between its calls, which would break
any later test that runs a loop of its own, so it is stopped as soon as the last browser test ends.
Each test makes its own people and proposals through the real operations, and each user gets a
browser context of their own, as on separate devices. CSRF is on: the forms are the real ones.
"""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from proposals import create_app
from proposals.extensions import db
from proposals.operations import seed_default_categories

from .. import databases
from ..conftest import PASSWORD, Cast, Factory, app_config

CHROMIUM = Path("/usr/bin/chromium")
# we run as root on a closed network: no sandbox, and nothing that would try to reach out
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
SCREENS = Path("/tmp/screens")


@dataclass
class LiveServer:
    app: Flask
    url: str

    def run(self, fn: Callable, *args, **kwargs):
        """Call `fn` in an application context of the served app (to make or check data)."""
        with self.app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()


@pytest.fixture(scope="package")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    url = databases.fresh_url(tmp_path_factory.mktemp("live"), own="live")
    app = create_app(app_config(url, WTF_CSRF_ENABLED=True))
    with app.app_context():
        databases.reset(db)
        seed_default_categories()  # as `flask db upgrade` seeds them
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        with app.app_context():
            databases.dispose(db)


@dataclass
class Scene:
    """The people around one proposal (a tests.conftest.Cast), as plain values the test thread can hold."""

    usernames: dict[str, str]
    names: dict[str, str]
    lead_dept: str
    co_dept: str
    session_id: int
    session_name: str
    proposals: dict[str, int]  # state: id of a proposal in that state


def make_scene(*states: str) -> Scene:
    """New people, departments and session, and a proposal in each of `states` (by the operations)."""
    cast = Cast(Factory())
    people = cast.people()
    return Scene(
        usernames={role: user.username for role, user in people.items()},
        names={role: user.name for role, user in people.items()},
        lead_dept=cast.lead_dept.name,
        co_dept=cast.co_dept.name,
        session_id=cast.session.id,
        session_name=cast.session.name,
        proposals={
            state: cast.proposal_in(state, title=f"处于{state}状态的提案（{cast.session.id}）").id for state in states
        },
    )


@pytest.fixture
def scene(live_server) -> Scene:
    return live_server.run(make_scene)


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is not installed at /usr/bin/chromium: run make test-packages (make test does)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def login(browser, live_server):
    """login(username, viewport=DESKTOP, check=None, javascript=True) -> a page of a new browser context, logged
    in through the login page (`check(page)` is called on the login page first)."""
    contexts = []

    def login(username: str, viewport: dict = DESKTOP, check: Callable | None = None, javascript: bool = True):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            locale="zh-CN",
            java_script_enabled=javascript,
            service_workers="block",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login")
        if check is not None:
            check(page)
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    yield login
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    """Keep a picture of the page in /tmp/screens/ for a human to look at."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"{name}.png", full_page=True)
