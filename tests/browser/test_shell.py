"""The served PWA shell: an inspector logs in on a phone and sees their grid cell."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.phone import open_tab

pytestmark = pytest.mark.browser


def test_inspector_logs_in_and_sees_their_cell(live_server, phone):
    phone.goto(live_server + "/")
    assert phone.title().startswith("网格巡查")
    phone.get_by_label("账号").fill("insp05")
    phone.get_by_label("密码").fill("demo1234")
    phone.get_by_role("button", name="登录").click()
    open_tab(phone, "我的")
    expect(phone.locator("#whoami")).to_contain_text("网格员")
    expect(phone.locator("#cells")).to_contain_text("解放社区1号网格 330790001002001")
    OUTPUT.mkdir(exist_ok=True)
    phone.screenshot(path=OUTPUT / "shell-inspector-360.png", full_page=True)

    phone.reload()  # the device token survives a reload
    expect(phone.locator("#whoami")).to_contain_text("网格员")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="退出登录").click()
    expect(phone.get_by_label("账号")).to_be_visible()


def test_wrong_password_shows_the_server_message(live_server, phone):
    phone.goto(live_server + "/")
    phone.get_by_label("账号").fill("insp05")
    phone.get_by_label("密码").fill("wrong-password")
    phone.get_by_role("button", name="登录").click()
    expect(phone.get_by_role("alert")).to_have_text("用户名或密码错误")
