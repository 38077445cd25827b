"""Bulletins (通报): a row per document, generated in the background, and the shapes of the API and of what a
bulletin shows (its content, kept with the row so the page of a published one never changes)."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import field_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index, text
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow
from api.inputs import FORBID_EXTRA

Kind = Literal["weekly", "monthly", "quarterly"]
Status = Literal["queued", "running", "done", "failed"]
PERIOD_KINDS = {"weekly": "week", "monthly": "month", "quarterly": "quarter"}  # a bulletin's kind → its period's
SHOWCASE_MAX = 30
PUBLISHED = "published_at IS NOT NULL"


class Bulletin(SQLModel, table=True):
    """One bulletin. Queued on request, then running (a worker holds a lease on it and renews it with every step
    of progress), then done with its PDF stored by SHA-256, or failed with the reason. A published one is never
    changed again; a correction is a new row of the same period with the next version."""

    __tablename__ = "bulletins"
    __table_args__ = (
        CheckConstraint("kind IN ('weekly', 'monthly', 'quarterly')", name="kind_known"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_in_range"),
        # One version N of a period: two publications racing for the same number, one fails.
        Index("uq_bulletins_published_version", "kind", "period", "version", unique=True,
              postgresql_where=text(PUBLISHED), sqlite_where=text(PUBLISHED)),
        # The worker's look for work a dead process left behind.
        Index("ix_bulletins_status_lease", "status", "lease_until"),
        Index("ix_bulletins_created", "created_at", "id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=16)
    period: str = Field(max_length=16)  # 2026-W48, 2026-11, 2026-Q4
    status: str = Field(default="queued", max_length=16)
    progress: int = 0
    # The dispatcher's 曝光台; None: the period's overdue, reworked and integrity-flagged tickets.
    showcase_ticket_ids: list | None = Field(default=None, sa_column=Column(JSON))
    version: int  # the number it is published as: the period's published versions + 1
    supersedes_id: uuid.UUID | None = Field(default=None, foreign_key="bulletins.id")  # the version it corrects
    content: dict | None = Field(default=None, sa_column=Column(JSON))  # BulletinContent, as generated
    sha256: str | None = Field(default=None, max_length=64)  # of the PDF (api/documents/store.py)
    size: int | None = None
    error: str | None = Field(default=None, max_length=500)
    error_en: str | None = Field(default=None, max_length=500)
    attempts: int = 0  # generations started; the worker gives up after a few
    run_token: uuid.UUID | None = None  # the current generation's: a generation that lost its lease writes nothing
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: int = Field(foreign_key="users.id")
    generated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    published_by: int | None = Field(default=None, foreign_key="users.id")


# --- the API ---

class BulletinCreate(SQLModel):
    model_config = FORBID_EXTRA
    kind: Kind
    period: str = Field(min_length=1, max_length=16, description="2026-W48 (weekly), 2026-11 (monthly), 2026-Q4")
    showcase_ticket_ids: list[uuid.UUID] | None = Field(
        default=None, max_length=SHOWCASE_MAX,
        description="曝光台: tickets chosen by the dispatcher, in order (default: the period's overdue, reworked "
                    "and integrity-flagged tickets with before and after photos)")

    @field_validator("showcase_ticket_ids")
    @classmethod
    def _distinct(cls, ids: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
        if ids is not None and len(set(ids)) != len(ids):
            raise ValueError("ticket ids must be distinct")
        return ids


class BulletinPublic(SQLModel):
    id: uuid.UUID
    kind: Kind
    period: str
    title: str
    status: Status
    progress: int = Field(ge=0, le=100)
    version: int
    supersedes: uuid.UUID | None  # the published version this one corrects
    supersedes_version: int | None
    published_at: datetime | None
    sha256: str | None  # of the PDF, once generated; frozen with it at publication
    size: int | None
    error: str | None
    error_en: str | None
    showcase_ticket_ids: list[uuid.UUID] | None
    created_at: datetime
    created_by: str
    generated_at: datetime | None
    pdf_url: str
    html_url: str


class BulletinList(SQLModel):
    items: list[BulletinPublic]


# --- what a bulletin shows (names, never codes) ---

class Scope(SQLModel):
    """What the period covered: units (those ranked), cells, key points and their patrols, and problems."""

    units: int
    ranked: int
    cells: int
    key_points: int
    patrols_due: int | None
    patrolled: int | None
    reports: int
    valid_reports: int
    # Of the valid reports, the cells' misses by source; None in a bulletin made before they were counted.
    supervision_finds: int | None = None
    citizen_reports: int | None = None
    due: int
    closed: int
    open: int
    overdue_open: int


class SummaryFigure(SQLModel):
    label: str
    unit: Literal["count", "rate"]
    value: int | float | None
    previous: int | float | None
    change: int | float | None  # in the figure's unit: tickets, or percentage points for a rate
    better: Literal["higher", "lower"]


class RankingLine(SQLModel):
    name: str
    rank: int | None
    rank_change: int | None
    score: float | None
    grade: str | None
    due: int
    closed: int
    on_time: int
    closure_rate: float | None
    on_time_rate: float | None
    rework_rate: float | None
    overdue_open: int
    red: bool
    black: bool


class PhotoRef(SQLModel):
    id: uuid.UUID
    sha256: str
    taken: datetime | None  # received, for an after-photo; captured, for the problem's


class ShowcaseItem(SQLModel):
    ticket_id: uuid.UUID
    number: str  # the first eight of the ticket's id, as the PWA shows it
    category: str
    place: str  # the cell's name (and the key point's, when raised at one)
    unit: str | None
    description: str
    found_at: datetime
    deadline_at: datetime | None
    status: str  # in Chinese
    reasons: list[str]
    before: PhotoRef | None
    after: PhotoRef | None


class TicketLine(SQLModel):
    number: str
    category: str
    place: str
    unit: str | None
    deadline_at: datetime | None
    at: datetime  # when it became overdue, or was escalated
    status: str
    late_by_days: float | None  # past the deadline at the period's end (or until rectified, if before that)


class Hotspot(SQLModel):
    place: str
    category: str
    tickets: int
    recurring: int


class KeyPointLine(SQLModel):
    name: str
    point_type: str
    unit: str | None
    patrols: int
    failed_patrols: int
    failed_items: int
    tickets: int
    items: list[str]  # the checklist items that failed most, most first


class BulletinContent(SQLModel):
    title: str
    county: str | None
    kind: Kind
    period: str
    period_label: str  # 2026年11月
    range_label: str  # 2026年11月1日至11月30日
    as_of: datetime
    generated_at: datetime
    version: int
    correction: str | None  # 更正：本期通报替代 第 N 版
    scope: Scope
    summary: list[SummaryFigure]
    previous_label: str | None
    min_due: int
    ranking: list[RankingLine]
    red: list[str]
    black: list[str]
    showcase: list[ShowcaseItem]
    overdue: list[TicketLine]
    overdue_total: int
    escalated: list[TicketLine]
    escalated_total: int
    hotspots: list[Hotspot]
    key_points: list[KeyPointLine]
