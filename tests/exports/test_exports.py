"""Ledger exports on the hand-built October of the bulletin tests: the XLSX opened with openpyxl, the PDF's text,
the CSV through the csv module, who may export what, bad filters, the feed, retention and resuming."""

import csv
import io
import os
import subprocess
import time
import uuid
import zipfile
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import quote

import openpyxl
import pytest
from PIL import Image
from sqlmodel import select

from api.accounts.models import Role
from api.database import utcnow
from api.exports import runner, service, writers
from api.exports.models import Export
from api.photos import service as photos_service
from api.tickets.models import Photo
from api.tickets.models import Ticket
from tests.bulletins.history import add_photo
from tests.factories import login, make_user
from tests.indicators.history import local

REWORKED_DESCRIPTION = "人行道上长期停放车辆"


def _finished(client, headers, **body) -> dict:
    """Ask for an export and wait until it is done or failed."""
    response = client.post("/api/v1/exports", json=body, headers=headers)
    assert response.status_code == 202, response.text
    export = response.json()
    assert export["status"] in ("queued", "running", "done") and 0 <= export["progress"] <= 1
    deadline = time.monotonic() + 60
    while export["status"] in ("queued", "running"):
        assert time.monotonic() < deadline, export
        time.sleep(0.1)
        export = client.get(f"/api/v1/exports/{export['id']}", headers=headers).json()
    return export


def _export(client, headers, **body) -> dict:
    """Ask for an export and wait until it is done."""
    export = _finished(client, headers, **body)
    assert export["status"] == "done", export
    assert export["progress"] == 1
    return export


def _file(client, headers, export):
    response = client.get(export["file_url"], headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_xlsx_ledger_has_the_columns_a_ticket_as_the_api_shows_it_and_its_photos_in_its_row(client, october, db,
                                                                                           settings):
    # Another ticket's before-photo is the late one's picture again: one picture in the file, anchored twice.
    other = db.exec(select(Ticket).where(Ticket.bureau_code == "sjj")).first()
    add_photo(db, settings, SimpleNamespace(ticket=other), "before", "gps_DSCN0010.jpg", local(10, 12))
    db.commit()
    clerk = login(client, "clerk")
    export = _export(client, clerk, format="xlsx", period="2026-10")
    response = _file(client, clerk, export)
    assert response.headers["content-type"] == service.MEDIA_TYPES["xlsx"]
    assert f"filename*=UTF-8''{quote('问题整改台账_2026年10月.xlsx')}" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["问题整改台账"]
    assert [c.value for c in sheet[2]] == [name for name, _width in writers.XLSX_COLUMNS]
    assert sheet.freeze_panes == "C3"
    ticket = client.get(f"/api/v1/tickets/{october['reworked']}", headers=clerk).json()
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=3)}
    assert len(rows) == export["rows"] > 0
    row = rows[ticket["id"][:8]]
    values = {name: cell.value for (name, _w), cell in zip(writers.XLSX_COLUMNS, row, strict=True)}
    assert values["问题描述"] == ticket["description"] == REWORKED_DESCRIPTION
    assert values["责任单位"] == "住建局" and values["问题类别"] == "人行道乱停车"
    assert values["返工次数"] == ticket["rework_count"] == 1
    assert values["状态"] == "已销号" and values["核查结果"] == "通过" and values["来源"] == "日常巡查"
    assert values["发现日期"].date().isoformat() == "2026-10-05"
    assert row[2].number_format == 'yyyy"年"m"月"d"日"'  # shown as 2026年10月5日
    assert "二号网格" in values["街道/社区/网格"]
    # Pictures over the cells of their own row: before in 整改前照片, after in 整改后照片.
    anchored = {(image.anchor._from.row + 1, image.anchor._from.col) for image in sheet._images}
    assert {(row[0].row, writers.BEFORE_COLUMN), (row[0].row, writers.AFTER_COLUMN)} <= anchored
    late_open = rows[str(october["late_open"])[:8]]
    assert (late_open[0].row, writers.BEFORE_COLUMN) in anchored
    assert (late_open[0].row, writers.AFTER_COLUMN) not in anchored  # no after-photo, no picture
    assert late_open[22].value == "是" and late_open[20].value == "未销号"
    # Each distinct thumbnail stored once, as it is on disk.
    storage = runner.photos(settings)
    thumbs = {storage.derived_path(sha256, "thumb").read_bytes()
              for sha256 in db.exec(select(Photo.sha256)).all()}
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        media = [package.read(name) for name in package.namelist() if name.startswith("xl/media/")]
    assert len(media) == len(thumbs) == 5 and set(media) == thumbs
    assert len(sheet._images) == 6
    summary = book["分单位汇总"]
    units = [r[0].value for r in summary.iter_rows(min_row=3)]
    assert {"综合执法局", "交警大队", "住建局", "市监局", "合计"} <= set(units)


