"""Every figure of a period on a hand-built October 2026, counted as of the period's end: the answers are worked
out by hand in the comments (working hours on the 08:30–12:00, 13:30–17:30 clock; October 1–7 holidays,
the 10th a make-up working Saturday)."""

from datetime import UTC, datetime, timedelta

import pytest

from api.config import Settings
from api.reference_data import reference
from api.indicators import periods, service
from api.indicators.figures import Clock
from tests.factories import login
from tests.indicators.history import C1, C2, Story, county, local

OCTOBER = periods.parse("2026-10")
AFTER = datetime(2026, 12, 15, tzinfo=UTC)


def october(db, users) -> dict[str, Story]:
    """The tickets of October (T1…T16), as they stood on the night of October 31."""
    insp1, insp2, supervisor = users["insp1"], users["insp2"], users["supervisor"]

    def ticket(author, cell, created, bureau, deadline):
        return Story(db, author, cell, created).dispatch(created, bureau, deadline)

    s = {}
    s["T1"] = ticket(insp1, C1, local(10, 12), "zhzf", local(10, 13, 17)).accept(local(10, 12, 10)) \
        .rectify(local(10, 13, 10)).verify(local(10, 13, 15)).spotcheck(local(10, 20, 10), True, supervisor)
    s["T2"] = ticket(insp1, C1, local(10, 13), "zhzf", local(10, 14, 12)).accept(local(10, 13, 10)) \
        .rectify(local(10, 15, 10)).verify(local(10, 15, 11))  # rectified late
    s["T3"] = ticket(insp1, C1, local(10, 20), "zhzf", local(10, 27, 12)).accept(local(10, 21))  # done in Nov
    s["T4"] = ticket(insp1, C1, local(10, 12, 14), "zhzf", local(10, 14, 17)).accept(local(10, 12, 15)) \
        .park(local(10, 13))
    s["T4b"] = ticket(insp1, C1, local(10, 15), "zhzf", local(10, 16, 17)).park(local(10, 15, 10))  # unparked in Nov
    # Routed to 交警大队, which returns it; the dispatcher passes it to 综合执法局 with a new deadline.
    s["T5"] = ticket(insp1, C1, local(10, 22), "jjdd", local(10, 22, 11)).return_(local(10, 22, 10), users["jjdd1"]) \
        .reassign(local(10, 22, 14), "zhzf", local(10, 23, 16)).accept(local(10, 23, 8, 40)) \
        .rectify(local(10, 23, 10)).verify(local(10, 23, 15))
    s["T6"] = ticket(insp1, C1, local(10, 14), "zhzf", local(10, 16, 17)).accept(local(10, 14, 10)) \
        .rectify(local(10, 15, 10)).verify(local(10, 15, 15), passed=False) \
        .rectify(local(10, 16, 11)).verify(local(10, 16, 16))  # a rework, then on time
    s["T7"] = ticket(insp1, C1, local(10, 8), "zhzf", local(10, 9, 17)).accept(local(10, 8, 10)) \
        .rectify(local(10, 9, 10)).verify(local(10, 9, 15)).spotcheck(local(10, 21, 10), False, supervisor) \
        .rectify(local(10, 26, 10)).verify(local(10, 26, 15))  # a false closure found on site
    s["T8"] = ticket(insp1, C1, local(10, 19), "zhzf", local(10, 19, 11)).cancel(local(10, 19, 10))
    s["T9"] = ticket(insp1, C1, local(10, 28), "zhzf", local(10, 29, 12))  # cancelled in November
    s["T10"] = ticket(supervisor, C1, local(10, 19), "jjdd", local(11, 3, 12))  # 暗访: the cell's miss
    s["T11"] = Story(db, insp1, C1, local(10, 23), recurring_of=s["T1"].ticket.id) \
        .dispatch(local(10, 23), "zhzf", local(11, 3, 12))
    s["T12"] = Story(db, insp1, C1, local(10, 31, 23))  # its photos arrive on November 1
    s["T13"] = ticket(insp2, C2, local(10, 26), "zjj", local(10, 28, 17)).accept(local(10, 26, 10)) \
        .rectify(local(10, 28, 9)).verify(local(10, 28, 15), flags=("exif_gps_far",))
    s["T14"] = ticket(insp2, C2, local(9, 10), "zjj", local(9, 11, 12)).accept(local(9, 10, 10))  # old backlog
    # 2 working hours from 09:00: due at 11:00 on the 20th (not recorded; worked out again from the category).
    s["T15"] = ticket(insp2, C2, local(10, 20), "zjj", local(10, 20, 11)).accept(local(10, 20, 9, 30))
    s["T16"] = ticket(insp2, C2, local(10, 29), "zjj", local(10, 30, 17)).accept(local(10, 29, 9, 30)) \
        .rectify(local(10, 30, 10))  # verified in November
    db.commit()
    return s


