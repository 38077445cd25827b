"""The ledger's three forms, each written row by row to a file so memory stays bounded whatever the count:
XLSX (问题整改台账, XlsxWriter in constant-memory mode, thumbnails placed over their cells), CSV (stable English
columns, UTF-8 with BOM) and the PDF (整改前后对比台账, api/documents/pdf.py)."""

import csv
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import xlsxwriter
from xlsxwriter.packager import Packager

from api.documents import pdf
from api.exports.ledger import Line, photo_path
from api.indicators.models import Indicators
from api.photos.storage import LocalStorage

# (header, width in characters); photo columns are filled by pictures, not text
XLSX_COLUMNS = (("序号", 6), ("编号", 10), ("发现日期", 14), ("来源", 9), ("街道/社区/网格", 26), ("点位", 16),
                ("点位类型", 12), ("问题类别", 14), ("问题描述", 30), ("整改前照片", 15), ("责任单位", 14),
                ("交办日期", 14), ("整改时限", 14), ("整改情况", 30), ("整改完成日期", 14), ("整改后照片", 15),
                ("核查结果", 9), ("核查人", 10), ("抽查结果", 9), ("返工次数", 9), ("状态", 8), ("反复", 6),
                ("是否超期", 9))
BEFORE_COLUMN, AFTER_COLUMN = 9, 15
PHOTO_ROW_HEIGHT = 78  # points: a 320-px thumbnail at PHOTO_SCALE, with a margin
PHOTO_SCALE = 0.3
SUMMARY_COLUMNS = (("责任单位", "name", 18), ("上报数", "reports", 8), ("派遣数", "dispatched", 8),
                   ("应结案数", "due", 9), ("结案数", "closed", 8), ("结案率", "closure_rate", 9),
                   ("按期结案数", "on_time", 10), ("按期结案率", "on_time_rate", 10), ("超期未结数", "overdue_open", 10),
                   ("返工率", "rework_rate", 9), ("抽查合格率", "spotcheck_pass_rate", 10), ("反复", "recurring", 6))
CSV_COLUMNS = ("number", "ticket_id", "found_at", "source", "street", "community", "cell", "key_point",
               "point_type", "category", "description", "unit", "dispatched_at", "deadline_at", "rectification",
               "rectified_at", "verification", "verifier", "spotcheck", "rework_count", "status", "closed",
               "closed_at", "recurring", "overdue")


def _day(value: datetime | None, tz: ZoneInfo) -> date | None:
    return value.astimezone(tz).date() if value else None


def chinese_date(value: datetime | None, tz: ZoneInfo) -> str:
    day = _day(value, tz)
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


class _Packager(Packager):
    """Leaves the pictures out of the package, noting each one's file and name in it instead."""

    def __init__(self, media: list[tuple[str, str]]) -> None:
        super().__init__()
        self.media = media

    def _add_image_files(self) -> None:
        images = self.workbook.embedded_images.images + self.workbook.images
        self.media.extend((image.filename, f"xl/media/image{index}.{image._image_extension}")
                          for index, image in enumerate(images, start=1))


class _Workbook(xlsxwriter.Workbook):
    """XlsxWriter copies every picture to a temporary file, deflates it into the package and removes the copy:
    for thousands of thumbnails that costs more than all the rows. This one writes the package without them;
    `add_media` then appends each straight from its thumbnail, stored as it is (a JPEG does not deflate)."""

    def _get_packager(self) -> Packager:
        self.media: list[tuple[str, str]] = []
        return _Packager(self.media)

    def add_media(self) -> None:
        with zipfile.ZipFile(self.filename, "a", compression=zipfile.ZIP_STORED, allowZip64=True) as package:
            for path, name in self.media:
                package.write(path, name)


