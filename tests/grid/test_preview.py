"""The grid import's preview: checked exactly as the import checks a file, with the geometries that show each problem
on a map, or the cells the import would add and change and those it leaves alone; and nothing stored either way."""

import pytest
from shapely.geometry import shape
from sqlmodel import select

from api.accounts.models import Role
from api.audit.models import AuditEntry
from api.errors import ApiError
from api.grid import service
from api.grid.coords import gcj02_to_wgs84
from api.grid.models import CellInspector, GridArea, GridCell, GridRevision
from tests.factories import login, make_cell, make_user, square
from tests.grid.test_import import BOWTIE, OPEN_RING, collection, count, feature, good_grid, prepared  # noqa: F401


@pytest.fixture
def headers(client, db, prepared):
    make_user(db, "dispatcher", Role.dispatcher)
    db.commit()
    return login(client, "dispatcher")


def stored(db):
    """Everything an import writes, as it stands."""
    db.rollback()  # a new snapshot: the requests committed in their own sessions
    cells = {c.code: (c.name, c.geometry, c.responsible_bureau_code, c.valid_from, c.valid_to)
             for c in db.exec(select(GridCell))}
    return (cells, sorted(db.exec(select(CellInspector.cell_code, CellInspector.user_id)).all()),
            count(db, GridArea), count(db, GridRevision), count(db, AuditEntry))


def edited_grid():
    """The good grid again with cell 001 renamed and given a new border and inspector, 002 as it was, 14-digit cell
    left out, and a new cell 003."""
    doc = good_grid()
    one, two, _ = doc["features"]
    one["properties"].update(name="城中一号", inspectors=["insp2"])
    one["geometry"]["coordinates"] = [square(0, 0, size=0.009)]
    return collection(one, two, feature("330790001001003", square(2, 0), name="三号网格", valid_to="2027-12-31"))


def test_the_diff_names_what_the_import_would_change_and_nothing_changes(client, db, headers):
    service.import_cells(db, good_grid())
    db.commit()
    before = stored(db)

    response = client.post("/api/v1/grid/import/preview", headers=headers, json=edited_grid())
    assert response.status_code == 200
    preview = response.json()
    assert preview["valid"] and preview["errors"] == []
    assert [c["code"] for c in preview["added"]] == ["330790001001003"]
    assert preview["added"][0]["geometry"]["type"] == "Polygon"
    assert [c["code"] for c in preview["absent"]] == ["33079000200101"]
    assert preview["unchanged"] == 1  # 002, as it was
    [changed] = preview["changed"]
    fields = {f["field"]: (f["before"], f["after"]) for f in changed["fields"]}
    assert fields["name"] == ("一号网格", "城中一号")
    assert fields["inspectors"] == (["insp1"], ["insp2"])
    area_before, area_after = fields["geometry"]
    assert area_after < area_before  # 0.009° square inside the 0.01° one
    assert shape(changed["before_geometry"]).bounds == pytest.approx((120.0, 28.9, 120.01, 28.91))
    assert {"responsible_unit", "valid_from", "valid_to"}.isdisjoint(fields)
    assert stored(db) == before

    # What the preview promised is what the import does.
    assert client.post("/api/v1/grid/import", headers=headers, json=edited_grid()).status_code == 200
    db.rollback()  # a new snapshot: the requests committed in their own sessions
    assert db.get(GridCell, "330790001001001").name == "城中一号"
    assert db.get(GridCell, "33079000200101") is not None  # left out of the file: kept
    again = client.post("/api/v1/grid/import/preview", headers=headers, json=edited_grid()).json()
    assert (again["added"], again["changed"], again["unchanged"]) == ([], [], 3)


def test_the_same_border_drawn_from_another_vertex_is_no_change(client, db, headers):
    service.import_cells(db, good_grid())
    db.commit()
    doc = good_grid()
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    doc["features"][0]["geometry"]["coordinates"] = [ring[2:-1] + ring[:3]]  # starts at the third corner
    preview = client.post("/api/v1/grid/import/preview", headers=headers, json=doc).json()
    assert preview["changed"] == [] and preview["unchanged"] == 3


