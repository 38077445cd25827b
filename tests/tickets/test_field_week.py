"""What the first field week needed from the server: verdicts over flags, places, clocks, map layers."""

import uuid
from datetime import UTC, datetime

from sqlmodel import select

from api.tickets.deadlines import deadline_info
from api.tickets.models import Ticket, TicketEvent
from api.workcalendar.service import WorkCalendar, parse_hours
from tests.factories import login, photo_bytes, submit
from tests.tickets.test_workflow import LAT, LON, Loop, loop  # noqa: F401  (the fixture)


def test_passing_over_flagged_evidence_needs_a_note(loop, db):  # noqa: F811
    ticket_id = loop.ticket_in("accepted")
    # Canon_40D.jpg was taken in 2008: long before this ticket was reported.
    photo_id, upload = loop.after_photo(ticket_id, data=photo_bytes("Canon_40D.jpg"))
    assert upload.status_code == 201
    assert loop.act(ticket_id, "rectify", "zhzf1", note="已清理", photo_ids=[photo_id]).status_code == 200
    refused = loop.act(ticket_id, "verify", "insp05", result="pass")
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "flags_need_note"
    codes = {flag["code"] for flag in refused.json()["error"]["details"]["flags"]}
    assert "taken_before_ticket" in codes
    flags = refused.json()["error"]["details"]["flags"]
    reason = next(f["reason"] for f in flags if f["code"] == "taken_before_ticket")
    assert "年" in reason and "小时" not in reason  # "早于问题上报 18 年", not 158,000 hours
    db.rollback()
    assert db.get(Ticket, uuid.UUID(ticket_id)).status == "rectified"
    passed = loop.act(ticket_id, "verify", "insp05", result="pass", note="现场已核实，照片为旧图误传，已当面复核")
    assert passed.status_code == 200 and passed.json()["status"] == "closed"
    db.rollback()
    event = db.exec(select(TicketEvent).where(TicketEvent.ticket_id == uuid.UUID(ticket_id),
                                              TicketEvent.action == "verify")).one()
    assert "taken_before_ticket" in event.payload["flags_acknowledged"] and event.payload["note"]


def test_clean_evidence_passes_without_a_note(loop):  # noqa: F811
    ticket_id = loop.ticket_in("rectified")  # its after-photo keeps no camera EXIF, like every phone upload
    assert loop.act(ticket_id, "verify", "insp05", result="pass").status_code == 200


def test_the_return_reason_and_nearest_key_point_are_on_the_ticket(loop, client):  # noqa: F811
    ticket_id = loop.ticket_in("returned")
    shown = client.get(f"/api/v1/tickets/{ticket_id}", headers=loop.headers["dispatcher"]).json()
    assert shown["return_reason"] == "测试原因"
    points = client.get("/api/v1/key-points", headers=loop.headers["dispatcher"]).json()
    point = points[0]
    _, near = submit(client, loop.headers["insp05"], [photo_bytes()], lat=point["lat"] + 0.0003, lon=point["lon"])
    assert near["key_point"] is None and near["nearest_key_point"]["id"] == point["id"]
    assert 25 < near["nearest_key_point"]["distance_m"] < 45


def test_the_clock_says_when_it_resumes():
    calendar = WorkCalendar(tz=__import__("zoneinfo").ZoneInfo("Asia/Shanghai"),
                            hours=parse_hours("08:30-12:00,13:30-17:30"))
    created = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # Friday 09:00 in the county
    ticket = Ticket(id=uuid.uuid4(), author_id=1, category_code="0506", lat=LAT, lon=LON, accuracy_m=5,
                    located_at=created, captured_at=created, status="accepted", dispatched_at=created,
                    deadline_at=calendar.deadline(created, 2, "wh"), request_sha256="0" * 64)
    evening = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)  # Friday 19:00
    info = deadline_info(ticket, calendar, evening)
    assert info["overdue"] and info["working_seconds_left"] < 0
    assert info["clock_resumes_at"] == datetime(2026, 12, 7, 0, 30, tzinfo=UTC)  # Monday 08:30
    assert deadline_info(ticket, calendar, datetime(2026, 12, 7, 2, 0, tzinfo=UTC))["clock_resumes_at"] is None
    ticket.status = "rectified"
    assert deadline_info(ticket, calendar, evening)["clock_resumes_at"] is None  # the unit's clock has stopped


def test_map_layers(loop, client):  # noqa: F811
    open_id = loop.ticket_in("accepted")
    mine = client.get("/api/v1/map/tickets", headers=loop.headers["zhzf1"]).json()
    assert [t["id"] for t in mine["items"]] == [open_id] and mine["items"][0]["light"] in ("green", "yellow", "red")
    assert client.get("/api/v1/map/tickets", headers=loop.headers["jjdd1"]).json()["items"] == []
    # The same problem again at the same spot: a recurrence, and a hotspot.
    submit(client, loop.headers["insp05"], [photo_bytes("mobile_jolla.jpg")], lat=LAT, lon=LON)
    spots = client.get("/api/v1/map/hotspots?days=30", headers=loop.headers["dispatcher"]).json()
    assert len(spots) == 1 and spots[0]["count"] == 2 and spots[0]["recurring"] == 1
    assert spots[0]["category_name"] and spots[0]["cell_name"]
    assert client.get("/api/v1/map/hotspots", headers=loop.headers["zhzf1"]).status_code == 403


def test_read_all_marks_only_your_notifications(client, county):
    inspector = login(client, "insp05", "demo1234")
    submit(client, inspector, [photo_bytes()], lat=LAT, lon=LON)
    liaison = login(client, "zhzf1", "demo1234")
    unread = client.get("/api/v1/notifications?unread=true", headers=liaison).json()
    assert unread and all(n["ticket_id"] for n in unread)
    assert client.post("/api/v1/notifications/read-all", headers=liaison).json() == {"marked": len(unread)}
    assert client.get("/api/v1/notifications?unread=true", headers=liaison).json() == []
    assert client.post("/api/v1/notifications/read-all", headers=liaison).json() == {"marked": 0}
