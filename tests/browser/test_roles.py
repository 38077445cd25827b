"""The closed loop through the PWA only, one browser context per role, against a fresh demo county:
capture → bureau accepts and rectifies offline → the inspector fails then passes it → a spot check
fails it on site → back in the bureau's queue as rework, every step in the history. Plus another
bureau's blindness, return and reassign, the leader's overview, and screenshots of each main view."""

import time
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.phone import (
    capture,
    cell_of,
    inspector_phone,
    outbox_photos,
    phone_context,
    rectified_ticket,
    wait_until_sent,
)
from tests.browser.proxy import FlakyProxy
from tests.factories import PHOTOS
from tests.live import LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def county(tmp_path_factory, browser):
    """Its own server and network, so this county's queues hold only this module's tickets."""
    server = LiveServer(tmp_path_factory.mktemp("roles"), "roles")
    server.cli("demo", "--history", "0")
    server.start()
    proxy = FlakyProxy(server.url)
    yield server, proxy
    proxy.close()
    server.close()


def desktop(browser):
    return browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN",
                               permissions=["geolocation"], geolocation={"latitude": 28.9, "longitude": 120.0})


def sign_in(page, url, username):
    page.goto(url + "/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#tabs")).to_be_visible()


def reported_through_the_app(browser, county, inspector, photo, note):
    """A sidewalk-parking ticket captured and synced on the inspector's phone: (context, ticket id)."""
    server, proxy = county
    context, page, _cell = inspector_phone(browser, server.url, proxy.url, inspector)
    capture(page, photo, note=note)
    wait_until_sent(page)
    ticket_id = httpx.get(f"{server.url}/api/v1/tickets", params={"author": "me"},
                          headers=server.token(inspector)).json()["items"][0]["id"]
    return context, ticket_id


def liaison_opens(browser, proxy, ticket_id, username="zhzf1"):
    """综合执法局's liaison at a desktop, the ticket open beside the queue: (context, page)."""
    context = desktop(browser)
    page = context.new_page()
    sign_in(page, proxy.url, username)
    page.locator(f'#queue-list a[data-id="{ticket_id}"]').click()
    return context, page


def status_of(server, ticket_id, username="dispatcher"):
    return httpx.get(f"{server.url}/api/v1/tickets/{ticket_id}", headers=server.token(username), timeout=30).json()


def shoot(page, name):
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=True)


