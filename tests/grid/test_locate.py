"""Locating a WGS-84 point in its cell: inside, on edges and vertices, outside, by validity date."""

import json
import math
from datetime import date

import pytest
from sqlmodel import select

from api.accounts.models import Role
from api.grid import service
from api.grid.coords import gcj02_to_wgs84, wgs84_to_gcj02
from api.grid.index import GridIndexCache
from api.grid.models import GridCell
from tests.factories import LAT0, LON0, login, make_cell, make_user, square

A, B, C, D = "330790001001001", "330790001001002", "330790001001003", "330790001001004"


@pytest.fixture
def four_cells(db):
    """A 2×2 block: A (0,0), B (1,0), C (0,1), D (1,1), squares of 0.01°."""
    for code, (col, row) in zip((A, B, C, D), ((0, 0), (1, 0), (0, 1), (1, 1)), strict=True):
        make_cell(db, code, square(col, row))
    db.commit()
    return GridIndexCache().get(db)


@pytest.mark.parametrize("lon, lat, expected", [
    (LON0 + 0.005, LAT0 + 0.005, A),            # inside A
    (LON0 + 0.015, LAT0 + 0.015, D),            # inside D
    (LON0 + 0.01, LAT0 + 0.005, A),             # on the A|B edge: the lower code wins
    (LON0 + 0.015, LAT0 + 0.01, B),             # on the B|D edge
    (LON0 + 0.01, LAT0 + 0.01, A),              # the vertex all four share
    (LON0, LAT0 + 0.005, A),                    # on the county's outer boundary
    (LON0 + 0.02, LAT0 + 0.02, D),              # outer corner
    (LON0 - 0.0001, LAT0 + 0.005, None),        # just outside
    (LON0 + 0.5, LAT0 + 0.5, None),             # far outside
])
def test_locate(four_cells, lon, lat, expected):
    assert four_cells.locate(lon, lat) == expected


def test_validity_dates(db):
    make_cell(db, A, square(0, 0))
    db.commit()
    cell = db.get(GridCell, A)
    cell.valid_from, cell.valid_to = date(2026, 1, 1), date(2026, 6, 30)
    db.commit()
    index = GridIndexCache().get(db)
    point = (LON0 + 0.005, LAT0 + 0.005)
    assert index.locate(*point, date(2026, 3, 1)) == A
    assert index.locate(*point, date(2026, 7, 1)) is None
    assert index.locate(*point, date(2025, 12, 31)) is None


def test_index_refreshes_after_an_import(db):
    cache = GridIndexCache()
    make_cell(db, A, square(0, 0))
    db.commit()
    assert cache.get(db).locate(LON0 + 0.015, LAT0 + 0.005) is None
    service.import_cells(db, {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square(1, 0)]},
         "properties": {"code": B}}]})
    db.commit()
    assert cache.get(db).locate(LON0 + 0.015, LAT0 + 0.005) == B


def test_locate_endpoint(client, db, four_cells):
    make_user(db, "insp", Role.inspector, cells=(A,))
    db.commit()
    headers = login(client, "insp")
    body = client.get("/api/v1/grid/locate", params={"lat": LAT0 + 0.015, "lon": LON0 + 0.005},
                      headers=headers).json()
    assert body["code"] == C and body["street_code"] == "330790001" and body["community_code"] == "330790001001"
    outside = client.get("/api/v1/grid/locate", params={"lat": 30.0, "lon": 121.0}, headers=headers)
    assert outside.status_code == 404 and outside.json()["error"]["code"] == "outside_grid"
    bad = client.get("/api/v1/grid/locate", params={"lat": 91, "lon": 120}, headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"


def test_cells_geojson_and_etag(client, db, four_cells):
    make_user(db, "insp", Role.inspector, cells=(B,))
    db.commit()
    headers = login(client, "insp")
    response = client.get("/api/v1/grid/cells", headers=headers)
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in body["features"]] == [A, B, C, D]
    assert body["features"][0]["geometry"]["type"] == "Polygon"
    cached = client.get("/api/v1/grid/cells", headers={**headers, "If-None-Match": response.headers["etag"]})
    assert cached.status_code == 304
    mine = client.get("/api/v1/grid/cells", params={"mine": True}, headers=headers).json()
    assert [f["properties"]["code"] for f in mine["features"]] == [B]


def _metres(lon1, lat1, lon2, lat2):
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


# Published pairs (WGS-84 → GCJ-02) from the eviltransform test suite: Shanghai, Shenzhen, Beijing.
KNOWN_PAIRS = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
]


@pytest.mark.parametrize("wgs, gcj", KNOWN_PAIRS)
def test_gcj02_conversion_within_one_metre(wgs, gcj):
    assert _metres(*gcj02_to_wgs84(*gcj), *wgs) < 1.0
    assert _metres(*wgs84_to_gcj02(*wgs), *gcj) < 1.0


def test_gcj02_import_is_stored_as_wgs84(db):
    """A cell drawn on AMap (GCJ-02) is shifted back ~hundreds of metres to where GPS puts it."""
    wgs_ring = square(0, 0)
    gcj_ring = [list(wgs84_to_gcj02(lon, lat)) for lon, lat in wgs_ring]
    service.import_cells(db, {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [gcj_ring]},
         "properties": {"code": A}}]}, crs="gcj02")
    db.commit()
    stored = json.loads(db.exec(select(GridCell.geometry)).one())["coordinates"][0]
    for (lon, lat), (exp_lon, exp_lat) in zip(stored, wgs_ring, strict=True):
        assert _metres(lon, lat, exp_lon, exp_lat) < 1.0
    assert _metres(*gcj_ring[0], *wgs_ring[0]) > 100  # the offset the conversion removed


def test_the_public_map_frames_the_cells_and_names_none(client, db):
    assert client.get("/api/v1/public/map").json()["bounds"] is None  # no grid yet: the page frames China
    for code, (col, row) in zip((A, D), ((0, 0), (1, 1)), strict=True):
        make_cell(db, code, square(col, row))
    db.commit()
    answer = client.get("/api/v1/public/map")  # no account
    assert answer.status_code == 200
    body = answer.json()
    assert body["bounds"] == [[pytest.approx(LAT0), pytest.approx(LON0)],
                              [pytest.approx(LAT0 + 0.02), pytest.approx(LON0 + 0.02)]]
    assert A not in answer.text and D not in answer.text
    assert set(body) == {"tile_url", "tile_crs", "attribution", "max_zoom", "bounds"}
