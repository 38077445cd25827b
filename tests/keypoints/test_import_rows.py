"""Key-point imports read sheets as api/tabular.py does: a bad row is reported by the number the clerk sees in
Excel or an editor, blank rows above it counted."""

import io

import pytest
from openpyxl import Workbook
from sqlmodel import col, func, select

from api.keypoints.models import KeyPoint
from tests.factories import login

HEADER = ["name", "point_type", "lat", "lon"]
# Row 2 good, row 3 blank, row 4 good, row 5 without coordinates, row 6 blank, row 7 of an unknown type.
ROWS = [["空行前点位", "main_road", 28.9050, 120.0300], None, ["空行后点位", "main_road", 28.9060, 120.0300],
        ["没坐标", "main_road", None, None], None, ["坏类型", "no_type", 28.9070, 120.0300]]


def xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for number, row in enumerate(ROWS, start=2):
        for column, value in enumerate(row or [], start=1):
            sheet.cell(number, column, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv() -> bytes:
    lines = [",".join("" if v is None else str(v) for v in row) if row else "" for row in [HEADER, *ROWS]]
    return "\n".join(lines).encode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_bad_row_after_blank_rows_is_reported_by_its_number_in_the_file(client, county, db, fmt):
    admin = login(client, "admin", "demo1234")
    response = client.post(f"/api/v1/key-points/import?format={fmt}", headers=admin,
                           content=xlsx() if fmt == "xlsx" else csv())
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "key_points_invalid"
    assert [(row["row"], row["name"]) for row in error["details"]] == [(5, "没坐标"), (7, "坏类型")]
    db.rollback()  # a fresh snapshot
    assert db.exec(select(func.count()).select_from(KeyPoint).where(
        col(KeyPoint.name).in_(["空行前点位", "空行后点位"]))).one() == 0
