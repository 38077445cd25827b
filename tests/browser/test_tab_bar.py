"""The tab bar holds one row: on a 360 px phone each role sees its first tabs and 更多, a menu of the rest that a
thumb or a keyboard opens and closes; every tab is reachable and the open one is marked, 更多 too when the tab is
in its menu. At a desk all of a role's tabs are in the bar."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.phone import open_tab

pytestmark = pytest.mark.browser

ROLES = ["insp05", "zhzf1", "dispatcher", "supervisor", "leader", "ledger", "admin"]
ROW = 56 + 2  # a tab's height and the bar's top border

# Each item of the bar: where it is, and whether its label is one line inside it (the label is its first child).
BAR_ITEMS = """(nav) => [...nav.children].map((item) => {
  const target = item.matches('a') ? item : item.querySelector('button');
  const range = document.createRange();
  range.selectNodeContents(target.firstChild);
  const lines = range.getClientRects();
  const box = target.getBoundingClientRect();
  return { label: target.firstChild.textContent, top: box.top, height: box.height, lines: lines.length,
           inside: lines[0].left >= box.left - 0.5 && lines[0].right <= box.right + 0.5 };
})"""


def open_app(browser, server_url, username, *, width, lang="zh"):
    context = browser.new_context(viewport={"width": width, "height": 740 if width < 1024 else 860},
                                  locale="zh-CN", is_mobile=width < 1024, has_touch=width < 1024)
    context.add_init_script(f"localStorage.setItem('gridpatrol.lang', '{lang}')")
    page = context.new_page()
    page.goto(server_url + "/")
    page.get_by_label("账号" if lang == "zh" else "Username").fill(username)
    page.get_by_label("密码" if lang == "zh" else "Password").fill("demo1234")
    page.get_by_role("button", name="登录" if lang == "zh" else "Log in").click()
    expect(page.locator("#tabs")).to_be_visible()
    page.wait_for_function("() => document.body.dataset.view")
    return context, page


def one_row(page) -> list[dict]:
    """The bar's items, after checking they make one row at the bottom, each label on one line and uncut."""
    bar = page.locator("#tabs").bounding_box()
    assert bar["height"] <= ROW + 0.5, bar
    assert bar["y"] + bar["height"] >= page.viewport_size["height"] - 0.5
    items = page.locator("#tabs").evaluate(BAR_ITEMS)
    assert {round(item["top"]) for item in items} == {round(bar["y"] + 2)}, items
    assert all(item["lines"] == 1 and item["inside"] for item in items), items
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    return items


def views(page) -> list[str]:
    return page.locator("#tabs a").evaluate_all("(links) => links.map((a) => a.getAttribute('href').slice(2))")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_a_phone_the_bar_is_one_row_and_every_tab_is_reachable(live_server, browser, lang):
    OUTPUT.mkdir(exist_ok=True)
    for username in ROLES:
        context, page = open_app(browser, live_server, username, width=360, lang=lang)
        items = one_row(page)
        more = page.locator("#tabs .more-button")
        tabs = views(page)
        in_bar = [view for view in tabs if page.locator(f'#tabs > a[href="#/{view}"]').count()]
        assert in_bar == tabs[:len(in_bar)] and in_bar, "the role's first tabs stay in the bar, its main one first"
        assert len(items) == len(in_bar) + (len(in_bar) < len(tabs))
        if username in ("dispatcher", "admin"):  # ten and more tabs cannot share 360 px
            expect(more).to_be_visible()
        for view in tabs:
            open_tab(page, view=view)
            expect(page.locator("body")).to_have_attribute("data-view", view)
            link = page.locator(f'#tabs a[href="#/{view}"]')
            expect(link).to_have_attribute("aria-current", "page")
            expect(page.locator("#tab-menu")).to_be_hidden()  # navigating closed it
            if view not in in_bar:
                expect(more).to_have_attribute("aria-current", "true")
            elif more.count():
                expect(more).not_to_have_attribute("aria-current", "true")
        one_row(page)
        page.screenshot(path=OUTPUT / f"tabbar-{username}-360-{lang}.png")
        if more.is_visible():
            more.click()
            page.screenshot(path=OUTPUT / f"tabbar-{username}-360-{lang}-more.png")
        context.close()


def test_the_more_menu_works_by_thumb_and_keyboard(live_server, browser):
    context, page = open_app(browser, live_server, "dispatcher", width=360)
    more = page.locator("#tabs").get_by_role("button", name="更多", exact=True)
    menu = page.locator("#tab-menu")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_have_attribute("aria-controls", "tab-menu")
    expect(menu).to_be_hidden()

    # A tap opens it, a tap elsewhere closes it; Escape closes it and gives the focus back to 更多.
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("link", name="我的", exact=True)).to_be_visible()
    page.locator("header h1").click()
    expect(menu).to_be_hidden()
    expect(more).to_have_attribute("aria-expanded", "false")
    more.click()
    expect(menu).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(more).to_be_focused()

    # The keyboard: ArrowUp opens it at its last link (the nearest, above the bar), the arrows move, Enter opens.
    links = menu.get_by_role("link")
    page.keyboard.press("ArrowUp")
    expect(menu).to_be_visible()
    expect(links.last).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(links.nth(links.count() - 2)).to_be_focused()
    page.keyboard.press("Home")
    expect(links.first).to_be_focused()
    view = links.first.get_attribute("href")[2:]
    page.keyboard.press("Enter")
    expect(page.locator("body")).to_have_attribute("data-view", view)
    expect(menu).to_be_hidden()
    expect(more).to_have_attribute("aria-current", "true")
    # Enter opens it too; the focus leaving it for the bar's tabs closes it.
    more.focus()
    page.keyboard.press("Enter")
    expect(menu).to_be_visible()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#tabs > a").last).to_be_focused()
    expect(menu).to_be_hidden()
    context.close()


def test_at_a_desk_every_tab_is_in_the_bar(live_server, browser):
    OUTPUT.mkdir(exist_ok=True)
    for username in ROLES:
        context, page = open_app(browser, live_server, username, width=1280)
        one_row(page)
        expect(page.locator("#tabs .more-button")).to_have_count(0)
        for view in views(page):
            expect(page.locator(f'#tabs > a[href="#/{view}"]')).to_be_visible()
        page.screenshot(path=OUTPUT / f"tabbar-{username}-1280.png")
        context.close()
