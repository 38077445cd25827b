"""Reading a county's spreadsheet (CSV or XLSX) for an all-or-nothing import: each record with its row number as
the file shows it, so an error report points at the line a clerk sees in Excel."""

import csv
import io
from typing import Any

from api.errors import ApiError


def _unreadable(fmt: str) -> ApiError:
    return ApiError(422, "file_unreadable", f"无法读取 {fmt.upper()} 文件", f"cannot read the {fmt} file")


def _decode(content: bytes, fmt: str) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return content.decode("gb18030")  # Excel on Chinese Windows saves CSV in GBK
        except UnicodeDecodeError:
            raise _unreadable(fmt) from None


def _cells(content: bytes, fmt: str) -> list[tuple[Any, ...]]:
    if fmt == "csv":
        return [tuple(row) for row in csv.reader(io.StringIO(_decode(content, fmt)))]
    from openpyxl import load_workbook  # only imports need it

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        return list(sheet.iter_rows(values_only=True))
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise _unreadable(fmt) from None


def read_rows(content: bytes, fmt: str, headers: dict[str, str] | None = None) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {column: value}) for each non-blank record under the first row's headers: the first data row
    is row 2, and blank rows keep their numbers. `headers` maps other names of a column (Chinese ones) to ours.
    A CSV's record is one line (a quoted field spanning lines would shift the numbers after it)."""
    rows = _cells(content, fmt)
    if not rows:
        return []
    aliases = headers or {}
    names = [aliases.get(str(h).strip(), str(h).strip()) if h is not None else "" for h in rows[0]]
    return [(number, dict(zip(names, row, strict=False)))
            for number, row in enumerate(rows[1:], start=2) if any(v not in (None, "") for v in row)]
