"""The trend: the main figures month by month and week by week, for the county and one unit, on a hand-built
September to December 2026 (a ticket overdue at the end of October and November, closed in December)."""

from datetime import UTC, date, datetime

import pytest

from api.errors import ApiError
from api.indicators import trends
from tests.factories import login
from tests.indicators.history import C1, C2, Story, county, local

NOW = datetime(2026, 12, 15, 2, tzinfo=UTC)
FIGURES = ("label", "reports", "due", "closed", "closure_rate", "on_time", "on_time_rate", "overdue_open",
           "rework_rate")


@pytest.fixture
def history(db):
    users = county(db)
    inspector = users["insp1"]

    def ticket(cell: str, bureau: str, month: int, day: int) -> Story:
        """Reported and dispatched at 09:00, due at 17:00 that day, accepted at 09:30."""
        return Story(db, inspector, cell, local(month, day)).dispatch(
            local(month, day), bureau, local(month, day, 17)).accept(local(month, day, 9, 30))

    # September: 住建局 closes both its tickets on time.
    for day in (14, 15):
        ticket(C2, "zjj", 9, day).rectify(local(9, day, 10)).verify(local(9, day, 15))
    # October: 综合执法局 one on time, one late, one left open until 2 December; 住建局 one failed verification,
    # then on time.
    ticket(C1, "zhzf", 10, 12).rectify(local(10, 12, 10)).verify(local(10, 12, 15))
    ticket(C1, "zhzf", 10, 13).rectify(local(10, 15, 10)).verify(local(10, 15, 15))
    ticket(C1, "zhzf", 10, 14).rectify(local(12, 2, 10)).verify(local(12, 2, 15))
    ticket(C2, "zjj", 10, 15).rectify(local(10, 15, 10)).verify(local(10, 15, 11), passed=False) \
        .rectify(local(10, 15, 12)).verify(local(10, 15, 15))
    # November: 住建局 one on time.
    ticket(C2, "zjj", 11, 16).rectify(local(11, 16, 10)).verify(local(11, 16, 15))
    db.commit()
    return users


def table(found: trends.Trend) -> list[tuple]:
    return [tuple(getattr(point, name) for name in FIGURES) for point in found.points]


def test_the_county_month_by_month_as_each_month_ended(db, settings, history):
    found = trends.trend(db, settings, step="month", count=4, now=NOW)
    assert (found.step, found.bureau_code, found.name) == ("month", None, None)
    assert table(found) == [
        ("2026-09", 2, 2, 2, 1.0, 2, 1.0, 0, 0.0),
        # Closed 3 of 4, on time 2 (the failed verification's rework came by the deadline); one failure in four
        # rectifications; the ticket closed in December was open and overdue when October ended.
        ("2026-10", 4, 4, 3, 0.75, 2, 0.5, 1, 0.25),
        ("2026-11", 1, 1, 1, 1.0, 1, 1.0, 1, 0.0),  # still overdue when November ended
        ("2026-12", 0, 0, 0, None, 0, None, 0, 0.0),  # its rectification in December, nothing overdue now
    ]
    first = found.points[0]
    assert (first.first, first.end) == (date(2026, 9, 1), date(2026, 10, 1))
    assert found.points[-1].as_of == NOW  # the current month as of now
    assert found.points[1].as_of == datetime(2026, 10, 31, 16, tzinfo=UTC)  # midnight in the county


def test_one_unit_month_by_month(db, settings, history):
    found = trends.trend(db, settings, step="month", count=4, bureau="zhzf", now=NOW)
    assert (found.bureau_code, found.name) == ("zhzf", "综合执法局")
    assert table(found) == [
        ("2026-09", 0, 0, 0, None, 0, None, 0, None),
        ("2026-10", 3, 3, 2, 0.6667, 1, 0.3333, 1, 0.0),
        ("2026-11", 0, 0, 0, None, 0, None, 1, None),
        ("2026-12", 0, 0, 0, None, 0, None, 0, 0.0),
    ]


