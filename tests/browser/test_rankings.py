"""The leader's month in the PWA, against a demo county with two months of history: last month's ranking as the
API gives it, the tickets behind a unit's overdue figure with chips in words, the monthly bulletin generated,
downloaded (its PDF's text has the units and the figures the API gave) and published. Plus the figure views
(overview, 周调度, 通报) at phone and desk width: nothing scrolls sideways, nothing serious for axe, screenshots."""

import hashlib
import re
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from api.config import REPO_ROOT, Settings
from api.county.demo_history import load_history
from api.database import make_engine
from tests.browser.conftest import OUTPUT
from tests.live import LiveServer

pytestmark = pytest.mark.browser
HISTORY_DAYS = 62  # all of last month, whatever today's date


@pytest.fixture(scope="module")
def county(tmp_path_factory, browser):
    """Its own server: the demo county with tickets over the past two months."""
    server = LiveServer(tmp_path_factory.mktemp("rankings"), "rankings")
    server.cli("demo", "--history", "0")
    settings = Settings(data_dir=server.data_dir, database_url=server.database_url, secret_key="s" * 40)
    engine = make_engine(settings.sqlalchemy_url)
    with Session(engine) as session:
        load_history(session, settings, count=240, days=HISTORY_DAYS)
        session.commit()
    engine.dispose()
    server.start()
    yield server
    server.close()


def last_month() -> str:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"


def open_app(browser, server, username="leader", width=1280):
    context = browser.new_context(viewport={"width": width, "height": 860 if width > 400 else 740}, locale="zh-CN",
                                  accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url + "/")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill("demo1234")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#tabs")).to_be_visible()
    return context, page, errors


def get(server, path, **params):
    response = httpx.get(f"{server.url}{path}", params=params, headers=server.token("leader"), timeout=60)
    response.raise_for_status()
    return response.json()


