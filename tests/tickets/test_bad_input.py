"""Bad input gets a clear error and stores nothing."""

import hashlib
import io
import uuid

import pytest
from PIL import Image
from sqlmodel import col, func, select

from api.tickets.models import Photo, Ticket
from tests.factories import capture_body, login, photo_bytes

LAT, LON = 28.9078, 120.0270


def _count(db, model, *where):
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def _stored_files(settings):
    """Originals, and uploads' temp files (not the copies the background analysis may be writing)."""
    root = settings.data_dir / "photos"
    originals = sorted(p.name for p in (root / "originals").glob("??/*"))
    return originals + sorted(p.name for p in (root / "tmp").glob("*.part"))


def _error(response, status, code):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and error["message_en"]
    return error


@pytest.mark.parametrize("change, status, code", [
    ({"lat": 91}, 422, "validation_error"),
    ({"lon": -181}, 422, "validation_error"),
    ({"category": "9999"}, 422, "unknown_category"),
    ({"point_type": "moon_base"}, 422, "unknown_point_type"),
    ({"cell_code": "330790003003001"}, 403, "cell_not_assigned"),  # a real cell, not insp05's
    ({"cell_code": "330790999999999"}, 422, "unknown_cell"),
    ({"colour": "red"}, 422, "validation_error"),
    ({"description": "长" * 5000}, 422, "validation_error"),
    ({"photos": []}, 422, "validation_error"),
    ({"captured_at": "2026-11-20T10:00:00"}, 422, "validation_error"),  # no time zone
    ({"captured_at": "2099-01-01T10:00:00+08:00"}, 422, "implausible_time"),
    ({"captured_at": "0999-06-01T00:00:00+00:00"}, 422, "implausible_time"),  # stored, it broke lists on SQLite
    ({"located_at": "0001-01-01T00:00:00+14:00"}, 422, "implausible_time"),  # 500 on PostgreSQL
    ({"located_at": "1970-01-01T08:00:00+08:00"}, 422, "implausible_time"),  # a phone whose clock was reset
    ({"point_type": ""}, 422, "validation_error"),  # names no row: 500 (foreign key) before
    ({"cell_code": ""}, 422, "validation_error"),
    ({"description": "a\u0000b"}, 422, "nul_character"),  # 500 on PostgreSQL
])
def test_bad_capture_bodies(client, inspector, db, change, status, code):
    body = {**capture_body([photo_bytes()], lat=LAT, lon=LON), **change}
    _error(client.put(f"/api/v1/tickets/{uuid.uuid4()}", json=body, headers=inspector), status, code)
    assert _count(db, Ticket) == 0 and _count(db, Photo) == 0


def test_ten_photos_or_repeated_ids_are_refused(client, inspector, db):
    body = capture_body([photo_bytes()] * 10, lat=LAT, lon=LON)
    _error(client.put(f"/api/v1/tickets/{uuid.uuid4()}", json=body, headers=inspector), 422, "validation_error")
    body = capture_body([photo_bytes()] * 2, lat=LAT, lon=LON)
    body["photos"][1]["id"] = body["photos"][0]["id"]
    _error(client.put(f"/api/v1/tickets/{uuid.uuid4()}", json=body, headers=inspector), 422, "validation_error")
    assert _count(db, Ticket) == 0


def test_declared_photo_over_the_limit(client, inspector, db):
    body = capture_body([photo_bytes()], lat=LAT, lon=LON)
    body["photos"][0]["size"] = 25 * 2**20
    _error(client.put(f"/api/v1/tickets/{uuid.uuid4()}", json=body, headers=inspector), 413, "photo_too_large")
    assert _count(db, Ticket) == 0


def test_someone_elses_ticket_id(client, inspector, db):
    ticket_id = uuid.uuid4()
    body = capture_body([photo_bytes()], lat=LAT, lon=LON)
    assert client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=inspector).status_code == 201
    other = login(client, "insp06", "demo1234")
    _error(client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=other), 409, "ticket_conflict")
    _error(client.get(f"/api/v1/tickets/{ticket_id}", headers=other), 404, "not_found")
    upload = client.put(f"/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}", content=photo_bytes(),
                        headers={**other, "Content-Type": "image/jpeg"})
    _error(upload, 404, "not_found")
    assert _count(db, Photo, col(Photo.received_at).is_not(None)) == 0


