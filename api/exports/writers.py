"""The ledger's three forms, each written row by row to a file so memory stays bounded whatever the count:
XLSX (问题整改台账, XlsxWriter in constant-memory mode, thumbnails placed over their cells), CSV (stable English
columns, UTF-8 with BOM) and the PDF (整改前后对比台账, api/documents/pdf.py)."""

import csv
import math
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

import xlsxwriter
from PIL import Image

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
# The PDF's pictures: 640 px prints at 230 dpi or more in the ledger's 52-mm frames; the 1600-px display copies
# would print no better and make the file several times larger.
PRINT_EDGE = 640
PRINT_QUALITY = 75
PRINT_THREADS = min(4, os.cpu_count() or 1)  # the export shares its process with the API's requests
CSV_COLUMNS = ("number", "ticket_id", "found_at", "source", "street", "community", "cell", "key_point",
               "point_type", "category", "description", "unit", "dispatched_at", "deadline_at", "rectification",
               "rectified_at", "verification", "verifier", "spotcheck", "rework_count", "status", "closed",
               "closed_at", "recurring", "overdue")


def _day(value: datetime | None, tz: ZoneInfo) -> date | None:
    return value.astimezone(tz).date() if value else None


def chinese_date(value: datetime | None, tz: ZoneInfo) -> str:
    day = _day(value, tz)
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def write_xlsx(target: Path, pages: Iterable[list[Line]], storage: LocalStorage, tz: ZoneInfo, *, title: str,
               summary: Indicators | None, progress: Callable[[int], None]) -> int:
    """The ledger sheet and the period's summary per unit; returns the rows written. Pictures go in by the path
    of their thumbnail copy: XlsxWriter reads each once to size and fingerprint it (a picture used twice is
    stored once) and again only to package it, so none stays in memory."""
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True, "tmpdir": str(target.parent),
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


class _PrintCopies:
    """The PDF's pictures: each photo's display copy (its thumbnail when that is all there is) at print size,
    made once, as its page of tickets comes, next to the PDF's temporary file `target` (the store's sweep
    removes any a crash leaves), and removed once the PDF is written. WeasyPrint reads each from its file as it
    writes it, so the pictures are not held in memory. Pillow lets go of the GIL while it decodes, scales and
    encodes, so a page's copies are made on PRINT_THREADS threads."""

    def __init__(self, storage: LocalStorage, target: Path) -> None:
        self.storage, self.target = storage, target
        self.paths: dict[str, Path | None] = {}
        self.pool = ThreadPoolExecutor(PRINT_THREADS, thread_name_prefix="print-copies")

    def make(self, photos: Iterable[str | None]) -> None:
        new = [sha256 for sha256 in dict.fromkeys(photos) if sha256 is not None and sha256 not in self.paths]
        # Named before they are made, so that whatever fails, what was written is removed with the rest.
        targets = [self.target.with_name(f"{self.target.stem}.{sha256}.jpg") for sha256 in new]
        self.paths.update(zip(new, targets, strict=True))
        for sha256, made in zip(new, self.pool.map(self._copy, new, targets), strict=True):
            if not made:
                self.paths[sha256] = None

    def _copy(self, sha256: str, target: Path) -> bool:
        source = photo_path(self.storage, sha256, "display") or photo_path(self.storage, sha256, "thumb")
        if source is None:
            return False
        with open(target, "wb") as out:
            print_copy(source, out)
        return True

    def uri(self, sha256: str | None) -> str:
        path = self.paths.get(sha256) if sha256 else None
        return path.as_uri() if path else ""

    def __enter__(self) -> "_PrintCopies":
        return self

    def __exit__(self, *_exc) -> None:
        self.pool.shutdown(cancel_futures=True)  # waits for those under way: none writes after the removal
        for path in self.paths.values():
            if path is not None:
                path.unlink(missing_ok=True)


def print_copy(source: Path, out: BinaryIO) -> None:
    """`source` with its long side at most PRINT_EDGE, never enlarged, as a JPEG of PRINT_QUALITY."""
    with Image.open(source) as image:
        width, height = image.size
        scale = min(1.0, PRINT_EDGE / max(width, height))
        box = (math.ceil(width * scale), math.ceil(height * scale))
        image.draft("RGB", box)  # a JPEG decodes at the smallest scale that still covers the box
        image.thumbnail(box, Image.Resampling.BICUBIC, reducing_gap=2.0)
        image.save(out, "JPEG", quality=PRINT_QUALITY, icc_profile=image.info.get("icc_profile"))


def write_pdf(target: Path, pages: Iterable[list[Line]], storage: LocalStorage, tz: ZoneInfo, *, title: str,
              period_label: str, progress: Callable[[int], None], on_layout: Callable[[], None]) -> int:
    """Before and after side by side (print-size copies), the facts under them, a section per unit; returns the
    tickets written. WeasyPrint lays the document out whole, so the lines are gathered by unit first
    (service.PDF_MAX_ROWS bounds how many)."""
    groups: dict[str, list[Line]] = {}
    done = 0
    with _PrintCopies(storage, target) as prints:
        for page in pages:
            prints.make(photo for line in page for photo in (line.before, line.after))
            for line in page:
                groups.setdefault(line.unit or "未派遣", []).append(line)
            done += len(page)
            progress(done)
        html = pdf.render_html("api.exports", "ledger.html", tz=tz, title=title, period_label=period_label,
                               groups=sorted(groups.items()), total=done, photo_src=prints.uri,
                               day=lambda v: chinese_date(v, tz))
        pdf.write_pdf(html, target, on_layout=on_layout)
    return done
