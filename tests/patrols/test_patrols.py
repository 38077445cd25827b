"""Patrols as phones send them: exactly once, in any order with their tickets, and refused whole when wrong."""

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from api.accounts.models import User
from api.grid.models import CellInspector
from api.keypoints.models import KeyPoint
from api.patrols.models import Patrol, PatrolPhoto
from api.photos import service as photo_service
from api.tickets.models import Ticket
from tests.factories import capture_body, login, patrol_body, photo_bytes
from tests.photos.test_decode_limits import small_png_bomb


@pytest.fixture
def market(db, county):
    return db.exec(select(KeyPoint).where(KeyPoint.name == "城东农贸市场")).one()


@pytest.fixture
def codes(client, market, county):
    headers = login(client, "dispatcher", "demo1234")
    return [i["code"] for i in client.get("/api/v1/checklists/farmers_market", headers=headers).json()["items"]]


@pytest.fixture
def inspector(client, db, market):
    username = db.exec(select(User.username).join(CellInspector, CellInspector.user_id == User.id)
                       .where(CellInspector.cell_code == market.cell_code)).first()
    return login(client, username, "demo1234")


def _patrols(db) -> int:
    db.rollback()
    return db.exec(select(func.count()).select_from(Patrol)).one()


def test_an_all_pass_patrol_with_its_overview_photo_exactly_once(client, db, market, codes, inspector, settings):
    data = photo_bytes()
    body = patrol_body(market, codes, photos=[data])
    patrol_id = uuid.uuid4()
    first = client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=inspector)
    assert first.status_code == 201, first.text
    assert first.json()["on_site"] and first.json()["photos"] == [{"id": body["photos"][0]["id"], "received": False}]
    assert client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=inspector).status_code == 200
    changed = {**body, "note": "又来一次"}
    conflict = client.put(f"/api/v1/patrols/{patrol_id}", json=changed, headers=inspector)
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "patrol_conflict"

    url = f"/api/v1/patrols/{patrol_id}/photos/{body['photos'][0]['id']}"
    corrupted = client.put(url, content=data[:-10] + b"0123456789", headers={**inspector, "Content-Type": "image/jpeg"})
    assert corrupted.status_code == 422 and corrupted.json()["error"]["code"] == "photo_hash_mismatch"
    assert client.put(url, content=data, headers={**inspector, "Content-Type": "image/jpeg"}).status_code == 201
    assert client.put(url, content=data, headers={**inspector, "Content-Type": "image/jpeg"}).status_code == 200
    assert client.get(f"/api/v1/patrols/{patrol_id}", headers=inspector).json()["photos"][0]["received"]
    assert _patrols(db) == 1
    sha = hashlib.sha256(data).hexdigest()
    stored = settings.data_dir / "photos" / "originals" / sha[:2] / sha
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    # The sweep for orphaned originals knows patrol photos are evidence too.
    photo_service.sweep(client.app.state.engine, client.app.state.storage, grace=timedelta(0))
    assert stored.exists()


def test_failed_items_raise_routed_tickets_sent_before_or_after_the_patrol(client, db, market, codes, inspector):
    patrol_id, early, late = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def put_ticket(ticket_id, code):
        data = photo_bytes("Canon_40D.jpg" if code == codes[0] else "mobile_jolla.jpg")
        body = capture_body([data], category="0601", lat=market.lat, lon=market.lon, point_type="farmers_market",
                            key_point_id=market.id, patrol_id=str(patrol_id), checklist_item=code)
        assert client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=inspector).status_code == 201
        upload = client.put(f"/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}", content=data,
                            headers={**inspector, "Content-Type": "image/jpeg"})
        assert upload.status_code == 201

    put_ticket(early, codes[0])  # the phone's outbox sent this part first
    body = patrol_body(market, codes, fails={codes[0]: early, codes[1]: late})
    assert client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=inspector).status_code == 201
    put_ticket(late, codes[1])
    db.rollback()
    tickets = db.exec(select(Ticket).where(Ticket.patrol_id == patrol_id)).all()
    assert {t.id for t in tickets} == {early, late}
    assert {(t.status, t.bureau_code, t.key_point_id) for t in tickets} == {("dispatched", "sjj", market.id)}
    shown = client.get(f"/api/v1/tickets/{early}", headers=inspector).json()
    assert shown["key_point"] == {"id": market.id, "name": "城东农贸市场", "point_type": "farmers_market"}
    assert shown["checklist_item"] == codes[0]
    sjj = login(client, "sjj1", "demo1234")
    listed = {t["id"] for t in client.get("/api/v1/tickets?limit=200", headers=sjj).json()["items"]}
    assert {str(early), str(late)} <= listed


