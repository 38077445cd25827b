"""The public side of citizens' reports: no account, one report per UUID however often it is sent, limits on
size and rate, a switch to close it, and answers that hold nothing private."""

import uuid

import pytest
from sqlmodel import func, select

from api.citizens import service
from api.citizens.models import CitizenSettings, PublicReport
from tests.citizens.helpers import County, report_body
from tests.factories import photo_bytes

DEFAULTS = CitizenSettings()  # the limits until the county sets its own (tests/open311 changes them)


@pytest.fixture
def county(db, client):
    return County(db, client)


def _count(db) -> int:
    db.expire_all()
    return db.exec(select(func.count()).select_from(PublicReport)).one()


def test_the_public_list_is_the_countys_choice(client, county):
    assert client.get("/api/v1/public/categories").json() == [{"code": "0506", "name": "乱停车", "name_en": "Bad parking"}]
    response = client.put("/api/v1/public-categories", headers=county.dispatcher, json={"categories": [
        {"category_code": "0102", "public_name": "垃圾", "public_name_en": "Garbage"},
        {"category_code": "0506", "public_name": "乱停车", "public_name_en": "Bad parking"}]})
    assert response.status_code == 200
    assert [c["code"] for c in client.get("/api/v1/public/categories").json()] == ["0102", "0506"]
    refused = client.put("/api/v1/public-categories", headers=county.dispatcher, json={"categories": [
        {"category_code": "9999", "public_name": "无", "public_name_en": "None"}]})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_category"
    assert len(client.get("/api/v1/public/categories").json()) == 2  # unchanged


