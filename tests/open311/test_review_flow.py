"""An Open311 request enters the citizens' review queue; its status follows the review and the ticket: open
while under review and while the unit works, closed once verified (or when not accepted, with the reason)."""

import uuid

import pytest

from tests.open311.helpers import BASE, Open311County


@pytest.fixture
def county(db, client):
    return Open311County(db, client)


def state(client, code):
    request = client.get(f"{BASE}/requests/{code}.json").json()[0]
    return request["status"], request["status_notes"], request["media_url"]


def test_from_the_queue_to_closed(client, county):
    created = county.posted(phone="13800001111", description="盲道被占")
    code = created["service_request_id"]
    queue = client.get("/api/v1/citizen-reports", headers=county.dispatcher).json()
    assert [(r["tracking_code"], r["channel"], r["system"], r["phone"]) for r in queue] == [
        (code, "open311", "12345 热线平台", "13800001111")]
    assert [p["received"] for p in queue[0]["photos"]] == [True]
    assert state(client, code) == ("open", "已收到，等待审核", None)

    ticket_id = county.accept(queue[0]["id"])["ticket_id"]
    ticket = client.get(f"/api/v1/tickets/{ticket_id}", headers=county.dispatcher).json()
    assert (ticket["source"], ticket["status"], ticket["bureau_code"]) == ("citizen", "dispatched", "zhzf")
    assert state(client, code) == ("open", "已受理，已交责任单位处理", None)

    county.rectify(ticket_id)
    status, notes, media_url = state(client, code)
    assert (status, notes) == ("open", "已整改，待验收")
    # The after-photo's public display copy: what the resident's status page shows, an EXIF-free JPEG.
    assert media_url.startswith(f"http://testserver/api/v1/public/reports/{code}/photos/")
    photo = client.get(media_url.removeprefix("http://testserver"))
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"

    verified = client.post(f"/api/v1/tickets/{ticket_id}/actions/verify", headers=county.inspector,
                           json={"action_id": str(uuid.uuid4()), "result": "pass", "note": "现场已清理"})
    assert verified.status_code == 200, verified.text
    assert state(client, code)[:2] == ("closed", "已办结")
    assert client.get(f"{BASE}/requests.json", params={"status": "closed"}).json()[0]["service_request_id"] == code
    assert client.get(f"{BASE}/requests.json", params={"status": "open"}).json() == []


def test_a_rejected_request_is_closed_with_the_reason(client, county):
    code = county.post().json()[0]["service_request_id"]
    report_id = client.get("/api/v1/citizen-reports", headers=county.dispatcher).json()[0]["id"]
    assert client.post(f"/api/v1/citizen-reports/{report_id}/reject", headers=county.dispatcher,
                       json={"reason": "非城市管理问题"}).status_code == 200
    assert state(client, code) == ("closed", "未受理：非城市管理问题", None)


def test_without_a_photo_it_is_merged_not_accepted(client, county):
    code = county.post(media_url="https://hotline.example/photos/1.jpg").json()[0]["service_request_id"]
    report = client.get("/api/v1/citizen-reports", headers=county.dispatcher).json()[0]
    assert report["media_url"] == "https://hotline.example/photos/1.jpg"  # for the reviewer, never fetched
    refused = client.post(f"/api/v1/citizen-reports/{report['id']}/accept", headers=county.dispatcher, json={})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "no_photo"
    other_id, _ = county.report()
    ticket_id = county.accept(other_id)["ticket_id"]
    assert client.post(f"/api/v1/citizen-reports/{report['id']}/merge", headers=county.dispatcher,
                       json={"ticket_id": ticket_id}).status_code == 200
    assert state(client, code) == ("open", "已受理，已交责任单位处理", None)


def test_a_retry_answers_the_same_request(client, county):
    first = county.post().json()[0]
    assert county.post().json()[0] == first
    assert county.post(description="另一件事").json()[0]["service_request_id"] != first["service_request_id"]
    assert len(client.get("/api/v1/citizen-reports", headers=county.dispatcher).json()) == 2


def test_over_the_keys_hourly_limit_is_429(client, county):
    key = county.issue_key("城市大脑", hourly_limit=2)["api_key"]
    for n in range(2):
        assert county.post(key=key, description=f"第 {n} 件").status_code == 200
    refused = county.post("xml", key=key, description="第 3 件")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    assert b"<code>429</code>" in refused.content and b"too_many_reports" in refused.content
    # Another key has its own count; a retry of a request taken is still answered.
    assert county.post(description="第 3 件").status_code == 200
    assert county.post(key=key, description="第 0 件").status_code == 200


def test_a_revoked_key_is_refused(client, county):
    issued = county.issue_key("旧平台")
    assert county.post(key=issued["api_key"]).status_code == 200
    revoked = client.post(f"/api/v1/open311/keys/{issued['id']}/revoke", headers=county.admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    refused = county.post(key=issued["api_key"], description="再报一件")
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403 and "invalid_api_key" in refused.json()[0]["description"]


def test_public_reporting_closed_closes_open311_posts(client, county, app):
    app.state.settings.public_reports_open = False
    response = county.post()
    assert response.status_code == 503 and response.json()[0]["code"] == 503
    assert client.get(f"{BASE}/services.json").status_code == 200
