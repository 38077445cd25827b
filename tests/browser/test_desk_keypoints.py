"""The key-point desk through the PWA, against its own demo county: the readiness board (明察倒计时) worst
first with a 30-day strip per point, coverage, creating a key point through the form, an import refused
row by row, a bureau liaison seeing only its own points, and no sideways scroll at 360 px."""

import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.phone import cell_of
from tests.live import LiveServer

pytestmark = pytest.mark.browser

CHINA = timezone(timedelta(hours=8))
GREEN_POINT = "测试点位（已巡查）"
OWN_POINT = "测试点位（综合执法局）"
OTHER_POINT = "测试点位（交警大队）"
RANK = {"red": 0, "yellow": 1, "green": 2}


@pytest.fixture(scope="module")
def county(tmp_path_factory, browser):
    """Its own server; three points of our own: one patrolled yesterday and today (green), and two
    declared sites, one for 综合执法局 and one for 交警大队."""
    server = LiveServer(tmp_path_factory.mktemp("desk-keypoints"), "desk_keypoints")
    server.cli("demo", "--history", "0")
    server.start()
    try:
        lon, lat = cell_of(server.url, "insp03")["centroid"]
        green = create_point(server, name=GREEN_POINT, point_type="main_road", lat=lat, lon=lon, has_cctv=True,
                             camera_no="TEST-CCTV-01")
        now = datetime.now(CHINA)
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        for started in (now - timedelta(days=1), max(now - timedelta(minutes=5), midnight)):  # yesterday, today
            patrol(server, "insp03", green, started)
        create_point(server, name=OWN_POINT, point_type="back_lane", lat=lat + 0.0002, lon=lon, declared=True,
                     bureau_code="zhzf")
        create_point(server, name=OTHER_POINT, point_type="intersection", lat=lat, lon=lon + 0.0002, declared=True,
                     bureau_code="jjdd")
        yield server
    finally:
        server.close()


def create_point(server, **fields):
    response = httpx.post(f"{server.url}/api/v1/key-points", json=fields, headers=server.token("admin"), timeout=30)
    assert response.status_code == 201, response.text
    return response.json()


def patrol(server, username, point, started):
    """Every item of the point's checklist passed, with an overview photo, as the phone would send it."""
    headers = server.token(username)
    checklist = httpx.get(f"{server.url}/api/v1/checklists/{point['point_type']}", headers=headers, timeout=30).json()
    body = {"key_point_id": point["id"], "started_at": started.isoformat(),
            "finished_at": (started + timedelta(minutes=3)).isoformat(), "lat": point["lat"], "lon": point["lon"],
            "accuracy_m": 6, "located_at": started.isoformat(), "checklist_version": checklist["version"],
            "items": [{"code": item["code"], "result": "pass"} for item in checklist["items"]],
            "photos": [{"id": str(uuid.uuid4()), "sha256": "0" * 64, "content_type": "image/jpeg", "size": 1000}]}
    response = httpx.put(f"{server.url}/api/v1/patrols/{uuid.uuid4()}", json=body, headers=headers, timeout=30)
    assert response.status_code == 201, response.text


def readiness(server, username):
    return httpx.get(f"{server.url}/api/v1/key-points/readiness", params={"days": 30},
                     headers=server.token(username), timeout=30).json()


def open_as(browser, server, username, *, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 860 if width >= 1024 else 740}, locale="zh-CN",
                                  is_mobile=width < 1024, has_touch=width < 1024)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#tabs")).to_be_visible()
    return context, page


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def shoot(page, name):
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=True)