def test_pdf_ledger_holds_the_numbers_and_units(client, october):
    clerk = login(client, "clerk")
    export = _export(client, clerk, format="pdf", period="2026-10")
    response = _file(client, clerk, export)
    assert response.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=response.content, capture_output=True,
                          check=True).stdout.decode()
    for ticket_id in (october["reworked"], october["flagged"], october["late_open"]):
        assert str(ticket_id)[:8] in text
    for unit in ("综合执法局", "交警大队", "住建局", "市监局"):
        assert unit in text
    assert "整改前后对比台账" in text and "2026年10月" in text and "第 1 页 / 共" in text


def test_pdf_embeds_print_size_copies_and_leaves_none_behind(client, october, db, settings, tmp_path):
    storage = runner.photos(settings)
    # A phone's 3264 × 2448 photo (its display copy 1600 px wide) after the flagged ticket's rectification.
    flagged = db.get(Ticket, october["flagged"])
    add_photo(db, settings, SimpleNamespace(ticket=flagged), "after", "mobile_jolla.jpg", local(10, 9))
    # The reworked ticket's after-photo lost its original and display copy: its thumbnail is all there is.
    lost = db.exec(select(Photo.sha256).where(Photo.ticket_id == october["reworked"], Photo.kind == "after")).one()
    photos_service.ensure_derivatives(storage, lost)
    storage.original_path(lost).unlink()
    storage.derived_path(lost, "display").unlink()
    db.commit()
    clerk = login(client, "clerk")
    export = _export(client, clerk, format="pdf", period="2026-10")
    (tmp_path / "ledger.pdf").write_bytes(_file(client, clerk, export).content)
    subprocess.run(["pdfimages", "-j", str(tmp_path / "ledger.pdf"), str(tmp_path / "image")], check=True)
    sizes = []
    for path in tmp_path.glob("image-*"):
        with Image.open(path) as image:
            sizes.append(image.size)
    assert len(sizes) == 5 and max(max(size) for size in sizes) <= writers.PRINT_EDGE
    assert (640, 480) in sizes  # the phone's photo, at print size
    assert (240, 320) in sizes  # the thumbnail, printed as it is: never enlarged
    assert not list(runner.documents(settings).tmp.iterdir())  # the print copies went with the PDF


def test_a_pdf_whose_photo_cannot_be_read_fails_and_leaves_nothing_behind(client, october, db, settings):
    storage = runner.photos(settings)
    damaged = db.exec(select(Photo.sha256).where(Photo.ticket_id == october["flagged"], Photo.kind == "before")).one()
    photos_service.ensure_derivatives(storage, damaged)
    storage.derived_path(damaged, "display").write_bytes(b"not a picture")
    export = _finished(client, login(client, "clerk"), format="pdf", period="2026-10")
    assert export["status"] == "failed" and export["error"]
    assert not list(runner.documents(settings).tmp.iterdir())


def test_csv_round_trips_with_chinese_intact(client, october):
    clerk = login(client, "clerk")
    export = _export(client, clerk, format="csv", period="2026-10")
    response = _file(client, clerk, export)
    assert response.content.startswith("\ufeff".encode())
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == list(writers.CSV_COLUMNS) and len(rows) == export["rows"]
    row = next(r for r in rows if r["ticket_id"] == str(october["reworked"]))
    assert (row["description"], row["unit"], row["category"], row["rework_count"], row["closed"]) == (
        REWORKED_DESCRIPTION, "住建局", "人行道乱停车", "1", "true")


def test_an_export_is_on_the_audit_trail_with_its_filters(client, october, db):
    make_user(db, "auditor", Role.admin)
    db.commit()
    clerk = login(client, "clerk")
    export = _export(client, clerk, format="csv", period="2026-10", bureau="zjj")
    trail = client.get("/api/v1/audit?entity=export", headers=login(client, "auditor")).json()["items"]
    entry = next(e for e in trail if e["entity_key"] == export["id"])
    assert entry["actor"] == "clerk" and entry["action"] == "create"
    assert entry["changes"]["format"]["after"] == "csv"
    assert entry["changes"]["filters"]["after"]["bureau"] == "zjj"


def test_a_bureau_naming_another_bureau_exports_its_own_tickets_only(client, october):
    zjj = login(client, "zjj1")
    export = _export(client, zjj, format="csv", period="2026-10", bureau="zhzf")
    rows = list(csv.DictReader(io.StringIO(_file(client, zjj, export).content.decode("utf-8-sig"))))
    assert rows and {r["unit"] for r in rows} == {"住建局"}
    preview = client.post("/api/v1/exports/preview", json={"period": "2026-10", "bureau": "zhzf"}, headers=zjj)
    assert preview.json()["count"] == len(rows)
    # Another unit's liaison cannot read it.
    assert client.get(f"/api/v1/exports/{export['id']}", headers=login(client, "zhzf1")).status_code == 404


def test_an_inspector_cannot_export(client, october, db):
    inspector = login(client, "insp1")
    response = client.post("/api/v1/exports", json={"format": "xlsx"}, headers=inspector)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert client.post("/api/v1/exports/preview", json={}, headers=inspector).status_code == 403
    assert db.exec(select(Export)).first() is None


