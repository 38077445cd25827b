"""The leader's overview: per-bureau open/overdue/escalated, today's reports, this week's rates."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from api.accounts.models import Role
from api.database import utcnow
from api.tickets.models import Ticket
from tests.citizens.helpers import CELL, County
from tests.factories import login, make_user, photo_bytes, submit
from tests.tickets.test_workflow import LAT, LON, Loop


def _set(db, ticket_id, **values):
    ticket = db.get(Ticket, uuid.UUID(ticket_id))
    for key, value in values.items():
        setattr(ticket, key, value)
    db.add(ticket)
    db.commit()


def test_overview_counts_and_rates(client, county, db):
    loop = Loop(client)
    loop.ticket_in("dispatched")
    late = loop.ticket_in("accepted")
    escalated = loop.ticket_in("dispatched")
    loop.act(escalated, "escalate", "supervisor", note="督办")
    waiting = loop.ticket_in("rectified")  # clock stopped: never overdue
    on_time = loop.ticket_in("closed")
    late_closed = loop.ticket_in("closed")
    now = utcnow()
    _set(db, late, deadline_at=now - timedelta(hours=1))
    _set(db, waiting, deadline_at=now - timedelta(hours=1))
    # Due earlier this week (the test may run on a Monday morning: keep it after Monday 00:00 local).
    # On time means rectified by the deadline, however long the verification took afterwards.
    _set(db, on_time, deadline_at=now - timedelta(minutes=5), rectified_at=now - timedelta(minutes=30),
         closed_at=now - timedelta(minutes=1))
    _set(db, late_closed, deadline_at=now - timedelta(minutes=5), rectified_at=now - timedelta(minutes=2),
         closed_at=now - timedelta(minutes=1))

    body = client.get("/api/v1/indicators/overview", headers=loop.headers["leader"]).json()
    (zhzf,) = body["bureaus"]
    assert zhzf == {"code": "zhzf", "name": "综合执法局", "open": 4, "overdue": 1, "escalated": 1}
    assert body["totals"] == {"open": 4, "overdue": 1, "escalated": 1}
    assert body["today"]["reports"] == 6
    # Due so far this week: late (open), waiting (rectified), on_time and late_closed (closed).
    assert body["week"] == {"due": 4, "closed": 2, "on_time": 1, "closure_rate": 0.5, "on_time_rate": 0.25}
    # The rates' figures open the tickets they are made of.
    behind = client.get("/api/v1/tickets", headers=loop.headers["leader"], params={
        "status": "closed", "due_from": body["week_start"], "due_to": body["as_of"]}).json()["items"]
    assert {t["id"] for t in behind} == {on_time, late_closed}


def test_overview_is_for_staff_only(client, county):
    loop = Loop(client)
    assert client.get("/api/v1/indicators/overview", headers=loop.headers["zhzf1"]).status_code == 403
    assert client.get("/api/v1/indicators/overview", headers=loop.headers["insp05"]).status_code == 403


def test_supervision_finds_count_as_the_cells_misses(client, county):
    loop = Loop(client)
    submit(client, loop.headers["supervisor"], [photo_bytes("Canon_40D.jpg")], lat=LAT, lon=LON)  # 暗访
    submit(client, loop.headers["insp05"], [photo_bytes("gps_DSCN0010.jpg")], lat=LAT, lon=LON)  # not a miss
    body = client.get("/api/v1/indicators/overview", headers=loop.headers["leader"]).json()
    assert body["missed_this_week"] == [{"cell_code": "330790001002001", "cell_name": "解放社区1号网格", "count": 1,
                                         "supervision_finds": 1, "citizen_reports": 0,
                                         "inspectors": ["insp05"], "inspector_names": ["吴涛"]}]


def test_accepted_citizens_reports_count_as_the_cells_misses_of_their_own(client, db):
    """群众反映: a report accepted into a ticket is a problem the cell's inspector did not report first; a rejected
    one never became a ticket and counts nowhere. The week's figures split the misses by source too."""
    county = County(db, client)
    accepted, _ = county.report()
    ticket_id = county.accept(accepted)["ticket_id"]
    rejected, _ = county.report(device_id="phone-0002")
    assert client.post(f"/api/v1/citizen-reports/{rejected}/reject", headers=county.dispatcher,
                       json={"reason": "不在本县"}).status_code == 200
    make_user(db, "leader", Role.leader)
    db.commit()
    leader = login(client, "leader")
    body = client.get("/api/v1/indicators/overview", headers=leader).json()
    (cell,) = body["missed_this_week"]
    assert (cell["cell_code"], cell["count"], cell["supervision_finds"], cell["citizen_reports"], cell["inspectors"]) \
        == (CELL, 1, 0, 1, ["insp"])
    year, week, _ = datetime.fromisoformat(body["as_of"]).astimezone(ZoneInfo("Asia/Shanghai")).isocalendar()
    found = client.get("/api/v1/indicators", headers=leader,
                       params={"period": f"{year}-W{week:02d}", "by": "inspector"}).json()
    # The inspector of the cell missed it; the dispatcher who accepted it reported nothing.
    assert [(r["key"], r["reports"], r["missed"], r["citizen_reports"]) for r in found["rows"]] == [
        ("insp", 0, 1, 1)]
    assert (found["totals"]["reports"], found["totals"]["citizen_reports"]) == (1, 1)
    assert client.get(f"/api/v1/tickets/{ticket_id}", headers=leader).json()["source"] == "citizen"