def test_the_board_lists_points_worst_first_with_a_30_day_strip(county, browser):
    board = readiness(county, "dispatcher")
    statuses = [entry["status"] for entry in board["points"]]
    assert "red" in statuses and "green" in statuses
    context, page = open_as(browser, county, "dispatcher")
    page.get_by_role("link", name="明察倒计时").click()
    rows = page.locator("#readiness-list > li")
    expect(rows).to_have_count(len(board["points"]))
    shown = rows.evaluate_all("(rows) => rows.map((r) => [r.dataset.status, r.querySelectorAll('.days > li').length])")
    assert all(squares == 30 for _, squares in shown)
    ranks = [RANK[status] for status, _ in shown]
    assert ranks == sorted(ranks), "worst first"
    last_red = max(i for i, (status, _) in enumerate(shown) if status == "red")
    first_green = min(i for i, (status, _) in enumerate(shown) if status == "green")
    assert last_red < first_green
    expect(page.locator("#count-red")).to_contain_text(str(statuses.count("red")))

    green = rows.filter(has_text=GREEN_POINT)
    expect(green).to_have_attribute("data-status", "green")
    expect(green.locator(".reasons")).to_have_text("正常")
    expect(green).to_contain_text("TEST-CCTV-01")
    squares = green.locator(".days > li")
    expect(squares.last).to_have_class("day done")  # today, last and patrolled
    expect(squares.nth(28)).to_have_class("day done")  # yesterday
    expect(squares.last).to_have_attribute("title", f"{datetime.now(CHINA).date().isoformat()} · 已巡")
    expect(page.locator('#readiness-list > li[data-status="red"] .reasons').first).to_contain_text("昨日漏巡")

    # The same points on the map beside the list, coloured by status; a tap opens the point.
    markers = page.locator('#readiness-map path.leaflet-interactive[fill="#1b6e33"]')
    expect(markers).to_have_count(statuses.count("green"))
    markers.first.dispatch_event("click")
    expect(page.locator(".leaflet-popup")).to_contain_text(GREEN_POINT)
    shoot(page, "desk-readiness-1280")

    # Cameras only.
    page.get_by_role("link", name="仅监控点位").click()
    cameras = httpx.get(f"{county.url}/api/v1/key-points/readiness", params={"days": 30, "cctv": "true"},
                        headers=county.token("dispatcher"), timeout=30).json()["points"]
    assert cameras and all(entry["key_point"]["has_cctv"] for entry in cameras)
    expect(rows).to_have_count(len(cameras))
    context.close()