@pytest.mark.parametrize("body", [
    {"format": "docx"},
    {"format": "xlsx", "bureau": "nosuch"},
    {"format": "xlsx", "category": "9999"},
    {"format": "xlsx", "cell": "999999"},
    {"format": "xlsx", "key_point": 424242},
    {"format": "xlsx", "status": ["nosuch"]},
    {"format": "xlsx", "source": "hotline"},
    {"format": "xlsx", "since": "2026-11-01T00:00:00Z", "until": "2026-10-01T00:00:00Z"},
    {"format": "xlsx", "period": "2026-13"},
    {"format": "xlsx", "since": "yesterday"},
    {"format": "xlsx", "colour": "red"},
    {"format": "pdf", "feed": True},
])
def test_bad_filters_are_refused_with_the_error_shape_and_nothing_stored(client, october, db, body):
    response = client.post("/api/v1/exports", json=body, headers=login(client, "clerk"))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] and error["message"] and error["message_en"]
    assert db.exec(select(Export)).first() is None


def test_a_pdf_too_large_to_lay_out_is_refused_up_front(client, october, db, monkeypatch):
    monkeypatch.setattr(service, "PDF_MAX_ROWS", 3)
    response = client.post("/api/v1/exports", json={"format": "pdf", "period": "2026-10"},
                           headers=login(client, "clerk"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "too_many_for_pdf"
    assert db.exec(select(Export)).first() is None


def test_preview_counts_and_shows_the_first_rows(client, october):
    clerk = login(client, "clerk")
    preview = client.post("/api/v1/exports/preview", json={"period": "2026-10", "bureau": "zjj"}, headers=clerk)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["count"] == len(body["rows"]) > 0
    assert {row["unit"] for row in body["rows"]} == {"住建局"}
    closed = client.post("/api/v1/exports/preview", json={"period": "2026-10", "status": ["closed"],
                                                         "closed_from": "2026-10-06T00:00:00+08:00"}, headers=clerk)
    assert all(row["closed"] for row in closed.json()["rows"]) and closed.json()["count"] < body["count"] + 30


def test_a_csv_feed_is_fetched_with_its_token_and_revoked_with_its_export(client, october):
    clerk = login(client, "clerk")
    export = _export(client, clerk, format="csv", period="2026-10", bureau="zjj", feed=True)
    created = client.get(f"/api/v1/exports/{export['id']}", headers=clerk).json()
    assert created["feed"] is True and created["feed_url"] is None  # the token is shown once, at creation
    response = client.post("/api/v1/exports", json={"format": "csv", "period": "2026-10", "feed": True},
                           headers=clerk)
    feed_url = response.json()["feed_url"]
    fetched = client.get(feed_url)  # no login: the token is the credential
    assert fetched.status_code == 200 and fetched.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(fetched.content.decode("utf-8-sig"))))
    assert REWORKED_DESCRIPTION in {r["description"] for r in rows}
    assert client.get("/api/v1/exports/feed.csv?token=wrong").status_code == 401
    assert client.delete(f"/api/v1/exports/{response.json()['id']}", headers=clerk).status_code == 204
    assert client.get(feed_url).status_code == 401


def test_the_worker_removes_expired_exports_but_keeps_feeds(client, october, db, engine, settings):
    clerk = login(client, "clerk")
    kept = _export(client, clerk, format="csv", period="2026-10", feed=True)
    gone = _export(client, clerk, format="csv", period="2026-09")
    for export_id in (kept["id"], gone["id"]):
        row = db.get(Export, uuid.UUID(export_id))
        row.expires_at = utcnow() - timedelta(minutes=1)
        db.add(row)
    db.commit()
    path = runner.documents(settings).path(db.get(Export, uuid.UUID(gone["id"])).sha256)
    week_ago = time.time() - 7 * 86400
    os.utime(path, (week_ago, week_ago))  # written a week ago, as an expired export's file was
    assert runner.worker_round(engine, settings)["exports_expired"] == 1
    db.expire_all()
    assert db.get(Export, uuid.UUID(gone["id"])) is None and db.get(Export, uuid.UUID(kept["id"])) is not None
    assert not path.exists()
    assert runner.documents(settings).path(db.get(Export, uuid.UUID(kept["id"])).sha256).exists()


def test_the_worker_resumes_an_export_its_process_left_behind(db, engine, settings, october):
    row = Export(format="csv", filters={"period": "2026-10"}, file_name="x.csv", status="running", attempts=1,
                 run_token=uuid.uuid4(), lease_until=utcnow() - timedelta(seconds=1),
                 created_by=october["users"]["dispatcher"].id)
    db.add(row)
    db.commit()
    assert runner.worker_round(engine, settings)["exports_resumed"] == 1
    db.expire_all()
    done = db.get(Export, row.id)
    assert done.status == "done" and done.rows > 0 and done.attempts == 2
    assert done.expires_at > utcnow() + timedelta(days=6)