def test_the_whole_loop_through_the_ui(county, browser):
    server, proxy = county

    # 1. The inspector captures a sidewalk-parking ticket offline and syncs.
    inspector_ctx, inspector, cell = inspector_phone(browser, server.url, proxy.url, "insp13")
    lon, lat = cell["centroid"]
    inspector_ctx.set_offline(True)
    capture(inspector, "gps_DSCN0010.jpg")
    (ticket_id,) = {p["itemId"] for p in outbox_photos(inspector)}
    inspector_ctx.set_offline(False)
    wait_until_sent(inspector)
    assert status_of(server, ticket_id)["bureau_code"] == "zhzf"

    # 2. 综合执法局's liaison sees it at the top of the queue and accepts it.
    bureau_ctx = phone_context(browser, lat=lat, lon=lon)
    bureau = bureau_ctx.new_page()
    sign_in(bureau, proxy.url, "zhzf1")
    first = bureau.locator("#queue-list a.ticket").first
    expect(first).to_have_attribute("data-id", ticket_id)
    expect(first).to_contain_text("人行道乱停车")
    first.click()
    expect(bureau.locator("#ticket-routing")).to_contain_text("综合执法局")
    bureau.get_by_role("button", name="签收", exact=True).click()
    expect(bureau.locator("#ticket-status")).to_have_text("整改中", timeout=15000)

    # 3. Offline on site: an after-photo and a note; back online it reaches the server once.
    bureau_ctx.set_offline(True)
    bureau.locator("#after-photo").set_input_files(str(_photo("gps_DSCN0012.jpg")))
    expect(bureau.locator('[data-action="rectify"] .thumbs img')).to_have_count(1)
    bureau.get_by_label("整改说明").fill("车辆已移走，已设置隔离桩")
    bureau.get_by_role("button", name="提交整改").click()
    expect(bureau.locator(".queued")).to_contain_text("提交整改")
    assert status_of(server, ticket_id)["status"] == "accepted"
    bureau_ctx.set_offline(False)
    wait_until_sent(bureau)
    assert status_of(server, ticket_id)["status"] == "rectified"

    # 4. The inspector's verification fails it (rework)…
    verify(inspector, proxy, ticket_id, passed=False, note="人行道上仍有车辆")
    assert status_of(server, ticket_id)["status"] == "rework"
    # …the bureau rectifies again, and the inspector passes it.
    bureau.get_by_role("link", name="待办").click()
    bureau.locator(f'#queue-list a[data-id="{ticket_id}"]').click()
    expect(bureau.locator("#ticket-status")).to_have_text("返工")
    bureau.locator("#after-photo").set_input_files(str(_photo("mobile_jolla.jpg")))
    expect(bureau.locator('[data-action="rectify"] .thumbs img')).to_have_count(1)
    bureau.get_by_label("整改说明").fill("再次清理")
    bureau.get_by_role("button", name="提交整改").click()
    wait_until_sent(bureau)
    verify(inspector, proxy, ticket_id, passed=True, note="已整改到位")
    assert status_of(server, ticket_id)["status"] == "closed"

    # 5. The supervisor draws a spot check that contains it and fails it on site.
    supervisor_ctx = phone_context(browser, lat=lat, lon=lon)
    supervisor = supervisor_ctx.new_page()
    sign_in(supervisor, proxy.url, "supervisor")
    supervisor.get_by_role("link", name="抽查").click()
    supervisor.get_by_text("抽取样本").click()
    supervisor.get_by_label("抽查比例（%）").fill("100")
    supervisor.get_by_role("button", name="抽取", exact=True).click()
    expect(supervisor.locator("#draw-outcome")).to_contain_text("随机种子")
    task = supervisor.locator(f'#spotcheck-list a[data-ticket="{ticket_id}"]')
    task.click()
    supervisor_ctx.set_offline(True)
    supervisor.locator("#spotcheck-photo").set_input_files(str(_photo("gps_DSCN0012.jpg")))
    expect(supervisor.locator(".spotcheck .thumbs img")).to_have_count(1)
    supervisor.get_by_label("抽查说明").fill("现场仍有车辆停放")
    supervisor.get_by_role("button", name="不合格").click()
    expect(supervisor.locator(".queued")).to_be_visible()
    supervisor_ctx.set_offline(False)
    wait_until_sent(supervisor)

    # 6. Back in the bureau's queue as rework, the history showing every step and every actor.
    bureau.goto(f"{proxy.url}/#/queue?status=rework")
    expect(bureau.locator(f'#queue-list a[data-id="{ticket_id}"]')).to_be_visible()
    ticket = status_of(server, ticket_id)
    assert ticket["status"] == "rework" and ticket["rework_count"] == 2
    steps = [(e["action"], e["actor"]["username"] if e["actor"] else None) for e in ticket["events"]
             if e["action"] != "photo_received"]
    assert steps == [("created", "insp13"), ("dispatched", "insp13"), ("accept", "zhzf1"), ("rectify", "zhzf1"),
                     ("verify", "insp13"), ("rectify", "zhzf1"), ("verify", "insp13"), ("spotcheck", "supervisor")]
    bureau.locator(f'#queue-list a[data-id="{ticket_id}"]').click()
    history = bureau.locator(".history li")
    expect(history).to_have_count(len(steps))
    names = {e["actor"]["display_name"] for e in ticket["events"] if e["actor"]}
    for name in names:  # every actor is named in the history the liaison sees
        expect(bureau.locator(".history")).to_contain_text(name)
    expect(history.last).to_contain_text("现场仍有车辆停放")

    # 7. Another bureau's liaison sees nothing of it, in the UI or through the API.
    other_ctx = desktop(browser)
    other = other_ctx.new_page()
    sign_in(other, proxy.url, "jjdd1")
    expect(other.locator("#queue .empty, #queue-list")).to_have_count(1)
    expect(other.locator(f'a[data-id="{ticket_id}"]')).to_have_count(0)
    other.goto(f"{proxy.url}/#/queue/{ticket_id}")
    expect(other.get_by_role("alert")).to_be_visible()
    headers = server.token("jjdd1")
    assert httpx.get(f"{server.url}/api/v1/tickets/{ticket_id}", headers=headers).status_code in (403, 404)
    refused = httpx.post(f"{server.url}/api/v1/tickets/{ticket_id}/actions/accept", headers=headers,
                         json={"action_id": str(uuid.uuid4())})
    assert refused.status_code in (403, 404)
    for context in (inspector_ctx, bureau_ctx, supervisor_ctx, other_ctx):
        context.close()


