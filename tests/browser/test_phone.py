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
    # (this session rates the result alone: two_axis_rating is off for a new session, so no attitude is asked)
    expect(form.get_by_role("group", name="办理态度")).to_have_count(0)
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


# -- each role's pages at 375 px: measured, not looked at ----------------------------------------

# who: the pages of their work (a path, or the state of the proposal whose page it is)
ROLE_PAGES = {
    "author": ("/", "/proposals/", "/proposals/new", "/public", "/votes/", "replied"),
    "delegate1": ("/", "review", "/votes/results"),
    "committee": ("/", "/review", "review", "/dashboard/"),
    "lead": ("/", "in_progress", "/notifications"),
    "leader": ("/dashboard/",),
    "admin": ("/admin/", "/admin/union", "/admin/users", "/account/password"),
}

MEASURE = r"""() => {
  const box = el => el.getBoundingClientRect();
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  // a line break between two letters or characters of one word (not at a space)
  const breaksInside = el => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let previous = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getClientRects()[0];
        const char = node.data[i];
        if (!rect || /\s/.test(char)) { previous = null; continue; }
        if (previous !== null && rect.top > previous + 1) return true;
        previous = rect.top;
      }
    }
    return false;
  };
  const bar = document.querySelector(".header-bar");
  const shown = el => el.offsetParent !== null;
  const parts = bar ? [...bar.children].filter(shown).map(box) : [];
  // one line: each part of the header beside the others, none below another
  const rows = parts.filter((b, i) => parts.some((a, j) => j !== i && b.top >= a.bottom - 1)).length + 1;
  const tabBars = ".site-nav li, .tabs li, .admin-nav li, .session-switch li";
  const tabs = [...document.querySelectorAll(tabBars)].filter(shown);
  const right = window.innerWidth + 0.5;
  const name = el => `${el.tagName}.${el.className} ${Math.round(box(el).left)}-${Math.round(box(el).right)}`;
  const onlyHidden = th => th.querySelector(".visually-hidden")?.textContent.trim() === th.textContent.trim();
  const stamp = document.querySelector(".stamp");
  const first = document.querySelector(".facts dt, .facts dd, form .field");
  return {
    width: document.documentElement.scrollWidth,
    beyond: [...document.querySelectorAll("body *")].filter(el => box(el).right > right)
      .filter(el => !el.closest(".table-scroll")).slice(0, 5).map(name),
    viewport: window.innerWidth,
    headerRows: rows,
    hiddenTabs: tabs.filter(li => box(li).left < 0 || box(li).right > right).map(li => li.textContent.trim()),
    stampOverlaps: !!(stamp && first && overlap(box(stamp), box(first))),
    brokenHeaders: [...document.querySelectorAll("thead th")].filter(shown).filter(th => !onlyHidden(th))
      .filter(breaksInside).map(th => th.textContent.trim()),
  };
}"""


def test_each_roles_pages_fit_a_phone(login, live_server):
    """At 375 px, on every page of each role's work: nothing scrolls sideways (the document is as wide as the
    viewport), the header is one line (the account links behind a menu button), no tab of a tab bar is pushed
    out of sight (they wrap), the status stamp covers no field, and no column heading breaks inside a word."""
    from .conftest import make_scene

    scene = live_server.run(make_scene, "review", "in_progress", "replied")
    for who, pages in ROLE_PAGES.items():
        page = login(scene.usernames[who], PHONE)
        for where in pages:
            path = where if where.startswith("/") else f"/proposals/{scene.proposals[where]}"
            response = page.goto(path)
            assert response.ok, (who, path, response.status)
            found = page.evaluate(MEASURE)
            assert found["width"] == found["viewport"], (who, path, found)
            assert found["headerRows"] == 1, (who, path, found)
            assert found["hiddenTabs"] == [], (who, path, found)
            assert not found["stampOverlaps"], (who, path, found)
            assert found["brokenHeaders"] == [], (who, path, found)
        screenshot(page, f"phone-{who}")


def test_the_menu_button_opens_the_account_links_without_script(login, scene):
    page = login(scene.usernames["author"], PHONE, javascript=False)
    expect(page.get_by_role("link", name="我的账号")).to_be_hidden()
    page.locator(".header-menu summary").click()
    expect(page.get_by_role("link", name="我的账号")).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    fits_width(page)
