"""Each role's main task by the proposal page's buttons, at 1280 px and at 375 px (issue 16): no disclosure
row to open, the main task first, its form opened in place, and axe finding nothing on the pages touched.

The delegate co-signs two clicks from home; the committee accepts and assigns in one form; the lead
department acknowledges and replies; the author rates the reply. A send-back lands on the review list.
"""

import re

import pytest
from playwright.sync_api import expect

from proposals.extensions import db
from proposals.models import Proposal

from .conftest import DESKTOP, PHONE, make_scene, screenshot
from .steps import (
    DONE,
    action_button,
    advance,
    assert_accessible,
    event_form,
    expect_flash,
    expect_stamp,
    fire,
    fits_width,
)

SCREENS = pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=["1280px", "375px"])


def state_of(proposal_id: int) -> str:
    return db.session.get(Proposal, proposal_id).state


def looked_at(page, name: str) -> None:
    """No disclosure rows; nothing sideways on a phone; nothing for axe; a picture for a human."""
    expect(page.locator("main details")).to_have_count(0)  # (the phone header's menu is one)
    fits_width(page)
    assert_accessible(page, impacts=None)
    screenshot(page, name)


def main_button(page):
    """The action bar's first button: the main task, prominent (not styled as secondary)."""
    first = page.locator("#actions .action-buttons button").first
    expect(first).not_to_have_class("button button-secondary")
    return first


@SCREENS
def test_each_role_does_its_main_task_by_its_buttons(login, live_server, screen):
    scene = live_server.run(make_scene, "cosigning")
    proposal_id = scene.proposals["cosigning"]
    url = f"/proposals/{proposal_id}"
    title = f"处于cosigning状态的提案（{scene.session_id}）"
    width = screen["width"]

    # two delegates co-sign, each two clicks from home: the proposal among their tasks, then 附议
    for who in ("delegate1", "delegate2"):
        delegate = login(scene.usernames[who], screen)
        delegate.locator("#task-cosign").get_by_role("link", name=title).click()
        expect(main_button(delegate)).to_have_text("附议")
        expect(delegate.locator(".progress")).to_contain_text("还需")
        looked_at(delegate, f"roles-{width}-delegate")
        delegate.reload()
        main_button(delegate).click()
        expect_flash(delegate, DONE["附议"])
    expect_stamp(delegate, "审查中")

    # the committee accepts and assigns in one form
    committee = login(scene.usernames["committee"], screen)
    committee.goto(url)
    expect(main_button(committee)).to_have_text("立案")
    form = event_form(committee, "立案")
    form.get_by_label("主办部门").select_option(label=scene.lead_dept)
    form.get_by_role("group", name="协办部门").get_by_label(scene.co_dept, exact=True).check()
    looked_at(committee, f"roles-{width}-committee")
    form.get_by_role("button", name="立案并交办").click()
    expect_flash(committee, re.compile(rf"^已立案，案号第 \d+ 号。 已交办给{re.escape(scene.lead_dept)}。$"))
    expect_stamp(committee, "已交办")

    # the lead department acknowledges (one button) and drafts the reply; the co-handler countersigns the
    # draft (one button), which sends it out
    lead = login(scene.usernames["lead"], screen)
    lead.goto(url)
    expect(main_button(lead)).to_have_text("签收")
    expect(lead.locator(".progress")).to_contain_text("签收截止")
    looked_at(lead, f"roles-{width}-lead-assigned")
    lead.reload()
    fire(lead, "签收")
    expect_stamp(lead, "办理中")
    live_server.run(advance, proposal_id, scene, [("acknowledge", "cohandler", None)])
    lead.reload()
    expect(main_button(lead)).to_have_text("答复")

    def reply(form):
        form.get_by_label("答复", exact=True).fill("已在二号楼一层设夜班休息室，12月1日启用。")
        form.get_by_role("group", name="答复类别").get_by_label("A：已解决或采纳").check()

    event_form(lead, "答复")
    looked_at(lead, f"roles-{width}-lead-reply")
    lead.reload()
    fire(lead, "答复", reply, done="拟答复")
    expect_stamp(lead, "办理中")
    cohandler = login(scene.usernames["cohandler"], screen)
    cohandler.goto(url)
    expect(cohandler.locator(".reply-draft")).to_contain_text("已在二号楼一层设夜班休息室")
    expect(main_button(cohandler)).to_have_text("会签")
    looked_at(cohandler, f"roles-{width}-cohandler-draft")
    cohandler.reload()
    fire(cohandler, "会签", done="会签发出")
    expect_stamp(cohandler, "已答复")

    # the author rates it
    author = login(scene.usernames["author"], screen)
    author.goto(url)
    expect(main_button(author)).to_have_text("满意度评价")
    expect(author.locator(".progress")).to_contain_text("逾期未评价视为未表态")
    event_form(author, "满意度评价")
    looked_at(author, f"roles-{width}-author")
    author.reload()
    fire(
        author,
        "满意度评价",
        lambda form: form.get_by_role("group", name="办理结果").get_by_label("满意", exact=True).check(),
    )
    expect_stamp(author, "已办结")
    assert live_server.run(state_of, proposal_id) == "closed"


@SCREENS
def test_irreversible_actions_confirm_and_sending_back_lands_on_the_review_list(login, live_server, screen):
    scene = live_server.run(make_scene, "review")
    proposal_id = scene.proposals["review"]
    committee = login(scene.usernames["committee"], screen)
    committee.goto(f"/proposals/{proposal_id}")
    form = event_form(committee, "不予立案")
    expect(form).to_contain_text("此操作不可撤销")
    expect(form.get_by_role("button", name="确认：不予立案")).to_be_visible()
    form.get_by_role("link", name="取消").click()
    expect(form).to_be_hidden()

    fire(committee, "退回修改", lambda form: form.get_by_label("理由").fill("请补充具体措施。"))
    expect(committee).to_have_url(f"{committee.url.split('/review')[0]}/review")
    stub = committee.locator(".returned")
    expect(stub).to_contain_text(f"处于review状态的提案（{scene.session_id}）")
    expect(stub).to_contain_text("请补充具体措施。")
    expect(stub).to_contain_text("已退回，等待修改")
    fits_width(committee)
    assert_accessible(committee, impacts=None)
    assert live_server.run(state_of, proposal_id) == "draft"


def test_without_javascript_a_button_opens_its_form(login, live_server):
    scene = live_server.run(make_scene, "review")
    committee = login(scene.usernames["committee"], PHONE, javascript=False)
    committee.goto(f"/proposals/{scene.proposals['review']}")
    action_button(committee, "不予立案").click()
    form = committee.locator("#event-reject")
    expect(form).to_be_visible()
    form.get_by_label("理由").fill("不属于职代会职权范围。")
    form.get_by_role("button", name="确认：不予立案").click()
    expect_flash(committee, DONE["不予立案"])
    expect(committee.locator(".reason-panel")).to_contain_text("不属于职代会职权范围。")
