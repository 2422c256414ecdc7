"""What a user does on the pages, in the words the user sees (Simplified Chinese, the default)."""

import re

from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from proposals.extensions import db
from proposals.models import OrgUnit
from proposals.operations import fire_event

from ..conftest import get_user
from .conftest import Scene


def write_and_submit(page: Page, scene: Scene, title: str, check=None) -> str:
    """Fill the proposal form and press 保存并提交; the proposal page's address. `check(page)` looks at each page."""
    check = check or (lambda page: None)
    page.goto("/")
    check(page)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="新建提案").click()
    page.get_by_label("会议届次").select_option(label=scene.session_name)
    page.get_by_label("案由", exact=True).fill(title)
    page.get_by_label("理由", exact=True).fill("夜班职工下班后没有休息的地方，只能在车间角落休息。")
    page.get_by_label("建议措施", exact=True).fill("在二号楼一层腾出两间房，设夜班休息室，配床铺和空调。")
    page.get_by_label("类别", exact=True).select_option(index=1)
    check(page)
    page.get_by_role("button", name="保存并提交").click()
    expect_flash(page, "您的提案已提交。")
    expect_stamp(page, "征集附议")
    check(page)
    return page.url


def proposal_id_of(url: str) -> int:
    """The id in a proposal page's address (/proposals/<id>)."""
    return int(url.rstrip("/").rsplit("/", 1)[1])


def event_form(page: Page, label: str) -> Locator:
    """The event's form (a <details> with the event's label as summary), opened."""
    summary = page.locator("summary").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    details = page.locator("details").filter(has=summary)
    expect(details).to_have_count(1)
    if not details.evaluate("details => details.open"):
        summary.click()
    return details


# what the page says happened after each button (the register's `done` sentences, values filled in)
DONE = {
    "附议": "已附议。",
    "立案": re.compile(r"^已立案，案号第 \d+ 号。$"),
    "交办": re.compile(r"^已交办给.+。$"),
    "签收": "已签收。",
    "会签": "已会签。",
    "答复": "已答复，并请提案人评价。",
    "满意度评价": re.compile(r"^已评价：.+。$"),
}


def fire(page: Page, label: str, fill=None) -> None:
    """Open the event's form, let `fill(form)` fill it, press its button, and see it done."""
    form = event_form(page, label)
    if fill is not None:
        fill(form)
    form.get_by_role("button", name=label, exact=True).click()
    expect_flash(page, DONE[label])


def expect_flash(page: Page, text: str | re.Pattern) -> None:
    expect(page.locator(".flashes").get_by_text(text, exact=True)).to_be_visible()


def expect_stamp(page: Page, text: str) -> None:
    """The proposal's state as its page stamps it."""
    expect(page.locator(".proposal-head").get_by_role("status")).to_have_text(text)


def fits_width(page: Page) -> None:
    """Nothing on the page makes it scroll sideways at the page's viewport width."""
    width = page.viewport_size["width"]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide at a {width}px viewport"


# the steps after submission, for tests whose subject is a later page (the walk does them all on the pages)
TO_IN_PROGRESS = [
    ("cosign", "delegate1", None),
    ("cosign", "delegate2", None),
    ("accept", "committee", None),
    ("assign", "committee", "departments"),
    ("acknowledge", "lead", None),
    ("acknowledge", "cohandler", None),
    ("countersign", "cohandler", None),
]
TO_REPLIED = [*TO_IN_PROGRESS, ("reply", "lead", {"text": "已解决。", "outcome": "A"})]


def advance(proposal_id: int, scene: Scene, steps) -> None:
    """Fire `steps` through the operations, in the served app's context (see LiveServer.run)."""
    units = {unit.name: unit.id for unit in db.session.scalars(select(OrgUnit))}
    departments = {
        "lead_department_id": units[scene.lead_dept],
        "cohandler_department_ids": [units[scene.co_dept]],
    }
    for event, who, payload in steps:
        fire_event(
            proposal_id, event, get_user(scene.usernames[who]), departments if payload == "departments" else payload
        )
