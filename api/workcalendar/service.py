"""Working time: deadlines in working hours or days on the Chinese calendar (holidays and 调休).

Which days are working days: the county's override table first, then chinese-calendar, and for years
it does not know yet (the State Council publishes each schedule late in the year before) Monday to
Friday, reported as `fallback_years` so the UI can say the schedule is provisional.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar


@lru_cache(maxsize=20_000)
def _national_workday(day: date) -> bool | None:
    """chinese-calendar's answer, or None for a year it does not know yet."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def parse_hours(spec: str) -> tuple[tuple[time, time], ...]:
    """'08:30-12:00,13:30-17:30' → ((08:30, 12:00), (13:30, 17:30))."""
    spans = []
    for part in spec.split(","):
        start, end = (time.fromisoformat(t.strip()) for t in part.split("-"))
        if not start < end:
            raise ValueError(f"working hours span {part!r} must start before it ends")
        spans.append((start, end))
    spans.sort()
    if any(a[1] > b[0] for a, b in zip(spans, spans[1:], strict=False)):
        raise ValueError("working hours spans overlap")
    return tuple(spans)


@dataclass
class WorkCalendar:
    tz: ZoneInfo
    hours: tuple[tuple[time, time], ...]
    overrides: dict[date, bool] = field(default_factory=dict)
    fallback_years: set[int] = field(default_factory=set)
    # Working days before each day, from _base on: whole days between two moments cost two lookups.
    _base: date | None = field(default=None, repr=False)
    _before: list[int] = field(default_factory=list, repr=False)

    @property
    def day_length(self) -> timedelta:
        return sum((datetime.combine(date.min, e) - datetime.combine(date.min, s) for s, e in self.hours),
                   timedelta())

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        national = _national_workday(day)
        if national is None:
            self.fallback_years.add(day.year)
            return day.weekday() < 5
        return national

    def _workdays_before(self, day: date) -> int:
        if self._base is None or day < self._base:
            self._base, self._before = day, [0]
        while len(self._before) <= (day - self._base).days:
            previous = self._base + timedelta(days=len(self._before) - 1)
            self._before.append(self._before[-1] + self.is_workday(previous))
        return self._before[(day - self._base).days]

    def _spans(self, day: date):
        if self.is_workday(day):
            for start, end in self.hours:
                yield (datetime.combine(day, start, self.tz), datetime.combine(day, end, self.tz))

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The moment `amount` of working time after `start` has elapsed."""
        local = start.astimezone(self.tz)
        remaining = amount
        day = local.date()
        for _ in range(3700):  # ten years of days: a guard against a calendar with no working days
            for span_start, span_end in self._spans(day):
                begin = max(span_start, local)
                if begin >= span_end:
                    continue
                if begin + remaining <= span_end:
                    return begin + remaining
                remaining -= span_end - begin
            day += timedelta(days=1)
        raise ValueError("no working time found in ten years; check the calendar overrides")

    def resumes_at(self, moment: datetime) -> datetime:
        """`moment` itself in working time, else the start of the next working span."""
        return self.add(moment, timedelta())

    def _within(self, day: date, start: datetime, end: datetime) -> timedelta:
        total = timedelta()
        for span_start, span_end in self._spans(day):
            lo, hi = max(span_start, start), min(span_end, end)
            if hi > lo:
                total += hi - lo
        return total

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time elapsed from `start` to `end` (zero if end is before start). Whole days in
        between count as a day's hours each, so a year-old ticket costs a dict lookup per day."""
        if end <= start:
            return timedelta()
        first, last = start.astimezone(self.tz).date(), end.astimezone(self.tz).date()
        if first == last:
            return self._within(first, start, end)
        # The earlier day first: asking for it may rebase the prefix sums, asking for a later one never does.
        before_second_day = self._workdays_before(first + timedelta(days=1))
        whole = self._workdays_before(last) - before_second_day
        return self._within(first, start, end) + self._within(last, start, end) + whole * self.day_length

    def deadline(self, start: datetime, value: int, unit: str) -> datetime:
        """Deadline for a category's limit: `wh` working hours, `wd` working days (a day's hours each)."""
        amount = timedelta(hours=value) if unit == "wh" else self.day_length * value
        return self.add(start, amount)
