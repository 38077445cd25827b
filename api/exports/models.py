"""Ledger exports (台账): a row per export, generated in the background under a lease (api/documents/jobs.py),
with who asked for it, when and with which filters; and the shapes of the API."""

import uuid
from datetime import datetime
from typing import Literal

from pydantic import model_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow
from api.inputs import FORBID_EXTRA

Format = Literal["xlsx", "pdf", "csv"]
Status = Literal["queued", "running", "done", "failed"]
TicketStatus = Literal["reported", "dispatched", "accepted", "rectified", "rework", "closed", "returned", "parked",
                       "cancelled"]
Source = Literal["inspection", "supervision", "citizen"]  # citizen: reports accepted from 随手拍 (api/citizens)


class Export(SQLModel, table=True):
    """One export. Queued on request, running under a lease, then done with its file stored by SHA-256 (kept
    until `expires_at`, then removed by the worker), or failed with the reason. A CSV feed (`feed_token_sha256`)
    stands until deleted: its URL serves the filters' tickets as they are when fetched."""

    __tablename__ = "exports"
    __table_args__ = (
        CheckConstraint("format IN ('xlsx', 'pdf', 'csv')", name="format_known"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status_known"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_in_range"),
        Index("ix_exports_status_lease", "status", "lease_until"),  # the worker's look for abandoned ones
        Index("ix_exports_expires", "expires_at"),
        Index("ix_exports_creator", "created_by", "created_at"),  # a user's recent exports
        Index("ix_exports_feed_token", "feed_token_sha256", unique=True),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    format: str = Field(max_length=8)
    filters: dict = Field(sa_column=Column(JSON, nullable=False))  # ExportFilters, as asked
    status: str = Field(default="queued", max_length=16)
    progress: int = 0
    rows: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    size: int | None = None
    file_name: str = Field(max_length=200)
    error: str | None = Field(default=None, max_length=500)
    error_en: str | None = Field(default=None, max_length=500)
    attempts: int = 0
    run_token: uuid.UUID | None = None
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    feed_token_sha256: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: int = Field(foreign_key="users.id")
    generated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


# --- the API ---

class ExportFilters(SQLModel):
    """The ticket list's filters (GET /api/v1/tickets), plus closure dates, key point and source; `period`
    (2026-11, 2026-Q4…) names the summary sheet's period and, without since/until, picks tickets found in it."""

    model_config = FORBID_EXTRA
    period: str | None = Field(default=None, max_length=16)
    status: list[TicketStatus] | None = Field(default=None, max_length=9)
    bureau: str | None = Field(default=None, min_length=1, max_length=32)
    cell: str | None = Field(default=None, min_length=1, max_length=15)
    category: str | None = Field(default=None, min_length=1, max_length=8)
    key_point: int | None = Field(default=None, ge=1, le=2**31 - 1)
    source: Source | None = None
    since: datetime | None = None
    until: datetime | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    closed_from: datetime | None = None
    closed_to: datetime | None = None

    @model_validator(mode="after")
    def _ranges_in_order(self) -> "ExportFilters":
        for start, end in (("since", "until"), ("due_from", "due_to"), ("closed_from", "closed_to")):
            first, last = getattr(self, start), getattr(self, end)
            if first is not None and last is not None and first >= last:
                raise ValueError(f"{start} must be before {end}")
        return self


class ExportCreate(ExportFilters):
    format: Format
    feed: bool = Field(default=False, description="CSV only: also a standing URL with a secret token that other "
                                                  "systems fetch on a schedule (shown once, in `feed_url`)")


class ExportPublic(SQLModel):
    id: uuid.UUID
    format: Format
    filters: dict
    status: Status
    progress: float = Field(ge=0, le=1)
    rows: int | None
    size: int | None
    file_name: str
    error: str | None
    error_en: str | None
    created_at: datetime
    created_by: str
    generated_at: datetime | None
    expires_at: datetime | None
    file_url: str
    feed: bool
    feed_url: str | None = None  # only in the answer that creates the feed: the token is kept hashed


class ExportList(SQLModel):
    items: list[ExportPublic]


class PreviewRow(SQLModel):
    number: str
    found_at: datetime
    place: str
    category: str
    description: str
    unit: str | None
    status: TicketStatus  # the PWA names it in the reader's language
    closed: bool
    overdue: bool


class Preview(SQLModel):
    count: int
    rows: list[PreviewRow]