def _without(body, code):
    return {**body, "items": [i for i in body["items"] if i["code"] != code]}


BAD = {
    "unknown_item_code": lambda b, c: {**b, "items": b["items"] + [{"code": "ZZ99", "result": "pass"}]},
    "items_incomplete": lambda b, c: _without(b, c[-1]),
    "fail_needs_ticket": lambda b, c: {**b, "items": [{**b["items"][0], "result": "fail"}] + b["items"][1:]},
    "overview_photo_required": lambda b, c: {**b, "photos": []},
    "off_site_reason_required": lambda b, c: {**b, "lat": b["lat"] + 0.001},
    "bad_patrol_time": lambda b, c: {**b, "started_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat()},
    "unknown_checklist_version": lambda b, c: {**b, "checklist_version": 7},
    "unknown_key_point": lambda b, c: {**b, "key_point_id": 999999},
}


@pytest.mark.parametrize("code", sorted(BAD))
def test_bad_patrols_are_refused_whole(client, db, market, codes, inspector, code):
    body = BAD[code](patrol_body(market, codes, photos=[photo_bytes()]), codes)
    response = client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=body, headers=inspector)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == code
    assert _patrols(db) == 0 and db.exec(select(func.count()).select_from(PatrolPhoto)).one() == 0


def test_dates_before_2000_and_shapes_are_refused(client, db, market, codes, inspector):
    body = patrol_body(market, codes, photos=[photo_bytes()])
    for bad in ({**body, "started_at": "1999-12-31T08:00:00+08:00"}, {**body, "items": []},
                {**body, "key_point_id": 2**63}, {**body, "items": [{**body["items"][0], "result": "maybe"}]}):
        response = client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=bad, headers=inspector)
        assert response.status_code == 422, response.text
    assert _patrols(db) == 0


@pytest.mark.parametrize("field, value", [("started_at", "1970-01-01T08:00:00+08:00"),  # a reset clock
                                          ("located_at", "0001-01-01T00:00:00+14:00"),  # beyond both engines
                                          ("finished_at", "2099-01-01T00:00:00+08:00")])
def test_times_no_working_clock_records_are_a_phone_clock_problem(client, db, market, codes, inspector, field,
                                                                   value):
    body = {**patrol_body(market, codes, photos=[photo_bytes()]), field: value}
    response = client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=body, headers=inspector)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "implausible_time"
    assert _patrols(db) == 0


def test_a_patrol_photo_too_large_to_decode_is_refused_as_such(client, db, market, codes, inspector):
    picture = small_png_bomb()
    body = patrol_body(market, codes, photos=[picture])
    body["photos"][0]["content_type"] = "image/png"
    patrol_id = uuid.uuid4()
    assert client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=inspector).status_code == 201
    response = client.put(f"/api/v1/patrols/{patrol_id}/photos/{body['photos'][0]['id']}", content=picture,
                          headers={**inspector, "Content-Type": "image/png"})
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "photo_too_large"
    db.rollback()
    assert db.exec(select(PatrolPhoto.received_at)).all() == [None]


