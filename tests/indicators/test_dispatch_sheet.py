"""周调度: the weekly sheet per unit on a hand-built week 2026-W42 (12–18 October): new, closed, overdue at the week's
end (including tickets changed since), escalated, returned disputes waiting for the dispatcher, recurring hotspots,
and the overdue and escalated tickets listed by name."""

from datetime import UTC, datetime

import pytest

from api.indicators import periods, service, weekly
from tests.factories import login
from tests.indicators.history import C1, C2, C3, Story, county, local

NOW = datetime(2026, 10, 30, 2, tzinfo=UTC)  # Friday of 2026-W44
W42 = periods.parse("2026-W42")


def escalate(story: Story, when: datetime, actor=None) -> Story:
    """督办 by supervision, or (no actor) by the worker once overdue."""
    story.ticket.escalated = True
    return story._move(when, "escalate" if actor else "auto_escalate", story.ticket.status, actor, note="督办")


@pytest.fixture
def history(db):
    users = county(db)
    insp = users["insp1"]

    def ticket(cell: str, bureau: str | None, day: int, deadline_hour: int = 17, **columns) -> Story:
        return Story(db, insp, cell, local(10, day), **columns).dispatch(
            local(10, day), bureau, local(10, day, deadline_hour) if bureau else None)

    stories = {}
    # 综合执法局: one closed; one escalated and left open past the week (closed on the 20th); one overdue since
    # the week before, escalated automatically, its deadline extended after the week; one it returned, reassigned
    # only on the 20th.
    stories["A"] = ticket(C1, "zhzf", 12).accept(local(10, 12, 9, 30)).rectify(local(10, 13, 10)) \
        .verify(local(10, 13, 15))
    stories["B"] = ticket(C1, "zhzf", 13).accept(local(10, 13, 9, 30))
    escalate(stories["B"], local(10, 15), users["supervisor"]).rectify(local(10, 20, 10)).verify(local(10, 20, 15))
    stories["C"] = ticket(C1, "zhzf", 9, deadline_hour=11).accept(local(10, 9, 9, 30))  # 2 working hours
    escalate(stories["C"], local(10, 12, 8)).extend(local(10, 20), local(10, 23, 17))
    stories["D"] = ticket(C1, "zhzf", 14).return_(local(10, 14, 10), users["zhzf1"]) \
        .reassign(local(10, 20), "zjj", local(10, 21, 17))
    # 交警大队 returns one the dispatcher passes to 住建局 the next day, closed on time.
    stories["E"] = ticket(C3, "jjdd", 14).return_(local(10, 14, 10), users["jjdd1"]) \
        .reassign(local(10, 15), "zjj", local(10, 16, 17)).accept(local(10, 15, 10)).rectify(local(10, 16, 10)) \
        .verify(local(10, 16, 15))
    # 住建局: the same problem in 二号网格 twice (the second recurring), both closed; a third there parked.
    stories["F1"] = ticket(C2, "zjj", 12).accept(local(10, 12, 9, 30)).rectify(local(10, 12, 10)) \
        .verify(local(10, 12, 15))
    stories["F2"] = ticket(C2, "zjj", 14, recurring_of=stories["F1"].ticket.id).accept(local(10, 14, 9, 30)) \
        .rectify(local(10, 14, 10)).verify(local(10, 14, 15))
    stories["G"] = ticket(C2, "zjj", 12).accept(local(10, 12, 9, 30)).park(local(10, 12, 11))
    # 市监局: rectified late, waiting for verification (its clock stopped: not overdue).
    stories["H"] = ticket(C3, "sjj", 15).accept(local(10, 15, 9, 30)).rectify(local(10, 16, 10))
    # Not routed: waiting for the dispatcher, no unit's.
    stories["I"] = ticket(C3, None, 16)
    db.commit()
    return stories


def units(sheet: weekly.DispatchSheet) -> list[tuple]:
    return [(u.bureau_code, u.name, u.new, u.closed, u.overdue, u.escalated, u.returned, len(u.hotspots))
            for u in sheet.units]


def test_the_week_per_unit(db, settings, history):
    sheet = weekly.dispatch_sheet(db, settings, week=W42, now=NOW)
    assert sheet.period.label == "2026-W42"
    assert units(sheet) == [
        # unit, name, new, closed, overdue, escalated, returned, hotspots
        ("zhzf", "综合执法局", 3, 1, 2, 2, 1, 0),
        ("zjj", "住建局", 4, 3, 0, 0, 0, 1),  # E reassigned to it, F1, F2, G; G parked is not overdue
        ("jjdd", "交警大队", 1, 0, 0, 0, 0, 0),  # E went there first; its return was passed on in the week
        ("sjj", "市监局", 1, 0, 0, 0, 0, 0),  # H rectified late, waiting for verification: not overdue
    ]
    totals = sheet.totals
    assert (totals.new, totals.closed, totals.overdue, totals.escalated, totals.returned, totals.hotspots) == \
        (9, 4, 2, 2, 1, 1)
    (spot,) = sheet.units[1].hotspots
    assert (spot.cell_name, spot.category_name, spot.reports, spot.recurring) == ("二号网格", "人行道乱停车", 3, 1)


