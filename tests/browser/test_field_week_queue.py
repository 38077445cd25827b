"""What a bureau liaison meets in the first field week (issue 19), through the PWA against its own demo
county: a dispatch rings the liaison's bell and a tap opens the ticket; new work is on the first screen
of the queue however much overdue work sits there; every ticket row shows its first photo; deadlines
read in plain words. Screenshots of the queue, the bell's panel and a list with thumbnails."""

import base64
import hashlib
import uuid
from datetime import timedelta
from functools import cache

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.phone import cell_of, open_tab, rectified_ticket
from tests.factories import capture_body, photo_bytes
from tests.live import LiveServer

pytestmark = pytest.mark.browser

BUREAU = "zhzf1"  # 综合执法局's liaison: the demo routes sidewalk parking (0506) there
TAB_BAR = 56  # the fixed bottom tabs cover this much of the screen


@pytest.fixture(scope="module")
def county(tmp_path_factory, browser):
    """Its own server, so the liaison's queue and bell hold only this module's tickets."""
    server = LiveServer(tmp_path_factory.mktemp("field-week"), "field_week")
    server.cli("demo", "--history", "0")
    server.start()
    yield server
    server.close()


@cache
def token(server, username) -> dict:
    """One login per user for the module (a login hashes the password: slow on purpose)."""
    return server.token(username)


@cache
def centroid(server, inspector) -> tuple[float, float]:
    lon, lat = cell_of(server.url, inspector)["centroid"]
    return lat, lon


def dispatched_ticket(server, inspector="insp13", photo="gps_DSCN0010.jpg") -> str:
    """A sidewalk-parking ticket with its photo, reported in the inspector's cell through the API: the
    server routes it to 综合执法局 at once. Returns its id."""
    lat, lon = centroid(server, inspector)
    data = photo_bytes(photo)
    body = capture_body([data], lat=lat, lon=lon)
    ticket_id = str(uuid.uuid4())
    headers = token(server, inspector)
    with httpx.Client(base_url=server.url, timeout=30) as api:
        api.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=headers).raise_for_status()
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        api.put(f"/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}", content=data,
                headers={**headers, "Content-Type": "image/jpeg", "Content-Digest": f"sha-256=:{digest}:"}
                ).raise_for_status()
        assert api.get(f"/api/v1/tickets/{ticket_id}", headers=headers).json()["bureau_code"] == "zhzf"
    return ticket_id


def act(server, ticket_id, action, username=BUREAU, **body):
    response = httpx.post(f"{server.url}/api/v1/tickets/{ticket_id}/actions/{action}",
                          json={"action_id": str(uuid.uuid4()), **body}, headers=token(server, username), timeout=30)
    response.raise_for_status()


def unread(server, username=BUREAU) -> list[dict]:
    return httpx.get(f"{server.url}/api/v1/notifications", params={"unread": "true"},
                     headers=token(server, username), timeout=30).json()


def open_app(browser, server, username, *, width=360, **context_options):
    phone = width < 1024
    context = browser.new_context(viewport={"width": width, "height": 740 if phone else 860}, locale="zh-CN",
                                  is_mobile=phone, has_touch=phone, **context_options)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#tabs")).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    return context, page, errors


def shoot(page, name):
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / f"{name}.png")