def test_off_site_with_a_reason_is_recorded(client, market, codes, inspector):
    body = patrol_body(market, codes, photos=[photo_bytes()], lat=market.lat + 0.001, off_site_reason="市场封闭施工")
    response = client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=body, headers=inspector)
    assert response.status_code == 201
    assert not response.json()["on_site"] and response.json()["distance_m"] > 100


def test_a_point_outside_the_inspectors_cells_is_refused(client, db, market, codes):
    stranger = login(client, "insp01", "demo1234")
    assert market.cell_code != "330790002001001"
    response = client.put(f"/api/v1/patrols/{uuid.uuid4()}", headers=stranger,
                          json=patrol_body(market, codes, photos=[photo_bytes()]))
    assert response.status_code == 403 and response.json()["error"]["code"] == "point_not_assigned"
    assert _patrols(db) == 0


def test_a_patrol_queued_before_the_checklist_changed_is_accepted(client, market, codes, inspector):
    body = patrol_body(market, codes, photos=[photo_bytes()])  # made offline against version 1
    admin = login(client, "admin", "demo1234")
    items = client.get("/api/v1/checklists/farmers_market", headers=admin).json()["items"][:4]
    assert client.put("/api/v1/checklists/farmers_market", headers=admin, json={"items": items}).json()["version"] == 2
    response = client.put(f"/api/v1/patrols/{uuid.uuid4()}", json=body, headers=inspector)
    assert response.status_code == 201 and response.json()["checklist_version"] == 1


def test_due_lists_the_inspectors_points_with_done_flags(client, settings, market, codes, inspector):
    started = datetime.now(UTC) - timedelta(minutes=20)
    due_on = f"/api/v1/patrols/due?date={started.astimezone(settings.tz).date()}"  # the patrol's day, past midnight too
    due = client.get(due_on, headers=inspector).json()
    assert due["radius_m"] == 50
    mine = {p["key_point"]["name"]: p for p in due["points"]}
    assert "城东农贸市场" in mine and not mine["城东农贸市场"]["done"]
    patrol_id = uuid.uuid4()
    body = patrol_body(market, codes, photos=[photo_bytes()], started_at=started)
    client.put(f"/api/v1/patrols/{patrol_id}", json=body, headers=inspector)
    after = {p["key_point"]["name"]: p for p in client.get(due_on, headers=inspector).json()["points"]}
    assert after["城东农贸市场"]["done"] and after["城东农贸市场"]["patrol_ids"] == [str(patrol_id)]
    assert client.get("/api/v1/patrols/due?date=10000-01-01", headers=inspector).status_code == 422


def test_a_ticket_with_a_checklist_item_needs_its_point(client, inspector):
    body = capture_body([photo_bytes()], checklist_item="FM01")
    response = client.put(f"/api/v1/tickets/{uuid.uuid4()}", json=body, headers=inspector)
    assert response.status_code == 422 and response.json()["error"]["code"] == "checklist_item_without_point"
    body = capture_body([photo_bytes()], key_point_id=999999)
    assert client.put(f"/api/v1/tickets/{uuid.uuid4()}", json=body,
                      headers=inspector).json()["error"]["code"] == "unknown_key_point"


def test_a_ticket_at_a_key_point_is_in_the_points_cell(client, db, market, inspector):
    # The fix strayed 600 m north, into the next cell: the problem is still at the market.
    body = capture_body([photo_bytes()], category="0601", lat=market.lat + 0.0054, lon=market.lon,
                        key_point_id=market.id)
    ticket_id = uuid.uuid4()
    assert client.put(f"/api/v1/tickets/{ticket_id}", json=body, headers=inspector).status_code == 201
    upload = client.put(f"/api/v1/tickets/{ticket_id}/photos/{body['photos'][0]['id']}", content=photo_bytes(),
                        headers={**inspector, "Content-Type": "image/jpeg"})
    assert upload.status_code == 201
    db.rollback()
    ticket = db.get(Ticket, ticket_id)
    assert ticket.cell_code == market.cell_code and ticket.bureau_code == "sjj"