def write_xlsx(target: Path, pages: Iterable[list[Line]], storage: LocalStorage, tz: ZoneInfo, *, title: str,
               summary: Indicators | None, progress: Callable[[int], None]) -> int:
    """The ledger sheet and the period's summary per unit; returns the rows written. Pictures go in by the path
    of their thumbnail copy: XlsxWriter reads each once to size and fingerprint it (a picture used twice is
    stored once), and the file is read again only to append it to the package, so none stays in memory."""
    book = _Workbook(str(target), {"constant_memory": True, "tmpdir": str(target.parent),
                                             "strings_to_numbers": False, "strings_to_urls": False})
    head = book.add_format({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1,
                            "bg_color": "#DDEBF7"})
    text = book.add_format({"valign": "vcenter", "text_wrap": True, "border": 1})
    centre = book.add_format({"valign": "vcenter", "align": "center", "border": 1})
    day = book.add_format({"valign": "vcenter", "align": "center", "border": 1,
                           "num_format": 'yyyy"年"m"月"d"日"'})
    sheet = book.add_worksheet("问题整改台账")
    sheet.write(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
    for column, (name, width) in enumerate(XLSX_COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write(1, column, name, head)
    sheet.freeze_panes(2, 2)  # the header and the numbers stay in view
    row = 1
    for page in pages:
        for line in page:
            row += 1
            photos = [photo_path(storage, line.before, "thumb"), photo_path(storage, line.after, "thumb")]
            sheet.set_row(row, PHOTO_ROW_HEIGHT if any(photos) else None)
            values = (row - 1, line.number, _day(line.found_at, tz), line.source, line.place, line.key_point,
                      line.point_type, line.category, line.description, None, line.unit,
                      _day(line.dispatched_at, tz), _day(line.deadline_at, tz), line.rectification,
                      _day(line.rectified_at, tz), None, line.verification, line.verifier, line.spotcheck,
                      line.rework_count, "已销号" if line.closed else "未销号", "是" if line.recurring else "否",
                      "是" if line.overdue else "否")
            for column, value in enumerate(values):
                if isinstance(value, date):
                    sheet.write_datetime(row, column, datetime.combine(value, datetime.min.time()), day)
                elif isinstance(value, int):
                    sheet.write_number(row, column, value, centre)
                else:
                    sheet.write_string(row, column, value or "", text)
            for column, path in zip((BEFORE_COLUMN, AFTER_COLUMN), photos, strict=True):
                if path is not None:
                    # Over the cell and moving with it (not Excel 365's in-cell picture: #VALUE! in older Excel).
                    sheet.insert_image(row, column, str(path), {"x_scale": PHOTO_SCALE, "y_scale": PHOTO_SCALE,
                                                               "x_offset": 4, "y_offset": 4, "object_position": 1})
        progress(row - 1)
    if summary is not None:
        _summary_sheet(book, summary, head, text, centre)
    book.close()
    book.add_media()
    return row - 1


def _summary_sheet(book, summary: Indicators, head, text, centre) -> None:
    sheet = book.add_worksheet("分单位汇总")
    percent = book.add_format({"valign": "vcenter", "align": "center", "border": 1, "num_format": "0.0%"})
    label = summary.period.label or f"{summary.period.from_} 至 {summary.period.to}"
    sheet.write(0, 0, f"{label} 各责任单位整改情况汇总", book.add_format({"bold": True, "font_size": 14}))
    for column, (name, _field, width) in enumerate(SUMMARY_COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write(1, column, name, head)
    sheet.freeze_panes(2, 1)
    rows = [(r.name, r) for r in summary.rows] + [("合计", summary.totals)]
    for index, (name, figures) in enumerate(rows, start=2):
        sheet.write_string(index, 0, name, text)
        for column, (_name, field, _width) in enumerate(SUMMARY_COLUMNS[1:], start=1):
            value = getattr(figures, field)
            if value is None:
                sheet.write_string(index, column, "—", centre)
            else:
                sheet.write_number(index, column, value, percent if field.endswith("_rate") else centre)


def csv_rows(pages: Iterable[list[Line]], tz: ZoneInfo) -> Iterator[list]:
    """The header, then a row per ticket: times as ISO 8601 in the county's zone, yes/no as true/false."""
    yield list(CSV_COLUMNS)

    def moment(value: datetime | None) -> str:
        return value.astimezone(tz).isoformat(timespec="seconds") if value else ""

    for page in pages:
        for line in page:
            yield [line.number, str(line.ticket_id), moment(line.found_at), line.source, line.street,
                   line.community, line.cell, line.key_point, line.point_type, line.category, line.description,
                   line.unit, moment(line.dispatched_at), moment(line.deadline_at), line.rectification,
                   moment(line.rectified_at), line.verification, line.verifier, line.spotcheck, line.rework_count,
                   line.status, str(line.closed).lower(), moment(line.closed_at), str(line.recurring).lower(),
                   str(line.overdue).lower()]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(pages: Iterable[list[Line]], tz: ZoneInfo) -> Iterator[str]:
    """The CSV as text chunks (a BOM first, so Excel reads it as UTF-8), for a file or a streamed response."""
    yield "\ufeff"
    writer = csv.writer(_Echo())
    for row in csv_rows(pages, tz):
        yield writer.writerow(row)


def write_csv(target: Path, pages: Iterable[list[Line]], tz: ZoneInfo, progress: Callable[[int], None]) -> int:
    written = -1  # the header is no ticket
    with open(target, "w", encoding="utf-8", newline="") as out:
        for chunk in csv_chunks(_counting(pages, progress), tz):
            out.write(chunk)
            written += chunk != "\ufeff"
    return written


def _counting(pages: Iterable[list[Line]], progress: Callable[[int], None]) -> Iterator[list[Line]]:
    done = 0
    for page in pages:
        yield page
        done += len(page)
        progress(done)


def write_pdf(target: Path, groups: list[tuple[str, list[Line]]], storage: LocalStorage, tz: ZoneInfo, *,
              title: str, period_label: str, on_layout: Callable[[], None]) -> None:
    """Before and after side by side (their display copies), the facts under them, a section per unit."""
    def source(sha256: str | None) -> str:
        path = photo_path(storage, sha256, "display")
        return path.as_uri() if path else ""

    html = pdf.render_html("api.exports", "ledger.html", tz=tz, title=title, period_label=period_label,
                           groups=groups, total=sum(len(lines) for _unit, lines in groups), photo_src=source,
                           day=lambda v: chinese_date(v, tz))
    pdf.write_pdf(html, target, on_layout=on_layout)