def test_the_leader_reads_last_months_ranking_and_publishes_its_bulletin(county, browser, tmp_path):
    server = county
    month = last_month()
    context, page, errors = open_app(browser, server)
    expect(page.get_by_role("heading", name="总览")).to_be_visible()

    # 1. Last month's ranking, as the API gives it.
    page.locator(".period-picker a", has_text="上月").click()
    expect(page.locator("#period-title")).to_contain_text(month)
    ranking = get(server, "/api/v1/rankings", period=month)
    ranked = [u for u in ranking["units"] if u["ranked"]]
    assert ranked, "two months of demo history rank some units"
    rows = page.locator("#ranking tbody tr")
    expect(rows).to_have_count(len(ranked))
    for unit, row in zip(ranked, rows.all(), strict=True):
        expect(row.locator("td.place")).to_have_text(str(unit["rank"]))
        expect(row.locator("th.unit")).to_contain_text(unit["name"])
        expect(row.locator("td.score")).to_have_text(f"{unit['score']:.1f}")
        expect(row.locator("td.grade")).to_have_text(unit["grade"])
        expect(row.locator(".mark.red-list")).to_have_count(int(unit["red"]))
        expect(row.locator(".mark.black-list")).to_have_count(int(unit["black"]))
    under = [u for u in ranking["units"] if not u["ranked"] and u["figures"]["due"]]
    expect(page.locator("#unranked tbody tr")).to_have_count(len(under))
    expect(page.locator("details.unranked summary")).to_have_text(f"不参与排名 {len(under)} 个单位")
    totals = get(server, "/api/v1/indicators", period=month)["totals"]
    overdue_figure = page.locator('#period-figures [data-figure="overdue_open"] .value')
    expect(overdue_figure).to_have_text(str(totals["overdue_open"]))

    # 2. The tickets behind a unit's overdue figure: chips in words, that unit's tickets, none closed since.
    unit = max(ranking["units"], key=lambda u: (u["ranked"], u["figures"]["overdue_open"]))
    overdue = unit["figures"]["overdue_open"]
    assert overdue > 0, "some unit still had tickets overdue when the month ended"
    link = page.locator(f'tr[data-unit="{unit["bureau_code"]}"] a[data-figure="overdue_open"]')
    expect(link).to_have_text(str(overdue))
    link.click()
    expect(page.locator("#filters .filter")).to_have_text(
        ["状态：已交办、整改中、返工", f"单位：{unit['name']}", "超期", re.compile(r"^期限：… – \d\d/\d\d 00:00$")])
    expect(page.locator("#filters")).not_to_contain_text(unit["bureau_code"])
    expect(page.locator("main")).not_to_contain_text("status=")
    query = page.evaluate("location.hash.split('?')[1]")
    listed = httpx.get(f"{server.url}/api/v1/tickets?{query}&limit=200", headers=server.token("leader"),
                       timeout=60).json()["items"]
    assert 0 < len(listed) <= overdue and {t["bureau_code"] for t in listed} == {unit["bureau_code"]}
    expect(page.locator("#ticket-list li")).to_have_count(len(listed))

    # 3. The monthly bulletin of last month: generated in the background, downloaded, its text checked.
    page.locator("#tabs a", has_text="通报").click()
    expect(page.get_by_role("heading", name="通报", exact=True)).to_be_visible()
    expect(page.get_by_label("月通报")).to_be_checked()
    expect(page.locator("#bulletin-period")).to_have_value(month)
    page.locator("#bulletin-generate").click()
    row = page.locator("#bulletin-list li.bulletin").first
    expect(row.locator(".bulletin-state")).to_have_text("已生成", timeout=180_000)
    with page.expect_download() as download:
        row.locator('[data-action="pdf"]').click()
    pdf = tmp_path / "bulletin.pdf"
    download.value.save_as(pdf)
    assert download.value.suggested_filename.endswith(".pdf")
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                             text=True, check=True).stdout)
    for ranked_unit in ranked:
        assert ranked_unit["name"] in text and f"{ranked_unit['score']:.1f}" in text, ranked_unit["name"]
    for rate in ("closure_rate", "on_time_rate"):
        assert f"{totals[rate] * 100:.1f}%" in text, rate
    assert str(totals["reports"]) in text and unit["name"] in text

    # 4. Published as it is: the bytes downloaded are the bytes frozen.
    row.locator('[data-action="publish"]').click()
    row.locator('[data-action="confirm-publish"]').click()
    expect(row.locator(".bulletin-state")).to_contain_text("已发布")
    published = get(server, f"/api/v1/bulletins/{row.get_attribute('data-id')}")
    assert published["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert errors == []
    context.close()


VIEWS = [("overview", "总览", "#ranking"), ("dispatch", "周调度", "#sheet-totals"), ("bulletins", "通报", "#bulletin-form")]


def test_the_figure_views_fit_a_phone_and_a_desk(county, browser):
    axe = (REPO_ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js").read_text()
    serious = {}
    for width in (360, 1280):
        context, page, errors = open_app(browser, county, width=width)
        for view, heading, ready in VIEWS:
            page.goto(f"{county.url}/#/{view}" + (f"?period={last_month()}" if view == "overview" else ""))
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            expect(page.locator(ready)).to_be_visible()
            if view == "overview":
                expect(page.locator("#trend canvas").first).to_be_visible()  # the charts drew
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (view, width)
            OUTPUT.mkdir(exist_ok=True)
            page.screenshot(path=OUTPUT / f"rankings-{view}-{width}.png", full_page=True)
            page.evaluate(axe)  # not a <script>, which the page's policy refuses
            found = page.evaluate("axe.run().then((r) => r.violations)")
            serious[(view, width)] = [(v["id"], [n["target"] for n in v["nodes"]][:2]) for v in found
                                      if v["impact"] in ("serious", "critical")]
        assert errors == []
        context.close()
    assert all(not found for found in serious.values()), {k: v for k, v in serious.items() if v}
