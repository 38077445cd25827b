"""Grid import: good files land whole; any bad feature is reported by index and code, and nothing lands."""

import json

import pytest
from sqlmodel import func, select
from typer.testing import CliRunner

from api.accounts.models import Role
from api.cli import app as cli
from api.errors import ApiError
from api.grid import service
from api.grid.models import CellInspector, GridArea, GridCell, GridRevision
from tests.factories import login, make_bureau, make_cell, make_user, square


def feature(code, ring, **props):
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"code": code, **props} if code is not None else props}


def collection(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def good_grid():
    return collection(
        feature("330790001001001", square(0, 0), name="一号网格", street="城中街道", community="县前社区",
                responsible_unit="czj", inspectors=["insp1"]),
        feature("330790001001002", square(1, 0), name="二号网格", inspectors="insp1, insp2"),
        feature("33079000200101", square(0, 1), name="十四位编码网格", valid_from="2026-01-01"),
    )


@pytest.fixture
def prepared(db):
    make_bureau(db, "czj", "财政局")
    make_user(db, "insp1", Role.inspector)
    make_user(db, "insp2", Role.inspector)
    db.commit()


def count(db, model):
    return db.exec(select(func.count()).select_from(model)).one()


def test_good_import_builds_hierarchy_and_assignments(db, prepared):
    revision = service.import_cells(db, good_grid(), imported_by="test")
    db.commit()
    assert revision.feature_count == 3
    assert count(db, GridCell) == 3
    areas = {a.code: a for a in db.exec(select(GridArea))}
    assert areas["330790"].level == "county"
    assert areas["330790001"].name == "城中街道" and areas["330790001"].parent_code == "330790"
    assert areas["330790001001"].name == "县前社区" and areas["330790001001"].parent_code == "330790001"
    one = db.get(GridCell, "330790001001001")
    assert one.responsible_bureau_code == "czj"
    assert 1_000_000 < one.area_m2 < 1_200_000  # 0.01° × 0.01° at 28.9° N ≈ 1.08 km²
    assert count(db, CellInspector) == 3
    assert db.get(GridCell, "33079000200101").community_code == "330790002001"


def test_reimport_updates_in_place(db, prepared):
    service.import_cells(db, good_grid())
    doc = good_grid()
    doc["features"][0]["properties"]["name"] = "改名网格"
    service.import_cells(db, doc)
    db.commit()
    assert count(db, GridCell) == 3
    assert db.get(GridCell, "330790001001001").name == "改名网格"
    assert count(db, GridRevision) == 2


BOWTIE = [[120.0, 28.9], [120.01, 28.91], [120.01, 28.9], [120.0, 28.91], [120.0, 28.9]]
OPEN_RING = square(2, 2)[:-1]
PROJECTED = [[500000, 3200000], [501000, 3200000], [501000, 3201000], [500000, 3201000], [500000, 3200000]]
SWAPPED = [[p[1], p[0]] for p in square(3, 3)]  # lat 120: out of range
ABROAD = [[p[0] - 108.1, p[1] + 14.5] for p in square(3, 3)]  # Tuscany: not a Chinese county


@pytest.mark.parametrize("bad, problem", [
    (feature("330790001001009", BOWTIE), "invalid_geometry"),
    (feature("330790001001009", OPEN_RING), "ring_not_closed"),
    (feature("330790001001009", PROJECTED), "coordinates_out_of_range"),
    (feature("330790001001009", SWAPPED), "coordinates_out_of_range"),
    (feature("330790001001009", ABROAD), "coordinates_outside_china"),
    (feature(None, square(4, 4)), "missing_code"),
    (feature("3307900010", square(4, 4)), "bad_code"),
    (feature("330790001001009", square(0, 0, size=0.005)), "overlap"),
    (feature("330790001001001", square(5, 5)), "duplicate_code"),
    (feature("330790001001009", square(4, 4), responsible_unit="nobody"), "unknown_bureau"),
    (feature("330790001001009", square(4, 4), inspectors=["ghost"]), "unknown_inspector"),
    (feature("330790001001009", square(4, 4), valid_from="21/11/2026"), "bad_date"),
    ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [120, 28.9]},
      "properties": {"code": "330790001001009"}}, "bad_geometry_type"),
])
def test_one_bad_feature_refuses_the_whole_file(db, prepared, bad, problem):
    doc = good_grid()
    doc["features"].append(bad)
    with pytest.raises(ApiError) as caught:
        service.import_cells(db, doc)
    db.rollback()
    error = caught.value
    assert error.status == 422 and error.code == "grid_invalid"
    problems = error.details["errors"]
    assert problem in {p["problem"] for p in problems}
    flagged = next(p for p in problems if p["problem"] == problem)
    assert flagged["index"] == 3 or problem == "overlap"
    assert flagged["message"] and flagged["message_en"]
    assert count(db, GridCell) == 0 and count(db, GridArea) == 0 and count(db, GridRevision) == 0


