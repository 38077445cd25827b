"""Language and names in the first field week (issue 19), through the PWA against its own demo county:
every role's views speak one language — Chinese or English, no raw key, no id — and fit a 360 px
phone; spot checks, the dry-run, the 漏报 table and the desk name units, cells and people; the bureau
picker is grouped and searchable; the category picker starts with what this inspector and this cell
report; the leader's drill-down reads as chips. Screenshots of the desk, the dry-run, the overview and
its drill-down and the spot checks at 360 and 1280 px."""

import json
import os
import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache

import httpx
import pytest
from playwright.sync_api import expect

from api.config import REPO_ROOT
from tests.browser.conftest import OUTPUT
from tests.browser.phone import cell_of
from tests.factories import PHOTOS, capture_body, photo_bytes
from tests.live import LiveServer

pytestmark = pytest.mark.browser

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
UUID_FRAGMENT = re.compile(r"(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{8}(?![0-9A-Za-z])")
# Keys that were labels for their text, and what an unfilled or missing value looks like on screen.
RAW = re.compile(r"离线提示|换人登录|未发送确认|\{\w+\}|\bundefined\b|\bnull\b|\bNaN\b|\[object Object\]")
CHINESE = re.compile(r"[\u3400-\u9fff]")
DRILL_DOWN = "#/tickets?status=dispatched,accepted,rework&bureau=zhzf&overdue=true"
RETURN_REASON = "该路段归交警大队管理，请改派"


@pytest.fixture(scope="module")
def county(tmp_path_factory, browser):
    """Its own server, with a returned ticket, a spot check, a 暗访 find and a cell with a habit."""
    server = LiveServer(tmp_path_factory.mktemp("field-week-language"), "field_week_language")
    server.cli("demo", "--history", "0")
    server.start()
    lat, lon = centroid(server, "insp13")
    returned = report(server, "insp13", lat=lat, lon=lon)
    act(server, "zhzf1", returned, "return", reason=RETURN_REASON)
    closed = report(server, "insp13", lat=lat, lon=lon)
    rectify(server, closed)
    act(server, "insp13", closed, "verify", result="pass", note="已整改到位，照片疑点不影响")
    today = datetime.now(UTC)
    call(server, "supervisor", "POST", "/api/v1/spotchecks/draws",
         json={"closed_from": (today - timedelta(days=1)).isoformat(), "closed_to": (today + timedelta(days=1)).isoformat(),
               "rate": 1.0, "min_per_bureau": 1, "seed": 19})
    report(server, "supervisor", lat=lat, lon=lon)  # 暗访: found by supervision in insp13's cell
    lat, lon = centroid(server, "insp20")
    for _ in range(2):  # this cell's habit: dogs off the lead
        report(server, "insp20", lat=lat, lon=lon, category="0801")
    server.returned = returned
    yield server
    server.close()


# --- the county's side, through the API ---

@cache
def token(server, username) -> dict:
    return server.token(username)


@cache
def centroid(server, inspector) -> tuple[float, float]:
    lon, lat = cell_of(server.url, inspector)["centroid"]
    return lat, lon


def call(server, username, method, path, **kw):
    headers = {**token(server, username), **kw.pop("headers", {})}
    response = httpx.request(method, f"{server.url}{path}", headers=headers, timeout=30, **kw)
    assert response.is_success, response.text
    return response.json() if response.content else None


def report(server, author, *, lat, lon, category="0506"):
    """A ticket with one before-photo, captured by `author` (sidewalk parking goes to 综合执法局)."""
    before = photo_bytes("gps_DSCN0010.jpg")
    ticket_id = str(uuid.uuid4())
    body = capture_body([before], lat=lat, lon=lon, category=category)
    call(server, author, "PUT", f"/api/v1/tickets/{ticket_id}", json=body)
    call(server, author, "PUT", f"/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}", content=before,
         headers={"Content-Type": "image/jpeg"})
    return ticket_id


def act(server, username, ticket_id, action, **body):
    return call(server, username, "POST", f"/api/v1/tickets/{ticket_id}/actions/{action}",
                json={"action_id": str(uuid.uuid4()), **body})


