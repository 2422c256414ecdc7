"""A proposal from first draft to closure, through the pages, by everyone whose part it is."""

from playwright.sync_api import expect

from proposals.extensions import db
from proposals.models import Proposal

from .conftest import screenshot
from .steps import (
    TO_IN_PROGRESS,
    advance,
    event_form,
    expect_flash,
    expect_stamp,
    fire,
    proposal_id_of,
    write_and_submit,
)


def state_of(proposal_id: int) -> str:
    return db.session.get(Proposal, proposal_id).state


def test_from_draft_to_closure(login, scene, live_server):
    title = f"关于增设夜班职工休息室的提案（{scene.session_id}）"

    # the worker writes the proposal and submits it
    author = login(scene.usernames["author"])
    url = write_and_submit(author, scene, title)
    proposal_id = proposal_id_of(url)

    # two delegates co-sign: the first finds it among their tasks
    delegate = login(scene.usernames["delegate1"])
    delegate.locator("#task-cosign").get_by_role("link", name=title).click()
    fire(
        delegate, "附议并填写意见", lambda form: form.get_by_label("意见").fill("同意，夜班同事确实需要。"), done="附议"
    )
    expect_stamp(delegate, "征集附议")
    delegate = login(scene.usernames["delegate2"])
    delegate.goto(url)
    fire(delegate, "附议")
    expect_stamp(delegate, "审查中")
    cosigners = delegate.locator("dt", has_text="附议人").locator("xpath=following-sibling::dd[1]")
    expect(cosigners).to_have_text(f"{scene.names['delegate1']}、{scene.names['delegate2']}")

    # the committee accepts it and assigns a lead department and one co-handler
    committee = login(scene.usernames["committee"])
    committee.goto(url)
    fire(committee, "立案")
    expect_stamp(committee, "已立案")
    expect(committee.get_by_text("第1号")).to_be_visible()

    def assign(form):
        form.get_by_label("主办部门").select_option(label=scene.lead_dept)
        form.get_by_role("group", name="协办部门").get_by_label(scene.co_dept, exact=True).check()

    fire(committee, "交办", assign)
    expect_stamp(committee, "已交办")

    # the lead department and the co-handler acknowledge
    lead = login(scene.usernames["lead"])
    lead.goto(url)
    fire(lead, "签收")
    expect_stamp(lead, "办理中")
    cohandler = login(scene.usernames["cohandler"])
    cohandler.goto(url)
    fire(cohandler, "签收")

    # the lead department drafts the reply, class A; the co-handler countersigns the draft, which sends it
    lead.reload()

    def reply(form):
        form.get_by_label("答复", exact=True).fill("已在二号楼一层设夜班休息室，12月1日启用。")
        form.get_by_role("group", name="答复类别").get_by_label("A：已解决或采纳").check()

    fire(lead, "答复", reply, done="拟答复")
    expect_stamp(lead, "办理中")
    cohandler.reload()
    fire(cohandler, "会签", done="会签发出")
    expect_stamp(cohandler, "已答复")
    lead.reload()
    expect_stamp(lead, "已答复")
    screenshot(lead, "walk-desktop-replied")

    # the worker rates it satisfied, and finds it closed on the public page
    author.goto(url)
    expect(author.get_by_text("已在二号楼一层设夜班休息室，12月1日启用。")).to_be_visible()
    fire(
        author,
        "满意度评价",
        lambda form: form.get_by_role("group", name="办理结果").get_by_label("满意", exact=True).check(),
    )
    expect_stamp(author, "已办结")
    author.get_by_role("navigation", name="主菜单").get_by_role("link", name="办理结果公开").click()
    result = author.get_by_role("listitem").filter(has=author.get_by_role("link", name=title))
    expect(result).to_contain_text("已办结")
    expect(result).to_contain_text("已在二号楼一层设夜班休息室")
    screenshot(author, "walk-desktop-public")

    assert live_server.run(state_of, proposal_id) == "closed"


def test_a_field_error_keeps_what_was_typed(login, scene, live_server):
    """A reply without a class comes back with the message next to the field and the text kept."""
    author = login(scene.usernames["author"])
    url = write_and_submit(author, scene, f"关于延长图书室开放时间的提案（{scene.session_id}）")
    proposal_id = proposal_id_of(url)
    live_server.run(advance, proposal_id, scene, TO_IN_PROGRESS)

    lead = login(scene.usernames["lead"])
    lead.goto(url)
    form = event_form(lead, "答复")
    form.get_by_label("答复", exact=True).fill("图书室改为晚九点闭馆。")
    form.locator(".action-submit").get_by_role("button", name="答复", exact=True).click()
    expect_flash(lead, "请修改标出的内容。")
    form = event_form(lead, "答复")
    expect(form.get_by_label("答复", exact=True)).to_have_value("图书室改为晚九点闭馆。")
    outcome = form.get_by_role("group", name="答复类别")
    expect(outcome).to_contain_text("此项为必填项。")
    expect(outcome).to_have_attribute("aria-describedby", "reply-outcome-error")
    expect_stamp(lead, "办理中")
    assert live_server.run(state_of, proposal_id) == "in_progress"
