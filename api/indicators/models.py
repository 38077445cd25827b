"""The ranking settings (a county's weights, minimum and list lengths), closed periods' frozen counts, the
index the figures read events by, and the shapes of the indicator and ranking answers."""

from datetime import date, datetime
from typing import Literal

from pydantic import model_validator
from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, table_of, utcnow
from api.inputs import FORBID_EXTRA
from api.tickets.models import TicketEvent

Grouping = Literal["bureau", "street", "community", "cell", "inspector", "category", "key_point"]

# A period's events of one kind (dispatches, returns, rectifications, verifications) and the tickets changed
# since a moment are read off this index alone; the event log is the tickets' table, the way it is read is the
# indicators' concern.
_events = table_of(TicketEvent).c
Index("ix_ticket_events_action_at", _events.action, _events.at, _events.ticket_id, _events.to_status)


RATES_ADDED = ("on_time_rate", "closure_rate", "spotcheck_pass_rate", "dispatch_accuracy", "coverage_rate")


class ScoreWeights(SQLModel):
    """Points of the composite score (综合得分). The rates above count for their share of 100 among those a
    unit has a figure for (a unit with no spot check is scored on the others); the rest are subtracted:
    `rework_rate` points at 100 % rework, the others per ticket."""

    model_config = FORBID_EXTRA
    on_time_rate: float = Field(default=50, ge=0, le=100)
    closure_rate: float = Field(default=30, ge=0, le=100)
    spotcheck_pass_rate: float = Field(default=20, ge=0, le=100)
    dispatch_accuracy: float = Field(default=0, ge=0, le=100)
    coverage_rate: float = Field(default=0, ge=0, le=100)
    rework_rate: float = Field(default=20, ge=0, le=100)
    spotcheck_fails: float = Field(default=0.5, ge=0, le=100)  # a false closure found on site
    flagged_closures: float = Field(default=1, ge=0, le=100)  # closed on evidence with integrity flags
    overdue_open: float = Field(default=0, ge=0, le=100)

    @model_validator(mode="after")
    def _something_to_score(self) -> "ScoreWeights":
        if not any(getattr(self, name) > 0 for name in RATES_ADDED):
            raise ValueError(f"give at least one of {', '.join(RATES_ADDED)} a weight above 0")
        return self


class RankingConfig(SQLModel):
    """The `ranking` block of the county configuration."""

    model_config = FORBID_EXTRA
    weights: ScoreWeights = Field(default_factory=ScoreWeights)
    min_due: int = Field(default=5, ge=0, le=100_000)  # fewer tickets due: listed, not ranked
    red: int = Field(default=3, ge=0, le=100)  # 红榜: the top N ranked units
    black: int = Field(default=3, ge=0, le=100)  # 黑榜: the bottom N


class RankingSettings(SQLModel, table=True):
    """The county's ranking configuration: one row, absent until a configuration import sets it."""

    __tablename__ = "ranking_settings"

    id: int = Field(default=1, primary_key=True)
    weights: dict = Field(sa_column=Column(JSON, nullable=False))
    min_due: int
    red: int
    black: int
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str | None = Field(default=None, max_length=64)


class FrozenTally(SQLModel, table=True):
    """A closed period's counts by one grouping, as they stood at its end. They cannot change: every figure is
    of tickets and events as they were at the end, which the append-only event log keeps. So they are counted
    once, by the worker after the period closes (api/notifications/worker.freeze_indicators), and read from here.
    Patrol coverage is not among them: a patrol made offline counts for its day, whenever it syncs."""

    __tablename__ = "indicator_tallies"

    grouping: str = Field(primary_key=True, max_length=16)
    starts_at: datetime = Field(sa_column=Column(UTCDateTime, primary_key=True))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime, primary_key=True))
    groups: dict = Field(sa_column=Column(JSON, nullable=False))  # group key → counts
    totals: dict = Field(sa_column=Column(JSON, nullable=False))  # the county's counts
    counted_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


# --- answers ---

class BureauLoad(SQLModel):
    code: str
    name: str
    open: int
    overdue: int
    escalated: int