def test_week_by_week_across_the_year_end(db, settings, history):
    found = trends.trend(db, settings, step="week", count=3, now=datetime(2027, 1, 5, 2, tzinfo=UTC))
    assert [(p.label, p.first, p.end) for p in found.points] == [
        ("2026-W52", date(2026, 12, 21), date(2026, 12, 28)),
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 4)),  # 2026 has 53 ISO weeks
        ("2027-W01", date(2027, 1, 4), date(2027, 1, 11)),
    ]


def test_week_by_week(db, settings, history):
    found = trends.trend(db, settings, step="week", count=10, now=NOW)
    assert table(found)[:2] == [
        ("2026-W42", 4, 4, 3, 0.75, 2, 0.5, 1, 0.25),  # 12–18 October
        ("2026-W43", 0, 0, 0, None, 0, None, 1, None),
    ]
    assert found.points[-1].label == "2026-W51"  # the current week last
    # Overdue at the end of each week until its rectification on 2 December, in 2026-W49.
    assert [p.overdue_open for p in found.points] == [1] * 7 + [0] * 3


def test_an_unknown_unit_is_not_found(db, settings, history):
    with pytest.raises(ApiError) as refused:
        trends.trend(db, settings, step="month", count=2, bureau="nosuch", now=NOW)
    assert refused.value.status == 404


def test_the_trend_through_the_api(client, history, monkeypatch):
    monkeypatch.setattr("api.indicators.router.utcnow", lambda: NOW)
    leader = login(client, "leader")
    body = client.get("/api/v1/indicators/trend?step=month&count=4", headers=leader).json()
    assert [(p["label"], p["closed"], p["overdue_open"]) for p in body["points"]] == [
        ("2026-09", 2, 0), ("2026-10", 3, 1), ("2026-11", 1, 1), ("2026-12", 0, 0)]
    assert set(body["points"][0]) == {"label", "first", "end", "starts_at", "ends_at", "as_of", "reports", "due",
                                      "closed", "closure_rate", "on_time", "on_time_rate", "overdue_open",
                                      "rework_rate"}
    unit = client.get("/api/v1/indicators/trend?count=2&bureau=zjj", headers=leader).json()
    assert (unit["step"], unit["name"], len(unit["points"])) == ("month", "住建局", 2)

    # A unit's liaison reads its own unit's trend, whether it names it or not; another unit's is refused.
    own = client.get("/api/v1/indicators/trend?count=4", headers=login(client, "zhzf1")).json()
    assert own["bureau_code"] == "zhzf" and own["points"][1]["due"] == 3
    other = client.get("/api/v1/indicators/trend?bureau=zjj", headers=login(client, "zhzf1"))
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/indicators/trend", headers=login(client, "insp1")).status_code == 403


@pytest.mark.parametrize("query", ["step=day", "count=0", "count=37", "count=x", "period=2026-11"])
def test_bad_trend_queries_are_refused(client, history, query):
    refused = client.get(f"/api/v1/indicators/trend?{query}", headers=login(client, "leader"))
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "validation_error"


def test_an_unknown_unit_through_the_api(client, history):
    refused = client.get("/api/v1/indicators/trend?bureau=nosuch", headers=login(client, "leader"))
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"


def test_the_tickets_behind_a_months_reports_and_rework(client, history):
    """The lists a figure opens: reports by creation (`since`/`until`), reworked tickets (`reworked`)."""
    leader = login(client, "leader")
    october = {"since": local(10, 1).isoformat(), "until": local(11, 1).isoformat()}
    found = client.get("/api/v1/tickets", params=october, headers=leader).json()["items"]
    assert len(found) == 4 and {t["bureau_code"] for t in found} == {"zhzf", "zjj"}
    reworked = client.get("/api/v1/tickets", params={**october, "reworked": "true"}, headers=leader).json()["items"]
    assert [(t["bureau_code"], t["rework_count"]) for t in reworked] == [("zjj", 1)]
    never = client.get("/api/v1/tickets", params={**october, "reworked": "false"}, headers=leader).json()["items"]
    assert len(never) == 3
