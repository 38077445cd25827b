"""Rules edited through the API by dispatchers, and the dry-run that explains a decision."""

import pytest

from api.accounts.models import Role
from tests.factories import LAT0, LON0, login, make_bureau, make_category, make_cell, make_point_type, make_user, square

CELL = "330790001001001"


@pytest.fixture
def dispatcher(client, db):
    make_bureau(db, "zhzf", "综合执法局")
    make_bureau(db, "jjdd", "交警大队")
    make_bureau(db, "czj", "财政局")
    make_cell(db, CELL, square(0, 0), responsible="czj")
    make_category(db, "0506", default_bureau_code="zhzf")
    make_category(db, "0508", "乱堆物堆料", deadline_value=1, deadline_unit="wd")
    make_point_type(db)
    make_user(db, "dispatcher", Role.dispatcher)
    db.commit()
    return login(client, "dispatcher")


def _rule(name, **kw):
    return {"name": name, "category_codes": ["0506"], "bureau_code": "zhzf", **kw}


def _names(client, headers):
    return [(r["position"], r["name"]) for r in client.get("/api/v1/routing/rules", headers=headers).json()]


def test_rules_keep_their_order_through_inserts_moves_and_deletes(client, dispatcher):
    for name in ("a", "b", "c"):
        assert client.post("/api/v1/routing/rules", headers=dispatcher, json=_rule(name)).status_code == 201
    first = client.post("/api/v1/routing/rules", headers=dispatcher, json=_rule("first", position=1)).json()
    assert _names(client, dispatcher) == [(1, "first"), (2, "a"), (3, "b"), (4, "c")]
    client.put(f"/api/v1/routing/rules/{first['id']}", headers=dispatcher, json=_rule("first", position=4))
    assert _names(client, dispatcher) == [(1, "a"), (2, "b"), (3, "c"), (4, "first")]
    b = next(r for r in client.get("/api/v1/routing/rules", headers=dispatcher).json() if r["name"] == "b")
    assert client.delete(f"/api/v1/routing/rules/{b['id']}", headers=dispatcher).status_code == 204
    assert _names(client, dispatcher) == [(1, "a"), (2, "c"), (3, "first")]
    assert b["updated_by"] == "dispatcher"


@pytest.mark.parametrize("body, code", [
    (_rule("x", category_codes=["9999"]), "rule_invalid"),
    (_rule("x", bureau_code="nobody"), "rule_invalid"),
    (_rule("x", point_type_codes=["moon"]), "rule_invalid"),
    (_rule("x", cell_prefixes=["33A"]), "rule_invalid"),
    (_rule("x", time_from="05:00"), "validation_error"),
    (_rule("x", time_from="05:00", time_to="05:00"), "validation_error"),
    (_rule("x", weekdays="89"), "validation_error"),
    ({"name": "x", "target_kind": "bureau"}, "validation_error"),
    ({"name": "x", "target_kind": "cell_unit", "bureau_code": "zhzf"}, "validation_error"),
    (_rule("x", colour="red"), "validation_error"),
])
def test_bad_rules_are_refused_and_nothing_changes(client, dispatcher, body, code):
    response = client.post("/api/v1/routing/rules", headers=dispatcher, json=body)
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert client.get("/api/v1/routing/rules", headers=dispatcher).json() == []


def test_dry_run_locates_the_point_and_explains(client, dispatcher):
    client.post("/api/v1/routing/rules", headers=dispatcher, json=_rule("早市", point_type_codes=["main_road"],
                                                                       time_from="05:00", time_to="09:00",
                                                                       bureau_code="jjdd"))
    client.post("/api/v1/routing/rules", headers=dispatcher,
                json={"name": "网格内乱堆放", "category_codes": ["0508"], "target_kind": "cell_unit"})
    point = {"lat": LAT0 + 0.005, "lon": LON0 + 0.005}
    morning = client.post("/api/v1/routing/dry-run", headers=dispatcher, json={
        "category": "0506", "point_type": "main_road", "at": "2026-11-20T06:00:00+08:00", **point}).json()
    assert (morning["cell_code"], morning["bureau_code"], morning["source"]) == (CELL, "jjdd", "rule")
    noon = client.post("/api/v1/routing/dry-run", headers=dispatcher, json={
        "category": "0506", "point_type": "main_road", "at": "2026-11-20T12:00:00+08:00", **point}).json()
    assert (noon["bureau_code"], noon["source"]) == ("zhzf", "category_default")
    assert "时段" in noon["trace"][0]["why"]
    clutter = client.post("/api/v1/routing/dry-run", headers=dispatcher, json={"category": "0508", **point}).json()
    assert clutter["bureau_code"] == "czj" and "财政局" in clutter["reason"]
    outside = client.post("/api/v1/routing/dry-run", headers=dispatcher,
                          json={"category": "0508", "lat": 30.0, "lon": 121.0}).json()
    assert (outside["cell_code"], outside["bureau_code"], outside["source"]) == (None, None, "dispatcher")
    unknown = client.post("/api/v1/routing/dry-run", headers=dispatcher, json={"category": "9999"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_category"