def rectify(server, ticket_id):
    import base64
    import hashlib

    after = photo_bytes("gps_DSCN0012.jpg")
    act(server, "zhzf1", ticket_id, "accept")
    photo_id = str(uuid.uuid4())
    digest = base64.b64encode(hashlib.sha256(after).digest()).decode()
    call(server, "zhzf1", "PUT", f"/api/v1/tickets/{ticket_id}/photos/{photo_id}?kind=after", content=after,
         headers={"Content-Type": "image/jpeg", "Content-Digest": f"sha-256=:{digest}:"})
    act(server, "zhzf1", ticket_id, "rectify", note="车辆已移走", photo_ids=[photo_id])


@cache
def english() -> dict:
    """The English table, read from pwa/src/i18n.js by Node (the test of what the app itself uses)."""
    script = ("globalThis.localStorage = { getItem: () => null, setItem() {} }; globalThis.document = { documentElement: {} };"
              "const { EN } = await import(process.env.I18N); process.stdout.write(JSON.stringify(EN));")
    done = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True,
                          env={**os.environ, "I18N": (REPO_ROOT / "pwa" / "src" / "i18n.js").as_uri()})
    return json.loads(done.stdout)


# --- the people's side, in Chromium ---

def open_app(browser, server, username, *, width=360, lang="zh", lat=28.9, lon=120.0):
    """Logged in, in this language at this width: (context, page, errors)."""
    narrow = width < 1024
    context = browser.new_context(viewport={"width": width, "height": 740 if narrow else 860}, locale="zh-CN",
                                  is_mobile=narrow, has_touch=narrow, permissions=["geolocation"],
                                  geolocation={"latitude": lat, "longitude": lon, "accuracy": 8})
    context.add_init_script(f"localStorage.setItem('gridpatrol.lang', '{lang}')")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/")
    page.get_by_label("账号" if lang == "zh" else "Username").fill(username)
    page.get_by_label("密码" if lang == "zh" else "Password").fill("demo1234")
    page.get_by_role("button", name="登录" if lang == "zh" else "Log in").click()
    expect(page.locator("#tabs a").first).to_be_visible()
    page.wait_for_function("() => document.body.dataset.view")
    return context, page, errors


def go(page, hash_path):
    """Open a view by its address and wait until it has been drawn, and what it loads after."""
    view = hash_path.split("?")[0].split("/")[1]
    page.evaluate("(hash) => { location.hash = hash; }", hash_path)
    page.wait_for_function("(view) => document.body.dataset.view === view", arg=view)
    page.wait_for_timeout(700)


def shoot(page, name):
    OUTPUT.mkdir(exist_ok=True)
    # A constructed stylesheet: the page's policy refuses <style> elements.
    page.evaluate("(css) => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css); "
                  "document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }",
                  ".detail-pane { max-height: none !important; position: static !important; }")
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=True)


def untranslated(text: str, lang: str) -> list[str]:
    """What on screen is a raw key, an id or an unfilled value; in English, also a Chinese key shown as is."""
    found = UUID.findall(text) + UUID_FRAGMENT.findall(text) + RAW.findall(text)
    if lang == "en":
        table = english()
        found += [part for part in (p.strip() for p in re.split(r"[\n·:：,，;；()（）|→/]+", text))
                  if CHINESE.search(part) and table.get(part, part) != part]
    return found


