"""Driving the inspector PWA like a person would, plus reads of the phone's IndexedDB for assertions."""

import hashlib
import re
import time

import httpx
from playwright.sync_api import Page, expect

from tests.factories import PHOTOS

SIDEWALK_PARKING = "人行道乱停车"  # 0506, routed to 综合执法局 by the demo's rules


def cell_of(server_url: str, username: str) -> dict:
    """The inspector's first cell as GeoJSON properties (with its centroid), from the server."""
    token = httpx.post(f"{server_url}/api/v1/auth/token", data={"username": username, "password": "demo1234"},
                       timeout=30).json()["access_token"]
    cells = httpx.get(f"{server_url}/api/v1/grid/cells?mine=true", headers={"Authorization": f"Bearer {token}"},
                      timeout=30).json()
    return cells["features"][0]["properties"]


def phone_context(browser, *, lat: float, lon: float, accuracy: float = 8):
    return browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True,
                               has_touch=True, device_scale_factor=2, permissions=["geolocation"],
                               geolocation={"latitude": lat, "longitude": lon, "accuracy": accuracy})


def inspector_phone(browser, server_url: str, proxy_url: str, username: str):
    """A phone standing in the middle of the inspector's cell, logged in: (context, page, cell)."""
    cell = cell_of(server_url, username)
    lon, lat = cell["centroid"]
    context = phone_context(browser, lat=lat, lon=lon)
    page = context.new_page()
    log_in(page, proxy_url, username)
    return context, page, cell


def wait_until_sent(page: Page, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while outbox_count(page) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert outbox_count(page) == 0, "the outbox did not drain"


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url + "/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="拍照上报")).to_be_visible()
    # The service worker has the app shell before we go offline.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


def open_tab(page: Page, name: str | None = None, *, view: str | None = None) -> None:
    """Open a tab, by its label or by its view, as a person would: in the bar, or through 更多 where the bar has no
    room for it (a phone's tab bar holds one row). A label matches with or without the outbox's count."""
    tabs = page.locator("#tabs")
    expect(tabs.locator("a").first).to_be_visible()  # logged in, the tabs laid out
    link = (tabs.locator(f'a[href="#/{view}"]') if view else
            tabs.get_by_role("link", name=re.compile(rf"^{re.escape(name or '')}( \d+)?$")))
    if not link.is_visible():
        tabs.locator(".more-button").click()
    link.click()


def capture(page: Page, photo: str, category: str = SIDEWALK_PARKING, note: str = "") -> None:
    expect(page.locator("#fix")).to_contain_text("±")  # wait for this ticket's own fix
    page.locator("#photo-input").set_input_files(str(PHOTOS / photo))
    expect(page.locator(".thumbs img")).to_have_count(1)
    choice = page.get_by_role("radio", name=category)
    if not choice.is_visible():  # not among the most used yet: search as the inspector would
        page.get_by_label("搜索类别").fill(category)
    choice.click()
    if note:
        page.get_by_label("备注").fill(note)
    page.get_by_role("button", name="保存待发送").click()
    expect(page.locator(".thumbs img")).to_have_count(0)  # the form resets once the ticket is queued


def outbox_photos(page: Page) -> list[dict]:
    """Every photo record in the outbox with the SHA-256 of the bytes as stored on the phone."""
    return page.evaluate("""async () => {
      const open = indexedDB.open('gridpatrol');
      const db = await new Promise((ok, fail) => { open.onsuccess = () => ok(open.result); open.onerror = fail; });
      const all = await new Promise((ok) => { const r = db.transaction('photos').objectStore('photos').getAll();
                                             r.onsuccess = () => ok(r.result); });
      db.close();
      const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
      return Promise.all(all.map(async (p) => ({ id: p.id, itemId: p.itemId, declared: p.sha256, size: p.size,
        stored: p.bytes ? hex(await crypto.subtle.digest('SHA-256', p.bytes)) : null })));
    }""")


def outbox_count(page: Page) -> int:
    return page.evaluate("""async () => {
      const open = indexedDB.open('gridpatrol');
      const db = await new Promise((ok, fail) => { open.onsuccess = () => ok(open.result); open.onerror = fail; });
      const n = await new Promise((ok) => { const r = db.transaction('outbox').objectStore('outbox').count();
                                           r.onsuccess = () => ok(r.result); });
      db.close();
      return n;
    }""")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rectified_ticket(server, inspector: str, lat: float, lon: float) -> str:
    """A sidewalk-parking ticket reported by `inspector`, accepted and rectified with an after-photo by
    综合执法局 (zhzf1), all through the API. Returns its id."""
    import base64
    import uuid

    from tests.factories import capture_body, photo_bytes

    before, after = photo_bytes("gps_DSCN0010.jpg"), photo_bytes("gps_DSCN0012.jpg")
    with httpx.Client(base_url=server.url, timeout=30) as api:
        reporter, bureau = server.token(inspector), server.token("zhzf1")
        ticket_id = str(uuid.uuid4())
        body = capture_body([before], lat=lat, lon=lon)
        api.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=reporter).raise_for_status()
        api.put(f"/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}", content=before,
                headers={**reporter, "Content-Type": "image/jpeg"}).raise_for_status()
        api.post(f"/api/v1/tickets/{ticket_id}/actions/accept", json={"action_id": str(uuid.uuid4())},
                 headers=bureau).raise_for_status()
        photo_id = str(uuid.uuid4())
        digest = base64.b64encode(hashlib.sha256(after).digest()).decode()
        api.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}?kind=after", content=after,
                headers={**bureau, "Content-Type": "image/jpeg", "Content-Digest": f"sha-256=:{digest}:"}
                ).raise_for_status()
        api.post(f"/api/v1/tickets/{ticket_id}/actions/rectify",
                 json={"action_id": str(uuid.uuid4()), "note": "车辆已移走", "photo_ids": [photo_id]},
                 headers=bureau).raise_for_status()
    return ticket_id
