"""The capture contract: idempotent PUTs, photo uploads, completion, routing and deadlines."""

import hashlib
import io
import uuid

from PIL import Image
from sqlmodel import func, select

from api.accounts.models import User
from api.catalog.models import Category
from api.config import Settings
from api.tickets import service
from api.tickets.models import Photo, Ticket, TicketCapture, TicketEvent
from tests.factories import PHOTOS, capture_body, login, photo_bytes, submit

# A point inside insp05's cell 330790001002001 (解放社区1号网格), unit 生态环境分局 (sthj).
LAT, LON = 28.9078, 120.0270


def test_capture_then_photos_completes_and_routes(client, inspector, db):
    ticket_id, ticket = submit(client, inspector, [photo_bytes(), photo_bytes("gps_DSCN0012.jpg")],
                               category="0506", lat=LAT, lon=LON)
    assert ticket["status"] == "dispatched"
    assert ticket["cell_code"] == "330790001002001"
    assert ticket["bureau_code"] == "zhzf" and ticket["bureau_name"] == "综合执法局"
    assert ticket["routing"]["reason"].startswith("规则 #2: 人行道乱停车 → 综合执法局")
    assert ticket["deadline_at"] is not None
    assert [p["received"] for p in ticket["photos"]] == [True, True]
    assert [e["action"] for e in ticket["events"]] == ["created", "photo_received", "photo_received", "dispatched"]


def test_ticket_is_incomplete_until_every_photo_arrives(client, inspector):
    photos = [photo_bytes(), photo_bytes("gps_DSCN0012.jpg")]
    ticket_id, body = str(uuid.uuid4()), capture_body(photos, lat=LAT, lon=LON)
    created = client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=inspector)
    assert created.status_code == 201 and created.json()["status"] == "incomplete"
    first = body["photos"][0]
    client.put(f"/api/v1/tickets/{ticket_id}/photos/{first['id']}", content=photos[0],
               headers={**inspector, "Content-Type": "image/jpeg"})
    ticket = client.get(f"/api/v1/tickets/{ticket_id}", headers=inspector).json()
    assert ticket["status"] == "incomplete" and ticket["photos_missing"] == [body["photos"][1]["id"]]
    resumable = client.get("/api/v1/tickets", params={"author": "me", "status": "incomplete"},
                           headers=inspector).json()
    assert [t["id"] for t in resumable["items"]] == [ticket_id]


def test_replays_are_harmless_and_conflicts_are_refused(client, inspector, db):
    photos = [photo_bytes()]
    ticket_id, body = str(uuid.uuid4()), capture_body(photos, lat=LAT, lon=LON)
    url = f"/api/v1/tickets/{ticket_id}"
    assert client.put(url, json=body, headers=inspector).status_code == 201
    assert client.put(url, json=body, headers=inspector).status_code == 200
    photo_url = f"{url}/photos/{body['photos'][0]['id']}"
    headers = {**inspector, "Content-Type": "image/jpeg"}
    assert client.put(photo_url, content=photos[0], headers=headers).status_code == 201
    assert client.put(photo_url, content=photos[0], headers=headers).status_code == 200
    assert client.put(url, json=body, headers=inspector).status_code == 200  # replay after completion
    changed = {**body, "description": "不同的内容"}
    conflict = client.put(url, json=changed, headers=inspector)
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "ticket_conflict"
    assert db.exec(select(func.count()).select_from(Ticket)).one() == 1
    assert db.exec(select(func.count()).select_from(Photo)).one() == 1
    assert db.exec(select(func.count()).select_from(TicketEvent)
                   .where(TicketEvent.action == "photo_received")).one() == 1


def test_supervisor_reports_are_supervision_tickets(client, county):
    headers = login(client, "supervisor", "demo1234")
    _, ticket = submit(client, headers, [photo_bytes()], category="0508", lat=LAT, lon=LON)
    assert ticket["source"] == "supervision"
    assert ticket["bureau_code"] == "sthj"  # 乱堆物堆料 → the cell's responsibility unit (生态环境分局)


def test_unrouted_ticket_waits_for_the_dispatcher(client, inspector):
    _, ticket = submit(client, inspector, [photo_bytes()], category="0508", lat=30.5, lon=121.5)
    assert (ticket["status"], ticket["cell_code"], ticket["bureau_code"]) == ("reported", None, None)
    assert ticket["deadline_at"] is None and "创建办" in ticket["routing"]["reason"]


def test_manual_cell_override_for_own_cells(client, inspector):
    _, ticket = submit(client, inspector, [photo_bytes()], category="0508", lat=30.5, lon=121.5,
                       cell_code="330790001002001")
    assert ticket["cell_code"] == "330790001002001" and ticket["cell_override"] is True
    assert ticket["bureau_code"] == "sthj"


