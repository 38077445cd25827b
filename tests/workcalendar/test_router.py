"""Calendar overrides through the API."""

import pytest

from api.accounts.models import Role
from tests.factories import login, make_user


@pytest.fixture
def admin(client, db):
    make_user(db, "root", Role.admin)
    db.commit()
    headers = login(client, "root")
    client.put("/api/v1/calendar/overrides/2027-02-08", headers=headers,
               json={"day": "2027-02-08", "is_workday": False, "note": "春节"})
    return headers


@pytest.mark.parametrize("year", [0, 10000, 2**63])
def test_a_year_no_calendar_has_is_refused(client, admin, year):
    response = client.get("/api/v1/calendar/overrides", params={"year": year}, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"


def test_overrides_of_a_year(client, admin):
    listed = client.get("/api/v1/calendar/overrides", params={"year": 2027}, headers=admin).json()
    assert [(o["day"], o["is_workday"]) for o in listed] == [("2027-02-08", False)]
    assert client.get("/api/v1/calendar/overrides", params={"year": 9999}, headers=admin).json() == []
