"""The PWA and the API docs in Chromium under the headers the server sends (api/headers.py): an inspector
captures a photo (the photo worker, blob: previews, the service worker) and opens each tab, the map with tiles
from a tile server of another origin through the service worker; a dispatcher, a leader, a supervisor, a
bureau's liaison and the admin open each of theirs (the admin also each section of 系统管理); a resident uses the
随手拍 page; Swagger UI shows the operations. No policy is violated and nothing is logged to the console."""

import io
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import OUTPUT
from tests.browser.phone import capture, inspector_phone, open_tab, phone_context, wait_until_sent
from tests.browser.test_roles import desktop, sign_in
from tests.factories import PHOTOS
from tests.live import LiveServer

pytestmark = pytest.mark.browser

# Every violation the page's document sees, reported to the test (init scripts are not subject to the policy).
REPORT_VIOLATIONS = """document.addEventListener('securitypolicyviolation', (e) => window.cspViolation(
  `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));"""


@pytest.fixture(scope="module")
def tiles(loopback):
    """A tile server at another origin: a 256 px PNG for any path."""
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (205, 225, 240)).save(buffer, "PNG")
    return loopback("image/png", buffer.getvalue())


@pytest.fixture(scope="module")
def county(tmp_path_factory, tiles):
    """A demo county whose base map comes from the tile server above."""
    server = LiveServer(tmp_path_factory.mktemp("csp"), "csp")
    server.env["GRIDPATROL_MAP_TILE_URL"] = tiles + "/{z}/{x}/{y}.png"
    server.cli("demo", "--history", "0")
    server.start()
    yield server
    server.close()


def under_the_policy(page) -> bool:
    """Whether the page refuses an inline script, as its policy says (and no context option bypasses it)."""
    return page.evaluate("""() => new Promise((resolve) => {
      window.inlineRan = false;
      document.addEventListener('securitypolicyviolation', () => resolve(!window.inlineRan), { once: true });
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.head.append(script);
      setTimeout(() => resolve(false), 2000);
    })""")


def watch(page) -> list[str]:
    """Checks that the page is under the policy, then reloads it and collects what goes wrong in its context
    from then on: policy violations and console errors and warnings (where the browser reports a refusal too)."""
    assert under_the_policy(page), "the page is not under the Content-Security-Policy"
    problems: list[str] = []
    context = page.context
    context.expose_function("cspViolation", lambda text: problems.append(f"violation: {text}"))
    context.add_init_script(REPORT_VIOLATIONS)
    context.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
               if message.type in ("error", "warning") else None)
    page.reload()
    return problems


def open_each_tab(page) -> list[str]:
    expect(page.locator("#tabs a").first).to_be_visible()
    tabs = page.locator("#tabs a").evaluate_all("(links) => links.map((a) => a.getAttribute('href').slice(2))")
    for view in tabs:
        open_tab(page, view=view)
        expect(page.locator("body")).to_have_attribute("data-view", view)
        expect(page.locator("#view > *").first).to_be_visible()
        if view == "map":
            expect(page.locator("img.leaflet-tile-loaded").first).to_be_visible()
        page.wait_for_timeout(300)
    return tabs


def test_the_inspector_works_under_the_policy(county, browser):
    context, page, _cell = inspector_phone(browser, county.url, county.url, "insp05")
    problems = watch(page)  # reloaded: now under the service worker, which fetches the tiles
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    capture(page, "gps_DSCN0010.jpg")  # through the photo worker, previewed from a blob: URL
    assert any("photo-worker" in worker.url for worker in page.workers)
    wait_until_sent(page)
    assert "map" in open_each_tab(page)
    cached = page.evaluate("caches.open('gridpatrol-tiles').then((c) => c.keys()).then((k) => k.length)")
    assert cached > 0, "the service worker fetched no tile"
    context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("username", ["dispatcher", "leader", "supervisor", "zhzf1", "admin"])
def test_the_desks_work_under_the_policy(county, browser, username):
    context = desktop(browser)
    page = context.new_page()
    page.goto(county.url + "/")
    problems = watch(page)
    sign_in(page, county.url, username)
    tabs = open_each_tab(page)
    assert "map" in tabs or username in ("supervisor", "admin")  # who have no map tab
    if username == "admin":  # the admin tab's sections, and an account's form
        for section in ("accounts/1", "bureaus/zhzf", "catalog/category/0506", "calendar", "public", "audit"):
            page.goto(f"{county.url}/#/admin/{section}")
            expect(page.locator(".admin-nav .chip[aria-current='true']")).to_be_visible()
            expect(page.locator(".admin > section, .admin .split").first).to_be_visible()
            page.wait_for_timeout(300)
    context.close()
    assert problems == [], "\n".join(problems)


def test_the_public_page_works_under_the_policy(county, browser):
    """随手拍: a photo through the photo worker and a blob: preview, the form sent, the status page."""
    httpx.put(f"{county.url}/api/v1/public-categories", headers=county.token("dispatcher"), timeout=30, json={
        "categories": [{"category_code": "0506", "public_name": "乱停车", "public_name_en": "Bad parking"}]}
              ).raise_for_status()
    context = phone_context(browser, lat=28.9, lon=120.0)
    page = context.new_page()
    page.goto(county.url + "/report/")
    problems = watch(page)
    page.locator("#report-photo").set_input_files(str(PHOTOS / "gps_DSCN0010.jpg"))
    expect(page.locator(".thumbs img")).to_have_count(1)
    assert any("photo-worker" in worker.url for worker in page.workers)
    page.get_by_role("radio", name="乱停车").check()
    expect(page.locator("#report-fix")).to_contain_text("±")
    # The map (Leaflet, loaded on demand) with the county's tiles from another origin: a tap picks the place.
    page.get_by_role("button", name="在地图上选点").click()
    expect(page.locator(".picker-map img.leaflet-tile-loaded").first).to_be_visible()
    page.locator(".picker-map").click(position={"x": 60, "y": 60})
    expect(page.locator("#report-fix")).to_contain_text("地图选点")
    page.screenshot(path=OUTPUT / "citizen-map-360.png")
    page.get_by_role("button", name="提交").click()
    page.get_by_role("link", name="查看处理进度").click()
    expect(page.locator("#report-stage")).to_have_text("已收到，等待审核")
    page.wait_for_timeout(300)
    context.close()
    assert problems == [], "\n".join(problems)


def test_swagger_ui_shows_the_operations_under_its_policy_with_no_way_out(county, browser):
    """A county network without internet: every request to a host other than this machine is aborted."""
    context = desktop(browser)
    outside = []

    def loopback_only(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", loopback_only)
    page = context.new_page()
    response = page.goto(county.url + "/docs")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    problems = watch(page)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/auth/token").first).to_be_visible()
    assert page.locator(".opblock").count() > 50
    page.wait_for_timeout(300)
    context.close()
    assert problems == [], "\n".join(problems)
    assert outside == [], outside
