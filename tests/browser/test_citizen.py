"""The citizens' 随手拍 page (/report/) in Chromium against a county of its own: a resident reports offline and
the report reaches the server exactly once over a network that refuses and drops writes; the dispatcher accepts
it, the unit rectifies it, and the resident's status page shows the after-photo. A second report, rejected,
shows its reason. Screenshots of the form, the sent screen and the status page at 360 and 1280 px."""

import base64
import hashlib
import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.phone import cell_of, phone_context
from tests.browser.proxy import FlakyProxy
from tests.factories import PHOTOS, photo_bytes
from tests.live import LiveServer

pytestmark = pytest.mark.browser

REPORTS = "/api/v1/public/reports/"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """The demo county with two public categories, behind a network the test controls."""
    server = LiveServer(tmp_path_factory.mktemp("citizen"), "citizen")
    server.cli("demo", "--history", "0")
    server.start()
    httpx.put(f"{server.url}/api/v1/public-categories", headers=server.token("dispatcher"), timeout=30, json={
        "categories": [{"category_code": "0506", "public_name": "人行道乱停车", "public_name_en": "Parking on the sidewalk"},
                       {"category_code": "0102", "public_name": "垃圾", "public_name_en": "Litter"}]}
              ).raise_for_status()
    proxy = FlakyProxy(server.url)
    lon, lat = cell_of(server.url, "insp05")["centroid"]
    yield server, proxy, lat, lon
    proxy.close()
    server.close()


def shoot(page, name):
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / f"citizen-{name}.png", full_page=True)


def fill_in(page, photo, category, description):
    page.locator("#report-photo").set_input_files(str(PHOTOS / photo))
    expect(page.locator(".thumbs img")).to_have_count(1)
    expect(page.locator("#report-fix")).to_contain_text("±")
    page.get_by_role("radio", name=category).check()
    page.get_by_label("问题描述").fill(description)


def tracking_code(page) -> str:
    code = page.locator("#tracking-code")
    expect(code).to_have_text(re.compile(r"^[2-9A-Z]{5} [2-9A-Z]{5}$"), timeout=60000)
    return code.inner_text().replace(" ", "")


def review(server, code) -> dict:
    """The report behind a tracking code, as the review queue lists it; there must be exactly one."""
    listed = [r for status in ("received", "accepted", "rejected")
              for r in httpx.get(f"{server.url}/api/v1/citizen-reports", params={"status": status, "limit": 200},
                                 headers=server.token("dispatcher"), timeout=30).json()]
    found = [r for r in listed if r["tracking_code"] == code]
    assert len(found) == 1, found
    return found[0]


def rectify(server, ticket_id):
    """综合执法局 accepts the ticket and rectifies it with an after-photo, through the API."""
    bureau, after, photo_id = server.token("zhzf1"), photo_bytes("gps_DSCN0012.jpg"), str(uuid.uuid4())
    with httpx.Client(base_url=server.url, headers=bureau, timeout=30) as api:
        api.post(f"/api/v1/tickets/{ticket_id}/actions/accept", json={"action_id": str(uuid.uuid4())}).raise_for_status()
        digest = base64.b64encode(hashlib.sha256(after).digest()).decode()
        api.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}?kind=after", content=after,
                headers={"Content-Type": "image/jpeg", "Content-Digest": f"sha-256=:{digest}:"}).raise_for_status()
        api.post(f"/api/v1/tickets/{ticket_id}/actions/rectify", json={
            "action_id": str(uuid.uuid4()), "note": "车辆已移走", "photo_ids": [photo_id]}).raise_for_status()


