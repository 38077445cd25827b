"""The review queue (审核): a report becomes a routed ticket of source `citizen`, joins an existing ticket, or is
refused with a reason the reporter reads; the status page follows, and shows nothing private."""

import uuid

import pytest

from tests.citizens.helpers import LAT, LON, County, report_body
from tests.factories import analysed, photo_bytes, submit


@pytest.fixture
def county(db, client):
    return County(db, client)


def test_accept_makes_a_routed_ticket_of_source_citizen(client, county):
    report_id, receipt = county.report(description="人行道停车挡路")
    outcome = county.accept(report_id)
    assert outcome["status"] == "accepted" and outcome["replayed"] is False
    ticket = client.get(f"/api/v1/tickets/{outcome['ticket_id']}", headers=county.dispatcher).json()
    assert ticket["source"] == "citizen"
    assert ticket["status"] == "dispatched" and ticket["bureau_code"] == "zhzf"
    assert ticket["cell_code"] == "330790001001001" and ticket["deadline_at"] is not None
    assert ticket["description"] == "人行道停车挡路"
    assert (ticket["location"]["lat"], ticket["location"]["lon"]) == (LAT, LON)
    assert [p["received"] for p in ticket["photos"]] == [True]
    # The unit sees it in its queue as any other ticket.
    assert client.get(f"/api/v1/tickets/{outcome['ticket_id']}", headers=county.bureau).status_code == 200
    assert county.accept(report_id)["replayed"] is True
    refused = client.post(f"/api/v1/citizen-reports/{report_id}/reject", headers=county.dispatcher,
                          json={"reason": "重复"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "report_decided"
    status = client.get(receipt["status_url"]).json()
    assert (status["stage"], status["stage_text"], status["category_name"]) == ("accepted", "已受理，已交责任单位处理",
                                                                                "乱停车")
    assert client.get("/api/v1/citizen-reports", headers=county.dispatcher).json() == []  # none waiting


def test_the_reviewer_may_correct_the_category(client, county):
    report_id, _ = county.report()
    outcome = county.accept(report_id, category="0102")
    ticket = client.get(f"/api/v1/tickets/{outcome['ticket_id']}", headers=county.dispatcher).json()
    assert ticket["category"]["code"] == "0102"


def test_a_report_is_accepted_only_with_its_photos(client, county):
    report_id = str(uuid.uuid4())
    assert client.put(f"/api/v1/public/reports/{report_id}", json=report_body([photo_bytes()])).status_code == 201
    response = client.post(f"/api/v1/citizen-reports/{report_id}/accept", headers=county.dispatcher, json={})
    assert response.status_code == 409 and response.json()["error"]["code"] == "photos_missing"


def test_merge_follows_the_existing_ticket(client, county):
    ticket_id, _ = submit(client, county.inspector, [photo_bytes()], lat=LAT, lon=LON)
    report_id, receipt = county.report()
    path = f"/api/v1/citizen-reports/{report_id}/merge"
    wrong = client.post(path, headers=county.dispatcher, json={"ticket_id": str(uuid.uuid4())})
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "unknown_ticket"
    merged = client.post(path, headers=county.dispatcher, json={"ticket_id": ticket_id})
    assert merged.status_code == 200 and merged.json()["status"] == "merged"
    assert client.post(path, headers=county.dispatcher, json={"ticket_id": ticket_id}).json()["replayed"] is True
    assert client.get(receipt["status_url"]).json()["stage"] == "accepted"
    county.rectify(ticket_id)
    status = client.get(receipt["status_url"]).json()
    assert status["stage"] == "fixed" and len(status["after_photos"]) == 1


def test_reject_shows_the_reason_to_the_reporter(client, county):
    report_id, receipt = county.report()
    path = f"/api/v1/citizen-reports/{report_id}/reject"
    assert client.post(path, headers=county.dispatcher, json={"reason": ""}).status_code == 422
    outcome = client.post(path, headers=county.dispatcher, json={"reason": "照片中未见问题"})
    assert outcome.status_code == 200 and outcome.json()["reject_reason"] == "照片中未见问题"
    assert client.post(path, headers=county.dispatcher, json={"reason": "照片中未见问题"}).json()["replayed"] is True
    again = client.post(path, headers=county.dispatcher, json={"reason": "另一个理由"})
    assert again.status_code == 409
    status = client.get(receipt["status_url"]).json()
    assert (status["stage"], status["stage_text_en"], status["reject_reason"]) == ("rejected", "Not accepted",
                                                                                    "照片中未见问题")
    accepted = client.post(f"/api/v1/citizen-reports/{report_id}/accept", headers=county.dispatcher, json={})
    assert accepted.status_code == 409 and accepted.json()["error"]["code"] == "report_decided"


def _strings(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner)
    elif isinstance(value, str):
        yield value


def test_the_status_page_holds_nothing_private(client, county, app):
    phone = "13912345678"
    report_id, receipt = county.report(phone=phone, device_id="secret-device-id")
    outcome = county.accept(report_id)
    county.rectify(outcome["ticket_id"])
    rejected_id, rejected = county.report(phone=phone, device_id="secret-device-id")
    client.post(f"/api/v1/citizen-reports/{rejected_id}/reject", headers=county.dispatcher, json={"reason": "非问题"})
    analysed(app)
    staff = client.get("/api/v1/users", headers=county.dispatcher)
    names = {"disp", "zhzf1", "insp", "综合执法局", "zhzf"}
    if staff.status_code == 200:
        names |= {u["username"] for u in staff.json()} | {u["display_name"] for u in staff.json()}
    pages = [client.get(receipt["status_url"]), client.get(rejected["status_url"]),
             client.get("/api/v1/public/categories")]
    fixed = pages[0].json()
    assert fixed["stage"] == "fixed" and len(fixed["after_photos"]) == 1
    for page in pages:
        assert page.status_code == 200
        for text in _strings(page.json()):
            assert phone not in text and "secret-device-id" not in text
            assert text not in names, text
            assert "original" not in text and report_id not in text and outcome["ticket_id"] not in text
    # The after-photo is an EXIF-free copy, served to anyone holding the code; nothing else is.
    photo = client.get(fixed["after_photos"][0])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in photo.content[:4096]
    photo_id = fixed["after_photos"][0].rsplit("/", 1)[1]
    assert client.get(f"{rejected['status_url']}/photos/{photo_id}").status_code == 404