ROLES = [("insp15", 6), ("zhzf1", 6), ("dispatcher", 12), ("supervisor", 7), ("leader", 8)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_view_speaks_one_language_and_fits_a_phone(county, browser, lang):
    problems = {}
    for username, tab_count in ROLES:
        context, page, errors = open_app(browser, county, username, lang=lang)
        tabs = page.locator("#tabs a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
        assert len(tabs) == tab_count, tabs
        for path in tabs + ([DRILL_DOWN] if username == "leader" else []):
            go(page, path)
            text = page.evaluate("document.body.innerText")
            found = untranslated(text, lang)
            width = page.evaluate("document.documentElement.scrollWidth")
            if found or width > 360:
                problems[(username, path)] = {"untranslated": found, "scrollWidth": width}
        assert errors == [], (username, errors)
        context.close()
    assert problems == {}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_inspectors_phone_offline_says_it_in_one_language(county, browser, lang):
    zh = lang == "zh"
    lat, lon = centroid(county, "insp17")
    context, page, _ = open_app(browser, county, "insp17", lang=lang, lat=lat, lon=lon)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    why = page.locator("#submit-why")
    expect(why).to_have_text("还需：照片、问题类别" if zh else "Missing: photos, Problem category")

    context.set_offline(True)
    banner = page.locator("#offline-banner")
    expect(banner).to_have_text("离线：工单和巡查保存在本机，联网后自动发送" if zh
                                else "Offline: tickets and patrols stay on this phone and are sent when the network returns")
    expect(page.locator("#fix")).to_contain_text("±")
    page.locator("#photo-input").set_input_files(str(PHOTOS / "gps_DSCN0010.jpg"))
    expect(page.locator(".thumbs img")).to_have_count(1)
    page.get_by_role("radio", name="人行道乱停车" if zh else "parking on the sidewalk").click()
    page.get_by_role("button", name="保存待发送" if zh else "Save to outbox").click()
    # The toast names what was saved and where, never a piece of its id.
    toast = page.locator(".toast").first
    expect(toast).to_contain_text("人行道乱停车" if zh else "parking on the sidewalk")
    expect(toast).to_contain_text(cell_of(county.url, "insp17")["name"])
    assert untranslated(toast.text_content(), lang) == []

    # Sending while the network is gone: the outbox says why, in this language only.
    go(page, "#/outbox")
    page.locator("#send-now").click()
    error = page.locator("#outbox-list .error")
    expect(error).to_have_text("网络不可用" if zh else "Network unavailable")
    assert untranslated(page.evaluate("document.body.innerText"), lang) == []
    shoot(page, f"fwl-outbox-offline-{lang}-360")
    context.close()


def test_spot_checks_name_the_unit_the_problem_and_the_cell(county, browser):
    tasks = call(county, "supervisor", "GET", "/api/v1/spotchecks?status=open")
    assert tasks
    for width in (360, 1280):
        context, page, errors = open_app(browser, county, "supervisor", width=width)
        go(page, "#/spotchecks")
        rows = page.locator("#spotcheck-list li.row")
        expect(rows).to_have_count(len(tasks))
        for task in tasks:
            row = page.locator("#spotcheck-list li.row", has=page.locator(f'a[data-ticket="{task["ticket_id"]}"]'))
            expect(row).to_contain_text(task["bureau_name"])
            expect(row).to_contain_text(task["ticket"]["cell_name"])
            expect(row).to_contain_text(task["ticket"]["category_name"])
            text = row.inner_text()
            assert task["bureau_code"] not in text.split() and task["ticket"]["cell_code"] not in text
        shoot(page, f"fwl-spotchecks-{width}")
        assert errors == []
        context.close()


def test_the_leaders_missed_table_names_the_inspectors(county, browser):
    overview = call(county, "leader", "GET", "/api/v1/indicators/overview")
    (missed,) = overview["missed_this_week"]
    for width in (360, 1280):
        context, page, _ = open_app(browser, county, "leader", width=width)
        table = page.locator("#missed")
        expect(table).to_contain_text(missed["cell_name"])
        for name, username in zip(missed["inspector_names"], missed["inspectors"], strict=True):
            expect(table).to_contain_text(name)
            expect(table).not_to_contain_text(username)
        shoot(page, f"fwl-overview-{width}")
        context.close()


def test_the_leaders_drill_down_reads_as_chips_and_fits_a_phone(county, browser):
    for width in (360, 1280):
        context, page, _ = open_app(browser, county, "leader", width=width)
        page.locator("table.by-bureau tr", has_text="综合执法局").locator("td a").nth(1).click()  # its overdue number
        filters = page.locator("#filters .filter")
        expect(filters).to_have_text(["状态：已交办、整改中、返工", "单位：综合执法局", "超期"])
        expect(page.locator("main")).not_to_contain_text("status=")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shoot(page, f"fwl-drill-down-{width}")
        page.locator("#filters a", has_text="全部工单").click()
        expect(page.locator("#filters")).to_have_count(0)
        context.close()


def test_the_desk_row_says_why_a_ticket_came_back(county, browser):
    for width in (360, 1280):
        context, page, _ = open_app(browser, county, "dispatcher", width=width)
        row = page.locator("#desk-returned + ul li.row", has=page.locator(f'a[data-id="{county.returned}"]'))
        expect(row).to_contain_text(f"退回原因：{RETURN_REASON}")
        expect(row).to_contain_text("综合执法局")
        assert not re.search(r"\bzhzf\b|\d{15}|insp13", row.inner_text())
        shoot(page, f"fwl-desk-{width}")
        context.close()


def test_the_bureau_picker_is_grouped_and_searchable(county, browser):
    context, page, _ = open_app(browser, county, "dispatcher", width=1280)
    go(page, f"#/desk/{county.returned}")
    picker = page.get_by_label("改派给")
    groups = picker.locator("optgroup")
    expect(groups).to_have_count(3)
    assert groups.evaluate_all("(gs) => gs.map((g) => g.label)") == ["牵头单位", "网格责任单位", "街道/乡镇"]
    lead = picker.locator('optgroup[label="牵头单位"] option')
    expect(lead.filter(has_text="交警大队")).to_contain_text("在办")  # each unit's load
    expect(lead.filter(has_text="综合执法局")).to_have_count(0)  # not back to the unit that returned it
    grid_unit = cell_of(county.url, "insp13")["responsible_bureau_name"]
    expect(picker.locator('optgroup[label="网格责任单位"] option', has_text=grid_unit)).to_have_count(1)
    expect(picker.locator('optgroup[label="街道/乡镇"] option')).to_have_count(3)

    search = page.get_by_label("搜索单位（名称或代码）")
    search.fill("jd0")  # by code: the streets
    expect(picker.locator("option:not([value=''])")).to_have_count(3)
    search.fill("交警")  # one match is chosen at once
    expect(picker.locator("option:not([value=''])")).to_have_count(1)
    assert picker.input_value() == "jjdd"
    page.get_by_label("改派原因").fill("机动车道违停归交警大队")
    page.locator('[data-action="reassign"] button[type="submit"]').click()
    expect(page.locator(".queued")).to_contain_text("改派 → 交警大队")
    context.close()


def test_the_category_picker_starts_with_what_this_inspector_and_this_cell_report(county, browser):
    lat, lon = centroid(county, "insp20")
    context, page, _ = open_app(browser, county, "insp20", lat=lat, lon=lon)
    choices = page.locator("#capture .choice")
    # The cell's habit first (two dog tickets there), then the county's most common problems.
    expect(choices).to_have_count(8)
    expect(choices.first).to_have_text("文明养犬")
    assert choices.all_text_contents()[1:4] == ["人行道乱停车", "机动车乱停放 (道路)", "占道经营"]

    # What this inspector reports comes before everything else.
    expect(page.locator("#fix")).to_contain_text("±")
    page.locator("#photo-input").set_input_files(str(PHOTOS / "gps_DSCN0010.jpg"))
    expect(page.locator(".thumbs img")).to_have_count(1)
    page.get_by_label("搜索类别").fill("小广告")
    page.get_by_role("radio", name="非法小广告").click()
    page.get_by_role("button", name="保存待发送").click()
    expect(page.locator(".thumbs img")).to_have_count(0)
    expect(choices.first).to_have_text("非法小广告")
    assert choices.all_text_contents()[1:3] == ["文明养犬", "人行道乱停车"]
    context.close()


def test_the_dry_run_asks_for_the_point_in_place_and_names_the_result(county, browser):
    for width in (360, 1280):
        context, page, _ = open_app(browser, county, "dispatcher", width=width)
        go(page, "#/dryrun")
        page.locator("#dry-category").select_option("0102")
        expect(page.locator("#dry-where")).to_have_text("请在地图上点选位置")
        expect(page.locator(".toast")).to_have_count(0)  # nothing covers the page
        box = page.locator("#dry-result").locator("xpath=preceding-sibling::div[contains(@class, 'map')]").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        expect(page.locator("#dry-bureau strong")).not_to_be_empty()
        lat, lon = map(float, page.locator("#dry-where").text_content().split(","))
        decision = call(county, "dispatcher", "POST", "/api/v1/routing/dry-run", json={"category": "0102", "lat": lat, "lon": lon})
        expect(page.locator("#dry-bureau")).to_have_text(f"承办单位：{decision['bureau_name']}")
        expect(page.locator("#dry-cell")).to_contain_text(decision["cell_name"])
        page.wait_for_timeout(500)  # the scroll to the result
        shoot(page, f"fwl-dryrun-{width}")
        context.close()
