"""系统管理 in the PWA, against its own demo county: 20 accounts imported from an XLSX — refused whole with the
two bad rows' numbers, then accepted once fixed — their initial passwords saved once as a CSV that logs them in,
the import on the audit trail; a refused account form shows the server's message at its field (in Chinese, and in
English after the switch); the bureau's robot answers a test message; a category's deadline edited; the 2027
Spring Festival entered on the calendar; and the pages at 360 px without sideways scrolling."""

import csv
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.live import LiveServer

pytestmark = pytest.mark.browser

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def county(tmp_path_factory, browser):
    server = LiveServer(tmp_path_factory.mktemp("admin"), "admin")
    server.cli("demo", "--history", "0")
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def robot():
    """A WeCom group robot on loopback, answering as WeCom does."""
    class Robot(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b'{"errcode":0,"errmsg":"ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Robot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cgi-bin/webhook/send?key=test"
    server.shutdown()
    server.server_close()


def accounts_xlsx(cells, *, broken):
    """20 accounts: inspectors with a cell each, liaisons of 综合执法局, a leader; `broken` spoils rows 7 and 15
    (as numbered in the sheet: the header is row 1)."""
    book = Workbook()
    sheet = book.active
    sheet.append(["username", "name", "role", "bureau", "cells", "phone"])
    for n in range(1, 21):
        if n % 5 == 0:
            row = [f"liaison{n:02}", f"联络员{n}", "责任单位联络员", "综合执法局", None, f"1380000{n:04}"]
        elif n == 19:
            row = [f"leader{n:02}", f"领导{n}", "领导小组", None, None, None]
        else:
            row = [f"grid{n:02}", f"网格员{n}", "网格员", None, cells[n % len(cells)], f"1390000{n:04}"]
        sheet.append(row)
    if broken:  # account n is on row n + 1
        sheet["C7"] = "巡逻员"  # no such role
        sheet["C15"] = "责任单位联络员"  # a liaison without a unit
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def open_admin(browser, server, *, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900 if width >= 1024 else 740}, locale="zh-CN",
                                  is_mobile=width < 1024, has_touch=width < 1024, accept_downloads=True)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("账号").fill("admin")
    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#tabs")).to_be_visible()
    return context, page


def usernames(server):
    return {u["username"] for u in httpx.get(f"{server.url}/api/v1/users", headers=server.token("admin"),
                                             timeout=30).json()}


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"


