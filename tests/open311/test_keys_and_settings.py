"""The admin's keys (shown once, only a hash kept, revocable, audited) and the county's settings of public
reporting: who reviews, the hourly limits, what Open311 lists, how finely it shows where, its jurisdiction."""

import hashlib
import uuid

import pytest
from sqlmodel import select

from api.accounts.models import Role
from api.citizens.models import Open311Key
from tests.citizens.helpers import report_body
from tests.factories import login, make_user, photo_bytes, submit
from tests.open311.helpers import BASE, Open311County


@pytest.fixture
def county(db, client):
    return Open311County(db, client)


def test_a_key_is_shown_once_and_kept_as_a_hash(client, county, db):
    issued = county.issue_key("城市大脑", hourly_limit=50)
    assert issued["api_key"].startswith(issued["prefix"]) and len(issued["api_key"]) > 30
    row = db.exec(select(Open311Key).where(Open311Key.id == issued["id"])).one()
    assert row.key_sha256 == hashlib.sha256(issued["api_key"].encode()).hexdigest()
    listed = client.get("/api/v1/open311/keys", headers=county.admin).json()
    assert [(k["system"], k["hourly_limit"], k["revoked_at"]) for k in listed] == [
        ("12345 热线平台", 100, None), ("城市大脑", 50, None)]
    assert issued["api_key"] not in client.get("/api/v1/open311/keys", headers=county.admin).text
    trail = client.get("/api/v1/audit?entity=api_key", headers=county.admin).json()["items"]
    assert [e["action"] for e in trail] == ["create", "create"]
    assert issued["api_key"] not in str(trail)
    client.post(f"/api/v1/open311/keys/{issued['id']}/revoke", headers=county.admin)
    again = client.post(f"/api/v1/open311/keys/{issued['id']}/revoke", headers=county.admin).json()
    assert again["revoked_at"] is not None
    assert [e["action"] for e in client.get("/api/v1/audit?entity=api_key",
                                            headers=county.admin).json()["items"]] == ["revoke", "create", "create"]
    assert client.post("/api/v1/open311/keys/999/revoke", headers=county.admin).status_code == 404


def test_settings_defaults_then_audited_changes(client, county):
    defaults = client.get("/api/v1/citizen-settings", headers=county.admin).json()
    assert defaults == {"reviewer_role": "dispatcher", "per_device_hourly": 10, "per_address_hourly": 30,
                        "open311_sources": ["citizen"], "location_decimals": 3, "jurisdiction_id": None,
                        "updated_at": None, "updated_by": None}
    changed = county.settings(location_decimals=2, jurisdiction_id="330782")
    assert changed["updated_by"] == "root"
    trail = client.get("/api/v1/audit?entity=citizen_settings", headers=county.admin).json()["items"]
    assert trail[0]["action"] == "create" and trail[0]["changes"]["location_decimals"]["after"] == 2
    bad = client.put("/api/v1/citizen-settings", headers=county.admin, json={**defaults | {
        "open311_sources": ["citizen", "citizen"]}})
    assert bad.status_code == 422
    assert client.get("/api/v1/citizen-settings", headers=county.dispatcher).status_code == 403


def test_the_reviewer_role_is_the_countys_choice(client, county, db):
    make_user(db, "sup", Role.supervisor)
    db.commit()
    supervisor = login(client, "sup")
    assert client.get("/api/v1/citizen-reports", headers=supervisor).status_code == 403
    assert client.get("/api/v1/citizen-reports/reviewer", headers=supervisor).json() == {"reviewer_role": "dispatcher"}
    county.settings(reviewer_role="supervisor")
    assert client.get("/api/v1/citizen-reports", headers=supervisor).status_code == 200
    # What the app asks at login to show the review tab to the role that may use it.
    assert client.get("/api/v1/citizen-reports/reviewer", headers=supervisor).json() == {"reviewer_role": "supervisor"}
    assert client.get("/api/v1/citizen-reports", headers=county.dispatcher).status_code == 403
    assert client.get("/api/v1/citizen-reports", headers=county.admin).status_code == 200  # admins always
    report_id, _ = county.report()
    accepted = client.post(f"/api/v1/citizen-reports/{report_id}/accept", headers=supervisor, json={})
    assert accepted.status_code == 200, accepted.text
    ticket = client.get(f"/api/v1/tickets/{accepted.json()['ticket_id']}", headers=supervisor).json()
    assert ticket["source"] == "citizen"


def test_the_page_limits_are_the_countys_settings(client, county):
    county.settings(per_device_hourly=2)
    county.report(device_id="phone-0002")
    county.report(device_id="phone-0002")
    refused = client.put(f"/api/v1/public/reports/{uuid.uuid4()}", json=report_body([photo_bytes()],
                                                                                   device_id="phone-0002"))
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_reports"
    county.settings(per_device_hourly=10, per_address_hourly=3)
    county.report(device_id="phone-0003")
    refused = client.put(f"/api/v1/public/reports/{uuid.uuid4()}", json=report_body([photo_bytes()],
                                                                                   device_id="phone-0004"))
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1


def test_locations_are_rounded_as_the_county_allows(client, county):
    code = county.post(lat="28.905678", long="120.005432").json()[0]["service_request_id"]
    request = client.get(f"{BASE}/requests/{code}.json").json()[0]
    assert (request["lat"], request["long"]) == (28.906, 120.005)
    county.settings(location_decimals=2)
    assert b"<lat>28.91</lat><long>120.01</long>" in client.get(f"{BASE}/requests/{code}.xml").content


def test_which_tickets_are_listed_is_the_countys_choice(client, county):
    ticket_id, _ = submit(client, county.inspector, [photo_bytes()], lat=28.905, lon=120.005)
    code = county.post().json()[0]["service_request_id"]
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()] == [code]
    assert client.get(f"{BASE}/requests/{ticket_id}.json").status_code == 404
    county.settings(open311_sources=["citizen", "inspection"])
    assert {r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()} == {code, ticket_id}
    ticket = client.get(f"{BASE}/requests/{ticket_id}.json").json()[0]
    assert (ticket["status"], ticket["service_code"], ticket["media_url"]) == ("open", "0506", None)
    county.settings(open311_sources=["inspection"])
    assert [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()] == [ticket_id]


def test_jurisdiction_is_checked_where_set(client, county):
    assert client.get(f"{BASE}/services.json", params={"jurisdiction_id": "anything"}).status_code == 200
    county.settings(jurisdiction_id="330782")
    assert client.get(f"{BASE}/services.json", params={"jurisdiction_id": "330782"}).status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200  # one jurisdiction: naming none is fine
    wrong = client.get(f"{BASE}/requests.xml", params={"jurisdiction_id": "330781"})
    assert wrong.status_code == 400 and b"unknown_jurisdiction" in wrong.content
    assert county.post(jurisdiction_id="330781").status_code == 400
    assert county.post(jurisdiction_id="330782").status_code == 200
