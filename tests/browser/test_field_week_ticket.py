"""What a county hit in its first week (issue 19), on the ticket and the map, against its own demo county:
the ticket's map draws its marker and cell for every role (no swallowed errors), the place line and
navigation links, the return reason in the header, the history in people's words, the map tab's tickets
by traffic light and the desk's hotspots, and a pass over flagged evidence that needs a note (asked
inline, also when the server is the one to refuse). Screenshots at 360 and 1280 px in test-output/."""

import base64
import hashlib
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.phone import cell_of, open_tab, outbox_count, wait_until_sent
from tests.factories import capture_body, photo_bytes
from tests.live import LiveServer

pytestmark = pytest.mark.browser

WIDTHS = (360, 1280)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
NOTE = "机动车占用盲道，车牌浙G"
POINT = "测试点位（人民路口）"


@pytest.fixture(scope="module")
def county(tmp_path_factory, browser):
    """Its own server, so the map and the queues hold this module's tickets only."""
    server = LiveServer(tmp_path_factory.mktemp("field-week"), "field_week")
    server.cli("demo", "--history", "0")
    server.start()
    yield server
    server.close()


# --- the county's side, through the API ---

def call(server, username, method, path, *, headers=None, **kw):
    response = httpx.request(method, f"{server.url}{path}", headers={**server.token(username), **(headers or {})},
                             timeout=30, **kw)
    assert response.is_success, response.text
    return response.json() if response.content else None


def report(server, inspector, *, lat, lon, description=""):
    """A sidewalk-parking ticket (→ 综合执法局) captured by `inspector` with one before-photo: its id."""
    before = photo_bytes("gps_DSCN0010.jpg")
    ticket_id = str(uuid.uuid4())
    body = capture_body([before], lat=lat, lon=lon, description=description)
    call(server, inspector, "PUT", f"/api/v1/tickets/{ticket_id}", json=body)
    call(server, inspector, "PUT", f"/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}", content=before,
         headers={"Content-Type": "image/jpeg"})
    return ticket_id


def act(server, username, ticket_id, action, **body):
    return call(server, username, "POST", f"/api/v1/tickets/{ticket_id}/actions/{action}",
                json={"action_id": str(uuid.uuid4()), **body})


def rectify(server, ticket_id, photo="gps_DSCN0012.jpg"):
    """综合执法局 accepts and rectifies with an after-photo (this one was taken in 2008, 9,000 km away:
    it carries integrity flags)."""
    after = photo_bytes(photo)
    act(server, "zhzf1", ticket_id, "accept")
    photo_id = str(uuid.uuid4())
    digest = base64.b64encode(hashlib.sha256(after).digest()).decode()
    call(server, "zhzf1", "PUT", f"/api/v1/tickets/{ticket_id}/photos/{photo_id}?kind=after", content=after,
         headers={"Content-Type": "image/jpeg", "Content-Digest": f"sha-256=:{digest}:"})
    act(server, "zhzf1", ticket_id, "rectify", note="车辆已移走", photo_ids=[photo_id])


def ticket(server, ticket_id, username="dispatcher"):
    return call(server, username, "GET", f"/api/v1/tickets/{ticket_id}")


def analysed(server, ticket_id):
    deadline = datetime.now(UTC) + timedelta(seconds=30)
    while not all(p["analysed"] for p in ticket(server, ticket_id)["photos"]):
        assert datetime.now(UTC) < deadline, "the server never analysed the photos"
        time.sleep(0.2)


# --- the people's side, in Chromium ---

def open_app(browser, server, username, width, *, lat=28.9, lon=120.0, **options):
    """Logged in at this width: (context, page, errors), errors collecting console errors and page crashes."""
    narrow = width < 1024
    context = browser.new_context(viewport={"width": width, "height": 740 if narrow else 860}, locale="zh-CN",
                                  is_mobile=narrow, has_touch=narrow, permissions=["geolocation"],
                                  geolocation={"latitude": lat, "longitude": lon, "accuracy": 8}, **options)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#tabs")).to_be_visible()
    return context, page, errors


