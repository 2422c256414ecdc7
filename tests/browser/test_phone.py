"""The main steps on a phone-sized screen (375 px wide): nothing may scroll sideways on any page.

The delegates' phones run no script at all: the core actions must work without it.
"""

from playwright.sync_api import expect

from .conftest import PHONE, screenshot
from .steps import TO_REPLIED, advance, event_form, expect_stamp, fire, fits_width, proposal_id_of, write_and_submit


def test_write_cosign_and_rate_on_a_phone(login, scene, live_server):
    title = f"关于在厂区增设电动车充电桩的提案（{scene.session_id}）"

    author = login(scene.usernames["author"], PHONE, check=fits_width)
    url = write_and_submit(author, scene, title, check=fits_width)
    screenshot(author, "phone-submitted")
    proposal_id = proposal_id_of(url)

    for who in ("delegate1", "delegate2"):
        delegate = login(scene.usernames[who], PHONE, javascript=False)
        fits_width(delegate)
        delegate.goto(url)
        fire(delegate, "附议")  # one button: nothing to open
        fits_width(delegate)
    expect_stamp(delegate, "审查中")

    # the committee's and the departments' part is the desktop walk's (test_walk.py)
    live_server.run(advance, proposal_id, scene, TO_REPLIED[2:])

    author.goto(url)
    expect_stamp(author, "已答复")
    form = event_form(author, "满意度评价")
    form.get_by_role("group", name="办理结果").get_by_label("基本满意", exact=True).check()
    form.get_by_role("group", name="办理态度").get_by_label("满意", exact=True).check()
    fits_width(author)
    screenshot(author, "phone-rating")
    fire(author, "满意度评价")
    expect_stamp(author, "已办结")
    fits_width(author)

    for link in ("办理结果公开", "提案列表", "我的待办"):
        author.get_by_role("navigation", name="主菜单").get_by_role("link", name=link).click()
        expect(author.get_by_role("heading", level=1)).to_be_visible()
        fits_width(author)
    screenshot(author, "phone-tasks")
