"""Nothing private in any public Open311 answer, JSON or XML: no staff names, usernames or phone numbers, no
reporter's phone or description, no original photo (its URL or its SHA-256, the store's key)."""

import re
import uuid

import pytest
from sqlmodel import select

from api.accounts.models import User
from api.citizens.models import PublicReportPhoto
from tests.factories import photo_bytes, submit
from tests.open311.helpers import BASE, Open311County

STAFF_PHONES = {"disp": "13911112222", "zhzf1": "13933334444", "insp": "13955556666", "root": "13977778888"}
REPORTER_PHONE = "13800001111"
DESCRIPTION = "盲道被占，车主电话写在挡风玻璃上"


@pytest.fixture
def county(db, client):
    county = Open311County(db, client)
    for user in db.exec(select(User)).all():
        user.display_name = f"职员{user.username.upper()}"
        user.phone = STAFF_PHONES[user.username]
        db.add(user)
    db.commit()
    return county


def test_no_public_answer_carries_anything_private(client, county, db):
    county.settings(open311_sources=["citizen", "inspection", "supervision"])
    fixed = county.posted(phone=REPORTER_PHONE, description=DESCRIPTION)
    report_id = client.get("/api/v1/citizen-reports", headers=county.dispatcher).json()[0]["id"]
    ticket_id = county.accept(report_id)["ticket_id"]
    county.rectify(ticket_id)
    assert client.post(f"/api/v1/tickets/{ticket_id}/actions/verify", headers=county.inspector, json={
        "action_id": str(uuid.uuid4()), "result": "pass", "note": "现场已清理"}).status_code == 200
    rejected = county.post(phone=REPORTER_PHONE, description=DESCRIPTION + "（二）").json()[0]
    pending = client.get("/api/v1/citizen-reports", headers=county.dispatcher).json()[0]["id"]
    client.post(f"/api/v1/citizen-reports/{pending}/reject", headers=county.dispatcher, json={"reason": "重复"})
    submit(client, county.inspector, [photo_bytes()], lat=28.905, lon=120.005)  # an inspector's ticket, listed
    page_id, receipt = county.report(phone=REPORTER_PHONE, description=DESCRIPTION + "（三）")

    answers = []
    for fmt in ("json", "xml"):
        answers += [client.get(f"{BASE}/services.{fmt}"), client.get(f"{BASE}/services/0506.{fmt}"),
                    client.get(f"{BASE}/requests.{fmt}"), client.get(f"{BASE}/tokens/{fixed['token']}.{fmt}"),
                    client.get(f"{BASE}/requests/{receipt['tracking_code']}.{fmt}"),
                    county.post(fmt, phone=REPORTER_PHONE, description=DESCRIPTION + fmt),
                    county.post(fmt, key="o311_wrong"), client.get(f"{BASE}/requests/NOSUCHCODE.{fmt}")]
        for code in (fixed["service_request_id"], rejected["service_request_id"]):
            answers.append(client.get(f"{BASE}/requests/{code}.{fmt}"))
        answers.append(client.put(f"{BASE}/requests/{fixed['service_request_id']}/media.{fmt}",
                                  params={"api_key": county.key}, content=photo_bytes(),
                                  headers={"Content-Type": "image/jpeg"}))
    listed = client.get(f"{BASE}/requests.json").json()
    # Each kind seen: fixed and closed, rejected, the page's, the two posted in the walk, the inspector's ticket.
    assert len(listed) == 6 and {r["status"] for r in listed} == {"open", "closed"}
    assert any(r["media_url"] for r in listed)

    originals = [p.sha256 for p in db.exec(select(PublicReportPhoto)).all()]
    private = [*STAFF_PHONES.values(), REPORTER_PHONE, DESCRIPTION[:6], "/original", *originals,
               *(f"职员{name.upper()}" for name in STAFF_PHONES)]
    usernames = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(STAFF_PHONES) + r")(?![A-Za-z0-9_])")
    for response in answers:
        text = response.content.decode()
        assert response.status_code < 500, text
        for secret in private:
            assert secret not in text, (response.url, secret)
        assert not usernames.search(text), (response.url, text)
