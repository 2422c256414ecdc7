"""What a user does on the pages, in the words the user sees (Simplified Chinese, the default)."""

import re

from axe_playwright_python.base import AXE_SCRIPT
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


def action_button(page: Page, label: str) -> Locator:
    """The proposal page's action-bar button with this visible label (exactly one)."""
    button = page.locator("#actions .action-buttons").get_by_role("button", name=label, exact=True)
    expect(button).to_have_count(1)
    return button


def event_form(page: Page, label: str) -> Locator:
    """The form the action-bar button `label` opens in place (opened if it is not yet)."""
    button = action_button(page, label)
    panel = page.locator("#" + button.get_attribute("aria-controls"))
    if not panel.is_visible():
        button.click()
        expect(panel).to_be_visible()
    return panel


# what the page says happened after each button (the register's `done` sentences, values filled in)
DONE = {
    "附议": "已附议。",
    "退回修改": "已退回提案人修改。",
    "不予立案": "已决定不予立案，并将理由告知提案人。",
    "立案": re.compile(r"^已立案，案号第 \d+ 号。$"),
    "交办": re.compile(r"^已交办给.+。$"),
    "签收": "已签收。",
    "会签": "已会签。",
    "答复": "已答复，并请提案人评价。",
    # the lead's draft of a reply with co-handlers, and the last countersignature, which sends it out
    "拟答复": "已拟写答复稿，请会办部门会签。",
    "会签发出": "已会签：答复已送达提案人。",
    "满意度评价": re.compile(r"^已评价：.+。$"),
}


def fire(page: Page, label: str, fill=None, done: str | None = None) -> None:
    """Press the action-bar button `label`: an event with nothing to fill in is done at once; any other's
    form opens in place, `fill(form)` fills it and its confirming button is pressed. The flash says what
    DONE says of `done` (by default `label`)."""
    button = action_button(page, label)
    if button.get_attribute("aria-controls") is None:
        assert fill is None, f"{label} has nothing to fill in"
        button.click()
    else:
        form = event_form(page, label)
        if fill is not None:
            fill(form)
        form.locator(".action-submit").get_by_role("button").first.click()
    expect_flash(page, DONE[done or label])


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
]
# the lead's draft, which the co-handler's countersignature sends out
TO_REPLIED = [
    *TO_IN_PROGRESS,
    ("reply", "lead", {"text": "已解决。", "outcome": "A"}),
    ("countersign", "cohandler", None),
]


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


# -- accessibility (axe-core, from the axe-playwright-python package on local disk: nothing is fetched) --

FAILING_IMPACTS = ("serious", "critical")


def assert_accessible(page, impacts: tuple[str, ...] | None = FAILING_IMPACTS, rules: tuple[str, ...] = ()) -> None:
    """axe finds nothing of these impacts on the page (None: nothing at all), its hidden forms shown; and
    nothing at all of `rules`, which axe leaves off by default (experimental ones such as
    label-content-name-mismatch), turned on."""
    page.evaluate("document.querySelectorAll('.action-form[hidden]').forEach(form => { form.hidden = false; })")
    page.evaluate("document.querySelectorAll('details').forEach(details => { details.open = true; })")
    page.evaluate(AXE_SCRIPT)
    options = {"resultTypes": ["violations"], "rules": {rule: {"enabled": True} for rule in rules}}
    results = page.evaluate("options => axe.run(document, options)", options)
    failing = [v for v in results["violations"] if impacts is None or v["impact"] in impacts or v["id"] in rules]
    assert not failing, f"axe on {page.url}:\n" + "\n".join(describe(v) for v in failing)


def describe(violation: dict) -> str:
    lines = [f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>"]
    for node in violation["nodes"][:5]:
        lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}")
        lines.extend(f"      {line}" for line in (node.get("failureSummary") or "").splitlines()[1:])
    if len(violation["nodes"]) > 5:
        lines.append(f"    ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)