class MissedCell(SQLModel):
    """A cell with problems its inspectors did not report first this week, their misses (漏报): found by the
    supervision team itself (暗访) or reported by citizens (群众反映)."""
    cell_code: str
    cell_name: str
    count: int  # = supervision_finds + citizen_reports
    supervision_finds: int
    citizen_reports: int
    inspectors: list[str]  # usernames
    inspector_names: list[str]


class OpenTotals(SQLModel):
    open: int
    overdue: int
    escalated: int


class TodayFigures(SQLModel):
    reports: int


class WeekFigures(SQLModel):
    due: int
    closed: int
    on_time: int
    closure_rate: float | None  # None: nothing due
    on_time_rate: float | None


class Overview(SQLModel):
    as_of: datetime
    day_start: datetime
    week_start: datetime
    missed_this_week: list[MissedCell]
    totals: OpenTotals
    bureaus: list[BureauLoad]
    today: TodayFigures
    week: WeekFigures


class PeriodPublic(SQLModel):
    kind: Literal["day", "week", "month", "quarter", "custom"]
    label: str | None  # 2026-11, 2026-W48, 2026-Q4, 2026-11-30; None for from/to
    from_: date = Field(alias="from")
    to: date  # excluded
    starts_at: datetime
    ends_at: datetime
    as_of: datetime  # the figures' moment: the period's end, or now while it runs


class Figures(SQLModel):
    """One group's figures; each rate beside the counts it is made of (None when its denominator is 0)."""

    reports: int  # 上报数
    valid_reports: int  # 有效上报数
    recurring: int  # 反复
    missed: int  # 漏报: problems in a cell its inspectors did not report, = supervision_finds + citizen_reports
    supervision_finds: int  # 督察发现: supervision's own (暗访)
    citizen_reports: int  # 群众反映: citizens' reports accepted into tickets
    dispatched: int  # 派遣数
    returns: int
    dispatch_accuracy: float | None  # 准确派遣率 = 1 − returns / dispatched
    due: int  # 应结案数
    closed: int  # 结案数
    closure_rate: float | None  # 结案率 = closed / due
    on_time: int  # 按期结案数
    on_time_rate: float | None  # 按期结案率 = on_time / due
    overdue_open: int  # 超期未结数 at the period's end
    rectifications: int
    verification_fails: int
    spotcheck_fails: int
    rework_rate: float | None  # 返工率 = (verification_fails + spotcheck_fails) / rectifications
    spotchecks: int
    spotcheck_passes: int
    spotcheck_pass_rate: float | None  # 抽查合格率 = spotcheck_passes / spotchecks
    flagged_closures: int
    coverage_due: int | None  # key-point patrols due (None where coverage does not apply)
    coverage_patrolled: int | None
    coverage_rate: float | None  # = coverage_patrolled / coverage_due
    rectified: int  # due tickets rectified by the period's end
    rectify_working_hours: float  # their working hours from dispatch to rectification, summed
    avg_rectify_working_hours: float | None  # = rectify_working_hours / rectified


class GroupNames(SQLModel):
    """A group: `key` is its code (a user's name for an inspector, a point's id for a key point), and the field
    named after the grouping carries it too."""

    key: str
    name: str
    bureau_code: str | None = None
    street_code: str | None = None
    community_code: str | None = None
    cell_code: str | None = None
    inspector: str | None = None
    category_code: str | None = None
    key_point_id: int | None = None


class IndicatorRow(Figures, GroupNames):
    """A group's name and figures."""


class Indicators(SQLModel):
    period: PeriodPublic
    by: Grouping
    totals: Figures  # the county's (a unit's liaison: its unit's)
    rows: list[IndicatorRow]


class RankingRow(SQLModel):
    bureau_code: str
    name: str
    score: float | None  # 综合得分, 0–100
    grade: Literal["A", "B", "C", "D"] | None
    ranked: bool  # enough tickets due to be ranked
    rank: int | None
    previous_rank: int | None
    rank_change: int | None  # places gained since the previous period (negative: lost)
    red: bool
    black: bool
    figures: Figures


class Rankings(SQLModel):
    period: PeriodPublic
    previous_period: PeriodPublic | None
    settings: RankingConfig
    units: list[RankingRow]  # ranked ones by rank, then the others by code
    red: list[str]  # 红榜, best first
    black: list[str]  # 黑榜, worst first
