"""A county for Open311: the citizens' small county (tests/citizens/helpers.py), an admin, and a key for a
system; requests posted as another system would."""

import xml.etree.ElementTree as ET

from api.accounts.models import Role
from tests.citizens.helpers import LAT, LON, County
from tests.factories import login, make_user, photo_bytes

BASE = "/open311/v2"


class Open311County(County):
    def __init__(self, db, client):
        super().__init__(db, client)
        make_user(db, "root", Role.admin)
        db.commit()
        self.admin = login(client, "root")
        self.key = self.issue_key()["api_key"]

    def issue_key(self, system: str = "12345 热线平台", hourly_limit: int = 100) -> dict:
        response = self.client.post("/api/v1/open311/keys", headers=self.admin,
                                    json={"system": system, "hourly_limit": hourly_limit})
        assert response.status_code == 201, response.text
        return response.json()

    def post(self, fmt: str = "json", *, key: str | None = None, **fields):
        form = {"api_key": key or self.key, "service_code": "0506", "lat": str(LAT), "long": str(LON),
                "description": "小区门口有车占用盲道", **fields}
        return self.client.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in form.items() if v is not None})

    def posted(self, **fields) -> dict:
        """A request posted and its photo sent: the POST's answer."""
        response = self.post(**fields)
        assert response.status_code == 200, response.text
        created = response.json()[0]
        media = self.client.put(f"{BASE}/requests/{created['service_request_id']}/media.json",
                                params={"api_key": fields.get("key") or self.key}, content=photo_bytes(),
                                headers={"Content-Type": "image/jpeg"})
        assert media.status_code == 201, media.text
        return created

    def settings(self, **changes) -> dict:
        current = self.client.get("/api/v1/citizen-settings", headers=self.admin).json()
        body = {k: v for k, v in current.items() if k not in ("updated_at", "updated_by")} | changes
        response = self.client.put("/api/v1/citizen-settings", headers=self.admin, json=body)
        assert response.status_code == 200, response.text
        return response.json()


def xml_of(response) -> ET.Element:
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    return ET.fromstring(response.content)


def children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]