def shoot(page, name):
    OUTPUT.mkdir(exist_ok=True)
    # At a desk the detail pane scrolls on its own: let it grow, so the picture holds all of it.
    # A constructed stylesheet: the page's policy refuses <style> elements.
    page.evaluate("(css) => { const sheet = new CSSStyleSheet(); sheet.replaceSync(css); "
                  "document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]; }",
                  ".detail-pane { max-height: none !important; position: static !important; }")
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=True)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def amap_position(href):
    """The point AMap's link opens at, (lon, lat)."""
    lon, lat = map(float, parse_qs(urlparse(href).query)["position"][0].split(","))
    return lon, lat


def shifted_to_gcj02(position, lat, lon):
    """AMap reads GCJ-02: a few hundred metres off the WGS-84 point in China, never on it or far away."""
    return 0.001 < abs(position[0] - lon) + abs(position[1] - lat) < 0.02


@pytest.fixture(scope="module")
def parked_car(county):
    """A ticket with a note, a key point of our own 30 m away (the nearest within 100 m is named, and
    the demo's may be nearer), rectified with flagged evidence."""
    lon, lat = cell_of(county.url, "insp13")["centroid"]
    call(county, "admin", "POST", "/api/v1/key-points",
         json={"name": POINT, "point_type": "main_road", "lat": lat + 0.00027, "lon": lon})
    ticket_id = report(county, "insp13", lat=lat, lon=lon, description=NOTE)
    rectify(county, ticket_id)
    analysed(county, ticket_id)
    return ticket_id


def test_ticket_detail_map_place_and_history_for_every_role(county, browser, parked_car):
    server = county
    body = ticket(server, parked_car)
    lat, lon = body["location"]["lat"], body["location"]["lon"]
    nearest = body["nearest_key_point"]
    assert nearest and nearest["name"], "the server names the nearest key point"
    for username, role in (("insp13", "inspector"), ("zhzf1", "bureau"), ("supervisor", "supervisor"),
                           ("dispatcher", "dispatcher"), ("leader", "leader")):
        for width in WIDTHS:
            context, page, errors = open_app(browser, server, username, width, lat=lat, lon=lon)
            page.goto(f"{server.url}/#/tickets/{parked_car}")
            expect(page.locator("#ticket-status")).to_have_text("待核查")
            # The map has drawn: the ticket's marker (red ring) and its cell, as Leaflet vector layers.
            box = page.locator("#ticket-map")
            expect(box.locator('path.leaflet-interactive[stroke="#b3261e"]')).to_have_count(1)
            expect(box.locator('path.leaflet-interactive[stroke="#0b5cad"]')).to_have_count(1)
            # Where to go: the key point nearby, the inspector's note, and links for the phone's map app.
            place = page.locator("#ticket-place")
            expect(place.locator("#ticket-key-point")).to_have_text(
                f"附近点位：{nearest['name']} · {int(nearest['distance_m'] + 0.5)} m")
            expect(place.locator("#ticket-note")).to_have_text(NOTE)
            assert place.locator("a.nav-geo").get_attribute("href").startswith(f"geo:{lat},{lon}?q={lat},{lon}(")
            assert shifted_to_gcj02(amap_position(place.locator("a.nav-amap").get_attribute("href")), lat, lon)
            # The history in people's words: no internal state, no id, the photos counted.
            history = page.locator(".history")
            expect(history).to_contain_text("照片已上传 1 张")
            expect(history).to_contain_text("提交整改 → 待核查")
            expect(history).not_to_contain_text("照片未齐")
            detail = page.locator("section.detail").inner_text()
            assert not UUID.search(detail) and "incomplete" not in detail, detail
            page.wait_for_timeout(300)  # tiles-free map: settle before the picture
            shoot(page, f"fw-ticket-{role}-{width}")
            if width == 360:
                no_sideways_scroll(page)
            assert errors == [], errors
            context.close()