def test_new_and_overdue_agree_with_the_indicators(db, settings, history):
    sheet = weekly.dispatch_sheet(db, settings, week=W42, now=NOW)
    figures = service.indicators(db, settings, period=W42, by="bureau", now=NOW)
    assert {u.bureau_code: (u.new, u.overdue) for u in sheet.units} == \
        {row.key: (row.dispatched, row.overdue_open) for row in figures.rows}


def test_the_overdue_and_escalated_tickets_as_the_week_ended(db, settings, history):
    sheet = weekly.dispatch_sheet(db, settings, week=W42, now=NOW)
    b, c = history["B"].ticket, history["C"].ticket
    # C's deadline as it was then (extended only on the 20th), the oldest first; B open then, closed since.
    listed = [(t.id, t.bureau_name, t.cell_name, t.category_name, t.status, t.deadline_at, t.escalated)
              for t in sheet.overdue_tickets]
    assert listed == [(c.id, "综合执法局", "一号网格", "人行道乱停车", "accepted", local(10, 9, 11), True),
                      (b.id, "综合执法局", "一号网格", "人行道乱停车", "accepted", local(10, 13, 17), True)]
    assert [t.id for t in sheet.escalated_tickets] == [c.id, b.id]


def test_the_current_week_as_of_now(db, settings, history):
    sheet = weekly.dispatch_sheet(db, settings, week=weekly.week_of(None, settings, NOW), now=NOW)
    assert sheet.period.label == "2026-W44" and sheet.period.as_of == NOW
    # C past its extended deadline, D reassigned to 住建局 and past its new one.
    assert units(sheet) == [("zhzf", "综合执法局", 0, 0, 1, 0, 0, 0), ("zjj", "住建局", 0, 0, 1, 0, 0, 0)]
    assert [(t.id, t.deadline_at) for t in sheet.overdue_tickets] == [  # in the units' order
        (history["C"].ticket.id, local(10, 23, 17)), (history["D"].ticket.id, local(10, 21, 17))]


def test_a_long_description_is_shortened(db, settings, history):
    history["B"].ticket.description = "人行道上停放车辆" * 10
    db.commit()
    sheet = weekly.dispatch_sheet(db, settings, week=W42, now=NOW)
    short = next(t for t in sheet.overdue_tickets if t.id == history["B"].ticket.id).description
    assert len(short) == weekly.SHORT + 1 and short.endswith("…")


def test_the_sheet_through_the_api(client, history, monkeypatch):
    monkeypatch.setattr("api.indicators.router.utcnow", lambda: NOW)
    body = client.get("/api/v1/dispatch-sheet?week=2026-W42", headers=login(client, "leader")).json()
    assert [(u["bureau_code"], u["new"], u["overdue"]) for u in body["units"]] == [
        ("zhzf", 3, 2), ("zjj", 4, 0), ("jjdd", 1, 0), ("sjj", 1, 0)]
    assert set(body["overdue_tickets"][0]) == {
        "id", "description", "category_code", "category_name", "cell_code", "cell_name", "bureau_code",
        "bureau_name", "status", "deadline_at", "escalated"}
    current = client.get("/api/v1/dispatch-sheet", headers=login(client, "dispatcher")).json()
    assert current["period"]["label"] == "2026-W44"

    # A unit's liaison reads its own unit and its own tickets alone.
    own = client.get("/api/v1/dispatch-sheet?week=2026-W42", headers=login(client, "zhzf1")).json()
    assert [u["bureau_code"] for u in own["units"]] == ["zhzf"] and len(own["overdue_tickets"]) == 2
    other = client.get("/api/v1/dispatch-sheet?week=2026-W42", headers=login(client, "zjj1")).json()
    assert [u["bureau_code"] for u in other["units"]] == ["zjj"]
    assert other["overdue_tickets"] == [] and other["escalated_tickets"] == []
    assert client.get("/api/v1/dispatch-sheet", headers=login(client, "insp1")).status_code == 403


@pytest.mark.parametrize(("query", "code"), [
    ("week=2026-11", "bad_period"), ("week=2026-W60", "bad_period"), ("week=W42", "bad_period"),
    ("week=2026-W42&by=cell", "validation_error"), ("week=" + "9" * 20, "validation_error")])
def test_bad_weeks_are_refused(client, history, query, code):
    refused = client.get(f"/api/v1/dispatch-sheet?{query}", headers=login(client, "leader"))
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == code
