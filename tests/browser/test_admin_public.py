"""系统管理 · 随手拍设置 in the PWA, against a demo county of its own: two categories made public under names of the
admin's, reordered, and the public list answers in that order; the per-device limit changed; an Open311 key
issued, shown once, accepted by Open311, then revoked and refused; and the page at 360 and 1280 px."""

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.test_csp import watch
from tests.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def county(tmp_path_factory, browser):
    server = LiveServer(tmp_path_factory.mktemp("admin-public"), "admin_public")
    server.cli("demo", "--history", "0")
    server.start()
    yield server
    server.close()


def open_admin(browser, server, *, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900 if width >= 1024 else 740}, locale="zh-CN",
                                  is_mobile=width < 1024, has_touch=width < 1024)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("账号").fill("admin")
    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#tabs")).to_be_visible()
    page.goto(server.url + "/#/admin/public")
    problems = watch(page)  # under the Content-Security-Policy, with nothing refused or logged as an error
    expect(page.locator("#public-categories-form")).to_be_visible()
    return context, page, problems


def post_request(server, api_key):
    """An Open311 request with a category the county does not list: a valid key gets past the key's check to a
    400; a revoked one stops there, 403."""
    return httpx.post(f"{server.url}/open311/v2/requests.json", timeout=30, data={
        "api_key": api_key, "service_code": "0000", "lat": "30.0", "long": "120.0", "description": "测试"})


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"


def test_public_list_limits_and_a_key(county, browser):
    context, page, problems = open_admin(browser, county)
    expect(page.locator("#public-status")).to_contain_text("随手拍正在受理")
    expect(page.locator("#public-page-link")).to_have_attribute("href", county.url + "/report/")

    # Only two categories public, the first two of the list, named by the admin; then the second moved up.
    rows = page.locator("#public-order > li")
    first, second = rows.nth(0).get_attribute("data-code"), rows.nth(1).get_attribute("data-code")
    for box in page.locator("#public-order input[type=checkbox]").all():
        box.set_checked(False)
    for code, zh, en in ((first, "乱扔垃圾", "Litter"), (second, "占道经营", "Street stalls")):
        page.locator(f"#pub-on-{code}").check()
        page.locator(f"#pub-name-{code}").fill(zh)
        page.locator(f"#pub-name-en-{code}").fill(en)
    page.locator(f'#public-order li[data-code="{second}"] [data-move="-1"]').click()
    # The keyboard stays on the moved row: at the top now, so on its other arrow.
    expect(page.locator(f'#public-order li[data-code="{second}"] [data-move="1"]')).to_be_focused()
    expect(rows.nth(0)).to_have_attribute("data-code", second)
    page.get_by_role("button", name="保存公开类别").click()
    expect(page.locator(".toast")).to_contain_text("公开类别 2 个")
    listed = httpx.get(f"{county.url}/api/v1/public/categories", timeout=30).json()
    assert [(c["code"], c["name"], c["name_en"]) for c in listed] == [
        (second, "占道经营", "Street stalls"), (first, "乱扔垃圾", "Litter")]

    # A limit out of range is refused at its field; a good one is kept.
    device = page.locator("#cs-device")
    device.fill("0")
    page.get_by_role("button", name="保存设置").click()
    expect(page.locator("#cs-device-error")).to_be_visible()
    expect(device).to_have_attribute("aria-invalid", "true")
    device.fill("7")
    page.get_by_role("button", name="保存设置").click()
    expect(page.locator("#cs-updated")).to_contain_text("admin")
    assert httpx.get(f"{county.url}/api/v1/citizen-settings", headers=county.token("admin"),
                     timeout=30).json()["per_device_hourly"] == 7

    # A key, shown once: it works, until revoked.
    page.locator("#key-system").fill("12345 热线平台")
    page.get_by_role("button", name="签发密钥").click()
    key = page.locator("#issued-key").inner_text().strip()
    expect(page.locator("#key-issued")).to_contain_text("只显示这一次")
    page.locator("#copy-key").click()
    assert page.evaluate("navigator.clipboard.readText()") == key
    row = page.locator("#key-table tbody tr").filter(has_text="12345 热线平台")
    expect(row).to_contain_text(key[:4])
    assert post_request(county, key).status_code == 400
    page.screenshot(path=OUTPUT / "admin-public-1280.png", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="吊销").click()
    expect(page.locator("#key-table tbody tr").filter(has_text="12345 热线平台")).to_contain_text("已吊销")
    expect(page.locator("#issued-key")).to_have_count(0)  # the page drew afresh: the key is gone for good
    assert post_request(county, key).status_code == 403
    context.close()
    # The refused limit is the browser's one logged failure; the policy refused nothing.
    assert problems == ["console error: Failed to load resource: the server responded with a status of 422 "
                        "(Unprocessable Entity)"], "\n".join(problems)


def test_the_page_on_a_phone(county, browser):
    context, page, problems = open_admin(browser, county, width=360)
    expect(page.locator("#open311-keys")).to_be_visible()
    no_sideways_scroll(page)
    page.screenshot(path=OUTPUT / "admin-public-360.png", full_page=True)
    context.close()
    assert problems == [], "\n".join(problems)