def test_recurrence_links_the_earlier_ticket(client, inspector):
    first_id, first = submit(client, inspector, [photo_bytes()], category="0508", lat=LAT, lon=LON)
    _, again = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], category="0508",
                      lat=LAT + 0.0002, lon=LON)  # ~22 m away
    assert again["recurring"] is True and again["recurring_of"] == first_id
    _, elsewhere = submit(client, inspector, [photo_bytes("Canon_40D.jpg")], category="0508",
                          lat=LAT + 0.002, lon=LON)  # ~220 m away
    assert elsewhere["recurring"] is False


def test_recurrence_links_the_nearest_earlier_ticket_not_the_newest(client, inspector):
    near_id, _ = submit(client, inspector, [photo_bytes()], category="0508", lat=LAT + 0.0001, lon=LON)  # ~11 m
    newer_id, newer = submit(client, inspector, [photo_bytes("mobile_jolla.jpg")], category="0508",
                             lat=LAT + 0.0004, lon=LON)  # ~44 m, and ~33 m from the first
    assert newer["recurring_of"] == near_id
    _, again = submit(client, inspector, [photo_bytes("Canon_40D.jpg")], category="0508", lat=LAT, lon=LON)
    assert again["recurring_of"] == near_id != newer_id


def test_photo_hash_is_what_the_server_received(client, inspector, db):
    data = photo_bytes("orientation_landscape_6.jpg")
    _, ticket = submit(client, inspector, [data], lat=LAT, lon=LON)
    original = client.get(ticket["photos"][0]["urls"]["original"], headers=inspector)
    assert original.status_code == 200 and original.content == data
    assert ticket["photos"][0]["sha256"] == hashlib.sha256(data).hexdigest()


def test_heic_from_an_iphone_is_accepted(client, inspector):
    """iPhones shoot HEIC; the pipeline reads it (pillow-heif) and serves JPEG copies."""
    with Image.open(PHOTOS / "gps_DSCN0010.jpg") as image:
        buffer = io.BytesIO()
        image.save(buffer, "HEIF", quality=80, exif=image.getexif().tobytes())
    _, ticket = submit(client, inspector, [buffer.getvalue()], content_type="image/heic", lat=LAT, lon=LON)
    photo = ticket["photos"][0]
    assert ticket["status"] == "dispatched" and photo["content_type"] == "image/heic"
    assert photo["exif"]["make"] == "NIKON" and (photo["width"], photo["height"]) == (640, 480)
    display = client.get(photo["urls"]["display"], headers=inspector)
    assert display.headers["content-type"] == "image/jpeg" and display.content[:2] == b"\xff\xd8"


def test_each_conflict_is_a_fresh_error(db, county):
    """A module-level exception raised again keeps growing its traceback, and every frame on it (with
    the request's data) stays alive: conflicts must not pile up."""
    user = db.exec(select(User).where(User.username == "insp05")).one()
    settings = Settings(secret_key="t" * 40)
    body = capture_body([photo_bytes()], lat=LAT, lon=LON)
    ticket_id = uuid.uuid4()
    service.put_ticket(db, settings, user, ticket_id, TicketCapture.model_validate(body))
    db.commit()
    changed = TicketCapture.model_validate({**body, "description": "不同的内容"})
    raised = []
    for _ in range(2):
        db.expunge_all()  # as in a request's own session
        try:
            service.put_ticket(db, settings, user, ticket_id, changed)
        except Exception as exc:  # noqa: BLE001
            raised.append(exc)
    assert [e.code for e in raised] == ["ticket_conflict"] * 2
    assert raised[0] is not raised[1]


def test_a_replay_is_answered_as_one_after_its_category_was_retired(client, inspector, db):
    """The INSERT finds replays; a body that would now be refused is checked against the stored ticket
    first, so a phone resending after a change of the catalogue does not get a 422 for a ticket it has."""
    photos = [photo_bytes()]
    ticket_id, body = str(uuid.uuid4()), capture_body(photos, lat=LAT, lon=LON)
    url = f"/api/v1/tickets/{ticket_id}"
    assert client.put(url, json=body, headers=inspector).status_code == 201
    category = db.get(Category, body["category"])
    category.is_active = False
    db.commit()
    replay = client.put(url, json=body, headers=inspector)
    assert replay.status_code == 200 and replay.json()["id"] == ticket_id
    refused = client.put(f"/api/v1/tickets/{uuid.uuid4()}", json=capture_body(photos, lat=LAT, lon=LON),
                         headers=inspector)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_category"
    assert db.exec(select(func.count()).select_from(Ticket)).one() == 1