def test_the_return_reason_is_in_the_header(county, browser):
    server = county
    lon, lat = cell_of(server.url, "insp14")["centroid"]
    ticket_id = report(server, "insp14", lat=lat, lon=lon)
    act(server, "zhzf1", ticket_id, "return", reason="不属于本单位职责：车辆停在机动车道")
    for width in WIDTHS:
        context, page, errors = open_app(browser, server, "dispatcher", width)
        page.goto(f"{server.url}/#/tickets/{ticket_id}")
        expect(page.locator("#ticket-return-reason")).to_have_text("退回原因：不属于本单位职责：车辆停在机动车道")
        # No key point near this one: the place line names the cell.
        expect(page.locator("#ticket-place")).to_contain_text(f"网格：{ticket(server, ticket_id)['cell_name']}")
        expect(page.locator("#ticket-map path.leaflet-interactive")).to_have_count(2)
        shoot(page, f"fw-ticket-returned-{width}")
        assert errors == [], errors
        context.close()


def test_a_map_that_fails_says_so_and_logs_it(county, browser, parked_car):
    """No silent catch: a broken map shows the coordinates in its box and logs the error."""
    # No service worker, so every request for the map's code meets the route that breaks it.
    context, page, errors = open_app(browser, county, "supervisor", 360, service_workers="block")
    page.route(re.compile(r".*/assets/(minimap|leaflet)[^/]*\.js$"), lambda route: route.abort())
    page.goto(f"{county.url}/#/tickets/{parked_car}")
    location = ticket(county, parked_car)["location"]
    expect(page.locator("#ticket-map .map-fallback")).to_have_text(
        f"地图无法显示 · {location['lat']:.6f}, {location['lon']:.6f}")
    assert any("map failed" in error for error in errors), errors
    context.close()


def test_spot_check_map_draws(county, browser):
    server = county
    lon, lat = cell_of(server.url, "insp15")["centroid"]
    ticket_id = report(server, "insp15", lat=lat, lon=lon)
    rectify(server, ticket_id, photo="mobile_jolla.jpg")
    act(server, "insp15", ticket_id, "verify", result="pass", note="已整改到位")
    now = datetime.now(UTC)
    call(server, "supervisor", "POST", "/api/v1/spotchecks/draws",
         json={"closed_from": (now - timedelta(days=1)).isoformat(), "closed_to": (now + timedelta(days=1)).isoformat(),
               "rate": 1.0, "min_per_bureau": 1})
    for width in WIDTHS:
        context, page, errors = open_app(browser, server, "supervisor", width, lat=lat, lon=lon)
        page.goto(f"{server.url}/#/spotchecks")
        task = page.locator(f'#spotcheck-list a[data-ticket="{ticket_id}"]')
        expect(task).to_be_visible()
        expect(page.locator(".minimap path.leaflet-interactive").first).to_be_attached()
        row = page.locator("#spotcheck-list li", has=page.locator(f'a[data-ticket="{ticket_id}"]'))
        assert row.locator("a.nav-geo").get_attribute("href").startswith(f"geo:{lat},{lon}")
        assert shifted_to_gcj02(amap_position(row.locator("a.nav-amap").get_attribute("href")), lat, lon)
        shoot(page, f"fw-spotchecks-{width}")
        task.click()
        expect(page.locator("#ticket-map path.leaflet-interactive")).to_have_count(2)
        assert errors == [], errors
        context.close()


@pytest.fixture(scope="module")
def recurring(county):
    """Two reports of one problem at one place in insp16's cell: the second is a recurrence (反复)."""
    lon, lat = cell_of(county.url, "insp16")["centroid"]
    first = report(county, "insp16", lat=lat, lon=lon)
    second = report(county, "insp16", lat=lat + 0.0001, lon=lon)
    assert ticket(county, second)["recurring"]
    return lat, lon, first, second


def open_a_marker(page, server):
    """Tap a ticket on the map: its popup names it and leads to it."""
    page.locator(".leaflet-tickets-pane path.leaflet-interactive").last.click(force=True)
    popup = page.locator(".leaflet-popup")
    expect(popup).to_be_visible()
    link = popup.get_by_role("link", name="查看工单")
    ticket_id = link.get_attribute("href").removeprefix("#/tickets/")
    expect(popup).to_contain_text(ticket(server, ticket_id)["category"]["name"])
    return link, ticket_id


