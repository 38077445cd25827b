"""One error shape everywhere: {"error": {code, message (中文), message_en, details}}."""

import pytest
from sqlmodel import select

from api.accounts.models import Role, User
from tests.factories import login, make_user


def _assert_shape(body):
    error = body["error"]
    assert set(error) == {"code", "message", "message_en", "details"}
    assert error["message"] and error["message_en"]


@pytest.fixture
def admin(client, db):
    make_user(db, "root", Role.admin)
    db.commit()
    return login(client, "root")


def test_validation_error_shape_and_nothing_stored(client, db, admin):
    response = client.post("/api/v1/users", headers=admin,
                           json={"username": "x1", "role": "inspector", "password": "long-enough-1", "hat": "red"})
    assert response.status_code == 422
    body = response.json()
    _assert_shape(body)
    assert body["error"]["code"] == "validation_error"
    assert any(d["loc"][-1] == "hat" for d in body["error"]["details"])
    assert db.exec(select(User).where(User.username == "x1")).first() is None


def test_unknown_role_is_a_validation_error(client, admin):
    response = client.post("/api/v1/users", headers=admin,
                           json={"username": "x2", "role": "king", "password": "long-enough-1"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_unknown_path_and_method(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    _assert_shape(response.json())
    assert response.json()["error"]["code"] == "not_found"
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_bureau_role_needs_a_bureau(client, db, admin):
    response = client.post("/api/v1/users", headers=admin,
                           json={"username": "liaison", "role": "bureau", "password": "long-enough-1"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "bureau_required"
    assert db.exec(select(User).where(User.username == "liaison")).first() is None


def test_health_and_openapi(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert "/api/v1/grid/locate" in client.get("/openapi.json").json()["paths"]
