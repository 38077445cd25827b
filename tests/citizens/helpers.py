"""A small county for citizens' reports: one cell of 综合执法局, category 0506 public as 乱停车, a dispatcher and
the unit's liaison; and a resident's page that reports and uploads."""

import base64
import hashlib
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from api.accounts.models import Role
from tests.factories import login, make_bureau, make_category, make_cell, make_rule, make_user, photo_bytes

CELL = "330790001001001"
LAT, LON = 28.905, 120.005  # inside CELL


class County:
    def __init__(self, db, client: TestClient):
        self.client = client
        make_bureau(db, "zhzf", "综合执法局")
        make_cell(db, CELL, responsible="zhzf")
        make_category(db, "0506", default_bureau_code="zhzf")
        make_category(db, "0102", "暴露垃圾", default_bureau_code="zhzf")
        make_rule(db, 1, "人行道乱停车", category_codes=["0506"], bureau_code="zhzf")
        self.dispatcher_user = make_user(db, "disp", Role.dispatcher)
        make_user(db, "zhzf1", Role.bureau, bureau_code="zhzf")
        make_user(db, "insp", Role.inspector, cells=(CELL,))
        db.commit()
        self.dispatcher = login(client, "disp")
        self.bureau = login(client, "zhzf1")
        self.inspector = login(client, "insp")
        response = client.put("/api/v1/public-categories", headers=self.dispatcher, json={"categories": [
            {"category_code": "0506", "public_name": "乱停车", "public_name_en": "Bad parking"}]})
        assert response.status_code == 200, response.text

    def report(self, photos=None, *, device_id: str | None = "phone-0001", **fields) -> tuple[str, dict]:
        """PUT a report and its photos; returns its id and the receipt."""
        photos = [photo_bytes()] if photos is None else photos
        report_id, body = str(uuid.uuid4()), report_body(photos, device_id=device_id, **fields)
        response = self.client.put(f"/api/v1/public/reports/{report_id}", json=body)
        assert response.status_code == 201, response.text
        for declared, data in zip(body["photos"], photos, strict=True):
            upload = self.client.put(f"/api/v1/public/reports/{report_id}/photos/{declared['id']}", content=data,
                                     headers={"Content-Type": declared["content_type"]})
            assert upload.status_code == 201, upload.text
        return report_id, response.json()

    def accept(self, report_id: str, **body) -> dict:
        response = self.client.post(f"/api/v1/citizen-reports/{report_id}/accept", headers=self.dispatcher,
                                    json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def rectify(self, ticket_id: str) -> None:
        """The unit accepts the ticket and rectifies it with an after-photo (整改照片)."""
        assert self.client.post(f"/api/v1/tickets/{ticket_id}/actions/accept", headers=self.bureau,
                                json={"action_id": str(uuid.uuid4())}).status_code == 200
        data, photo_id = photo_bytes("gps_DSCN0012.jpg"), str(uuid.uuid4())
        digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
        response = self.client.put(f"/api/v1/tickets/{ticket_id}/photos/{photo_id}?kind=after", content=data,
                                   headers={**self.bureau, "Content-Type": "image/jpeg",
                                            "Content-Digest": f"sha-256=:{digest}:"})
        assert response.status_code == 201, response.text
        response = self.client.post(f"/api/v1/tickets/{ticket_id}/actions/rectify", headers=self.bureau, json={
            "action_id": str(uuid.uuid4()), "note": "已清理", "photo_ids": [photo_id]})
        assert response.status_code == 200, response.text


def report_body(photos: list[bytes], *, category: str = "0506", device_id: str | None = "phone-0001",
                **fields) -> dict:
    at = (datetime.now(UTC) - timedelta(minutes=3)).isoformat()
    body = {"category": category, "lat": LAT, "lon": LON, "accuracy_m": 12.0, "located_at": at, "created_at": at,
            "description": "人行道上停了三辆车", "photos": [
                {"id": str(uuid.uuid4()), "sha256": hashlib.sha256(data).hexdigest(), "content_type": "image/jpeg",
                 "size": len(data)} for data in photos], **fields}
    if device_id:
        body["device_id"] = device_id
    return body