def verify(page, proxy, ticket_id, *, passed, note):
    page.goto(f"{proxy.url}/#/tickets")
    page.locator(f'a[href^="#/tickets/{ticket_id}"]').first.click()
    expect(page.locator("#ticket-status")).to_have_text("待核查")
    page.get_by_label("核查说明").fill(note)
    if not passed:  # a failure carries a photo of what is still wrong
        page.locator("#verify-photo").set_input_files(str(_photo("mobile_jolla.jpg")))
        expect(page.locator(".verify .thumbs img")).to_have_count(1)
    page.get_by_role("button", name="核查通过" if passed else "核查不通过").click()
    wait_until_sent(page)


def _photo(name):
    return PHOTOS / name


def test_return_and_reassign_explain_themselves(county, browser):
    server, proxy = county
    inspector_ctx, ticket_id = reported_through_the_app(browser, county, "insp14", "Canon_40D.jpg", "机动车停在人行道")
    bureau_ctx, bureau = liaison_opens(browser, proxy, ticket_id)
    bureau.get_by_text("退回", exact=True).first.click()  # opens the return form
    bureau.get_by_label("退回原因").select_option("不属于本单位职责")
    bureau.get_by_label("补充说明").fill("车辆停在机动车道，归交警")
    bureau.locator('[data-action="return"] button[type="submit"]').click()
    wait_until_sent(bureau)
    assert status_of(server, ticket_id)["status"] == "returned"

    dispatcher_ctx = desktop(browser)
    dispatcher = dispatcher_ctx.new_page()
    sign_in(dispatcher, proxy.url, "dispatcher")
    expect(dispatcher.locator("#desk-returned")).to_have_text("被退回 1")
    dispatcher.locator(f'a[href="#/desk/{ticket_id}"]').click()
    picker = dispatcher.get_by_label("改派给")
    expect(picker.locator("option", has_text="交警大队")).to_have_count(1)
    expect(picker.locator("option", has_text="交警大队")).to_contain_text("在办")  # each bureau's load
    picker.select_option(label=picker.locator("option", has_text="交警大队").text_content())
    dispatcher.get_by_label("改派原因").fill("机动车道违停归交警大队")
    dispatcher.locator('[data-action="reassign"] button[type="submit"]').click()
    wait_until_sent(dispatcher)
    ticket = status_of(server, ticket_id)
    assert (ticket["status"], ticket["bureau_code"]) == ("dispatched", "jjdd")
    explained = [(e["action"], e["payload"].get("reason")) for e in ticket["events"]
                 if e["action"] in ("return", "reassign")]
    assert explained == [("return", "不属于本单位职责：车辆停在机动车道，归交警"),
                         ("reassign", "机动车道违停归交警大队")]
    dispatcher.goto(f"{proxy.url}/#/tickets/{ticket_id}")
    expect(dispatcher.locator("#ticket-routing")).to_contain_text("机动车道违停归交警大队")
    expect(dispatcher.locator(".history")).to_contain_text("不属于本单位职责")
    for context in (inspector_ctx, bureau_ctx, dispatcher_ctx):
        context.close()


MAIN_VIEWS = [("insp15", "capture", "拍照上报"), ("zhzf1", "queue", "待办"), ("dispatcher", "desk", "调度台"),
              ("dispatcher", "dryrun", "派遣试算"), ("supervisor", "verify", "核查"),
              ("supervisor", "spotchecks", "抽查"), ("leader", "overview", "总览")]


