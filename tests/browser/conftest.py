"""Browser tests: Debian's Chromium driven by Playwright against a real `gridpatrol serve`.

Under CI a missing Chromium or an unbuilt PWA fails the run; on a developer machine it skips.
"""

import os
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from api.config import REPO_ROOT
from tests.browser.proxy import FlakyProxy
from tests.live import LiveServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
OUTPUT = REPO_ROOT / "test-output"


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """The README's first command, in miniature: demo county loaded, server + built PWA on loopback."""
    if not (REPO_ROOT / "pwa" / "dist" / "index.html").exists():
        _unavailable("the PWA is not built (cd pwa && npm ci && npm run build)")
    server = LiveServer(tmp_path_factory.mktemp("live"), "live")
    try:
        server.cli("demo", "--history", "0")
        yield server.start()
    finally:
        server.close()


@pytest.fixture(scope="session")
def live_server(live):
    return live.url


@pytest.fixture
def proxy(live):
    """The network between the phone and the server, which tests can cut or make flaky. Each test gets
    its own (a new origin, so a new service worker and IndexedDB)."""
    network = FlakyProxy(live.url)
    yield network
    network.close()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A phone-sized page (360 px wide, Chinese locale)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def loopback() -> Iterator[Callable[[str, bytes], str]]:
    """Serves a fixed answer on loopback for the module (a tile server, a WeCom robot): `loopback(content_type,
    body)` starts one, answering every GET and POST with that body (CORS open: Leaflet asks for tiles with
    crossOrigin), and gives its base URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(content_type: str, body: bytes) -> str:
        class Answer(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.do_GET()

            def log_message(self, *args):  # quiet
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