def test_a_photo_id_of_another_ticket(client, inspector, db):
    first = capture_body([photo_bytes()], lat=LAT, lon=LON)
    assert client.put(f"/api/v1/tickets/{uuid.uuid4()}", json=first, headers=inspector).status_code == 201
    second = capture_body([photo_bytes("Canon_40D.jpg"), photo_bytes()], lat=LAT, lon=LON)
    second["photos"][1]["id"] = first["photos"][0]["id"]
    ticket_id = uuid.uuid4()
    error = _error(client.put(f"/api/v1/tickets/{ticket_id}", json=second, headers=inspector), 409, "photo_conflict")
    assert error["details"]["photo_id"] == first["photos"][0]["id"]
    assert _count(db, Ticket) == 1 and _count(db, Photo) == 1  # nothing of the second ticket stayed
    second["photos"][1]["id"] = str(uuid.uuid4())
    assert client.put(f"/api/v1/tickets/{ticket_id}", json=second, headers=inspector).status_code == 201


def _bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (10_000, 8_000)).save(buffer, "PNG")
    return buffer.getvalue()


def _truncated() -> bytes:
    data = photo_bytes()
    return data[: len(data) * 6 // 10]


@pytest.mark.parametrize("declared, sent, content_type, status, code", [
    (photo_bytes(), photo_bytes("Canon_40D.jpg"), "image/jpeg", 422, "photo_hash_mismatch"),
    (_truncated(), _truncated(), "image/jpeg", 422, "photo_invalid"),
    ("这不是图片".encode() * 100, "这不是图片".encode() * 100, "image/jpeg", 422, "photo_invalid"),
    (_bomb(), _bomb(), "image/png", 413, "photo_too_large"),
    (photo_bytes(), photo_bytes(), "text/plain", 415, "unsupported_media_type"),
    (photo_bytes(), photo_bytes(), "image/png", 422, "photo_type_mismatch"),
    (photo_bytes(), b"\xff" * (25 * 2**20), "image/jpeg", 413, "photo_too_large"),
])
def test_bad_uploads_store_nothing(client, inspector, db, settings, declared, sent, content_type, status, code):
    ticket_id = uuid.uuid4()
    body = capture_body([declared], lat=LAT, lon=LON, content_type="image/png" if code == "photo_too_large"
                        and content_type == "image/png" else "image/jpeg")
    assert client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=inspector).status_code == 201
    url = f"/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}"
    _error(client.put(url, content=sent, headers={**inspector, "Content-Type": content_type}), status, code)
    assert _count(db, Photo, col(Photo.received_at).is_not(None)) == 0
    assert _stored_files(settings) == []
    assert client.get(f"/api/v1/tickets/{ticket_id}", headers=inspector).json()["status"] == "incomplete"


def test_undeclared_photo(client, inspector, db):
    ticket_id = uuid.uuid4()
    body = capture_body([photo_bytes()], lat=LAT, lon=LON)
    client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=inspector)
    response = client.put(f"/api/v1/tickets/{ticket_id}/photos/{uuid.uuid4()}", content=photo_bytes(),
                          headers={**inspector, "Content-Type": "image/jpeg"})
    _error(response, 404, "photo_not_declared")


def test_hash_mismatch_then_the_right_bytes(client, inspector, settings):
    """A corrupted transfer is refused; the phone retries and the photo lands."""
    data = photo_bytes()
    ticket_id = uuid.uuid4()
    body = capture_body([data], lat=LAT, lon=LON)
    client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=inspector)
    url = f"/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}"
    headers = {**inspector, "Content-Type": "image/jpeg"}
    corrupted = data[:1000] + bytes([data[1000] ^ 0xFF]) + data[1001:]
    _error(client.put(url, content=corrupted, headers=headers), 422, "photo_hash_mismatch")
    assert client.put(url, content=data, headers=headers).status_code == 201
    assert _stored_files(settings) == [hashlib.sha256(data).hexdigest()]
