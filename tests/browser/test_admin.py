"""系统管理 in the PWA, against its own demo county: 20 accounts imported from an XLSX — refused whole with the
two bad rows' numbers, then accepted once fixed — their initial passwords saved once as a CSV that logs them in,
the import on the audit trail; a refused account form shows the server's message at its field (in Chinese, and in
English after the switch); the bureau's robot answers a test message; a category's deadline edited; the 2027
Spring Festival entered on the calendar, moving a deadline the dry run shows; and the pages at 360 px without
sideways scrolling. The routing rules editor: a new rule shows the recent tickets it would send elsewhere before it
is saved, and a move by keyboard shows its own, at 1280 and 360 px."""

import csv
import io
import uuid

import httpx
import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.factories import capture_body, photo_bytes
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
def robot(loopback):
    """A WeCom group robot on loopback, answering as WeCom does."""
    return loopback("application/json", b'{"errcode":0,"errmsg":"ok"}') + "/cgi-bin/webhook/send?key=test"


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


def open_admin(browser, server, *, width=1280, username="admin"):
    context = browser.new_context(viewport={"width": width, "height": 900 if width >= 1024 else 740}, locale="zh-CN",
                                  is_mobile=width < 1024, has_touch=width < 1024, accept_downloads=True)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("账号").fill(username)
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
    # The dispatcher's dry run: an abandoned car (僵尸车, 3 working days, 交警大队 by the first rule) reported on the
    # Friday before the Spring Festival. 2027 is not in the built-in calendar: Monday to Friday until it is entered.
    desk, dry_run = open_admin(browser, county, username="dispatcher")
    dry_run.goto(county.url + "/#/dryrun")
    dry_run.locator("#dry-category").select_option("0511")
    dry_run.locator("#dry-at").fill("2027-02-05T10:00")
    dry_run.locator(".map").click()
    expect(dry_run.locator("#dry-bureau")).to_contain_text("交警大队")
    expect(dry_run.locator("#dry-deadline")).to_contain_text("2027/02/10")

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

    dry_run.locator(".map").click()  # asked again: the holiday week and its weekend are not working days
    expect(dry_run.locator("#dry-deadline")).to_contain_text("2027/02/17")
    dry_run.locator("#dry-deadline").scroll_into_view_if_needed()
    dry_run.screenshot(path=str(OUTPUT / "dryrun-deadline-after-holidays-1280.png"))
    desk.close()


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


@pytest.fixture(scope="module")
def parking_tickets(county):
    """Two tickets of sidewalk parking (人行道乱停车 → 综合执法局 by the demo's rules) and one of road parking, captured
    through the API in insp05's cell: the recent tickets a rule change may send elsewhere."""
    headers = county.token("insp05")
    made = {}
    for category, photo in (("0506", "gps_DSCN0010.jpg"), ("0506", "mobile_jolla.jpg"), ("0505", "Canon_40D.jpg")):
        data, ticket_id = photo_bytes(photo), str(uuid.uuid4())
        body = capture_body([data], category=category, lat=28.9078, lon=120.0270)
        response = httpx.put(f"{county.url}/api/v1/tickets/{ticket_id}", json=body, headers=headers, timeout=30)
        assert response.status_code == 201, response.text
        response = httpx.put(f"{county.url}/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}", content=data,
                             headers={**headers, "Content-Type": "image/jpeg"}, timeout=30)
        assert response.status_code == 201, response.text
        made[ticket_id] = category
    return made


def rule_names(server):
    return [r["name"] for r in httpx.get(f"{server.url}/api/v1/routing/rules", headers=server.token("admin"),
                                         timeout=30).json()]