def test_an_overlap_comes_with_the_geometries_to_draw_it(client, db, headers):
    make_cell(db, "330790009009009", square(5, 5))
    db.commit()
    before = stored(db)
    doc = collection(feature("330790001001001", square(0, 0)),
                     feature("330790001001002", square(0, 0, size=0.005)),  # inside 001
                     feature("330790001001003", [[p[0] + 0.005, p[1]] for p in square(5, 5)]))  # half over 009
    preview = client.post("/api/v1/grid/import/preview", headers=headers, json=doc).json()
    assert not preview["valid"] and preview["added"] == preview["changed"] == []
    problems = {(p["index"], p["other"]): p for p in preview["errors"]}
    assert set(problems) == {(0, "330790001001002"), (1, "330790001001001"), (2, "330790009009009")}
    inner = problems[(1, "330790001001001")]
    assert inner["problem"] == "overlap" and inner["code"] == "330790001001002"
    assert shape(inner["overlap"]).area == pytest.approx(shape(inner["geometry"]).area)
    assert shape(inner["other_geometry"]).area == pytest.approx(0.0001)
    with_stored = problems[(2, "330790009009009")]
    assert shape(with_stored["overlap"]).area == pytest.approx(0.00005)
    assert shape(with_stored["other_geometry"]).bounds == pytest.approx((120.05, 28.95, 120.06, 28.96))
    assert stored(db) == before


def test_the_preview_refuses_what_the_import_refuses(client, db, headers):
    doc = collection(feature("330790001001001", BOWTIE), feature(None, square(1, 1)),
                     feature("330790001001003", OPEN_RING),
                     feature("330790001001004", square(4, 4), responsible_unit="nobody"))
    with pytest.raises(ApiError) as caught:
        service.import_cells(db, doc)
    db.rollback()
    preview = client.post("/api/v1/grid/import/preview", headers=headers, json=doc).json()
    listed = [{k: p[k] for k in ("index", "code", "problem", "message", "message_en", "other")}
              for p in preview["errors"]]
    assert listed == caught.value.details["errors"]
    drawn = {p["problem"]: p["geometry"] for p in preview["errors"]}
    assert drawn["invalid_geometry"]["type"] == "Polygon"  # the bow tie, to see where it crosses
    assert drawn["missing_code"] is None and drawn["ring_not_closed"] is None


def test_a_gcj02_file_is_previewed_in_wgs84(client, db, headers):
    preview = client.post("/api/v1/grid/import/preview?crs=gcj02", headers=headers,
                          json=collection(feature("330790001001001", square(0, 0)))).json()
    corner = preview["added"][0]["geometry"]["coordinates"][0][0]  # the file's (120.0, 28.9)
    assert corner == pytest.approx(gcj02_to_wgs84(120.0, 28.9))
    assert abs(corner[0] - 120.0) > 0.003  # hundreds of metres from where the file drew it


@pytest.mark.parametrize("query, body, code", [
    ("?crs=bd09", collection(feature("330790001001001", square(0, 0))), "bad_crs"),
    ("", {"type": "Feature", "features": []}, "validation_error"),
    ("", {"type": "FeatureCollection", "features": [7]}, "validation_error"),
])
def test_bad_requests_are_refused(client, db, headers, query, body, code):
    response = client.post(f"/api/v1/grid/import/preview{query}", headers=headers, json=body)
    assert response.status_code == 422 and response.json()["error"]["code"] == code


def test_odd_members_of_a_feature_are_reported_not_failed_on(client, db, headers):
    doc = collection({"type": "Feature", "geometry": "a polygon", "properties": {"code": "330790001001001"}},
                     {"type": "Feature", "geometry": None, "properties": ["330790001001002"]})
    preview = client.post("/api/v1/grid/import/preview", headers=headers, json=doc).json()
    assert [(p["index"], p["problem"]) for p in preview["errors"]] == [(0, "bad_geometry_type"), (1, "missing_code")]