def test_every_bad_feature_is_reported(db, prepared):
    doc = collection(feature("330790001001001", BOWTIE), feature(None, square(1, 1)),
                     feature("330790001001003", OPEN_RING), feature("330790001001004", square(6, 6)))
    with pytest.raises(ApiError) as caught:
        service.import_cells(db, doc)
    reported = [(p["index"], p["code"], p["problem"]) for p in caught.value.details["errors"]]
    assert reported == [(0, "330790001001001", "invalid_geometry"), (1, None, "missing_code"),
                        (2, "330790001001003", "ring_not_closed")]


def test_overlap_with_a_cell_already_in_the_database(db, prepared):
    make_cell(db, "330790009009009", square(0, 0))
    db.commit()
    with pytest.raises(ApiError) as caught:
        service.import_cells(db, collection(feature("330790001001001", square(0, 0, size=0.02))))
    overlap = caught.value.details["errors"][0]
    assert overlap["problem"] == "overlap" and "330790009009009" in overlap["message_en"]


def test_touching_cells_and_slivers_within_tolerance_are_fine(db, prepared):
    sliver = [[p[0] - 0.000005 if p[0] > 120.0 else p[0], p[1]] for p in square(1, 0)]  # ~0.5 m overlap strip
    service.import_cells(db, collection(feature("330790001001001", square(0, 0)),
                                        feature("330790001001002", sliver)), overlap_tolerance_m2=2000)
    db.commit()
    assert count(db, GridCell) == 2


def test_import_endpoint_reports_errors(client, db, prepared):
    make_user(db, "dispatcher", Role.dispatcher)
    db.commit()
    headers = login(client, "dispatcher")
    response = client.post("/api/v1/grid/import", headers=headers,
                           json=collection(feature("330790001001001", OPEN_RING)))
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "grid_invalid"
    assert body["details"]["errors"][0]["code"] == "330790001001001"
    response = client.post("/api/v1/grid/import", headers=headers, json=good_grid())
    assert response.status_code == 200 and response.json()["imported"] == 3


def test_cli_grid_import(tmp_path, db, prepared, database_url, monkeypatch):
    monkeypatch.setenv("GRIDPATROL_DATABASE_URL", database_url)
    monkeypatch.setenv("GRIDPATROL_DATA_DIR", str(tmp_path))
    bad = tmp_path / "bad.geojson"
    bad.write_text(json.dumps(collection(feature("330790001001001", BOWTIE))))
    result = CliRunner().invoke(cli, ["grid", "import", str(bad)])
    assert result.exit_code == 1
    assert "grid_invalid" in result.output and "invalid_geometry" in result.output
    good = tmp_path / "good.geojson"
    good.write_text(json.dumps(good_grid()), encoding="utf-8")
    result = CliRunner().invoke(cli, ["grid", "import", str(good)])
    assert result.exit_code == 0, result.output
    db.expire_all()
    assert count(db, GridCell) == 3