def test_a_new_rule_shows_the_tickets_it_would_reroute_then_a_move_by_keyboard(county, browser, parking_tickets):
    sidewalk = sorted(ticket_id for ticket_id, category in parking_tickets.items() if category == "0506")
    context, page = open_admin(browser, county)
    page.locator(".admin-nav a[href='#/admin/rules']").click()
    expect(page.locator("#rule-list > li")).to_have_count(10)
    page.locator("#new-rule").click()
    page.locator("#rule-name").fill("人行道乱停车交交警")
    page.locator("#rule-categories").get_by_label("人行道乱停车 0506").check()
    page.locator("#rule-target").select_option(label="交警大队")
    page.locator("#rule-position").select_option("1")
    rows = page.locator("#rule-preview .reroute")
    expect(rows).to_have_count(2)
    assert sorted(rows.nth(i).get_attribute("data-ticket") for i in range(2)) == sidewalk
    expect(page.locator("#rule-preview .preview-count")).to_contain_text("最近 3 件工单中有 2 件将改派")
    for i in range(2):
        expect(rows.nth(i)).to_contain_text("人行道乱停车")
        expect(rows.nth(i).locator(".from")).to_have_text("综合执法局")
        expect(rows.nth(i).locator(".to")).to_have_text("交警大队")
        expect(rows.nth(i)).to_contain_text("将触发：第 1 条规则“人行道乱停车交交警”")
    page.locator("#rule-preview").scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "admin-rules-preview-1280.png"))
    assert len(rule_names(county)) == 10  # nothing saved yet

    page.locator("#rule-form button[type=submit]").click()
    expect(page.locator("#rule-list > li")).to_have_count(11)
    expect(page.locator("#rule-list > li").first).to_contain_text("人行道乱停车交交警")
    expect(page.locator("#rule-list > li").first).to_contain_text("→ 交警大队")
    assert rule_names(county)[0] == "人行道乱停车交交警"

    # Down twice by keyboard, below the demo's own 人行道乱停车 rule: the two tickets would go back.
    page.get_by_role("button", name="下移：人行道乱停车交交警").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#order-preview .preview-count")).to_contain_text("都不会改变")
    page.keyboard.press("Enter")  # the focus stayed on the moved rule's arrow
    expect(page.locator("#order-preview .reroute")).to_have_count(2)
    expect(page.locator("#order-preview .reroute .to").first).to_have_text("综合执法局")
    expect(page.locator("#rule-list > li").nth(2)).to_contain_text("人行道乱停车交交警")
    expect(page.locator("#rule-order-status")).to_have_text("“人行道乱停车交交警”移到第 3 条")
    expect(page.locator("#order-bar")).to_be_in_viewport()  # in sight while moving, above the tab bar
    page.screenshot(path=str(OUTPUT / "admin-rules-order-1280.png"))
    assert rule_names(county)[0] == "人行道乱停车交交警"  # not saved until asked
    page.locator("#save-order").click()
    expect(page.locator("#order-bar")).to_be_hidden()
    assert rule_names(county)[2] == "人行道乱停车交交警"
    page.goto(county.url + "/#/admin/audit?entity=routing_rule")
    expect(page.locator(".audit-entry").first).to_contain_text("顺序")
    context.close()


def test_the_rules_editor_at_360_px(county, browser, parking_tickets):
    context, page = open_admin(browser, county, width=360)
    page.goto(county.url + "/#/admin/rules")
    expect(page.locator("#rule-list > li").first).to_be_visible()
    no_sideways_scroll(page)
    arrow = page.locator("#rule-list > li").first.locator("button[data-move='1']")
    box = arrow.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44 and box["x"] + box["width"] <= 360
    page.screenshot(path=str(OUTPUT / "admin-rules-360.png"), full_page=True)
    page.locator("#new-rule").click()
    page.locator("#rule-name").fill("城中街道人行道停车")
    page.locator("#rule-categories").get_by_label("人行道乱停车 0506").check()
    page.locator("#rule-area").select_option("330790001")
    page.locator("#add-area").click()
    expect(page.locator("#rule-areas li")).to_have_count(1)
    page.locator("#rule-target").select_option(label="住建局")
    page.locator("#rule-position").select_option("1")
    expect(page.locator("#rule-preview .preview-count")).to_be_visible()
    no_sideways_scroll(page)
    page.screenshot(path=str(OUTPUT / "admin-rule-form-360.png"), full_page=True)
    context.close()


def test_an_area_picked_on_the_map_at_the_level_chosen(county, browser):
    context, page = open_admin(browser, county)
    page.goto(county.url + "/#/admin/rules/new")
    cells = page.locator("#rule-area-map path.leaflet-interactive")
    expect(cells.first).to_be_visible()
    page.locator("#rule-area-level").select_option(label="社区/村")
    page.locator("#rule-area-map").scroll_into_view_if_needed()
    page.wait_for_timeout(300)  # the map fits the grid's bounds
    box = page.locator("#rule-area-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the cell under the centre
    chips = page.locator("#rule-areas li")
    expect(chips).to_have_count(1)
    community = page.evaluate("document.querySelector('#rule-areas li').textContent")
    filled = page.locator("#rule-area-map path[fill-opacity='0.35']")
    assert filled.count() >= 1  # the community's cells, painted as chosen
    assert filled.count() < cells.count()
    page.screenshot(path=str(OUTPUT / "admin-rule-area-map-1280.png"))
    chips.first.get_by_role("button").click()  # removed: nothing painted
    expect(chips).to_have_count(0)
    expect(filled).to_have_count(0)
    assert community.strip()
    context.close()


def test_the_category_order_set_by_the_admin_is_the_inspectors(county, browser):
    context, page = open_admin(browser, county)
    page.goto(county.url + "/#/admin/catalog")
    expect(page.locator("#category-order > li").first).to_have_attribute("data-code", "0506")
    page.get_by_role("button", name="上移：机动车乱停放 (道路)").click()
    expect(page.locator("#category-order-status")).to_have_text("“机动车乱停放 (道路)”移到第 1 位")  # saved
    expect(page.locator("#category-order > li").first).to_have_attribute("data-code", "0505")
    page.screenshot(path=str(OUTPUT / "admin-category-order-1280.png"))
    context.close()
    # A new inspector in a cell with no tickets yet: the capture screen's list starts in the admin's order.
    context, page = open_admin(browser, county, width=360, username="insp01")
    expect(page.locator("#category-search")).to_be_visible()
    choices = page.get_by_role("radiogroup", name="问题类别").get_by_role("radio")
    expect(choices.first).to_have_text("机动车乱停放 (道路)")
    expect(choices.nth(1)).to_have_text("人行道乱停车")
    context.close()