def test_coverage_by_period_and_group(county, browser):
    context, page = open_as(browser, county, "supervisor")
    page.goto(f"{county.url}/#/readiness")
    page.get_by_role("link", name="巡查覆盖").click()
    expect(page.get_by_role("heading", name="巡查覆盖")).to_be_visible()
    page.get_by_role("link", name="近7天").click()
    today = datetime.now(CHINA).date()
    # The last 7 days drawn, not the period before them (本周 can show the same figure from Tuesday on).
    expect(page.locator(".coverage-total")).to_contain_text((today - timedelta(days=6)).isoformat())
    table = page.locator("#coverage-table")
    row = table.locator("tbody tr", has_text=GREEN_POINT)
    expect(row.locator("td").nth(1)).to_have_text("2")  # patrolled yesterday and today
    # A point never patrolled opens its missed days.
    page.get_by_role("button", name=OWN_POINT).click()
    expect(table.locator(".missed-points:visible li").first).to_be_visible()
    page.get_by_role("link", name="按网格员").click()
    expect(table.locator("thead th").first).to_have_text("网格员")
    coverage = httpx.get(f"{county.url}/api/v1/coverage", headers=county.token("supervisor"), timeout=30, params={
        "from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat(), "by": "inspector"}).json()
    expect(table.locator("tbody > tr:not(.missed-points)")).to_have_count(len(coverage["rows"]))
    shoot(page, "desk-coverage-1280")
    context.close()


def test_admin_creates_a_key_point_through_the_form(county, browser):
    lon, lat = cell_of(county.url, "insp05")["centroid"]
    context, page = open_as(browser, county, "admin")
    page.get_by_role("link", name="点位管理").click()
    page.get_by_role("link", name="新建点位").click()
    form = page.locator("#keypoint-form")
    form.get_by_label("点位名称").fill("测试新建点位")
    form.get_by_label("点位类型").select_option(label="交通路口")
    form.locator(".kp-map").click()  # a tap on the map fills the coordinates…
    expect(form.get_by_label("纬度")).not_to_have_value("")
    form.get_by_label("纬度").fill(f"{lat:.6f}")  # …which can be typed exactly too
    form.get_by_label("经度").fill(f"{lon:.6f}")
    form.get_by_label("责任单位").select_option(label="交警大队")
    form.get_by_label("有监控（明察点位）").check()
    expect(form.get_by_label("巡查频次")).to_have_value("daily")  # the default for cameras
    form.get_by_label("摄像头编号").fill("TEST-CCTV-99")
    form.get_by_label("监控画面").fill("路口东北角，朝西")
    shoot(page, "desk-keypoint-form-1280")
    form.locator("button[type=submit]").click()
    expect(page.locator("#keypoint-list a", has_text="测试新建点位")).to_be_visible()
    created = next(p for p in httpx.get(f"{county.url}/api/v1/key-points", headers=county.token("admin"),
                                        timeout=30).json() if p["name"] == "测试新建点位")
    assert (created["point_type"], created["bureau_code"], created["has_cctv"], created["camera_no"],
            created["patrol_frequency"]) == ("intersection", "jjdd", True, "TEST-CCTV-99", "daily")
    assert created["cell_code"] == cell_of(county.url, "insp05")["code"]
    expect(page).to_have_url(f"{county.url}/#/keypoints/{created['id']}")

    # Edited in the same form (PATCH), then found by name.
    form.get_by_label("摄像头编号").fill("TEST-CCTV-100")
    form.locator("button[type=submit]").click()
    expect(page.locator(".toast")).to_contain_text("已保存")
    edited = httpx.get(f"{county.url}/api/v1/key-points", headers=county.token("admin"), timeout=30).json()
    assert next(p for p in edited if p["id"] == created["id"])["camera_no"] == "TEST-CCTV-100"
    page.get_by_label("搜索名称").fill("新建")
    expect(page.locator("#keypoint-list li")).to_have_count(1)

    # The checklist of a point type, read-only, with its version.
    page.get_by_text("检查表", exact=True).click()
    page.get_by_label("选择点位类型").select_option(label="交通路口")
    checklist = httpx.get(f"{county.url}/api/v1/checklists/intersection", headers=county.token("admin"), timeout=30).json()
    expect(page.locator("#checklist")).to_contain_text(f"版本 {checklist['version']}")
    expect(page.locator("#checklist li")).to_have_count(len(checklist["items"]))
    context.close()


def test_an_import_with_one_bad_row_creates_nothing(county, browser):
    lon, lat = cell_of(county.url, "insp07")["centroid"]
    csv = (f"name,point_type,lat,lon,has_cctv\n导入点位甲,main_road,{lat},{lon},1\n"
           f"导入点位乙,没有这种类型,{lat},{lon},1\n").encode()
    context, page = open_as(browser, county, "dispatcher")
    page.goto(f"{county.url}/#/keypoints")
    page.get_by_text("批量导入").click()
    page.locator("#import-file").set_input_files(files=[{"name": "点位.csv", "mimeType": "text/csv", "buffer": csv}])
    page.get_by_role("button", name="导入", exact=True).click()
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first.locator("th")).to_have_text("3")  # the file's row: the header is row 1
    expect(errors.first).to_contain_text("导入点位乙")
    expect(page.locator("#import-result")).to_contain_text("未保存任何点位")
    shoot(page, "desk-keypoint-import-1280")
    names = {p["name"] for p in httpx.get(f"{county.url}/api/v1/key-points", headers=county.token("dispatcher"),
                                          timeout=30).json()}
    assert not {"导入点位甲", "导入点位乙"} & names
    expect(page.locator("#keypoint-list a", has_text="导入点位甲")).to_have_count(0)
    context.close()


def test_a_bureau_liaison_sees_only_its_own_points(county, browser):
    own = readiness(county, "zhzf1")["points"]
    assert own and all(entry["key_point"]["bureau_code"] == "zhzf" for entry in own)
    context, page = open_as(browser, county, "zhzf1", width=360)
    page.get_by_role("link", name="明察倒计时").click()
    rows = page.locator("#readiness-list > li")
    expect(rows).to_have_count(len(own))
    expect(rows.filter(has_text=OWN_POINT)).to_have_count(1)
    expect(page.get_by_text(OTHER_POINT)).to_have_count(0)
    for meta in rows.locator(".meta").first.all():
        expect(meta).to_contain_text("综合执法局")
    no_sideways_scroll(page)
    shoot(page, "desk-readiness-bureau-360")
    context.close()


VIEWS = [("dispatcher", "readiness", "明察倒计时"), ("dispatcher", "readiness?map=1", "点位地图"),
         ("leader", "readiness/coverage?period=last7", "巡查覆盖"), ("dispatcher", "keypoints", "点位管理"),
         ("dispatcher", "keypoints/new", "新建点位")]


@pytest.mark.parametrize("width", [360, 1280])
def test_each_view_fits_the_screen_without_serious_accessibility_problems(county, browser, width):
    from api.config import REPO_ROOT

    axe = (REPO_ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js").read_text()
    serious = {}
    for username, view, heading in VIEWS:
        context, page = open_as(browser, county, username, width=width)
        page.goto(f"{county.url}/#/{view}")
        expect(page.get_by_role("heading", name=heading).first).to_be_visible()
        page.wait_for_timeout(500)  # the map's tiles and markers
        no_sideways_scroll(page)
        shoot(page, f"desk-{view.split('?')[0].replace('/', '-')}{'-map' if 'map=1' in view else ''}-{width}")
        page.evaluate(axe)  # not a <script>, which the page's policy refuses
        found = page.evaluate("axe.run().then((r) => r.violations)")
        serious[view] = [(v["id"], [n["target"] for n in v["nodes"]][:2]) for v in found
                         if v["impact"] in ("serious", "critical")]
        context.close()
    assert all(not found for found in serious.values()), {k: v for k, v in serious.items() if v}