def test_a_report_sent_twice_is_one_report(client, county, db):
    data = photo_bytes()
    report_id, body = str(uuid.uuid4()), report_body([data])
    first = client.put(f"/api/v1/public/reports/{report_id}", json=body)
    assert first.status_code == 201
    receipt = first.json()
    assert receipt["photos_missing"] == [body["photos"][0]["id"]]
    assert len(receipt["tracking_code"]) == 10 and set(receipt["tracking_code"]) <= set(service.CODE_ALPHABET)
    assert report_id.replace("-", "") not in receipt["tracking_code"].lower()
    again = client.put(f"/api/v1/public/reports/{report_id}", json=body)
    assert again.status_code == 200 and again.json() == receipt
    other = client.put(f"/api/v1/public/reports/{report_id}", json={**body, "description": "另一件事"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "report_conflict"
    photo = body["photos"][0]
    path = f"/api/v1/public/reports/{report_id}/photos/{photo['id']}"
    assert client.put(path, content=data, headers={"Content-Type": "image/jpeg"}).status_code == 201
    assert client.put(path, content=data, headers={"Content-Type": "image/jpeg"}).json()["status"] == \
        "already_received"
    assert client.put(f"/api/v1/public/reports/{report_id}", json=body).json()["photos_missing"] == []
    assert _count(db) == 1


@pytest.mark.parametrize("change", [
    {"category": "0102"},  # a category, but not a public one
    {"lat": 200},
    {"description": "长" * 501},
    {"phone": "call me"},
    {"device_id": "x"},
    {"photos": []},
    {"located_at": "2026-01-01T08:00:00"},  # no zone
    {"reporter_name": "张三"},  # not a field
])
def test_bad_input_is_refused_and_changes_nothing(client, county, db, change):
    body = {**report_body([photo_bytes()]), **change}
    response = client.put(f"/api/v1/public/reports/{uuid.uuid4()}", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in ("validation_error", "unknown_category")
    assert _count(db) == 0


def test_a_25_mb_photo_is_refused(client, county, db):
    big = 25 * 2**20
    body = report_body([photo_bytes()])
    body["photos"][0]["size"] = big
    response = client.put(f"/api/v1/public/reports/{uuid.uuid4()}", json=body)
    assert response.status_code == 413 and response.json()["error"]["code"] == "photo_too_large"
    assert _count(db) == 0
    # Declared small, sent large: refused before a byte is kept.
    report_id, body = str(uuid.uuid4()), report_body([photo_bytes()])
    assert client.put(f"/api/v1/public/reports/{report_id}", json=body).status_code == 201
    response = client.put(f"/api/v1/public/reports/{report_id}/photos/{body['photos'][0]['id']}",
                          content=b"\xff" * big, headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "photo_too_large"


def test_what_is_not_the_declared_picture_is_refused(client, county):
    text = b"<html>not a picture</html>" * 40
    report_id, body = str(uuid.uuid4()), report_body([text, photo_bytes()])
    assert client.put(f"/api/v1/public/reports/{report_id}", json=body).status_code == 201
    broken, good = body["photos"]
    path = f"/api/v1/public/reports/{report_id}/photos/"
    response = client.put(path + good["id"], content=photo_bytes("Canon_40D.jpg"),
                          headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "photo_hash_mismatch"
    response = client.put(path + good["id"], content=photo_bytes(), headers={"Content-Type": "image/png"})
    assert response.status_code == 415
    response = client.put(path + broken["id"], content=text, headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "photo_invalid"
    response = client.put(path + str(uuid.uuid4()), content=photo_bytes(), headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 404


def test_a_script_in_the_text_is_kept_as_inert_text(client, county):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    report_id, receipt = county.report(description=script)
    listed = client.get("/api/v1/citizen-reports", headers=county.dispatcher)
    assert listed.headers["content-type"] == "application/json"
    assert listed.headers["x-content-type-options"] == "nosniff"
    assert [r["description"] for r in listed.json()] == [script]  # as typed: the page shows it as text
    status = client.get(receipt["status_url"])
    assert "<script" not in status.text  # the status page does not repeat the description at all


def test_a_device_that_reports_too_often_waits(client, county, db):
    sent = []
    for _ in range(DEFAULTS.per_device_hourly):
        report_id, body = str(uuid.uuid4()), report_body([photo_bytes()], device_id="busy-phone")
        assert client.put(f"/api/v1/public/reports/{report_id}", json=body).status_code == 201
        sent.append((report_id, body))
    response = client.put(f"/api/v1/public/reports/{uuid.uuid4()}", json=report_body([photo_bytes()],
                                                                                      device_id="busy-phone"))
    assert response.status_code == 429 and response.json()["error"]["code"] == "too_many_reports"
    assert 3500 <= int(response.headers["retry-after"]) <= 3600
    # A retry of a report already taken is still answered; another device is not held back.
    assert client.put(f"/api/v1/public/reports/{sent[0][0]}", json=sent[0][1]).status_code == 200
    other = client.put(f"/api/v1/public/reports/{uuid.uuid4()}", json=report_body([photo_bytes()],
                                                                                   device_id="calm-phone"))
    assert other.status_code == 201
    assert _count(db) == DEFAULTS.per_device_hourly + 1


def test_an_address_that_reports_too_often_waits(client, county):
    for n in range(DEFAULTS.per_address_hourly):
        body = report_body([photo_bytes()], device_id=f"phone-{n:04d}")
        assert client.put(f"/api/v1/public/reports/{uuid.uuid4()}", json=body).status_code == 201
    response = client.put(f"/api/v1/public/reports/{uuid.uuid4()}", json=report_body([photo_bytes()], device_id=None))
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0


def test_public_reporting_can_be_closed(client, county, app):
    report_id, receipt = county.report()
    app.state.settings.public_reports_open = False
    for response in (client.get("/api/v1/public/categories"),
                     client.put(f"/api/v1/public/reports/{uuid.uuid4()}", json=report_body([photo_bytes()])),
                     client.put(f"/api/v1/public/reports/{report_id}/photos/{uuid.uuid4()}", content=b"x",
                                headers={"Content-Type": "image/jpeg"})):
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "public_reports_closed"
        assert response.json()["error"]["message"] and response.json()["error"]["message_en"]
    assert client.get(receipt["status_url"]).status_code == 200  # reporters still follow their reports


def test_an_unknown_tracking_code_is_not_found(client, county):
    response = client.get("/api/v1/public/reports/ABCDEFGHJK")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_staff_see_the_original_as_received(client, county):
    data = photo_bytes()
    report_id, _ = county.report([data], phone="13800000000")
    [listed] = client.get("/api/v1/citizen-reports", headers=county.dispatcher).json()
    assert listed["phone"] == "13800000000"
    original = client.get(listed["photos"][0]["original_url"], headers=county.dispatcher)
    assert original.content == data
    display = client.get(listed["photos"][0]["display_url"], headers=county.dispatcher)
    assert display.status_code == 200 and b"Exif" not in display.content[:4096]
