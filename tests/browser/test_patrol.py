"""A patrol of a key point on the inspector's phone, offline: 今日巡查 lists the point, the checklist is
answered with two failures (each with a photo), the patrol is saved to the outbox and, back online,
reaches the server as one patrol and two tickets routed by their category; the desk sees the point
yellow and 市监局's liaison has both tickets. Screenshots of the list and the form at 360 and 1280 px."""

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.phone import (
    capture,
    log_in,
    open_tab,
    outbox_count,
    outbox_photos,
    phone_context,
    wait_until_sent,
)
from tests.browser.proxy import FlakyProxy
from tests.factories import PHOTOS, photo_bytes
from tests.live import LiveServer

pytestmark = pytest.mark.browser
MARKET = "城东农贸市场"
FAILED = {"FM01": "gps_DSCN0010.jpg", "FM02": "gps_DSCN0012.jpg"}  # 0601 农贸市场秩序/卫生 → 市监局


@pytest.fixture(scope="module")
def county(tmp_path_factory, browser):
    """Its own county, so the point's readiness depends on this module's patrol alone."""
    server = LiveServer(tmp_path_factory.mktemp("patrol"), "patrol")
    server.cli("demo", "--history", "0")
    server.start()
    proxy = FlakyProxy(server.url)
    yield server, proxy
    proxy.close()
    server.close()


def _get(server, path, username, **params):
    response = httpx.get(f"{server.url}{path}", params=params, headers=server.token(username), timeout=30)
    response.raise_for_status()
    return response.json()


def market_and_inspector(server):
    """The key point, and the inspector assigned to its cell."""
    (market,) = [p for p in _get(server, "/api/v1/key-points", "dispatcher") if p["name"] == MARKET]
    (inspector,) = [u["username"] for u in _get(server, "/api/v1/users", "admin")
                    if u["role"] == "inspector" and market["cell_code"] in {c["code"] for c in u["cells"]}]
    return market, inspector


def patrolled_yesterday(server, inspector, market):
    """Yesterday's patrol of the market, all passed, through the API: today's board then turns on
    today alone (a fresh county has no history, and a missed yesterday would make the point red)."""
    checklist = _get(server, f"/api/v1/checklists/{market['point_type']}", inspector)
    photo = photo_bytes("Canon_40D.jpg")
    photo_id, patrol_id = str(uuid.uuid4()), str(uuid.uuid4())
    started = datetime.now(UTC) - timedelta(days=1)
    body = {"key_point_id": market["id"], "started_at": started.isoformat(),
            "finished_at": (started + timedelta(minutes=10)).isoformat(), "lat": market["lat"], "lon": market["lon"],
            "accuracy_m": 6.0, "located_at": started.isoformat(), "checklist_version": checklist["version"],
            "off_site_reason": None, "note": "",
            "items": [{"code": i["code"], "result": "pass", "note": "", "ticket_id": None} for i in checklist["items"]],
            "photos": [{"id": photo_id, "sha256": hashlib.sha256(photo).hexdigest(), "content_type": "image/jpeg",
                        "size": len(photo)}]}
    with httpx.Client(base_url=server.url, headers=server.token(inspector), timeout=30) as api:
        api.put(f"/api/v1/patrols/{patrol_id}", json=body).raise_for_status()
        api.put(f"/api/v1/patrols/{patrol_id}/photos/{photo_id}", content=photo,
                headers={"Content-Type": "image/jpeg"}).raise_for_status()


def wait_for_saved_copy(page, *names):
    """Until the phone holds its own copy of the reference data it needs offline."""
    page.wait_for_function("""async (names) => {
      const open = indexedDB.open('gridpatrol');
      const db = await new Promise((ok, fail) => { open.onsuccess = () => ok(open.result); open.onerror = fail; });
      const keys = await new Promise((ok) => { const r = db.transaction('kv').objectStore('kv').getAllKeys();
                                              r.onsuccess = () => ok(r.result); });
      db.close();
      return names.every((name) => keys.includes('ref:' + name));
    }""", arg=list(names))


