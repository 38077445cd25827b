"""The inspector PWA on a weak phone, in Debian's Chromium against a real server (SQLite, demo county).

Prints: (1) bytes transferred on the first load, service-worker precache included, map tiles excluded
(target ≤ 150 KB gzip); (2) time from choosing a 12-MP JPEG to "queued" with 4× CPU throttling
(target ≤ 1.5 s); (3) time to drain 50 queued tickets after reconnecting, loopback (target ≤ 20 s).

Run: .venv/bin/python bench/pwa.py [--tickets 50] [--repeats 5]   (needs pwa/dist: cd pwa && npm run build)
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # the browser-test helpers drive the app the same way the tests do

from PIL import Image  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.phone import PHOTOS, capture, cell_of, log_in, outbox_count, phone_context  # noqa: E402
from tests.browser.proxy import FlakyProxy  # noqa: E402
from tests.live import LiveServer  # noqa: E402


def twelve_megapixel_jpeg(directory: Path) -> Path:
    """A 4000×3000 camera-like JPEG (the sample phone photo scaled up, its EXIF kept)."""
    source = Image.open(PHOTOS / "mobile_jolla.jpg")
    out = io.BytesIO()
    source.resize((4000, 3000), Image.Resampling.BICUBIC).save(out, "JPEG", quality=90,
                                                               exif=source.info.get("exif", b""))
    path = directory / "phone-12mp.jpg"
    path.write_bytes(out.getvalue())
    return path


def first_load_bytes(browser, proxy) -> tuple[int, int]:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    start = len(proxy.state.log)
    page.goto(proxy.url + "/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    seen = proxy.state.log[start:]
    context.close()
    return sum(s.bytes for s in seen), len(seen)


def photo_to_queued(browser, proxy, server, photo: Path, repeats: int) -> list[float]:
    cell = cell_of(server.url, "insp20")
    lon, lat = cell["centroid"]
    context = phone_context(browser, lat=lat, lon=lon)
    page = context.new_page()
    log_in(page, proxy.url, "insp20")
    proxy.state.offline = True  # keep the uploader out of the measurement
    context.set_offline(True)
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    timings = []
    for n in range(repeats):
        if not n:
            page.get_by_label("搜索类别").fill("rxdltc")
        page.get_by_role("radio", name="人行道乱停车").click()
        began = time.perf_counter()
        page.locator("#photo-input").set_input_files(str(photo))
        page.get_by_role("button", name="保存待发送").click(timeout=60_000)
        expect(page.locator("#badge")).to_have_text(str(n + 1), timeout=60_000)
        timings.append(time.perf_counter() - began)
    context.close()
    proxy.state.offline = False
    return timings


def drain_time(browser, proxy, server, tickets: int) -> float:
    cell = cell_of(server.url, "insp21")
    lon, lat = cell["centroid"]
    context = phone_context(browser, lat=lat, lon=lon)
    page = context.new_page()
    log_in(page, proxy.url, "insp21")
    proxy.state.offline = True
    context.set_offline(True)
    for n in range(tickets):
        capture(page, "mobile_jolla.jpg" if n % 2 else "gps_DSCN0010.jpg")
    began = time.perf_counter()
    proxy.state.offline = False
    context.set_offline(False)
    while outbox_count(page):
        page.wait_for_timeout(100)
    elapsed = time.perf_counter() - began
    context.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp), "bench")
        server.cli("demo", "--history", "0")
        server.start()
        proxy = FlakyProxy(server.url)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                total, requests = first_load_bytes(browser, proxy)
                print(f"first load, precache included: {total / 1024:.1f} KB in {requests} requests (target ≤ 150 KB)")
                photo = twelve_megapixel_jpeg(Path(tmp))
                timings = photo_to_queued(browser, proxy, server, photo, args.repeats)
                print(f"12-MP photo → queued, 4× CPU throttling: median {statistics.median(timings):.2f} s, "
                      f"max {max(timings):.2f} s over {len(timings)} (target ≤ 1.5 s)")
                elapsed = drain_time(browser, proxy, server, args.tickets)
                print(f"drain {args.tickets} queued tickets after reconnecting: {elapsed:.1f} s "
                      f"({args.tickets / elapsed:.1f} tickets/s; target ≤ 20 s)")
                browser.close()
        finally:
            proxy.close()
            server.close()


if __name__ == "__main__":
    main()
