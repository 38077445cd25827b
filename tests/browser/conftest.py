"""Browser tests: Debian's Chromium driven by Playwright against a real `gridpatrol serve`.

Under CI a missing Chromium or an unbuilt PWA fails the run; on a developer machine it skips.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.config import REPO_ROOT
from tests import dbutil

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"]
OUTPUT = REPO_ROOT / "test-output"


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The README's first command, in miniature: demo county loaded, server + built PWA on loopback."""
    if not (REPO_ROOT / "pwa" / "dist" / "index.html").exists():
        _unavailable("the PWA is not built (cd pwa && npm ci && npm run build)")
    data_dir = tmp_path_factory.mktemp("live")
    url = dbutil.create_database(data_dir, "live")
    env = {**os.environ, "GRIDPATROL_DATA_DIR": str(data_dir), "GRIDPATROL_DATABASE_URL": url}
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True, cwd=REPO_ROOT)
    port = _free_port()
    log = open(data_dir / "server.log", "wb")  # noqa: SIM115  (kept open for the server's lifetime)
    server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stdout=log, stderr=log, cwd=REPO_ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                raise RuntimeError((data_dir / "server.log").read_text())
            time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        yield base
    finally:
        server.terminate()
        server.wait(10)
        log.close()
        dbutil.drop_database(url)


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
