"""The key-point registry through the API: create, edit, bulk import all or nothing, checklists."""

import io
import json

import pytest
from sqlmodel import func, select

from api.keypoints.models import ChecklistVersion, KeyPoint
from tests.factories import login


@pytest.fixture
def admin(client, county):
    return login(client, "admin", "demo1234")


def _count(db) -> int:
    db.rollback()  # a fresh snapshot: SQLite's read transaction would keep seeing the last one
    return db.exec(select(func.count()).select_from(KeyPoint)).one()


def test_a_new_point_is_located_and_named(client, admin):
    cell = client.get("/api/v1/grid/cells", headers=admin).json()["features"][0]
    lon, lat = cell["properties"]["centroid"]
    response = client.post("/api/v1/key-points", headers=admin, json={
        "name": "新建路口", "point_type": "intersection", "lat": lat, "lon": lon, "bureau_code": "jjdd",
        "has_cctv": True, "camera_no": "QX-CCTV-900", "camera_view": "路口全景"})
    assert response.status_code == 201, response.text
    point = response.json()
    assert point["cell_code"] == cell["properties"]["code"] and point["cell_name"] == cell["properties"]["name"]
    assert point["point_type_name"] == "交通路口" and point["bureau_name"] == "交警大队"
    assert point["patrol_frequency"] == "daily"  # a camera's view is checked every day
    plain = client.post("/api/v1/key-points", headers=admin, json={
        "name": "普通点位", "point_type": "bus_stop", "lat": lat + 0.0005, "lon": lon}).json()
    assert plain["patrol_frequency"] == "weekly"


@pytest.mark.parametrize("body, code", [
    ({"name": "甲", "point_type": "no_such_type", "lat": 28.905, "lon": 120.03}, "key_point_invalid"),
    ({"name": "甲", "point_type": "main_road", "lat": 28.905, "lon": 120.03, "bureau_code": "nobody"},
     "key_point_invalid"),
    ({"name": "甲", "point_type": "main_road", "lat": 10.0, "lon": 100.0}, "key_point_invalid"),  # outside the grid
    ({"name": "人民路", "point_type": "main_road", "lat": 28.905, "lon": 120.03}, "key_point_invalid"),  # name taken
    ({"name": "甲", "point_type": "main_road", "lat": 95, "lon": 120.03}, "validation_error"),
    ({"name": "甲", "point_type": "main_road", "lat": 28.905, "lon": 120.03, "active_from": "2027-01-02",
      "active_to": "2027-01-01"}, "validation_error"),
])
def test_bad_points_are_refused_and_nothing_is_stored(client, admin, db, body, code):
    before = _count(db)
    response = client.post("/api/v1/key-points", headers=admin, json=body)
    assert response.status_code == 422 and response.json()["error"]["code"] == code, response.text
    assert response.json()["error"]["message"] and response.json()["error"]["message_en"]
    assert _count(db) == before


def test_editing_a_point_moves_its_cell_and_refuses_nulls(client, admin, db):
    point = client.get("/api/v1/key-points?cctv=true", headers=admin).json()[0]
    other = next(f for f in client.get("/api/v1/grid/cells", headers=admin).json()["features"]
                 if f["properties"]["code"] != point["cell_code"])
    lon, lat = other["properties"]["centroid"]
    moved = client.patch(f"/api/v1/key-points/{point['id']}", headers=admin, json={"lat": lat, "lon": lon})
    assert moved.status_code == 200 and moved.json()["cell_code"] == other["properties"]["code"]
    refused = client.patch(f"/api/v1/key-points/{point['id']}", headers=admin, json={"name": None})
    assert refused.status_code == 422
    assert client.patch("/api/v1/key-points/9223372036854775807", headers=admin, json={}).status_code == 422
    assert client.patch("/api/v1/key-points/999999", headers=admin, json={}).status_code == 404


def test_csv_import_with_chinese_headers_and_gcj02_upserts_by_name(client, admin, db):
    csv = ("名称,点位类型,纬度,经度,责任单位,是否监控,监控编号\n"
           "导入路口一,交通路口,28.9081,120.0355,jjdd,是,QX-900\n"
           "人民路,main_road,28.9081,120.0255,zjj,是,QX-CCTV-001\n")
    before = _count(db)
    response = client.post("/api/v1/key-points/import?format=csv&crs=gcj02", headers=admin,
                           content=csv.encode("gb18030"))
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 1, "updated": 1}
    assert _count(db) == before + 1
    point = db.exec(select(KeyPoint).where(KeyPoint.name == "导入路口一")).one()
    # GCJ-02 is shifted by some hundreds of metres; stored in WGS-84.
    assert abs(point.lat - 28.9081) > 1e-4 and point.has_cctv and point.camera_no == "QX-900"
    assert point.point_type_code == "intersection" and point.cell_code


