"""系统管理 · 网格管理 and 县区设置 in the PWA, against a demo county of their own: a grid file with an overlap refused,
its problems listed and drawn on the map; a changed grid's diff (added, changed, left out) on the map and in a list,
then imported; the county's settings downloaded as the command line's YAML, a broken file refused at its input and
an edited one previewed section by section, then imported; and both pages at 360 px."""

import copy
import json

import httpx
import pytest
import yaml
from playwright.sync_api import expect
from shapely import affinity
from shapely.geometry import mapping, shape

from tests.browser.conftest import OUTPUT
from tests.live import LiveServer

pytestmark = pytest.mark.browser

NEW_CELL = "330790003003099"


@pytest.fixture(scope="module")
def county(tmp_path_factory, browser):
    server = LiveServer(tmp_path_factory.mktemp("admin-grid"), "admin_grid")
    server.cli("demo", "--history", "0")
    server.start()
    yield server
    server.close()


def open_admin(browser, server, path, *, width=1280):
    context = browser.new_context(viewport={"width": width, "height": 900 if width >= 1024 else 740}, locale="zh-CN",
                                  is_mobile=width < 1024, has_touch=width < 1024, accept_downloads=True)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("账号").fill("admin")
    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#tabs")).to_be_visible()
    page.goto(server.url + path)
    return context, page


def cells(server):
    return httpx.get(f"{server.url}/api/v1/grid/cells", headers=server.token("admin"), timeout=30).json()["features"]


