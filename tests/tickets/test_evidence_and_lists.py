"""Integrity flags on evidence, photo variants, and role-scoped, keyset-paginated lists."""

import uuid
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from PIL import Image
from sqlmodel import col, select

from api.tickets.models import Ticket
from tests.factories import login, photo_bytes, submit

LAT, LON = 28.9078, 120.0270


def _flags(ticket, index=0):
    return {f["code"]: f for f in ticket["photos"][index]["flags"]}


def test_integrity_flags_with_reasons(client, inspector):
    _, gimp = submit(client, inspector, [photo_bytes("Canon_40D.jpg")], lat=LAT, lon=LON)
    assert "GIMP" in _flags(gimp)["editing_software"]["reason"]
    _, imported = submit(client, inspector, [photo_bytes("Canon_40D_photoshop_import.jpg")], lat=LAT, lon=LON)
    assert "camera_metadata_missing" in _flags(imported)
    # The Nikon photos were taken in Tuscany in 2008: far away, and long before "captured_at".
    _, nikon = submit(client, inspector, [photo_bytes("gps_DSCN0010.jpg")], lat=LAT, lon=LON)
    flags = _flags(nikon)
    assert set(flags) >= {"gps_far", "capture_time_mismatch"} and "editing_software" not in flags
    assert flags["gps_far"]["reason_en"].endswith("km from the problem") and flags["gps_far"]["reason"]


def test_reused_photo_is_flagged_as_near_duplicate(client, inspector):
    first_id, _ = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], lat=LAT, lon=LON)
    _, again = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], category="0102", lat=LAT, lon=LON)
    duplicate = _flags(again)["near_duplicate"]
    assert duplicate["tickets"] == [first_id]


def test_capture_time_close_to_exif_is_not_flagged(client, inspector):
    taken = datetime(2014, 9, 21, 16, 0, 56, tzinfo=ZoneInfo("Asia/Shanghai"))  # mobile_jolla.jpg's EXIF time
    _, ticket = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], lat=LAT, lon=LON,
                       captured_at=taken)
    assert "capture_time_mismatch" not in _flags(ticket)


def test_photo_variants(client, inspector):
    _, ticket = submit(client, inspector, [photo_bytes("orientation_landscape_6.jpg")], lat=LAT, lon=LON)
    urls = ticket["photos"][0]["urls"]
    thumb = client.get(urls["thumb"], headers=inspector)
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    display = client.get(urls["display"], headers=inspector)
    assert Image.open(BytesIO(display.content)).size == (600, 450)  # stored 450×600 with orientation 6
    bureau = login(client, "zhzf1", "demo1234")
    assert client.get(urls["display"], headers=bureau).status_code == 200
    assert client.get(urls["original"], headers=bureau).status_code == 403
    assert "original" not in client.get(f"/api/v1/tickets/{ticket['id']}", headers=bureau).json()["photos"][0]["urls"]


def test_derivatives_are_rebuilt_on_demand(client, inspector, app):
    _, ticket = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], lat=LAT, lon=LON)
    photo = ticket["photos"][0]
    storage = app.state.storage
    app.state.analysis_pool.shutdown(wait=True)  # let the background job finish, then lose its work
    for variant in ("display", "thumb"):
        storage.derived_path(photo["sha256"], variant).unlink(missing_ok=True)
    response = client.get(photo["urls"]["thumb"], headers=inspector)
    assert response.status_code == 200 and max(Image.open(BytesIO(response.content)).size) == 320
    assert storage.derived_path(photo["sha256"], "display").exists()


def test_lists_are_scoped_by_role(client, inspector):
    ticket_id, _ = submit(client, inspector, [photo_bytes()], lat=LAT, lon=LON)  # → 综合执法局

    def ids(headers, **params):
        return [t["id"] for t in client.get("/api/v1/tickets", params=params, headers=headers).json()["items"]]

    assert ids(login(client, "zhzf1", "demo1234")) == [ticket_id]
    assert ids(login(client, "jjdd1", "demo1234")) == []
    assert ids(login(client, "insp01", "demo1234")) == []          # another cell's inspector
    assert ids(login(client, "leader", "demo1234")) == [ticket_id]
    assert ids(inspector, author="me") == [ticket_id]
    assert ids(login(client, "dispatcher", "demo1234"), bureau="zhzf", status="dispatched") == [ticket_id]
    assert ids(login(client, "dispatcher", "demo1234"), bureau="jjdd") == []


def test_keyset_pages_cover_everything_once(client, inspector, db):
    created = [submit(client, inspector, [photo_bytes("Canon_40D.jpg")], lat=LAT, lon=LON)[0] for _ in range(7)]
    for ticket in db.exec(select(Ticket).where(col(Ticket.id).in_([uuid.UUID(i) for i in created[:3]]))):
        ticket.deadline_at = None  # as if not dispatched yet: these come last by deadline, and a page spans both
        db.add(ticket)
    db.commit()
    dispatcher = login(client, "dispatcher", "demo1234")
    for sort in ("-created", "deadline"):
        seen, cursor = [], None
        while True:
            params = {"limit": 3, "sort": sort, **({"cursor": cursor} if cursor else {})}
            page = client.get("/api/v1/tickets", params=params, headers=dispatcher).json()
            seen += [t["id"] for t in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(created) and len(seen) == 7
        rows = {str(t.id): t for t in db.exec(select(Ticket))}
        if sort == "deadline":
            assert seen == sorted(seen, key=lambda i: (rows[i].deadline_at is None, rows[i].deadline_at, i))
        else:
            assert seen == sorted(seen, key=lambda i: (rows[i].created_at, i), reverse=True)
    bad = client.get("/api/v1/tickets", params={"cursor": "garbage"}, headers=dispatcher)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_cursor"