def test_map_tab_draws_tickets_by_light_for_inspector_and_bureau(county, browser, recurring):
    server = county
    lat, lon, first, second = recurring
    for username, role in (("insp16", "inspector"), ("zhzf1", "bureau")):
        drawn = call(server, username, "GET", "/api/v1/map/tickets")["items"]
        assert {first, second} <= {t["id"] for t in drawn}
        for width in WIDTHS:
            context, page, errors = open_app(browser, server, username, width, lat=lat, lon=lon)
            open_tab(page, "地图")
            markers = page.locator(".leaflet-tickets-pane path.leaflet-interactive")
            expect(markers).to_have_count(len(drawn))
            legend = page.locator("#map-legend")
            for word in ("正常", "临期", "超期", "无期限"):
                expect(legend).to_contain_text(word)
            expect(page.locator("#map-show-hotspots")).to_have_count(0)  # hotspots are the desk's
            colours = {"green": "#1b7f3b", "yellow": "#e0a100", "red": "#b3261e", None: "#8a8a8a"}
            assert set(markers.evaluate_all("(ps) => ps.map((p) => p.getAttribute('fill'))")) == {
                colours[t["light"]] for t in drawn}
            page.wait_for_timeout(300)
            shoot(page, f"fw-map-{role}-{width}")
            if width == 360:
                no_sideways_scroll(page)
            link, ticket_id = open_a_marker(page, server)
            link.click()
            expect(page.locator("#ticket-status")).to_be_visible()
            assert page.url.endswith(f"#/tickets/{ticket_id}")
            assert errors == [], errors
            context.close()


def test_desk_and_leaders_see_where_problems_recur(county, browser, recurring):
    server = county
    spots = call(server, "dispatcher", "GET", "/api/v1/map/hotspots", params={"days": 30})
    cell_name = ticket(server, recurring[3])["cell_name"]
    spot = next(s for s in spots if s["cell_name"] == cell_name and s["category_code"] == "0506")
    assert (spot["count"], spot["recurring"]) == (2, 1)
    for username, role in (("dispatcher", "dispatcher"), ("leader", "leader")):
        for width in WIDTHS:
            context, page, errors = open_app(browser, server, username, width)
            open_tab(page, "地图")
            hotspots = page.locator(".leaflet-hotspots-pane path.leaflet-interactive")
            expect(hotspots).to_have_count(len(spots))
            expect(page.locator(".leaflet-tickets-pane path.leaflet-interactive").first).to_be_attached()
            page.wait_for_timeout(300)
            shoot(page, f"fw-map-{role}-{width}")
            if width == 360:
                no_sideways_scroll(page)
            # Tickets off, to tap the hotspot beneath them; hotspots toggle off and on.
            page.locator("#map-show-tickets").uncheck()
            expect(page.locator(".leaflet-tickets-pane path")).to_have_count(0)
            index = spots.index(spot)
            hotspots.nth(index).click(force=True)
            expect(page.locator(".leaflet-popup .popup")).to_have_text(
                f"{spot['cell_name']} · {spot['category_name']} · 2 次（反复 1）")
            page.locator("#map-show-hotspots").uncheck()
            expect(hotspots).to_have_count(0)
            page.locator("#map-show-hotspots").check()
            expect(hotspots).to_have_count(len(spots))
            assert errors == [], errors
            context.close()


