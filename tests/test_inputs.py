"""What requests bring in is checked at the door (api/inputs.py, api/errors.py): ids beyond what the
database holds, moments no clock or calendar means, and NUL in any text are a 422 in the error shape,
alike on both engines, and change nothing."""

import uuid

import pytest
from sqlmodel import func, select

from api.accounts.models import LoginFailure, Role
from api.bureaus.models import Bureau
from api.inputs import ID_MAX
from tests.factories import login, make_bureau, make_user

HUGE = 2**63  # the drivers' 64-bit integers end just below


@pytest.fixture
def admin(client, db):
    make_bureau(db, "zhzf", "综合执法局")
    make_user(db, "root", Role.admin)
    db.commit()
    return login(client, "root")


def _refused(response, code="validation_error"):
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and error["message_en"]
    return error


SPOTCHECK_RESULT = {"action_id": str(uuid.uuid4()), "result": "pass", "photo_ids": [str(uuid.uuid4())]}


@pytest.mark.parametrize("method, path, body", [
    ("GET", f"/api/v1/auth/tokens?user_id={HUGE}", None),
    ("DELETE", f"/api/v1/auth/tokens/{HUGE}", None),
    ("PATCH", f"/api/v1/users/{HUGE}", {}),
    ("POST", f"/api/v1/users/{HUGE}/revoke-tokens", None),
    ("GET", f"/api/v1/routing/rules/{HUGE}", None),
    ("PUT", f"/api/v1/routing/rules/{HUGE}", {"name": "规则", "target_kind": "cell_unit"}),
    ("DELETE", f"/api/v1/routing/rules/{HUGE}", None),
    ("POST", f"/api/v1/notifications/{HUGE}/read", None),
    ("GET", f"/api/v1/spotchecks/draws/{HUGE}", None),
    ("POST", f"/api/v1/spotchecks/{HUGE}/result", SPOTCHECK_RESULT),
    ("GET", f"/api/v1/auth/tokens?user_id={ID_MAX + 1}", None),
    ("GET", "/api/v1/routing/rules/0", None),
])
def test_ids_beyond_the_database_are_refused(client, admin, method, path, body):
    error = _refused(client.request(method, path, headers=admin, json=body))
    assert error["details"][0]["type"] in ("less_than_equal", "greater_than_equal")


@pytest.mark.parametrize("path", ["/api/v1/routing/rules", "/api/v1/spotchecks/draws"])
def test_the_largest_id_is_only_not_found(client, admin, path):
    response = client.get(f"{path}/{ID_MAX}", headers=admin)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def _bureau_name(db):
    db.expire_all()
    return db.get(Bureau, "zhzf").name


@pytest.mark.parametrize("request_kwargs, where", [
    ({"method": "PATCH", "url": "/api/v1/bureaus/zhzf", "json": {"name": "综合\u0000执法局"}}, "body"),
    ({"method": "PATCH", "url": "/api/v1/bureaus/zhzf", "json": {"name": "x", "\u0000": 1}}, "body"),
    ({"method": "GET", "url": "/api/v1/users?bureau=zh%00zf"}, "query"),
    ({"method": "GET", "url": "/api/v1/bureaus/zh%00zf"}, "path"),
])
def test_nul_is_refused_in_any_text(client, db, admin, request_kwargs, where):
    error = _refused(client.request(**request_kwargs, headers=admin), "nul_character")
    assert error["details"] == {"where": where}
    assert _bureau_name(db) == "综合执法局"


def test_nul_is_refused_in_a_form(client, db):
    response = client.post("/api/v1/auth/token", data={"username": "ro\u0000ot", "password": "whatever-1"})
    _refused(response, "nul_character")
    assert db.exec(select(func.count()).select_from(LoginFailure)).one() == 0


def test_text_that_only_spells_a_nul_escape_is_kept(client, db, admin):
    response = client.patch("/api/v1/bureaus/zhzf", headers=admin, json={"name": "综合\\u0000执法局"})
    assert response.status_code == 200, response.text
    assert _bureau_name(db) == "综合\\u0000执法局"


@pytest.mark.parametrize("closed_from", ["0001-01-01T00:00:00+14:00", "1999-12-31T00:00:00+08:00",
                                         "9999-12-31T23:59:59-14:00"])
def test_a_period_outside_this_century_is_refused(client, db, closed_from):
    make_user(db, "supervisor", Role.supervisor)
    db.commit()
    response = client.post("/api/v1/spotchecks/draws", headers=login(client, "supervisor"),
                           json={"closed_from": closed_from, "closed_to": "2026-12-01T00:00:00+08:00", "rate": 1})
    assert _refused(response)["details"][0]["type"] == "time_out_of_range"


def test_a_what_if_time_outside_this_century_is_refused(client, admin):
    response = client.post("/api/v1/routing/dry-run", headers=admin,
                           json={"category": "0506", "at": "9999-12-31T23:59:59-14:00"})
    assert _refused(response)["details"][0]["type"] == "time_out_of_range"


@pytest.mark.parametrize("query", ["since=0001-01-01T00:00:00%2B14:00", "until=9999-12-31T23:59:59-14:00",
                                   "due_from=1899-01-01T00:00:00Z", "due_to=2100-01-01T00:00:00"])
def test_a_ticket_list_bound_outside_this_century_is_refused(client, admin, query):
    response = client.get(f"/api/v1/tickets?{query}", headers=admin)
    assert _refused(response)["details"][0]["type"] == "time_out_of_range"
