"""The audit trail: newest first, by entity, a page at a time."""

from api.accounts.models import Role
from api.county import config_doc
from api.grid import service as grid_service
from tests.factories import login, make_bureau, make_user, square


def test_pages_newest_first_and_filters_by_entity(client, db):
    make_user(db, "admin", Role.admin)
    db.commit()
    admin = login(client, "admin")
    for n in range(3):
        assert client.post("/api/v1/bureaus", headers=admin, json={"code": f"b{n}", "name": f"单位{n}",
                                                                    "webhook_url": f"https://robot.example/send?key=secret{n}"}).status_code == 201
    assert client.post("/api/v1/users", headers=admin, json={"username": "lead01", "role": "leader",
                                                              "password": "long-enough-1"}).status_code == 201
    first = client.get("/api/v1/audit?limit=2", headers=admin).json()
    assert [(e["entity"], e["entity_key"]) for e in first["items"]] == [("user", "lead01"), ("bureau", "b2")]
    second = client.get(f"/api/v1/audit?limit=2&cursor={first['next_cursor']}", headers=admin).json()
    assert [e["entity_key"] for e in second["items"]] == ["b1", "b0"] and second["next_cursor"] is None
    bureaus = client.get("/api/v1/audit?entity=bureau", headers=admin).json()["items"]
    assert len(bureaus) == 3 and bureaus[0]["actor"] == "admin" and bureaus[0]["action"] == "create"
    # A robot's key is not copied onto the trail.
    assert bureaus[0]["changes"]["webhook_url"] == {"before": None, "after": "https://robot.example/send?…"}
    assert "password" not in str(client.get("/api/v1/audit?entity=user", headers=admin).json())


def test_bad_query_values_are_refused_in_the_error_shape(client, db):
    make_user(db, "admin", Role.admin)
    db.commit()
    admin = login(client, "admin")
    for query in ("limit=0", "limit=201", "cursor=0", "entity=Robert');"):
        response = client.get(f"/api/v1/audit?{query}", headers=admin)
        assert response.status_code == 422 and response.json()["error"]["code"] == "validation_error", query


def test_calendar_entries_are_on_the_trail(client, db):
    make_user(db, "admin", Role.admin)
    db.commit()
    admin = login(client, "admin")
    client.put("/api/v1/calendar/overrides/2027-02-08", headers=admin,
               json={"day": "2027-02-08", "is_workday": False, "note": "春节"})
    client.put("/api/v1/calendar/overrides/2027-02-08", headers=admin,
               json={"day": "2027-02-08", "is_workday": False, "note": "春节假期"})
    client.delete("/api/v1/calendar/overrides/2027-02-08", headers=admin)
    entries = client.get("/api/v1/audit?entity=calendar", headers=admin).json()["items"]
    assert [(e["action"], e["entity_key"], e["changes"]) for e in entries] == [
        ("delete", "2027-02-08", {"is_workday": {"before": False, "after": None},
                                  "note": {"before": "春节假期", "after": None}}),
        ("update", "2027-02-08", {"note": {"before": "春节", "after": "春节假期"}}),
        ("create", "2027-02-08", {"is_workday": {"before": None, "after": False},
                                  "note": {"before": None, "after": "春节"}})]


def test_catalog_routing_grid_and_county_imports_are_on_the_trail(client, db):
    make_bureau(db, "zhzf", "综合执法局")
    make_user(db, "dispatcher", Role.dispatcher)
    make_user(db, "admin", Role.admin)
    db.commit()
    dispatcher, admin = login(client, "dispatcher"), login(client, "admin")
    category = {"code": "0506", "name": "人行道乱停车", "name_en": "parking on the sidewalk", "family": "街面秩序",
                "default_bureau_code": "zhzf", "deadline_value": 4, "deadline_unit": "wh"}
    assert client.put("/api/v1/categories/0506", headers=dispatcher, json=category).status_code == 200
    assert client.put("/api/v1/categories/0506", headers=dispatcher,
                      json={**category, "deadline_value": 8}).status_code == 200
    assert client.put("/api/v1/point-types/main_road", headers=dispatcher,
                      json={"code": "main_road", "name": "主次干道", "name_en": "main road"}).status_code == 200
    rule = client.post("/api/v1/routing/rules", headers=dispatcher, json={
        "name": "乱停车", "category_codes": ["0506"], "bureau_code": "zhzf", "time_from": "08:00", "time_to": "12:00"})
    assert rule.status_code == 201, rule.text
    rule = rule.json()
    client.put(f"/api/v1/routing/rules/{rule['id']}", headers=dispatcher, json={
        "name": "乱停车", "category_codes": ["0506"], "bureau_code": "zhzf", "time_from": "09:30", "time_to": "12:00"})
    client.delete(f"/api/v1/routing/rules/{rule['id']}", headers=dispatcher)
    grid_service.import_cells(db, {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square(0, 0)]},
         "properties": {"code": "330790001001001", "name": "网格001"}}]}, imported_by="admin")
    config_doc.import_config(db, {"bureaus": [{"code": "jjdd", "name": "交警大队"}]}, by="cli")
    db.commit()
    trail = client.get("/api/v1/audit?limit=200", headers=admin).json()["items"]
    assert [(e["entity"], e["action"], e["actor"]) for e in trail] == [
        ("county", "import", "cli"), ("grid", "import", "admin"), ("routing_rule", "delete", "dispatcher"),
        ("routing_rule", "update", "dispatcher"), ("routing_rule", "create", "dispatcher"),
        ("point_type", "create", "dispatcher"), ("category", "update", "dispatcher"),
        ("category", "create", "dispatcher")]
    assert trail[3]["changes"] == {"time_from": {"before": "08:00:00", "after": "09:30:00"}}
    assert trail[6]["changes"] == {"deadline_value": {"before": 4, "after": 8}}
    assert trail[0]["changes"]["bureaus"] == {"before": None, "after": 1}
    assert trail[0]["actor_name"] is None and trail[2]["actor_name"] == "dispatcher"