def test_a_pass_over_flags_needs_a_note_said_inline(county, browser, parked_car):
    server = county
    body = ticket(server, parked_car)
    flags = [f for p in body["photos"] if p["kind"] == "after" for f in p["flags"]
             if f["code"] != "camera_metadata_missing"]
    assert flags, "the after-photo from 2008 carries flags"
    context, page, errors = open_app(browser, server, "supervisor", 360)
    page.goto(f"{server.url}/#/verify/{parked_car}")
    # Each photo once (the before / after pair, not again in the galleries), with its flags once.
    expect(page.locator("#compare img")).to_have_count(2)
    expect(page.locator("section.detail img")).to_have_count(2)
    for photo in body["photos"]:
        assert page.locator(f'#compare ul.flags[data-photo="{photo["id"]}"]').count() <= 1
        expect(page.locator(f'.gallery ul.flags[data-photo="{photo["id"]}"]')).to_have_count(0)
    # The flags where the pass is decided; a pass without a note is refused beside the buttons.
    card = page.locator(".card.verify")
    for flag in flags:
        expect(card.locator("#verify-flags")).to_contain_text(flag["reason"])
    page.get_by_role("button", name="核查通过").click()
    expect(page.locator("#verify-problem")).to_have_text("请在核查说明中写明为何这些疑点不影响通过")
    expect(page.locator(".toast")).to_have_count(0)
    assert outbox_count(page) == 0 and ticket(server, parked_car)["status"] == "rectified"
    shoot(page, "fw-verify-360")
    page.get_by_label("核查说明").fill("拍摄时间与位置为相机设置错误，现场已核实整改到位")
    page.get_by_role("button", name="核查通过").click()
    expect(page.locator("#ticket-status")).to_have_text("已销号", timeout=15000)  # sent, and the page redrawn
    wait_until_sent(page)
    closed = ticket(server, parked_car)
    assert closed["status"] == "closed"
    verdict = [e for e in closed["events"] if e["action"] == "verify"][-1]["payload"]
    assert verdict["note"] == "拍摄时间与位置为相机设置错误，现场已核实整改到位"
    assert set(verdict["flags_acknowledged"]) == {f["code"] for f in flags}
    assert errors == [], errors
    context.close()


def test_the_servers_refusal_over_flags_is_asked_again_inline(county, browser):
    """The page did not know of the flags (they came after it loaded): the server's 422 flags_need_note
    shows beside the verification, which asks for the note and sends the pass again."""
    server = county
    lon, lat = cell_of(server.url, "insp17")["centroid"]
    ticket_id = report(server, "insp17", lat=lat, lon=lon)
    rectify(server, ticket_id)
    analysed(server, ticket_id)
    context, page, errors = open_app(browser, server, "supervisor", 1280)

    def without_flags(route):
        response = route.fetch()
        data = response.json()
        for photo in data["photos"]:
            photo["flags"] = []
        route.fulfill(response=response, json=data)

    page.route(f"**/api/v1/tickets/{ticket_id}", without_flags)
    page.goto(f"{server.url}/#/verify/{ticket_id}")
    expect(page.locator("#verify-flags")).to_be_hidden()
    page.get_by_role("button", name="核查通过").click()
    expect(page.locator(".actions-panel > p.error")).to_contain_text("通过核查须说明理由", timeout=15000)
    expect(page.locator("#verify-flags")).to_be_visible()
    assert outbox_count(page) == 1  # the refused pass, kept until it is replaced
    shoot(page, "fw-verify-refused-1280")
    page.get_by_label("核查说明").fill("照片时间为相机时钟错误")
    page.get_by_role("button", name="核查通过").click()
    expect(page.locator("#ticket-status")).to_have_text("已销号", timeout=15000)
    wait_until_sent(page)
    assert ticket(server, ticket_id)["status"] == "closed"
    # The refusal is a 422 the browser logs as a failed request; nothing else went wrong.
    assert [e for e in errors if "422" not in e] == [], errors
    context.close()


def test_verify_at_desktop_width(county, browser):
    server = county
    lon, lat = cell_of(server.url, "insp18")["centroid"]
    ticket_id = report(server, "insp18", lat=lat, lon=lon, description="人行道停放三辆车")
    rectify(server, ticket_id)
    analysed(server, ticket_id)
    context, page, errors = open_app(browser, server, "supervisor", 1280)
    page.goto(f"{server.url}/#/verify/{ticket_id}")
    expect(page.locator("#verify-flags")).to_be_visible()
    expect(page.locator("#ticket-map path.leaflet-interactive")).to_have_count(2)
    page.wait_for_timeout(300)
    shoot(page, "fw-verify-1280")
    assert errors == [], errors
    context.close()
