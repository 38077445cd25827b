import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow
from api.inputs import FORBID_EXTRA, AwareMoment


class SpotCheckDraw(SQLModel, table=True):
    """One random draw of closed tickets (督察抽查); the seed is kept so anyone can redraw and compare."""

    __tablename__ = "spotcheck_draws"

    id: int | None = Field(default=None, primary_key=True)
    seed: int = Field(sa_column=Column(BigInteger, nullable=False))  # up to 2**62
    closed_from: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    closed_to: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    rate: float
    min_per_bureau: int
    drawn_by: int = Field(foreign_key="users.id")
    drawn_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class SpotCheck(SQLModel, table=True):
    """A sampled ticket to re-inspect on site."""

    __tablename__ = "spotchecks"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'passed', 'failed')", name="status_known"),
        Index("ix_spotchecks_status_bureau", "status", "bureau_code"),
        Index("ix_spotchecks_ticket_id", "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="spotcheck_draws.id")
    ticket_id: uuid.UUID = Field(foreign_key="tickets.id")
    bureau_code: str = Field(max_length=32, foreign_key="bureaus.code")
    status: str = Field(default="open", max_length=8)
    note: str = Field(default="", max_length=500)
    photo_ids: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    result_by: int | None = Field(default=None, foreign_key="users.id")
    result_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    action_id: uuid.UUID | None = Field(default=None, unique=True)
    request_sha256: str | None = Field(default=None, max_length=64)


class DrawRequest(SQLModel):
    model_config = FORBID_EXTRA
    closed_from: AwareMoment
    closed_to: AwareMoment
    rate: float = Field(gt=0, le=1)
    min_per_bureau: int = Field(default=1, ge=0, le=100)
    seed: int | None = Field(default=None, ge=0, le=2**62)


class SpotCheckResult(SQLModel):
    model_config = FORBID_EXTRA
    action_id: uuid.UUID
    result: Literal["pass", "fail"]
    note: str = Field(default="", max_length=500)
    photo_ids: list[uuid.UUID] = Field(min_length=1, max_length=9)


# --- what the API answers ---

class SampledTicket(SQLModel):
    status: str
    category_code: str
    category_name: str | None
    lat: float
    lon: float
    cell_code: str | None
    cell_name: str | None
    closed_at: datetime | None


class SpotCheckPublic(SQLModel):
    """A task, with its unit's name; `ticket` (where to go, what was closed) in the task list."""
    id: int
    draw_id: int
    ticket_id: uuid.UUID
    bureau_code: str
    bureau_name: str | None
    status: Literal["open", "passed", "failed"]
    note: str
    photo_ids: list[uuid.UUID]
    result_by: int | None
    result_at: datetime | None
    action_id: uuid.UUID | None
    ticket: SampledTicket | None = None


class SpotCheckOutcome(SpotCheckPublic):
    replayed: bool  # the same action_id again: nothing new was recorded


class DrawPublic(SQLModel):
    id: int
    seed: int
    closed_from: datetime
    closed_to: datetime
    rate: float
    min_per_bureau: int
    drawn_by: int
    drawn_at: datetime
    tasks: list[SpotCheckPublic]