def november(db, s: dict[str, Story], users) -> None:
    """What happened to them afterwards, none of which may change October's figures."""
    s["T3"].rectify(local(11, 3, 10)).verify(local(11, 4, 10))
    s["T4b"].unpark(local(11, 2), 60 * 3600, local(11, 20, 12))
    s["T9"].cancel(local(11, 2, 10))
    s["T12"].dispatch(local(11, 1, 8), "zhzf", local(11, 2, 10))
    s["T13"].spotcheck(local(11, 6), False, users["supervisor"])
    s["T15"].extend(local(11, 5), local(11, 10))
    s["T16"].verify(local(11, 2))
    db.commit()


ZHZF = {"reports": 11, "valid_reports": 10, "recurring": 1, "missed": 0,
        "dispatched": 11, "returns": 0, "dispatch_accuracy": 1.0,
        # Due: T1 T2 T3 T5 T6 T7 T9 (T4, T4b parked, T8 cancelled); closed: T1 T2 T5 T6 T7; on time: T1 T5 T6
        # (T7 rectified again after its failed spot check, past the deadline).
        "due": 7, "closed": 5, "closure_rate": 0.7143, "on_time": 3, "on_time_rate": 0.4286,
        "overdue_open": 2,  # T3 (accepted), T9 (dispatched)
        "rectifications": 7, "verification_fails": 1, "spotcheck_fails": 1, "rework_rate": 0.2857,
        "spotchecks": 2, "spotcheck_passes": 1, "spotcheck_pass_rate": 0.5, "flagged_closures": 0,
        # Dispatch to last rectification: T1 8.5 h, T2 16, T5 5 (from the reassignment), T6 17, T7 98.5.
        "rectified": 5, "rectify_working_hours": 145.0, "avg_rectify_working_hours": 29.0,
        "coverage_due": 0, "coverage_patrolled": 0, "coverage_rate": None}
JJDD = {"reports": 1, "valid_reports": 1, "recurring": 0, "missed": 1, "dispatched": 2, "returns": 1,
        "dispatch_accuracy": 0.5, "due": 0, "closed": 0, "closure_rate": None, "on_time": 0, "on_time_rate": None,
        "overdue_open": 0, "rectifications": 0, "verification_fails": 0, "spotcheck_fails": 0, "rework_rate": None,
        "spotchecks": 0, "spotcheck_passes": 0, "spotcheck_pass_rate": None, "flagged_closures": 0,
        "rectified": 0, "rectify_working_hours": 0.0, "avg_rectify_working_hours": None}
ZJJ = {"reports": 3, "valid_reports": 3, "recurring": 0, "missed": 0, "dispatched": 3, "returns": 0,
       "dispatch_accuracy": 1.0, "due": 3, "closed": 1, "closure_rate": 0.3333, "on_time": 1, "on_time_rate": 0.3333,
       "overdue_open": 2,  # T14 from September, T15 (its extension came in November)
       "rectifications": 2, "verification_fails": 0, "spotcheck_fails": 0, "rework_rate": 0.0, "spotchecks": 0,
       "spotcheck_passes": 0, "spotcheck_pass_rate": None, "flagged_closures": 1,
       "rectified": 2, "rectify_working_hours": 23.5, "avg_rectify_working_hours": 11.75}  # T13 15 h, T16 8.5 h