def as_file(features):
    """Stored cells as a file to import: their code, name, dates and border (units and inspectors left out: kept)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": f["geometry"],
         "properties": {k: f["properties"][k] for k in ("code", "name", "valid_from", "valid_to")}}
        for f in features]}


def upload(page, input_id, name, content: bytes):
    page.set_input_files(input_id, files=[{"name": name, "mimeType": "application/octet-stream", "buffer": content}])


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "scrolls sideways"


def overlapping_file(server):
    """A stored cell as it is, and a new one drawn inside it."""
    cell = cells(server)[0]
    doc = as_file([cell])
    inside = affinity.scale(shape(cell["geometry"]), 0.5, 0.5)
    doc["features"].append({"type": "Feature", "geometry": mapping(inside),
                            "properties": {"code": NEW_CELL, "name": "压线网格"}})
    return json.dumps(doc).encode(), cell["properties"]["code"]


def test_an_overlapping_grid_is_refused_and_drawn_on_the_map(county, browser):
    content, stored_code = overlapping_file(county)
    before = cells(county)
    context, page = open_admin(browser, county, "/#/admin/grid")
    expect(page.locator("#grid-count")).to_have_text("现有 34 个网格")
    upload(page, "#grid-file", "overlap.geojson", content)
    page.locator("#grid-form button[type=submit]").click()

    expect(page.locator("#grid-refused")).to_have_text("文件有 2 处错误，未导入任何网格")
    problems = page.locator("#grid-errors > li")
    expect(problems).to_have_count(2)
    expect(problems.nth(0)).to_contain_text(stored_code)
    expect(problems.nth(0)).to_contain_text(f"与网格 {NEW_CELL} 重叠")
    expect(problems.nth(1)).to_contain_text("要素 1")
    # On the map: both cells outlined in red, and the overlap filled.
    expect(page.locator("#grid-map path.grid-error")).to_have_count(2)
    expect(page.locator("#grid-map path.grid-overlap")).to_have_count(2)
    expect(page.locator("#grid-map path.grid-other")).to_have_count(2)
    problems.nth(1).locator("button").click()
    expect(problems.nth(1)).to_have_attribute("aria-current", "true")
    page.locator("#grid-map path.grid-error").first.click(force=True)  # the feature picks its item
    expect(page.locator("#grid-errors > li[aria-current='true']")).to_have_count(1)
    page.screenshot(path=str(OUTPUT / "admin-grid-refused-1280.png"))
    assert cells(county) == before
    context.close()


def test_a_changed_grid_shows_its_diff_then_is_imported(county, browser):
    stored = cells(county)
    features = copy.deepcopy(stored)
    features[0]["properties"]["name"] = "改名网格"
    features[1]["geometry"] = mapping(affinity.scale(shape(features[1]["geometry"]), 0.9, 0.9))
    left_out = [f["properties"]["code"] for f in features[2:4]]
    del features[2:4]
    east = max(shape(f["geometry"]).bounds[2] for f in stored) + 0.01
    doc = as_file(features)
    doc["features"].append({"type": "Feature", "properties": {"code": NEW_CELL, "name": "新建网格"}, "geometry": {
        "type": "Polygon", "coordinates": [[[east, 28.9], [east + 0.005, 28.9], [east + 0.005, 28.905],
                                            [east, 28.905], [east, 28.9]]]}})

    context, page = open_admin(browser, county, "/#/admin/grid")
    upload(page, "#grid-file", "grid.geojson", json.dumps(doc).encode())
    page.locator("#grid-form button[type=submit]").click()
    counts = page.locator("#grid-diff-counts")
    for kind, n in (("added", 1), ("changed", 2), ("absent", 2), ("unchanged", 30)):
        expect(counts.locator(f"[data-kind='{kind}'] strong")).to_have_text(str(n))
    expect(page.locator("#grid-map path.grid-added")).to_have_count(1)
    expect(page.locator("#grid-map path.grid-changed")).to_have_count(2)
    expect(page.locator("#grid-map path.grid-before")).to_have_count(1)  # only one border moves
    expect(page.locator("#grid-map path.grid-absent")).to_have_count(2)
    expect(page.locator("#grid-legend")).to_contain_text("文件中没有（保留）")
    renamed = page.locator(f"#grid-changed li[data-code='{stored[0]['properties']['code']}']")
    expect(renamed).to_contain_text(f"名称：{stored[0]['properties']['name']} → 改名网格")
    expect(page.locator(f"#grid-changed li[data-code='{stored[1]['properties']['code']}']")).to_contain_text("边界（面积）")
    page.screenshot(path=str(OUTPUT / "admin-grid-diff-1280.png"))
    assert len(cells(county)) == 34  # nothing yet

    page.locator("#grid-confirm").click()
    expect(page.locator("#grid-imported")).to_contain_text("已导入 33 个网格")
    expect(page.locator("#grid-count")).to_have_text("现有 35 个网格")
    expect(page.locator("#grid-map path.grid-added")).to_have_count(0)
    after = {f["properties"]["code"]: f for f in cells(county)}
    assert after[stored[0]["properties"]["code"]]["properties"]["name"] == "改名网格"
    assert after[NEW_CELL]["properties"]["name"] == "新建网格"
    assert set(left_out) <= set(after)  # left out of the file: kept
    page.screenshot(path=str(OUTPUT / "admin-grid-imported-1280.png"))
    context.close()


def test_the_county_settings_downloaded_and_an_edited_file_imported(county, browser, tmp_path):
    context, page = open_admin(browser, county, "/#/admin/county")
    with page.expect_download() as download:
        page.locator("#county-export").click()
    text = download.value.path().read_text(encoding="utf-8")
    county.cli("config", "export", str(tmp_path / "cli.yaml"))
    # The command line's file: the same document, in YAML, Chinese written as itself.
    assert yaml.safe_load(text) == yaml.safe_load((tmp_path / "cli.yaml").read_text(encoding="utf-8"))
    assert "name: 综合执法局" in text

    upload(page, "#county-file", "broken.yaml", b"bureaus: [unclosed\n")
    page.locator("#county-form button[type=submit]").click()
    expect(page.locator("#county-file-error")).to_contain_text("文件不是有效的 YAML 或 JSON")
    expect(page.locator("#county-file")).to_have_attribute("aria-invalid", "true")
    upload(page, "#county-file", "wrong.yaml", b"version: 1\ncategories:\n  - code: '0506'\n")
    page.locator("#county-form button[type=submit]").click()
    expect(page.locator("#county-file-error")).to_contain_text("问题类别 › 第 1 项 › name：缺少此项")

    document = yaml.safe_load(text)
    sidewalk = next(c for c in document["categories"] if c["code"] == "0506")
    sidewalk["deadline_value"] += 1
    document["bureaus"].append({"code": "tyj", "name": "体育局", "kind": "department"})
    dropped = document["routing_rules"].pop()["name"]
    upload(page, "#county-file", "county.yaml", yaml.safe_dump(document, allow_unicode=True).encode())
    page.locator("#county-form button[type=submit]").click()
    counts = page.locator("#county-diff-counts")
    for kind in ("added", "changed", "removed"):
        expect(counts.locator(f"[data-kind='{kind}'] strong")).to_have_text("1")
    expect(page.locator("[data-section='categories'] li[data-key='0506']")).to_contain_text(
        f"deadline_value：{sidewalk['deadline_value'] - 1} → {sidewalk['deadline_value']}")
    expect(page.locator("[data-section='bureaus'] .diff-added")).to_contain_text("体育局")
    expect(page.locator("[data-section='routing_rules'] .diff-removed")).to_contain_text(dropped)
    page.locator("[data-section='categories']").scroll_into_view_if_needed()
    page.screenshot(path=str(OUTPUT / "admin-county-preview-1280.png"))

    page.locator("#county-confirm").click()
    expect(page.locator("#county-imported")).to_be_visible()
    admin = county.token("admin")
    now = httpx.get(f"{county.url}/api/v1/config/export", headers=admin, timeout=30).json()
    assert next(c for c in now["categories"] if c["code"] == "0506")["deadline_value"] == sidewalk["deadline_value"]
    assert "tyj" in {b["code"] for b in now["bureaus"]}
    assert dropped not in {r["name"] for r in now["routing_rules"]}
    context.close()


def test_the_grid_and_county_pages_at_360_px(county, browser):
    content, _ = overlapping_file(county)
    context, page = open_admin(browser, county, "/#/admin/grid", width=360)
    upload(page, "#grid-file", "overlap.geojson", content)
    page.locator("#grid-form button[type=submit]").click()
    expect(page.locator("#grid-errors > li")).to_have_count(2)
    expect(page.locator("#grid-map path.grid-overlap").first).to_be_attached()
    no_sideways_scroll(page)
    page.screenshot(path=str(OUTPUT / "admin-grid-refused-360.png"), full_page=True)
    page.goto(county.url + "/#/admin/county")
    expect(page.locator("#county-export")).to_be_visible()
    no_sideways_scroll(page)
    page.screenshot(path=str(OUTPUT / "admin-county-360.png"), full_page=True)
    context.close()
