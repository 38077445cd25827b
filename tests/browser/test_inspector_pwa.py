"""The inspector's PWA in real Chromium against the real server: offline capture, exactly-once sync
through a cut and a flaky network, two tabs, and what the phone shows."""

import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.phone import (
    SIDEWALK_PARKING,
    capture,
    cell_of,
    inspector_phone,
    log_in,
    open_tab,
    outbox_count,
    outbox_photos,
    phone_context,
    rectified_ticket,
    sha256,
    wait_until_sent,
)
from tests.factories import PHOTOS as PHOTOS_DIR

pytestmark = pytest.mark.browser
PHOTOS = ["gps_DSCN0010.jpg", "gps_DSCN0012.jpg", "mobile_jolla.jpg", "Canon_40D.jpg", "gps_DSCN0010.jpg"]


def _api(server, username):
    return httpx.Client(base_url=server.url, headers=server.token(username), timeout=30)


def _go_offline(context, proxy):
    proxy.state.offline = True
    context.set_offline(True)


def _go_online(context, proxy):
    proxy.state.offline = False
    context.set_offline(False)


def test_offline_capture_then_reconnect_delivers_each_ticket_once(live, proxy, browser):
    context, page, cell = inspector_phone(browser, live.url, proxy.url, "insp07")

    _go_offline(context, proxy)
    page.reload()  # the shell comes from the service worker's precache
    expect(page.locator("#offline-banner")).to_be_visible()
    expect(page.locator("#cell")).to_contain_text(cell["code"])  # located on the phone, from the saved grid
    for photo in PHOTOS:
        capture(page, photo)
    stored = outbox_photos(page)
    assert len(stored) == 5 and all(p["stored"] == p["declared"] for p in stored)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / "inspector-capture-offline-360.png", full_page=True)

    page.close()  # the phone puts the app away; nothing has left it
    page = context.new_page()
    page.goto(proxy.url + "/#/outbox")
    expect(page.locator("#badge")).to_have_text("5")
    expect(page.locator("#outbox-list .item")).to_have_count(5)
    assert proxy.writes_to("/api/v1/tickets") == []

    _go_online(context, proxy)
    wait_until_sent(page)
    expect(page.locator("#badge")).to_be_hidden()

    with _api(live, "insp07") as api:
        tickets = api.get("/api/v1/tickets", params={"author": "me", "limit": 50}).json()["items"]
        assert len(tickets) == 5
        ids = {t["id"] for t in tickets}
        assert ids == {p["itemId"] for p in stored}
        lon, lat = cell["centroid"]
        located = api.get("/api/v1/grid/locate", params={"lat": lat, "lon": lon}).json()["code"]
        by_photo = {p["id"]: p for p in stored}
        for ticket in tickets:
            assert ticket["status"] == "dispatched"
            assert ticket["cell_code"] == located == cell["code"]
            assert ticket["bureau_code"] == "zhzf" and ticket["category"]["name"] == SIDEWALK_PARKING
            (photo,) = ticket["photos"]
            original = api.get(photo["urls"]["original"]).content
            assert sha256(original) == photo["sha256"] == by_photo[photo["id"]]["declared"]
    context.close()


def test_flaky_network_still_delivers_exactly_once(live, proxy, browser):
    context, page, cell = inspector_phone(browser, live.url, proxy.url, "insp08")
    _go_offline(context, proxy)
    for photo in PHOTOS[:2]:
        capture(page, photo)
    # The inspector walks into the next cell: the third ticket gets a fresh fix, not the old one.
    elsewhere = cell_of(live.url, "insp09")
    context.set_geolocation({"latitude": elsewhere["centroid"][1], "longitude": elsewhere["centroid"][0],
                             "accuracy": 6})
    first_two = {p["itemId"] for p in outbox_photos(page)}
    capture(page, PHOTOS[2])
    ids = {p["itemId"] for p in outbox_photos(page)}
    (third,) = ids - first_two

    proxy.state.flaky = True  # every second write refused; every fourth answered into the void
    try:
        _go_online(context, proxy)
        page.goto(proxy.url + "/#/outbox")
        deadline = time.monotonic() + 90
        while outbox_count(page) and time.monotonic() < deadline:
            page.get_by_role("button", name="立即发送").click()  # the inspector does not wait for the backoff
            page.wait_for_timeout(500)
        assert outbox_count(page) == 0
    finally:
        proxy.state.flaky = False

    outcomes = [s.outcome for s in proxy.writes_to("/api/v1/tickets")]
    assert "refused" in outcomes and "dropped" in outcomes  # the network really was bad
    with _api(live, "insp08") as api:
        tickets = api.get("/api/v1/tickets", params={"author": "me", "limit": 50}).json()["items"]
        assert {t["id"] for t in tickets} == ids
        assert all(t["status"] == "dispatched" and all(p["received"] for p in t["photos"]) for t in tickets)
        assert {t["id"]: t["cell_code"] for t in tickets}[third] == elsewhere["code"]
        assert {t["cell_code"] for t in tickets if t["id"] != third} == {cell["code"]}
    # Each ticket was created once (one 201), however many times it was sent.
    created = [s for s in proxy.writes_to("/api/v1/tickets") if s.outcome == 201 and s.path.count("/") == 4]
    assert len({s.path for s in created}) == len(created) <= 3
    context.close()


def test_two_tabs_do_not_both_send(live, proxy, browser):
    context, first, cell = inspector_phone(browser, live.url, proxy.url, "insp09")
    _go_offline(context, proxy)
    for photo in PHOTOS[:4]:
        capture(first, photo)
    second = context.new_page()
    second.goto(proxy.url + "/#/outbox")
    expect(second.locator("#badge")).to_have_text("4")

    _go_online(context, proxy)  # both tabs hear `online` and both try to drain
    wait_until_sent(first)
    puts = [s.path for s in proxy.writes_to("/api/v1/tickets") if s.method == "PUT"]
    assert len(puts) == 8 and len(set(puts)) == 8  # 4 tickets + 4 photos, each sent exactly once
    context.close()