def test_each_role_main_view_at_desktop_and_phone_width(county, browser):
    """Screenshots for reviewers (test-output/), the overview's numbers leading to their lists, and
    no serious accessibility violations in any role's main view."""
    from api.config import REPO_ROOT

    server, proxy = county
    axe = (REPO_ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js").read_text()
    serious = {}
    for username, view, heading in MAIN_VIEWS:
        for width, height in ((1280, 860), (360, 740)):
            context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                          permissions=["geolocation"],
                                          geolocation={"latitude": 28.9, "longitude": 120.0, "accuracy": 8})
            page = context.new_page()
            sign_in(page, proxy.url, username)
            page.goto(f"{proxy.url}/#/{view}")
            expect(page.get_by_role("heading", name=heading).first).to_be_visible()
            page.wait_for_timeout(400)
            shoot(page, f"role-{view}-{width}")
            page.evaluate(axe)  # not a <script>, which the page's policy refuses
            found = page.evaluate("axe.run().then((r) => r.violations)")
            serious[(view, width)] = [(v["id"], [n["target"] for n in v["nodes"]][:2]) for v in found
                                      if v["impact"] in ("serious", "critical")]
            context.close()
    assert all(not found for found in serious.values()), {k: v for k, v in serious.items() if v}


def test_leader_overview_numbers_open_their_lists(county, browser):
    server, proxy = county
    lon, lat = cell_of(server.url, "insp19")["centroid"]
    rectified_ticket(server, "insp19", lat, lon)  # at least one open 综合执法局 ticket, whatever ran before
    context = desktop(browser)
    page = context.new_page()
    sign_in(page, proxy.url, "leader")
    expect(page.get_by_role("heading", name="总览")).to_be_visible()
    overview = httpx.get(f"{server.url}/api/v1/indicators/overview", headers=server.token("leader")).json()
    row = next(b for b in overview["bureaus"] if b["code"] == "zhzf")
    link = page.locator("table.by-bureau tr", has_text="综合执法局").locator("td a").first
    expect(link).to_have_text(str(row["open"]))
    link.click()
    expect(page.locator("#ticket-list li")).to_have_count(row["open"])
    context.close()


def test_bulk_accept_the_mornings_queue(county, browser):
    server, proxy = county
    inspector_ctx, inspector, cell = inspector_phone(browser, server.url, proxy.url, "insp16")
    lon, lat = cell["centroid"]
    for photo in ("gps_DSCN0010.jpg", "gps_DSCN0012.jpg"):
        capture(inspector, photo)
    wait_until_sent(inspector)
    mine = {t["id"] for t in httpx.get(f"{server.url}/api/v1/tickets", params={"author": "me"},
                                       headers=server.token("insp16")).json()["items"]}
    assert len(mine) == 2

    bureau_ctx = desktop(browser)
    bureau = bureau_ctx.new_page()
    sign_in(bureau, proxy.url, "zhzf1")
    bureau.goto(f"{proxy.url}/#/queue?status=dispatched")
    for ticket_id in mine:
        bureau.locator(f'input.pick[value="{ticket_id}"]').check()
    expect(bureau.locator("#queue-list li")).to_contain_text(["剩余"])  # time left in working hours
    bureau.get_by_role("button", name="批量签收").click()
    expect(bureau.locator(".toast", has_text="签收 × 2")).to_be_visible()  # both queued, whatever redrew the list
    # The outbox may send the first accept before the second is in it, so an empty outbox is no sign of the
    # end: wait for the tickets themselves (or the deadline), then for the outbox to drain.
    deadline = time.monotonic() + 30
    while ({status_of(server, ticket_id)["status"] for ticket_id in mine} != {"accepted"}
           and time.monotonic() < deadline):
        bureau.wait_for_timeout(200)
    wait_until_sent(bureau)
    assert {status_of(server, ticket_id)["status"] for ticket_id in mine} == {"accepted"}
    for context in (inspector_ctx, bureau_ctx):
        context.close()