TOTALS = {"reports": 15, "valid_reports": 14, "recurring": 1, "missed": 1, "dispatched": 16, "returns": 1,
          "dispatch_accuracy": 0.9375, "due": 10, "closed": 6, "closure_rate": 0.6, "on_time": 4, "on_time_rate": 0.4,
          "overdue_open": 4, "rectifications": 9, "verification_fails": 1, "spotcheck_fails": 1, "rework_rate": 0.2222,
          "spotchecks": 2, "spotcheck_passes": 1, "spotcheck_pass_rate": 0.5, "flagged_closures": 1, "rectified": 7,
          "rectify_working_hours": 168.5, "avg_rectify_working_hours": 24.07}


def _subset(figures, expected: dict) -> dict:
    return {key: getattr(figures, key) for key in expected}


@pytest.fixture
def users(db):
    return county(db)


def test_every_figure_by_unit_as_of_the_period_end(db, settings, users):
    november(db, october(db, users), users)
    found = service.indicators(db, settings, period=OCTOBER, by="bureau", now=AFTER)
    rows = {row.key: row for row in found.rows}
    assert set(rows) == {"zhzf", "jjdd", "zjj"}
    assert _subset(rows["zhzf"], ZHZF) == ZHZF
    assert _subset(rows["jjdd"], JJDD) == JJDD
    assert _subset(rows["zjj"], ZJJ) == ZJJ
    assert _subset(found.totals, TOTALS) == TOTALS
    assert (rows["zhzf"].name, rows["zhzf"].bureau_code) == ("综合执法局", "zhzf")
    assert found.period.as_of == found.period.ends_at == local(11, 1, 0)


def test_what_happens_after_the_end_does_not_change_the_period(db, settings, users):
    stories = october(db, users)
    then = service.indicators(db, settings, period=OCTOBER, by="bureau", now=local(11, 1, 2))
    november(db, stories, users)
    later = service.indicators(db, settings, period=OCTOBER, by="bureau", now=AFTER)
    assert later.rows == then.rows
    assert later.totals == then.totals
    # November sees the later state: T4b unparked, T12 complete (but reported in October), T15 extended, T13
    # reopened by its spot check.
    found = service.indicators(db, settings, period=periods.parse("2026-11"), by="bureau", now=AFTER)
    rows = {row.key: row for row in found.rows}
    assert _subset(rows["zhzf"], {"reports": 0, "due": 0, "dispatched": 0}) == {
        "reports": 0, "due": 3, "dispatched": 1}  # due: T4b, T11, T12; dispatched: T12
    assert _subset(rows["zjj"], {"due": 0, "overdue_open": 0, "spotcheck_fails": 0}) == {
        "due": 1, "overdue_open": 3, "spotcheck_fails": 1}  # due: T15; overdue: T13 (rework), T14, T15


@pytest.mark.parametrize(("by", "expected"), [
    ("cell", {C1: {"reports": 12, "missed": 1, "dispatched": 13, "returns": 1, "due": 7, "closed": 5,
                   "rectifications": 7},
              C2: {"reports": 3, "missed": 0, "dispatched": 3, "returns": 0, "due": 3, "closed": 1,
                   "rectifications": 2}}),
    ("community", {"330790001001": {"reports": 12, "due": 7}, "330790001002": {"reports": 3, "due": 3}}),
    ("street", {"330790001": {"reports": 15, "due": 10, "overdue_open": 4}}),
    # A supervisor's find in cell 1 is the miss of its inspector; the supervisor has reported it.
    ("inspector", {"insp1": {"reports": 11, "missed": 1, "dispatched": 12, "due": 7},
                   "supervisor": {"reports": 1, "missed": 0, "dispatched": 1, "due": 0},
                   "insp2": {"reports": 3, "missed": 0, "dispatched": 3, "due": 3}}),
    ("category", {"0506": {"reports": 15, "due": 10, "closed": 6}}),
    ("key_point", {}),
])
def test_groupings(db, settings, users, by, expected):
    november(db, october(db, users), users)
    found = service.indicators(db, settings, period=OCTOBER, by=by, now=AFTER)
    assert {row.key: _subset(row, expected[row.key]) for row in found.rows} == expected
    assert _subset(found.totals, TOTALS) == TOTALS
    if by != "category":
        assert found.totals.coverage_due == 0  # no key points: coverage applies, with nothing due
    else:
        assert found.totals.coverage_due is None