def test_an_import_with_bad_rows_reports_each_and_imports_nothing(client, admin, db):
    csv = ("name,point_type,lat,lon,declared\n"
           "好的点位,main_road,28.9050,120.0300,1\n"
           "坏类型,no_type,28.9050,120.0310,0\n"
           "没坐标,main_road,,,0\n"
           "好的点位,main_road,28.9060,120.0300,1\n"
           "坏布尔,main_road,28.9070,120.0300,maybe\n")
    before = _count(db)
    response = client.post("/api/v1/key-points/import?format=csv", headers=admin, content=csv.encode())
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "key_points_invalid"
    assert [row["row"] for row in error["details"]] == [3, 4, 5, 6]
    assert all(row["errors"] for row in error["details"])
    assert _count(db) == before


# (An XLSX cannot carry NUL: XML has no such character, and openpyxl leaves Excel's `_x0000_` escaped.)
@pytest.mark.parametrize("fmt", ["csv", "geojson"])
def test_a_nul_in_an_imported_file_is_a_row_error_on_both_engines(client, admin, db, fmt):
    rows = [["好的点位", "main_road", 28.9050, 120.0300], ["坏\x00名字", "main_road", 28.9050, 120.0310]]
    if fmt == "csv":
        content = "\n".join(",".join(map(str, row)) for row in [["name", "point_type", "lat", "lon"], *rows])
    else:
        content = json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [row[3], row[2]]},
             "properties": {"name": row[0], "point_type": row[1]}} for row in rows]})
    before = _count(db)
    response = client.post(f"/api/v1/key-points/import?format={fmt}", headers=admin, content=content.encode())
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "key_points_invalid"
    assert [row["row"] for row in error["details"]] == [1 if fmt == "geojson" else 3]
    assert _count(db) == before


def test_xlsx_and_geojson_imports(client, admin, db):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["name", "point_type", "lat", "lon", "declared", "active_from"])
    sheet.append(["表格点位", "农贸市场", 28.9052, 120.0302, "是", "2026-12-01"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post("/api/v1/key-points/import?format=xlsx", headers=admin, content=buffer.getvalue())
    assert response.status_code == 200, response.text
    point = db.exec(select(KeyPoint).where(KeyPoint.name == "表格点位")).one()
    assert point.is_declared and point.point_type_code == "farmers_market" and str(point.active_from) == "2026-12-01"

    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [120.0312, 28.9062]},
         "properties": {"name": "地图点位", "point_type": "park_square"}}]}
    response = client.post("/api/v1/key-points/import?format=geojson", headers=admin,
                           content=json.dumps(geojson).encode())
    assert response.json() == {"created": 1, "updated": 0}
    assert client.post("/api/v1/key-points/import?format=xlsx", headers=admin,
                       content=b"not a workbook").json()["error"]["code"] == "file_unreadable"


def test_checklists_are_versioned(client, admin, db):
    current = client.get("/api/v1/checklists/farmers_market", headers=admin).json()
    assert current["version"] == 1 and 8 <= len(current["items"]) <= 15
    items = current["items"][:-1]
    edited = client.put("/api/v1/checklists/farmers_market", headers=admin, json={"items": items})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    again = client.put("/api/v1/checklists/farmers_market", headers=admin, json={"items": items})
    assert again.json()["version"] == 2  # the same list is no new version
    old = client.get("/api/v1/checklists/farmers_market?version=1", headers=admin).json()
    assert len(old["items"]) == len(items) + 1
    bad = client.put("/api/v1/checklists/farmers_market", headers=admin,
                     json={"items": [{"code": "X1", "text": "要求", "category": "9999"}]})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unknown_category"
    twice = client.put("/api/v1/checklists/farmers_market", headers=admin, json={"items": [
        {"code": "X1", "text": "a", "category": "0601"}, {"code": "X1", "text": "b", "category": "0601"}]})
    assert twice.status_code == 422
    assert db.exec(select(func.count()).select_from(ChecklistVersion).where(
        ChecklistVersion.point_type_code == "farmers_market")).one() == 2
    types = {c["point_type"] for c in client.get("/api/v1/checklists", headers=admin).json()}
    assert {"farmers_market", "back_lane", "main_road", "commercial_street", "intersection", "night_market",
            "park_square", "public_toilet", "school_area"} <= types


def test_checklists_travel_in_the_county_config(client, admin):
    document = client.get("/api/v1/config/export", headers=admin).json()
    market = next(c for c in document["checklists"] if c["point_type"] == "farmers_market")
    market["items"] = market["items"][:3]
    assert client.post("/api/v1/config/import", headers=admin, json=document).status_code == 200
    assert len(client.get("/api/v1/checklists/farmers_market", headers=admin).json()["items"]) == 3
