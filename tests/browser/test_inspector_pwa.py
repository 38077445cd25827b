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
    log_in,
    outbox_count,
    outbox_photos,
    phone_context,
    sha256,
)

pytestmark = pytest.mark.browser
PHOTOS = ["gps_DSCN0010.jpg", "gps_DSCN0012.jpg", "mobile_jolla.jpg", "Canon_40D.jpg", "gps_DSCN0010.jpg"]


def _api(server, username):
    return httpx.Client(base_url=server.url, headers=server.token(username), timeout=30)


def _wait_until_sent(page, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while outbox_count(page) and time.monotonic() < deadline:
        page.wait_for_timeout(250)
    assert outbox_count(page) == 0, "the outbox did not drain"


def _go_offline(context, proxy):
    proxy.state.offline = True
    context.set_offline(True)


def _go_online(context, proxy):
    proxy.state.offline = False
    context.set_offline(False)


def test_offline_capture_then_reconnect_delivers_each_ticket_once(live, proxy, browser):
    cell = cell_of(live.url, "insp07")
    lon, lat = cell["centroid"]
    context = phone_context(browser, lat=lat, lon=lon)
    page = context.new_page()
    log_in(page, proxy.url, "insp07")

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
    _wait_until_sent(page)
    expect(page.locator("#badge")).to_be_hidden()

    with _api(live, "insp07") as api:
        tickets = api.get("/api/v1/tickets", params={"author": "me", "limit": 50}).json()["items"]
        assert len(tickets) == 5
        ids = {t["id"] for t in tickets}
        assert ids == {p["itemId"] for p in stored}
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
    cell = cell_of(live.url, "insp08")
    lon, lat = cell["centroid"]
    context = phone_context(browser, lat=lat, lon=lon)
    page = context.new_page()
    log_in(page, proxy.url, "insp08")
    _go_offline(context, proxy)
    for photo in PHOTOS[:3]:
        capture(page, photo)
    ids = {p["itemId"] for p in outbox_photos(page)}

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
    # Each ticket was created once (one 201), however many times it was sent.
    created = [s for s in proxy.writes_to("/api/v1/tickets") if s.outcome == 201 and s.path.count("/") == 4]
    assert len({s.path for s in created}) == len(created) <= 3
    context.close()


def test_two_tabs_do_not_both_send(live, proxy, browser):
    cell = cell_of(live.url, "insp09")
    lon, lat = cell["centroid"]
    context = phone_context(browser, lat=lat, lon=lon)
    first = context.new_page()
    log_in(first, proxy.url, "insp09")
    _go_offline(context, proxy)
    for photo in PHOTOS[:4]:
        capture(first, photo)
    second = context.new_page()
    second.goto(proxy.url + "/#/outbox")
    expect(second.locator("#badge")).to_have_text("4")

    _go_online(context, proxy)  # both tabs hear `online` and both try to drain
    _wait_until_sent(first)
    puts = [s.path for s in proxy.writes_to("/api/v1/tickets") if s.method == "PUT"]
    assert len(puts) == 8 and len(set(puts)) == 8  # 4 tickets + 4 photos, each sent exactly once
    context.close()