def test_citizens_reports_are_the_cells_misses_counted_apart(db, settings, users):
    """A citizen's report accepted into a ticket (source `citizen`, its author the dispatcher who reviewed it) is a
    problem the cell's inspectors did not report first: 漏报 like supervision's own finds, and counted apart as
    群众反映. The reviewer is no inspector and is credited with none of it."""
    stories = october(db, users)
    dispatcher = users["dispatcher"]
    Story(db, dispatcher, C2, local(10, 21), source="citizen").dispatch(local(10, 21), "zjj", local(10, 22, 17))
    Story(db, dispatcher, C2, local(10, 27), source="citizen").dispatch(local(10, 27), "zjj", local(10, 28, 12)) \
        .cancel(local(10, 27, 10))  # not a valid report: no miss
    late = Story(db, dispatcher, C1, local(10, 30), source="citizen").dispatch(local(10, 30), "zhzf",
                                                                                 local(11, 2, 12))
    db.commit()
    november(db, stories, users)
    late.cancel(local(11, 3))  # October counts it as it stood then: valid
    db.commit()
    missed = {"missed": 0, "supervision_finds": 0, "citizen_reports": 0}
    cells = service.indicators(db, settings, period=OCTOBER, by="cell", now=AFTER)
    assert {row.key: _subset(row, missed) for row in cells.rows} == {
        C1: {"missed": 2, "supervision_finds": 1, "citizen_reports": 1},  # T10 (暗访) and the late one
        C2: {"missed": 1, "supervision_finds": 0, "citizen_reports": 1}}
    assert _subset(cells.totals, {**missed, "reports": 0, "valid_reports": 0}) == {
        "missed": 3, "supervision_finds": 1, "citizen_reports": 2, "reports": 18, "valid_reports": 16}
    inspectors = service.indicators(db, settings, period=OCTOBER, by="inspector", now=AFTER)
    rows = {row.key: row for row in inspectors.rows}
    assert "dispatcher" not in rows
    assert _subset(rows["insp1"], {**missed, "reports": 0}) == {
        "missed": 2, "supervision_finds": 1, "citizen_reports": 1, "reports": 11}
    assert _subset(rows["insp2"], {**missed, "reports": 0}) == {
        "missed": 1, "supervision_finds": 0, "citizen_reports": 1, "reports": 3}
    units = service.indicators(db, settings, period=OCTOBER, by="bureau", now=AFTER)
    assert {row.key: _subset(row, missed) for row in units.rows if row.missed} == {
        "jjdd": {"missed": 1, "supervision_finds": 1, "citizen_reports": 0},
        "zhzf": {"missed": 1, "supervision_finds": 0, "citizen_reports": 1},
        "zjj": {"missed": 1, "supervision_finds": 0, "citizen_reports": 1}}


def test_a_running_period_counts_up_to_now(db, settings, users):
    now = datetime.now(UTC)
    past = Story(db, users["insp1"], C1, now - timedelta(hours=3)).dispatch(
        now - timedelta(hours=3), "zhzf", now - timedelta(hours=1))
    Story(db, users["insp1"], C1, now - timedelta(hours=2)).dispatch(now - timedelta(hours=2), "zhzf",
                                                                     now + timedelta(hours=20))
    db.commit()
    today = now.astimezone(settings.tz).date()
    period = periods.between(today - timedelta(days=1), today + timedelta(days=2))
    found = service.indicators(db, settings, period=period, by="bureau", now=now)
    assert found.period.as_of == now
    assert _subset(found.totals, {"reports": 0, "due": 0, "overdue_open": 0}) == {
        "reports": 2, "due": 1, "overdue_open": 1}
    assert past.ticket.status == "dispatched"


