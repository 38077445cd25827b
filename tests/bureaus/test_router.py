"""Bureaus edited through the API."""

import pytest

from api.accounts.models import Role
from api.bureaus.models import Bureau
from tests.factories import login, make_bureau, make_user


@pytest.fixture
def dispatcher(client, db):
    make_bureau(db, "zhzf", "综合执法局", webhook_url="https://robot.example/zhzf", contact_phone="0579-1234")
    make_user(db, "dispatcher", Role.dispatcher)
    db.commit()
    return login(client, "dispatcher")


@pytest.mark.parametrize("field", ["name", "kind", "is_active"])
def test_a_column_that_always_holds_a_value_is_left_out_not_nulled(client, db, dispatcher, field):
    response = client.patch("/api/v1/bureaus/zhzf", headers=dispatcher, json={field: None})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["details"][0]["loc"] == ["body", field]
    db.expire_all()
    bureau = db.get(Bureau, "zhzf")
    assert (bureau.name, bureau.kind, bureau.is_active) == ("综合执法局", "department", True)


def test_optional_details_are_cleared_with_null(client, db, dispatcher):
    response = client.patch("/api/v1/bureaus/zhzf", headers=dispatcher,
                            json={"webhook_url": None, "contact_phone": None, "name": "城管局"})
    assert response.status_code == 200, response.text
    db.expire_all()
    bureau = db.get(Bureau, "zhzf")
    assert (bureau.name, bureau.webhook_url, bureau.contact_phone) == ("城管局", None, None)
