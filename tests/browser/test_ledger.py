"""The ledger clerk (台账组) at a desk: last month's ledger for 综合执法局 as XLSX and as PDF, the progress of
each export followed on screen, both files downloaded and opened. Screenshots at 360 and 1280 px."""

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.test_roles import sign_in
from tests.live import LiveServer

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots")


@pytest.fixture(scope="module")
def county(tmp_path_factory, browser):
    """A demo county with a month of history (tickets with before and after photos)."""
    server = LiveServer(tmp_path_factory.mktemp("ledger"), "ledger")
    server.cli("demo", "--history", "150")
    yield server.start()
    server.close()


def _last_month(page) -> str:
    return page.locator("#ledger-period").input_value()


def _export(page, fmt: str):
    """Press the format's button, see its row progress to done, download the file: the download."""
    page.locator(f'button[data-format="{fmt}"]').click()
    job = page.locator("#ledger-jobs li").first
    expect(job).to_contain_text(f".{fmt}")
    expect(job.locator(".ledger-state")).to_contain_text("已完成", timeout=60_000)
    with page.expect_download() as download:
        job.locator('button[data-action="download"]').click()
    return download.value


def test_the_clerk_exports_last_months_ledger_for_a_unit_as_xlsx_and_pdf(county, browser):
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    sign_in(page, county.url, "ledger")
    expect(page.locator('#tabs a[href="#/ledger"]')).to_have_attribute("aria-current", "page")  # its own tab first
    assert _last_month(page) == "2026-11"
    page.locator("#ledger-bureau").select_option(label="综合执法局")
    expect(page.locator("#ledger-count")).to_contain_text("共")
    expect(page.locator("#ledger-preview li").first).to_be_visible()
    for row in page.locator("#ledger-preview .ledger-row .meta").all_inner_texts():
        assert "综合执法局" in row
    page.screenshot(path=SHOTS / "ledger-1280.png", full_page=True)

    xlsx = _export(page, "xlsx")
    assert xlsx.suggested_filename == "问题整改台账_2026年11月_综合执法局.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes()))
    sheet = book["问题整改台账"]
    units = {row[10].value for row in sheet.iter_rows(min_row=3)}
    assert units == {"综合执法局"}
    pdf = _export(page, "pdf")
    assert pdf.suggested_filename == "整改前后对比台账_2026年11月_综合执法局.pdf"
    assert Path(pdf.path()).read_bytes().startswith(b"%PDF")
    context.close()


def test_the_ledger_tab_fits_a_phone(county, browser):
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    page = context.new_page()
    sign_in(page, county.url, "ledger")
    expect(page.locator("#ledger-preview li").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=SHOTS / "ledger-360.png", full_page=True)
    context.close()