def test_the_clock_is_the_working_calendar(db, settings, users):
    calendar = reference(db).calendar(settings.tz, settings.working_hours)
    moments = [local(9, 30, 7) + timedelta(minutes=97 * n) for n in range(400)]
    clock = Clock.spanning(calendar, [m.timestamp() for m in moments])
    for start, end in zip(moments, moments[37:], strict=False):
        assert clock.between(start.timestamp(), end.timestamp()) == int(calendar.between(start, end).total_seconds())


@pytest.mark.parametrize(("text", "first", "end", "previous"), [
    ("2026-11", "2026-11-01", "2026-12-01", "2026-10"),
    ("2026-W48", "2026-11-23", "2026-11-30", "2026-W47"),
    ("2026-W01", "2025-12-29", "2026-01-05", "2025-W52"),
    ("2026-Q4", "2026-10-01", "2027-01-01", "2026-Q3"),
    ("2026-Q1", "2026-01-01", "2026-04-01", "2025-Q4"),
    ("2026-11-30", "2026-11-30", "2026-12-01", "2026-11-29"),
])
def test_periods(text, first, end, previous):
    period = periods.parse(text)
    assert (period.first.isoformat(), period.end.isoformat(), period.label) == (first, end, text)
    assert period.previous().label == previous
    start, stop = period.bounds(Settings(secret_key="t" * 40).tz)
    assert start.tzinfo == UTC and start.hour == stop.hour == 16  # midnight in Asia/Shanghai


@pytest.mark.parametrize("query", [
    "period=2026-13", "period=2026-W54", "period=2026-Q5", "period=1999-12", "period=9999-12", "period=9999-Q4",
    "period=2026-02-30", "period=26-11", "period=november", "from=1999-12-31&to=2000-01-02",
    "from=2026-11-30&to=2026-11-01", "from=2026-11-01&to=2026-11-01", "from=2026-01-01&to=2027-06-01",
    "from=2026-11-01&to=10000-01-01", "from=0999-01-01&to=2026-01-01", "from=2026-11-01",
    "period=2026-11&from=2026-11-01&to=2026-12-01", "", "period=2026-11&by=district", "period=2026-11&x=1",
])
def test_bad_periods_are_refused_with_the_error_shape(client, users, query):
    response = client.get(f"/api/v1/indicators?{query}", headers=login(client, "leader"))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] in ("bad_period", "validation_error") and error["message"] and error["message_en"]


def test_the_api_answers_with_each_groups_code(client, db, users):
    november(db, october(db, users), users)
    body = client.get("/api/v1/indicators", params={"from": "2026-10-01", "to": "2026-11-01", "by": "cell"},
                      headers=login(client, "leader")).json()
    assert body["period"] == {"kind": "custom", "label": None, "from": "2026-10-01", "to": "2026-11-01",
                              "starts_at": "2026-09-30T16:00:00Z", "ends_at": "2026-10-31T16:00:00Z",
                              "as_of": "2026-10-31T16:00:00Z"}
    cell = body["rows"][0]
    assert (cell["key"], cell["cell_code"], cell["name"]) == (C1, C1, "一号网格")
    assert "bureau_code" not in cell and cell["on_time_rate"] == 0.4286
    assert body["totals"]["closure_rate"] == 0.6


def test_a_liaison_reads_its_own_unit_only(client, db, users):
    november(db, october(db, users), users)
    headers = login(client, "zjj1")
    body = client.get("/api/v1/indicators?period=2026-10", headers=headers).json()
    assert [row["key"] for row in body["rows"]] == ["zjj"]
    assert body["totals"]["due"] == ZJJ["due"]  # its own, not the county's
    assert client.get("/api/v1/indicators?period=2026-10&by=cell", headers=headers).status_code == 403
    assert client.get("/api/v1/indicators?period=2026-10", headers=login(client, "insp1")).status_code == 403