def test_an_offline_report_arrives_once_and_its_page_shows_the_after_photo(county, browser):
    server, proxy, lat, lon = county
    context = phone_context(browser, lat=lat, lon=lon)
    page = context.new_page()
    # The address on posters is /report: the server adds the slash.
    assert httpx.get(server.url + "/report", timeout=30).headers["location"].endswith("/report/")
    page.goto(proxy.url + "/report/")
    expect(page.get_by_role("radio", name="人行道乱停车")).to_be_attached()
    assert page.evaluate("navigator.serviceWorker.controller") is None  # no staff app, no service worker

    context.set_offline(True)
    fill_in(page, "gps_DSCN0010.jpg", "人行道乱停车", "人行道上停了三辆车，<script>alert(1)</script>")
    page.get_by_label("联系电话").fill("13800138000")
    shoot(page, "form-360")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="已保存在本机，联网后自动发送")).to_be_visible()
    assert proxy.writes_to(REPORTS) == []

    # Back online over a network that refuses every other write and drops replies the server committed.
    proxy.state.flaky = True
    context.set_offline(False)
    code = tracking_code(page)
    proxy.state.flaky = False
    shoot(page, "sent-360")

    writes = proxy.writes_to(REPORTS)
    report_paths = {w.path for w in writes if "/photos/" not in w.path}
    photo_paths = {w.path for w in writes if "/photos/" in w.path}
    assert len(report_paths) == 1 and len(photo_paths) == 1, writes  # every retry under the same UUIDs
    # The first PUT the server committed had its reply dropped; the retry was answered as a replay.
    outcomes = [w.outcome for w in writes if w.path in report_paths]
    assert "dropped" in outcomes and outcomes[-1] == 200 and 201 not in outcomes, outcomes
    waiting = httpx.get(f"{server.url}/api/v1/citizen-reports", headers=server.token("dispatcher"), timeout=30).json()
    assert [r["tracking_code"] for r in waiting] == [code]
    report = review(server, code)
    assert report["phone"] == "13800138000" and report["description"].startswith("人行道上停了三辆车")
    assert [p["received"] for p in report["photos"]] == [True]

    # The reporter finds the code again on the page, and its status page says it is waiting.
    page.get_by_role("link", name="再报一件").click()
    expect(page.locator(".mine a", has_text=code[:5])).to_be_visible()
    page.locator(".mine a", has_text=code[:5]).click()
    expect(page.locator("#report-stage")).to_have_text("已收到，等待审核")

    accepted = httpx.post(f"{server.url}/api/v1/citizen-reports/{report['id']}/accept", json={},
                          headers=server.token("dispatcher"), timeout=30)
    accepted.raise_for_status()
    page.get_by_role("button", name="刷新").click()
    expect(page.locator("#report-stage")).to_have_text("已受理，已交责任单位处理")
    rectify(server, accepted.json()["ticket_id"])
    page.get_by_role("button", name="刷新").click()
    expect(page.locator("#report-stage")).to_have_text("已整改")
    after = page.get_by_role("img", name="整改后照片 1")
    expect(after).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=after.element_handle())
    shoot(page, "status-fixed-360")
    context.close()


def test_a_rejected_report_shows_its_reason(county, browser):
    """At a desktop's width, online: the form, the sent screen and the rejection on the status page."""
    server, proxy, lat, lon = county
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN", permissions=["geolocation"],
                                  geolocation={"latitude": lat, "longitude": lon, "accuracy": 20})
    page = context.new_page()
    page.goto(proxy.url + "/report/")
    fill_in(page, "mobile_jolla.jpg", "垃圾", "路边有一袋垃圾")
    shoot(page, "form-1280")
    page.get_by_role("button", name="提交").click()
    code = tracking_code(page)
    shoot(page, "sent-1280")
    report = review(server, code)
    httpx.post(f"{server.url}/api/v1/citizen-reports/{report['id']}/reject", json={"reason": "照片中看不出问题所在"},
               headers=server.token("dispatcher"), timeout=30).raise_for_status()

    page.get_by_role("link", name="查看处理进度").click()
    expect(page.locator("#report-stage")).to_have_text("未受理")
    expect(page.locator("#report-reason")).to_have_text("照片中看不出问题所在")
    expect(page.locator(".after img")).to_have_count(0)
    shoot(page, "status-rejected-1280")
    page.get_by_role("button", name="English").click()
    expect(page.locator("#report-stage")).to_have_text("Not accepted")
    context.close()