def test_a_dispatch_rings_the_liaisons_bell_and_a_tap_opens_the_ticket(county, browser):
    server = county
    context, page, errors = open_app(browser, server, BUREAU, permissions=["notifications"])
    bell = page.locator("#bell")
    expect(bell).to_be_visible()
    expect(bell.locator(".badge")).to_be_hidden()  # nothing yet in this county

    # An inspector's capture is routed to 综合执法局: the next poll (every 30 s) shows it.
    ticket_id = dispatched_ticket(server)
    assert [n["ticket_id"] for n in unread(server)] == [ticket_id]
    expect(bell.locator(".badge")).to_have_text("1", timeout=35_000)
    expect(bell).to_have_attribute("aria-label", "通知：1 条未读")
    # Permission was granted: the phone shows it as a system notification too.
    shown = page.evaluate("navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((n) => n.map((x) => x.title))")
    assert shown == ["新工单待签收"]

    # Offline the last count stays, without an error; back online it is asked for at once.
    context.set_offline(True)
    second = dispatched_ticket(server, photo="gps_DSCN0012.jpg")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_timeout(500)
    expect(bell.locator(".badge")).to_have_text("1")
    expect(page.locator(".toast.error, [role=alert]:visible")).to_have_count(0)
    context.set_offline(False)
    expect(bell.locator(".badge")).to_have_text("2", timeout=5000)

    # The panel lists them with what and where; a tap marks one read and opens its ticket.
    bell.click()
    panel = page.locator("#bell-panel")
    expect(panel.get_by_role("heading", name="通知")).to_be_visible()
    expect(panel.locator("#allow-notifications")).to_have_count(0)  # already allowed
    notice = panel.locator(f'.notice[data-ticket="{ticket_id}"]')
    expect(notice).to_contain_text("新工单待签收")
    expect(notice).to_contain_text("人行道乱停车")
    page.wait_for_timeout(300)
    shoot(page, "fwq-bell-panel-360")
    notice.click()
    expect(panel).to_have_count(0)
    page.wait_for_url(f"**/#/tickets/{ticket_id}")
    expect(page.locator("#ticket-status")).to_have_text("已交办")
    expect(bell.locator(".badge")).to_have_text("1")
    assert [n["ticket_id"] for n in unread(server)] == [second]

    # 全部已读 clears the rest.
    bell.click()
    expect(panel.locator(".unread")).to_have_count(1)
    panel.get_by_role("button", name="全部已读").click()
    expect(bell.locator(".badge")).to_be_hidden()
    expect(panel.locator(".unread")).to_have_count(0)
    assert unread(server) == []
    assert not errors
    context.close()


def test_every_role_has_the_bell_and_asks_permission_only_from_the_panel(county, browser):
    for username in ("insp13", "dispatcher", "supervisor", "leader", "ledger", "admin"):
        context, page, errors = open_app(browser, county, username, width=1280 if username != "insp13" else 360)
        expect(page.locator("#bell")).to_be_visible()
        assert page.evaluate("Notification.permission") == "default"  # not asked on load
        page.locator("#bell").click()
        expect(page.locator("#bell-panel #allow-notifications")).to_be_visible()
        assert not errors, username
        context.close()