def test_bulk_import_refused_then_accepted_with_passwords_once_and_on_the_audit_trail(county, browser):
    cells = [f["properties"]["code"] for f in httpx.get(f"{county.url}/api/v1/grid/cells",
                                                        headers=county.token("admin"), timeout=30).json()["features"]]
    before = usernames(county)
    context, page = open_admin(browser, county)
    expect(page.locator("body")).to_have_attribute("data-view", "admin")  # the admin's first tab
    expect(page.locator("#account-list")).to_be_visible()
    page.locator("#account-import summary").click()

    page.set_input_files("#account-import-file", files=[{"name": "accounts.xlsx", "mimeType": XLSX,
                                                          "buffer": accounts_xlsx(cells, broken=True)}])
    page.locator("#account-import button[type=submit]").click()
    errors = page.locator("#account-import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0).locator("th")).to_have_text("7")
    expect(errors.nth(1).locator("th")).to_have_text("15")
    expect(errors.nth(1)).to_contain_text("责任单位联络员必须指定单位")
    expect(page.locator("#account-import-result")).to_contain_text("未创建任何账号")
    page.screenshot(path=str(OUTPUT / "admin-import-refused-1280.png"))
    assert usernames(county) == before

    page.set_input_files("#account-import-file", files=[{"name": "accounts.xlsx", "mimeType": XLSX,
                                                          "buffer": accounts_xlsx(cells, broken=False)}])
    page.locator("#account-import button[type=submit]").click()
    expect(page.locator("#account-import-result")).to_contain_text("已导入 20 个账号", timeout=60000)
    assert len(usernames(county) - before) == 20
    expect(page.locator("#account-list li")).to_have_count(len(before) + 20)
    with page.expect_download() as download:
        page.locator("#save-passwords").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert rows[0] == ["username", "name", "role", "password"] and len(rows) == 21
    username, _, role, password = rows[7]
    assert role == "inspector"
    me = httpx.post(f"{county.url}/api/v1/auth/token", data={"username": username, "password": password}, timeout=30)
    assert me.status_code == 200, me.text
    page.screenshot(path=str(OUTPUT / "admin-import-done-1280.png"))

    page.locator(".admin-nav a[href='#/admin/audit']").click()
    entry = page.locator(".audit-entry[data-entity='user'][data-action='import']")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("批量导入")
    expect(entry).to_contain_text("grid01")
    expect(entry).to_contain_text("系统管理员")  # who
    context.close()


def test_a_refused_form_says_why_at_its_field_and_a_robot_answers(county, browser, robot):
    context, page = open_admin(browser, county)
    page.goto(county.url + "/#/admin/accounts/new")
    page.locator("#acct-username").fill("insp05")  # taken
    page.locator("#acct-role").select_option("leader")
    page.locator("#account-form button[type=submit]").click()
    expect(page.locator("#acct-username-error")).to_have_text("用户名 insp05 已存在")
    expect(page.locator("#acct-username")).to_have_attribute("aria-invalid", "true")

    page.goto(county.url + "/#/admin/bureaus/zhzf")
    page.locator("#bureau-webhook").fill("ftp://nowhere")
    page.locator("#bureau-form button[type=submit]").click()
    expect(page.locator("#bureau-webhook-error")).to_be_visible()
    page.locator("#bureau-webhook").fill(robot)
    page.locator("#bureau-form button[type=submit]").click()
    expect(page.locator("#test-webhook")).to_be_enabled()
    page.locator("#test-webhook").click()
    expect(page.locator("#webhook-result")).to_contain_text("机器人已收到测试消息")
    expect(page.locator("#webhook-result pre")).to_have_text('{"errcode":0,"errmsg":"ok"}')
    page.screenshot(path=str(OUTPUT / "admin-bureau-1280.png"))

    page.locator("#lang").click()  # English: the server's English message at the field
    page.goto(county.url + "/#/admin/accounts/new")
    page.locator("#acct-username").fill("insp05")
    page.locator("#account-form button[type=submit]").click()
    expect(page.locator("#acct-username-error")).to_have_text("username insp05 is taken")
    page.screenshot(path=str(OUTPUT / "admin-account-en-1280.png"))
    context.close()


def test_a_category_deadline_edited_and_refused_at_its_field(county, browser):
    context, page = open_admin(browser, county)
    page.goto(county.url + "/#/admin/catalog/category/0506")
    expect(page.locator("#cat-deadline")).to_have_value("2")
    page.locator("#cat-deadline").fill("0")
    page.locator("#category-form button[type=submit]").click()
    expect(page.locator("#cat-deadline-error")).to_have_text("格式不正确")
    page.locator("#cat-deadline").fill("4")
    page.locator("#category-form button[type=submit]").click()
    expect(page.locator(".catalog-list a[aria-current='true']")).to_contain_text("处置时限：4 工作小时")
    page.screenshot(path=str(OUTPUT / "admin-category-1280.png"))
    page.goto(county.url + "/#/admin/audit?entity=category")
    expect(page.locator(".audit-entry").first).to_contain_text("处置时限：2 → 4")
    context.close()


def test_the_2027_spring_festival_entered_on_the_month_grid(county, browser):
    context, page = open_admin(browser, county)
    page.goto(county.url + "/#/admin/calendar/2027")
    expect(page.locator("#calendar-months .month")).to_have_count(12)
    page.locator("#cal-from").fill("2027-02-06")
    page.locator("#cal-to").fill("2027-02-13")
    page.locator("#cal-note").fill("春节")
    page.locator("#calendar-form button[type=submit]").click()
    expect(page.locator("#calendar-months .cal-day.holiday")).to_have_count(8)
    expect(page.locator("#calendar-overrides tbody tr")).to_have_count(8)
    expect(page.locator(".admin-banner")).to_have_count(0)  # next year has a schedule now
    page.locator(".admin-nav a[href='#/admin/audit']").click()
    expect(page.locator(".audit-entry", has_text="2027-02-13")).to_contain_text("春节")
    context.close()


def test_the_admin_pages_at_360_px(county, browser):
    context, page = open_admin(browser, county, width=360)
    expect(page.locator("#account-list")).to_be_visible()
    no_sideways_scroll(page)
    page.screenshot(path=str(OUTPUT / "admin-accounts-360.png"), full_page=True)
    page.goto(county.url + "/#/admin/accounts/1")
    expect(page.locator("#account-form")).to_be_visible()
    no_sideways_scroll(page)
    page.screenshot(path=str(OUTPUT / "admin-account-360.png"), full_page=True)
    for section in ("bureaus", "catalog", "calendar", "audit"):
        page.goto(f"{county.url}/#/admin/{section}")
        expect(page.locator(".admin-nav .chip[aria-current='true']")).to_have_attribute("href", f"#/admin/{section}")
        expect(page.locator(".admin h2").first).to_be_visible()
        no_sideways_scroll(page)
        page.screenshot(path=str(OUTPUT / f"admin-{section}-360.png"), full_page=True)
    context.close()