def shoot(page, name):
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=True)


def test_offline_patrol_raises_two_routed_tickets(county, browser):
    server, proxy = county
    market, inspector = market_and_inspector(server)
    patrolled_yesterday(server, inspector, market)

    # Logged in at the office, 300 m north of the market; the phone keeps its copies.
    context = phone_context(browser, lat=market["lat"] + 0.0027, lon=market["lon"])
    page = context.new_page()
    log_in(page, proxy.url, inspector)
    open_tab(page, "今日巡查")
    row = page.locator(f'#patrol-list a[data-id="{market["id"]}"]')
    expect(row).to_contain_text("未巡查")
    expect(row).to_contain_text("监控")
    expect(row).to_contain_text("申报")
    expect(row).to_contain_text("农贸市场")
    expect(row.locator(".away")).to_have_text("300 m")
    wait_for_saved_copy(page, "patrolsDue", "checklists", "pointTypes")

    # At the market, with no network at all.
    proxy.state.offline = True
    context.set_offline(True)
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": market["lat"], "longitude": market["lon"], "accuracy": 6})
    page.reload()  # the shell from the service worker, the list from the phone's copy
    expect(page.locator("#offline-banner")).to_be_visible()
    expect(row.locator(".away")).to_have_text("0 m")
    shoot(page, "patrol-list-360")

    row.click()
    expect(page.get_by_role("heading", name=MARKET)).to_be_visible()
    expect(page.locator("#patrol-distance")).to_have_text("距点位 0 m · ±6 m")
    expect(page.locator("#off-site-reason")).to_be_hidden()
    save = page.get_by_role("button", name="保存巡查")
    expect(save).to_be_disabled()
    for code, photo in FAILED.items():
        item = page.locator(f'.check-item[data-code="{code}"]')
        item.get_by_role("radio", name="不合格").click()
        page.locator(f"#photo-{code}").set_input_files(str(PHOTOS / photo))
        expect(item.locator(".thumbs img")).to_have_count(1)
        page.locator(f"#note-{code}").fill(f"{code} 现场发现")
    expect(page.locator("#patrol-why")).to_contain_text("项未检查")
    page.get_by_role("button", name="其余全部合格").click()
    expect(page.locator('.check-item [aria-checked="true"]')).to_have_count(
        page.locator(".check-item").count())
    expect(save).to_be_enabled()
    shoot(page, "patrol-form-360")
    save.click()

    # Done at once on the phone, though nothing has left it.
    expect(row).to_contain_text("已巡查")
    expect(page.locator("#badge")).to_have_text("1")
    assert proxy.writes_to("/api/v1/patrols") == proxy.writes_to("/api/v1/tickets") == []
    stored = outbox_photos(page)
    assert len(stored) == 2 and all(p["stored"] == p["declared"] for p in stored)
    (patrol_id,) = {p["itemId"] for p in stored}
    open_tab(page, "待发送")
    expect(page.locator("#outbox-list .item strong")).to_have_text(f"巡查 {MARKET} · 2 个问题")

    proxy.state.offline = False
    context.set_offline(False)
    wait_until_sent(page)
    assert outbox_count(page) == 0

    # One patrol, two tickets with its id, routed to 市监局 with their photos.
    today = _get(server, "/api/v1/patrols/due", inspector)
    (due,) = [p for p in today["points"] if p["key_point"]["id"] == market["id"]]
    assert due["done"] and [str(i) for i in due["patrol_ids"]] == [patrol_id]
    patrol = _get(server, f"/api/v1/patrols/{patrol_id}", inspector)
    assert patrol["on_site"] and patrol["off_site_reason"] is None
    failed = {i["code"]: i["ticket_id"] for i in patrol["items"] if i["result"] == "fail"}
    assert set(failed) == set(FAILED)
    assert {i["result"] for i in patrol["items"] if i["code"] not in FAILED} == {"pass"}
    mine = _get(server, "/api/v1/tickets", inspector, author="me", limit=50)["items"]
    tickets = [_get(server, f"/api/v1/tickets/{t['id']}", inspector) for t in mine]
    raised = [t for t in tickets if t.get("patrol_id") == patrol_id]
    assert sorted(t["id"] for t in raised) == sorted(failed.values())
    for ticket in raised:
        assert ticket["bureau_code"] == "sjj" and ticket["status"] == "dispatched"
        assert ticket["key_point"]["name"] == MARKET and ticket["category"]["code"] == "0601"
        assert failed[ticket["checklist_item"]] == ticket["id"]
        assert ticket["photos"] and all(p["received"] for p in ticket["photos"])
    patrol_puts = [s for s in proxy.writes_to("/api/v1/patrols") if s.method == "PUT"]
    assert [s.path for s in patrol_puts] == [f"/api/v1/patrols/{patrol_id}"]

    readiness = _get(server, "/api/v1/key-points/readiness", "dispatcher")
    (point,) = [p for p in readiness["points"] if p["key_point"]["name"] == MARKET]
    assert point["status"] == "yellow", point["reasons"]
    seen_by_sjj = {t["id"] for t in _get(server, "/api/v1/tickets", "sjj1", limit=100)["items"]}
    assert set(failed.values()) <= seen_by_sjj

    # The ticket shows its point.
    page.goto(f"{proxy.url}/#/tickets/{failed['FM01']}")
    expect(page.locator("#ticket-key-point")).to_have_text(f"点位：{MARKET}")
    context.close()