def test_new_work_is_on_the_first_screen_above_forty_overdue(county, browser):
    from sqlmodel import Session, col, select

    from api.database import make_engine, utcnow
    from api.tickets.models import Ticket

    server = county
    # Whatever earlier tests left waiting to be accepted is accepted now: the new ticket comes alone.
    waiting = httpx.get(f"{server.url}/api/v1/queues/bureau", params={"status": "dispatched", "limit": 200},
                        headers=token(server, BUREAU), timeout=30).json()["items"]
    for ticket in waiting:
        act(server, ticket["id"], "accept")
    # 40 accepted tickets, all long overdue, and one rectified (waiting for verification).
    old = []
    for index in range(40):
        old.append(dispatched_ticket(server, inspector=("insp13", "insp14", "insp15", "insp16")[index % 4],
                                     photo=("gps_DSCN0010.jpg", "Canon_40D.jpg")[index % 2]))
        act(server, old[-1], "accept")
    engine = make_engine(server.database_url)
    try:
        with Session(engine) as session:
            now = utcnow()
            for index, ticket in enumerate(session.exec(select(Ticket).where(col(Ticket.id).in_([uuid.UUID(i) for i in old])))):
                ticket.dispatched_at = now - timedelta(days=10)
                ticket.deadline_at = now - timedelta(days=3, hours=index)
                session.add(ticket)
            session.commit()
    finally:
        engine.dispose()
    verifying = rectified_ticket(server, "insp17", *centroid(server, "insp17"))

    context, page, errors = open_app(browser, server, BUREAU)
    accepted = page.locator("#queue-accepted")
    # A long section shows its first page, and "更多" the next.
    expect(accepted.locator("li.row")).to_have_count(20)
    expect(accepted.locator("h3 .count")).to_have_text(str(40 + len(waiting)))
    accepted.get_by_role("button", name="加载更多").click()
    expect(accepted.locator("li.row")).to_have_count(40)
    # Deadlines in words: how far past, never "0.0 hours left".
    expect(accepted.locator("li.row").first).to_contain_text("已超期")
    assert "剩余 0" not in page.locator("#queue").inner_text()
    # Waiting for verification: folded away below the work.
    rectified = page.locator("#queue-rectified")
    expect(rectified).not_to_have_attribute("open", "")
    expect(page.locator(f'a[data-id="{verifying}"]')).to_be_hidden()

    # The liaison looks elsewhere; meanwhile a new ticket is dispatched to them.
    open_tab(page, "我的")
    expect(page.get_by_role("heading", name="我的")).to_be_visible()
    new = dispatched_ticket(server, inspector="insp18")
    open_tab(page, "待办")

    # Back in the queue: the new ticket is on the first screen, marked new, above forty overdue ones.
    row = page.locator(f'#queue-dispatched a[data-id="{new}"]')
    expect(row).to_be_visible()
    expect(row.locator(".mark.new")).to_have_text("新")
    expect(page.locator("#fresh-note")).to_contain_text("新到 1")
    expect(page.locator("#queue-accepted .mark.new")).to_have_count(0)
    box = row.bounding_box()
    assert box["y"] + box["height"] <= 740 - TAB_BAR, box
    page.wait_for_function("() => document.querySelector('#queue img.thumb')?.naturalWidth > 0")
    shoot(page, "fwq-queue-360")

    rectified.locator("summary").click()
    expect(page.locator(f'#queue-rectified a[data-id="{verifying}"]')).to_be_visible()

    # Bulk accept still works from the section.
    page.locator(f'input.pick[value="{new}"]').check()
    page.get_by_role("button", name="批量签收").click()
    expect(page.locator("#queue-dispatched")).to_have_count(0, timeout=30_000)
    assert httpx.get(f"{server.url}/api/v1/tickets/{new}", headers=token(server, BUREAU)).json()["status"] == "accepted"
    assert not errors
    context.close()

    # At a desk: the same first screen, the new work first.
    newer = dispatched_ticket(server, inspector="insp19")
    context, page, errors = open_app(browser, server, BUREAU, width=1280)
    expect(page.locator("#queue-list a.ticket").first).to_have_attribute("data-id", newer)
    page.wait_for_function("() => document.querySelector('#queue img.thumb')?.naturalWidth > 0")
    shoot(page, "fwq-queue-1280")
    page.locator("#bell").click()
    page.wait_for_function("() => [...document.querySelectorAll('#bell-panel .notice .meta')]"
                           ".every((meta) => meta.textContent.includes('人行道乱停车'))")
    shoot(page, "fwq-bell-panel-1280")
    assert not errors
    context.close()


def test_every_ticket_row_shows_its_first_photo(county, browser):
    server = county
    dispatched_ticket(server, inspector="insp13")
    for username, view, width in (("insp13", "tickets", 360), ("dispatcher", "tickets", 1280), (BUREAU, "queue", 360)):
        context, page, errors = open_app(browser, server, username, width=width)
        page.goto(f"{server.url}/#/{view}")
        thumbs = page.locator(f"#{'ticket-list' if view == 'tickets' else 'queue'} img.thumb")
        expect(thumbs.first).to_be_visible()
        expect(thumbs.first).to_have_attribute("loading", "lazy")
        expect(thumbs.first).to_have_attribute("alt", "问题照片")
        page.wait_for_function(f"() => document.querySelector('#{'ticket-list' if view == 'tickets' else 'queue'} img.thumb')"
                               "?.naturalWidth > 0")
        size = thumbs.first.bounding_box()
        assert (round(size["width"]), round(size["height"])) == (64, 64)
        if view == "tickets":
            shoot(page, f"fwq-thumbs-tickets-{width}")
        assert not errors, username
        context.close()