def test_bureau_asks_to_park_and_the_dispatcher_approves(county, browser):
    server, proxy = county
    inspector_ctx, ticket_id = reported_through_the_app(browser, county, "insp18", "gps_DSCN0010.jpg",
                                                        "人行道破损需改造")
    bureau_ctx, bureau = liaison_opens(browser, proxy, ticket_id)
    bureau.get_by_text("申请挂账", exact=True).first.click()
    bureau.get_by_label("挂账原因").fill("需列入明年道路改造计划")
    bureau.locator('[data-action="request_park"] button[type="submit"]').click()
    wait_until_sent(bureau)

    dispatcher_ctx = desktop(browser)
    dispatcher = dispatcher_ctx.new_page()
    sign_in(dispatcher, proxy.url, "dispatcher")
    expect(dispatcher.locator("#desk-park_requests")).to_have_text("挂账申请 1")
    dispatcher.locator(f'a[href="#/desk/{ticket_id}"]').first.click()
    expect(dispatcher.get_by_text("需列入明年道路改造计划").first).to_be_visible()
    dispatcher.get_by_role("button", name="同意挂账", exact=True).click()
    wait_until_sent(dispatcher)
    assert status_of(server, ticket_id)["status"] == "parked"
    for context in (inspector_ctx, bureau_ctx, dispatcher_ctx):
        context.close()


def test_supervisor_compares_before_and_after(county, browser):
    server, proxy = county
    lon, lat = cell_of(server.url, "insp21")["centroid"]
    ticket_id = rectified_ticket(server, "insp21", lat, lon)
    context = desktop(browser)
    page = context.new_page()
    sign_in(page, proxy.url, "supervisor")
    page.locator(f'a[href="#/verify/{ticket_id}"]').click()
    compare = page.locator("#compare")
    expect(compare.locator("figure")).to_have_count(2)
    expect(compare.locator(".meta")).to_contain_text("两次拍摄相距")
    page.wait_for_function("() => [...document.querySelectorAll('#compare img')].every((i) => i.naturalWidth > 0)")
    context.close()


def test_flags_that_arrive_late_appear_without_a_reload(county, browser):
    """The likeness flags come a moment after an upload: a verifier who opened the ticket meanwhile
    sees the "comparing" note replaced by the flag in place, and the note they were typing survives."""
    from sqlmodel import Session

    from api.database import make_engine, utcnow
    from api.tickets.models import Photo

    server, proxy = county
    lon, lat = cell_of(server.url, "insp21")["centroid"]
    ticket_id = rectified_ticket(server, "insp21", lat, lon)
    deadline = time.monotonic() + 30
    while not all(p["analysed"] for p in status_of(server, ticket_id)["photos"]):
        assert time.monotonic() < deadline, "the server never analysed the photos"
        time.sleep(0.2)
    after_id = next(p["id"] for p in status_of(server, ticket_id)["photos"] if p["kind"] == "after")
    engine = make_engine(server.database_url)

    def set_after_photo(**values):
        with Session(engine) as session:
            photo = session.get(Photo, uuid.UUID(after_id))
            for name, value in values.items():
                setattr(photo, name, value)
            session.add(photo)
            session.commit()

    set_after_photo(analysed_at=None)  # as if its analysis were still queued
    context = desktop(browser)
    try:
        page = context.new_page()
        sign_in(page, proxy.url, "supervisor")
        page.locator(f'a[href="#/verify/{ticket_id}"]').click()
        compare = page.locator("#compare")
        expect(compare.locator(".flag.pending")).to_have_text("⋯ 正在比对相似照片")
        page.get_by_label("核查说明").fill("现场再看一次")

        flag = {"code": "same_as_before", "reason": "整改照片与问题照片几乎相同（疑似未整改或重复使用）",
                "reason_en": "the after-photo is near-identical to the before-photo"}
        set_after_photo(analysed_at=utcnow(), flags=[flag])
        # The page asks again 2, 6, 14 and 30 s after it opened.
        expect(compare).to_contain_text("整改照片与问题照片几乎相同", timeout=35_000)
        expect(page.locator(".flag.pending")).to_have_count(0)
        expect(page.get_by_label("核查说明")).to_have_value("现场再看一次")
    finally:
        context.close()
        engine.dispose()
