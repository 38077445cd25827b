"""Reporting periods in the county's zone: a day `2026-11-30`, an ISO week `2026-W48`, a month `2026-11`,
a quarter `2026-Q4`, or dates from/to. A period is half-open, [first day 00:00, end day 00:00)."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from api.errors import ApiError

EARLIEST = date(2000, 1, 1)
MAX_DAYS = 400  # a year and a bit: a custom period longer than that is a mistake, and slow

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
Kind = Literal["day", "week", "month", "quarter", "custom"]


def _bad(zh: str, en: str, value: str | None = None) -> ApiError:
    return ApiError(422, "bad_period", zh, en, {"period": value} if value is not None else None)


@dataclass(frozen=True)
class Period:
    kind: Kind
    first: date
    end: date  # exclusive

    @property
    def label(self) -> str | None:
        if self.kind == "day":
            return self.first.isoformat()
        if self.kind == "week":
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return f"{self.first.year}-{self.first.month:02d}"
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        return None

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Midnight to midnight in the county's zone, as UTC."""
        start, end = (datetime.combine(day, time(), tz).astimezone(UTC) for day in (self.first, self.end))
        return start, end

    def previous(self) -> "Period | None":
        """The period of the same kind just before (a custom one: as long, ending where this starts);
        None before 2000."""
        if self.kind in ("month", "quarter"):
            first = _add_months(self.first, -1 if self.kind == "month" else -3)
        else:
            first = self.first - (self.end - self.first)
        if first < EARLIEST:
            return None
        return Period("custom", first, self.first) if self.kind == "custom" else _period(self.kind, first)


def _add_months(day: date, months: int) -> date:
    """The first of the month `months` after `day`'s (ValueError past 9999)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _period(kind: Kind, first: date) -> Period:
    if kind == "day":
        end = first + timedelta(days=1)
    elif kind == "week":
        end = first + timedelta(days=7)
    else:
        end = _add_months(first, 1 if kind == "month" else 3)
    return Period(kind, first, end)


def parse(text: str) -> Period:
    """`2026-11-30`, `2026-W48`, `2026-11` or `2026-Q4`; 422 `bad_period` for anything else, for a period
    before 2000, or one that would end after 9999."""
    try:
        if match := _DAY.match(text):
            period = _period("day", date(*map(int, match.groups())))
        elif match := _WEEK.match(text):
            period = _period("week", date.fromisocalendar(int(match[1]), int(match[2]), 1))
        elif match := _MONTH.match(text):
            period = _period("month", date(int(match[1]), int(match[2]), 1))
        elif match := _QUARTER.match(text):
            period = _period("quarter", date(int(match[1]), 3 * int(match[2]) - 2, 1))
        else:
            raise _bad("时间段格式应为 2026-11-30、2026-W48、2026-11 或 2026-Q4",
                       "a period is written 2026-11-30, 2026-W48, 2026-11 or 2026-Q4", text)
    except (ValueError, OverflowError):
        raise _bad("时间段不存在（日期、周次或月份无效，或晚于9999年）",
                   "no such period (an invalid date, week or month, or past 9999)", text) from None
    if period.first < EARLIEST:
        raise _bad("时间段不能早于2000年", "periods start in 2000 or later", text)
    return period


def between(first: date, end: date) -> Period:
    """Dates from/to: [first, end), the end day excluded (November is 2026-11-01 to 2026-12-01)."""
    if first < EARLIEST:
        raise _bad("时间段不能早于2000年", "periods start in 2000 or later", first.isoformat())
    if end <= first:
        raise _bad("结束日期须晚于开始日期（结束日当天不计入）",
                   "`to` must be after `from` (the `to` day itself is not included)")
    if (end - first).days > MAX_DAYS:
        raise _bad(f"时间段不能超过{MAX_DAYS}天", f"a period spans at most {MAX_DAYS} days")
    return Period("custom", first, end)


def recently_closed(today: date) -> list[tuple[Period, bool]]:
    """The weeks, months and quarters whose figures leaders read once they close: the last of each kind, and
    the one before it (its ranks give the change in rank), with whether every grouping is read (the last) or
    the units' alone (the one before)."""
    found = []
    firsts: tuple[tuple[Kind, date], ...] = (
        ("week", today - timedelta(days=today.weekday())), ("month", today.replace(day=1)),
        ("quarter", date(today.year, (today.month - 1) // 3 * 3 + 1, 1)))
    for kind, first in firsts:
        last = _period(kind, first).previous()
        found += [(last, True), (last and last.previous(), False)]
    return [(period, every) for period, every in found if period is not None]
