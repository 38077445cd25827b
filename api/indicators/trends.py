"""Trends: the main figures of the last `count` weeks or months, oldest first, for the county or one unit, each
period's figures as `service.indicators` gives them (as they stood at the period's end, now for the current one)."""

from datetime import date, datetime
from typing import Literal

from sqlmodel import Field, Session, SQLModel

from api.bureaus.models import Bureau
from api.config import Settings
from api.database import utcnow
from api.errors import not_found
from api.indicators import periods, service
from api.inputs import FORBID_EXTRA

Step = Literal["week", "month"]


class TrendQuery(SQLModel):
    model_config = FORBID_EXTRA
    step: Step = "month"
    count: int = Field(default=12, ge=1, le=36, description="how many periods, the current one last")
    bureau: str | None = Field(default=None, max_length=32, description="a unit's code; the county without")


class TrendPoint(SQLModel):
    label: str  # 2026-W48, 2026-11
    first: date
    end: date  # excluded
    starts_at: datetime  # the first day's midnight in the county's zone
    ends_at: datetime  # the end day's
    as_of: datetime  # the period's end, or now for the current one
    reports: int  # 上报数
    due: int  # 应结案数
    closed: int  # 结案数
    closure_rate: float | None  # closed / due
    on_time: int  # 按期结案数
    on_time_rate: float | None  # on_time / due
    overdue_open: int  # 超期未结数 at the period's end
    rework_rate: float | None  # (verification + spot-check failures) / rectifications


class Trend(SQLModel):
    step: Step
    bureau_code: str | None
    name: str | None  # the unit's; None for the county
    points: list[TrendPoint]  # oldest first


def _current(step: Step, today: date) -> periods.Period:
    if step == "week":
        year, week, _ = today.isocalendar()
        return periods.parse(f"{year}-W{week:02d}")
    return periods.parse(f"{today.year}-{today.month:02d}")


def _last(step: Step, count: int, today: date) -> list[periods.Period]:
    """The `count` periods up to the one holding `today`, oldest first (fewer if they would reach before 2000)."""
    found = [_current(step, today)]
    while len(found) < count and (before := found[-1].previous()) is not None:
        found.append(before)
    return found[::-1]


def trend(session: Session, settings: Settings, *, step: Step, count: int, bureau: str | None = None,
          now: datetime | None = None) -> Trend:
    """One point a period; 404 for a unit that does not exist."""
    now = now or utcnow()
    name = None
    if bureau is not None:
        unit = session.get(Bureau, bureau)
        if unit is None:
            raise not_found("单位", "unit", bureau)
        name = unit.name
    points = []
    for period in _last(step, count, now.astimezone(settings.tz).date()):
        found = service.indicators(session, settings, period=period, by="bureau", bureau=bureau, now=now,
                                   hours=False, coverage=False)
        figures = found.totals
        assert period.label is not None  # a week, a month or a quarter
        points.append(TrendPoint(
            label=period.label, first=period.first, end=period.end, starts_at=found.period.starts_at,
            ends_at=found.period.ends_at, as_of=found.period.as_of,
            reports=figures.reports, due=figures.due, closed=figures.closed, closure_rate=figures.closure_rate,
            on_time=figures.on_time, on_time_rate=figures.on_time_rate, overdue_open=figures.overdue_open,
            rework_rate=figures.rework_rate))
    return Trend(step=step, bureau_code=bureau, name=name, points=points)