def test_failed_verification_queued_offline_reaches_the_server_once_back_online(live, proxy, browser):
    cell = cell_of(live.url, "insp10")
    lon, lat = cell["centroid"]
    ticket_id = rectified_ticket(live, "insp10", lat, lon)
    context = phone_context(browser, lat=lat, lon=lon)
    page = context.new_page()
    log_in(page, proxy.url, "insp10")
    open_tab(page, "我的工单")
    expect(page.get_by_role("heading", name="待核查")).to_be_visible()
    page.locator(f'a[href="#/tickets/{ticket_id}"]').first.click()
    expect(page.locator("#ticket-status")).to_have_text("待核查")
    expect(page.get_by_role("heading", name="整改照片")).to_be_visible()
    page.wait_for_function("() => [...document.querySelectorAll('.gallery img')]"
                           ".every((img) => img.complete && img.naturalWidth > 0)")

    _go_offline(context, proxy)
    page.get_by_role("button", name="核查不通过").click()  # a failure needs a reason first
    expect(page.get_by_role("alert")).to_contain_text("不通过")
    page.get_by_label("核查说明").fill("仍有车辆停在人行道上")
    page.locator("#verify-photo").set_input_files(str(PHOTOS_DIR / "gps_DSCN0012.jpg"))  # and a photo of it
    expect(page.locator(".verify .thumbs img")).to_have_count(1)
    page.get_by_role("button", name="核查不通过").click()
    expect(page.locator("#badge")).to_have_text("1")

    _go_online(context, proxy)
    wait_until_sent(page)
    with _api(live, "insp10") as api:
        ticket = api.get(f"/api/v1/tickets/{ticket_id}").json()
    assert ticket["status"] == "rework" and ticket["rework_count"] == 1
    (event,) = [e for e in ticket["events"] if e["action"] == "verify"]
    assert event["payload"]["note"] == "仍有车辆停在人行道上" and event["actor"]["username"] == "insp10"
    (photo,) = [p for p in ticket["photos"] if p["kind"] == "verification"]
    assert event["payload"]["photo_ids"] == [photo["id"]] and photo["received"]
    context.close()


def test_logout_with_unsent_tickets_asks_first_and_keeps_them_when_declined(live, proxy, browser):
    context, page, cell = inspector_phone(browser, live.url, proxy.url, "insp11")
    _go_offline(context, proxy)
    capture(page, "Canon_40D.jpg")
    open_tab(page, "我的")
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="退出登录").click()
    for _ in range(100):  # the question comes after the app has counted what is unsent
        if messages:
            break
        page.wait_for_timeout(50)
    assert "未发送" in messages[0]
    expect(page.locator("#badge")).to_have_text("1")
    assert outbox_count(page) == 1

    _go_online(context, proxy)
    wait_until_sent(page)
    page.get_by_role("button", name="退出登录").click()  # nothing unsent: no question, data wiped
    expect(page.get_by_label("账号")).to_be_visible()
    assert page.evaluate("indexedDB.databases().then((all) => all.map((d) => d.name))") == []
    context.close()


def test_main_views_have_no_serious_accessibility_violations(live, proxy, browser):
    from api.config import REPO_ROOT

    axe = (REPO_ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js").read_text()
    cell = cell_of(live.url, "insp12")
    lon, lat = cell["centroid"]
    context = phone_context(browser, lat=lat, lon=lon)
    page = context.new_page()
    page.goto(proxy.url + "/")
    results = {}
    page.evaluate(axe)  # not a <script>, which the page's policy refuses
    results["login"] = page.evaluate("axe.run().then((r) => r.violations)")
    log_in(page, proxy.url, "insp12")
    capture(page, "gps_DSCN0012.jpg")
    for name in ("capture", "outbox", "tickets", "map", "me"):
        page.goto(f"{proxy.url}/#/{name}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        page.evaluate(axe)  # not a <script>, which the page's policy refuses
        results[name] = page.evaluate("axe.run().then((r) => r.violations)")
        page.screenshot(path=OUTPUT / f"inspector-{name}-360.png", full_page=True)
    serious = {view: [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found
                      if v["impact"] in ("serious", "critical")] for view, found in results.items()}
    assert set(serious) == {"login", "capture", "outbox", "tickets", "map", "me"}
    assert all(not found for found in serious.values()), serious
    context.close()


def test_unsent_tickets_can_be_exported_as_a_zip(live, proxy, browser, tmp_path):
    import json
    import zipfile

    context, page, _cell = inspector_phone(browser, live.url, proxy.url, "insp17")
    _go_offline(context, proxy)
    capture(page, "gps_DSCN0012.jpg", note="出口处堆放杂物")
    stored = outbox_photos(page)
    open_tab(page, "待发送")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出未发送").click()
    path = tmp_path / "unsent.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        (item_name,) = [n for n in archive.namelist() if n.endswith("item.json")]
        item = json.loads(archive.read(item_name))
        assert item["body"]["description"] == "出口处堆放杂物"
        (photo,) = stored
        assert sha256(archive.read(f"{item['id']}/{photo['id']}.jpeg")) == photo["declared"]
    context.close()


def test_english_on_request(live, proxy, browser):
    context, page, _cell = inspector_phone(browser, live.url, proxy.url, "insp20")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name="Report")).to_be_visible()
    expect(page.get_by_role("heading", name="Report")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("link", name="拍照上报")).to_be_visible()
    context.close()
