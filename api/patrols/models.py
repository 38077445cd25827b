"""Patrols of key points against their checklist, as the phone sends them."""

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, field_validator
from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, table_of, utcnow
from api.inputs import FORBID_EXTRA, DeviceTime
from api.keypoints.models import KeyPointPublic
from api.photos.models import EVIDENCE_COLUMNS
from api.tickets.models import OPEN_STATUSES, PhotoDeclaration, Ticket, status_in_sql


class Patrol(SQLModel, table=True):
    __tablename__ = "patrols"
    __table_args__ = (
        Index("ix_patrols_key_point_day", "key_point_id", "day"),
        Index("ix_patrols_day", "day"),
    )

    id: uuid.UUID = Field(primary_key=True)  # made on the phone
    key_point_id: int = Field(foreign_key="key_points.id")
    inspector_id: int = Field(foreign_key="users.id", index=True)
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    day: date  # the county-local date it was started: it counts for that day, whenever it synced
    lat: float
    lon: float
    accuracy_m: float
    located_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    distance_m: float
    off_site_reason: str | None = Field(default=None, max_length=500)
    checklist_version: int
    items: list = Field(sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    request_sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class PatrolPhoto(SQLModel, table=True):
    """An overview photo of a patrol; the bytes are stored like tickets' photos, by their SHA-256."""

    __tablename__ = "patrol_photos"

    id: uuid.UUID = Field(primary_key=True)
    patrol_id: uuid.UUID = Field(foreign_key="patrols.id", index=True)
    position: int
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=32)
    size: int
    received_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


EVIDENCE_COLUMNS.append((PatrolPhoto.sha256, PatrolPhoto.received_at))

# The tickets at key points by when they were closed, for the readiness board's overdue days and open problems:
# the ones still open (no closed_at: it is set when a ticket closes and cleared when a spot check reopens it) and
# the ones closed in its window, read from this index alone. By creation (ix_tickets_key_point), the board would
# walk every older ticket of each point to find the few still open. Cancelled and incomplete tickets are left
# out: never late, and no closed_at. Declared here, on the tickets table, beside the board that reads it.
WORKED_STATUSES = (*OPEN_STATUSES, "closed")
WORKED_AT_KEY_POINT = "key_point_id IS NOT NULL AND " + status_in_sql(WORKED_STATUSES)
_tickets = table_of(Ticket).c
Index("ix_tickets_key_point_closed", _tickets.key_point_id, _tickets.closed_at, _tickets.created_at, _tickets.status,
      _tickets.deadline_at, _tickets.rectified_at, _tickets.category_code, _tickets.id,
      postgresql_where=text(WORKED_AT_KEY_POINT), sqlite_where=text(WORKED_AT_KEY_POINT))


class PatrolItem(SQLModel):
    model_config = FORBID_EXTRA
    code: str = Field(min_length=1, max_length=16)
    result: Literal["pass", "fail", "na"]
    note: str = Field(default="", max_length=500)
    ticket_id: uuid.UUID | None = None


class PatrolSubmit(SQLModel):
    model_config = FORBID_EXTRA
    key_point_id: int = Field(ge=1, le=2**31 - 1)
    started_at: DeviceTime
    finished_at: DeviceTime
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=100_000)
    located_at: DeviceTime
    checklist_version: int = Field(ge=1, le=2**31 - 1)
    off_site_reason: str | None = Field(default=None, max_length=500)
    note: str = Field(default="", max_length=2000)
    items: list[PatrolItem] = Field(min_length=1, max_length=60)
    photos: list[PhotoDeclaration] = Field(default=[], max_length=3)

    @field_validator("photos")
    @classmethod
    def _distinct_ids(cls, photos: list[PhotoDeclaration]) -> list[PhotoDeclaration]:
        if len({p.id for p in photos}) != len(photos):
            raise ValueError("photo ids must be distinct")
        return photos


class PatrolPhotoPublic(SQLModel):
    id: uuid.UUID
    received: bool


class PatrolPublic(SQLModel):
    id: uuid.UUID
    key_point_id: int
    key_point_name: str
    inspector: str
    started_at: datetime
    finished_at: datetime
    day: date
    distance_m: float
    on_site: bool
    off_site_reason: str | None
    checklist_version: int
    items: list[PatrolItem]
    note: str
    photos: list[PatrolPhotoPublic]
    created_at: datetime


# Answers built by the hundred (the due list, coverage, the board): plain pydantic models, which construct in
# half the time of SQLModel's.
class DuePoint(BaseModel):
    key_point: KeyPointPublic
    due: bool
    done: bool
    patrol_ids: list[uuid.UUID]
    last_patrolled_at: datetime | None


class DueList(BaseModel):
    date: date
    radius_m: float
    points: list[DuePoint]


class CoverageMiss(BaseModel):
    key_point_id: int
    name: str
    date: date


class CoverageFigures(BaseModel):
    due: int = 0
    patrolled: int = 0
    missed: int = 0
    pending: int = 0
    rate: float | None = None


class CoverageRow(CoverageFigures):
    key: str
    name: str
    missed_points: list[CoverageMiss] = []


class Coverage(SQLModel):
    from_: date = Field(alias="from")
    to: date
    by: str
    totals: CoverageFigures
    rows: list[CoverageRow]


class ReadinessDay(BaseModel):
    date: date
    patrolled: bool
    problems: int
    overdue: int


class OpenTicket(BaseModel):
    id: uuid.UUID
    status: str
    category_name: str
    deadline_at: datetime | None
    overdue: bool


class PointReadiness(BaseModel):
    key_point: KeyPointPublic
    status: Literal["red", "yellow", "green"]
    reasons: list[str]
    days: list[ReadinessDay]
    open_tickets: list[OpenTicket]


class Readiness(BaseModel):
    as_of: datetime
    days: int
    points: list[PointReadiness]