def test_patrol_screens_on_a_desktop(county, browser):
    server, proxy = county
    market, inspector = market_and_inspector(server)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN", permissions=["geolocation"],
                                  geolocation={"latitude": market["lat"] + 0.0009, "longitude": market["lon"],
                                               "accuracy": 8})
    page = context.new_page()
    log_in(page, proxy.url, inspector)
    open_tab(page, "今日巡查")
    row = page.locator(f'#patrol-list a[data-id="{market["id"]}"]')
    expect(row.locator(".away")).to_have_text("100 m")
    shoot(page, "patrol-list-1280")
    row.click()
    expect(page.locator("#patrol-distance")).to_contain_text("距点位 100 m · ±8 m — 超出 50 m")
    expect(page.get_by_label("不在现场的原因")).to_be_visible()  # beyond the radius: say why
    page.locator('.check-item[data-code="FM03"]').get_by_role("radio", name="不合格").click()
    expect(page.locator("#photo-FM03")).to_be_attached()
    shoot(page, "patrol-form-1280")
    context.close()


def test_a_capture_beside_the_market_is_linked_to_it(county, browser):
    server, proxy = county
    market, inspector = market_and_inspector(server)
    context = phone_context(browser, lat=market["lat"] + 0.0001, lon=market["lon"])  # 11 m away
    page = context.new_page()
    log_in(page, proxy.url, inspector)
    wait_for_saved_copy(page, "keyPoints")
    proxy.state.offline = True
    context.set_offline(True)
    page.reload()  # the key points come from the phone's copy
    suggestion = page.locator("#key-point")
    expect(suggestion).to_contain_text(f"附近点位：{MARKET}")
    suggestion.get_by_role("button", name="关联").click()
    expect(suggestion).to_contain_text(f"已关联点位：{MARKET}")
    expect(page.locator("#point-type")).to_have_value(market["point_type"])
    capture(page, "mobile_jolla.jpg", category="农贸市场秩序/卫生")
    expect(suggestion).to_contain_text(f"附近点位：{MARKET}")  # the next ticket starts unlinked
    (ticket_id,) = {p["itemId"] for p in outbox_photos(page)}

    proxy.state.offline = False
    context.set_offline(False)
    wait_until_sent(page)
    ticket = _get(server, f"/api/v1/tickets/{ticket_id}", inspector)
    assert ticket["key_point"] == {"id": market["id"], "name": MARKET, "point_type": market["point_type"]}
    assert ticket["point_type"] == market["point_type"] and ticket["patrol_id"] is None
    context.close()
