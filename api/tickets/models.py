import uuid
from datetime import datetime
from typing import Annotated, Literal, get_args

from pydantic import StringConstraints, field_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow
from api.inputs import FORBID_EXTRA, DeviceTime, RowId

# incomplete: waiting for declared photos (author only). Issue 4's loop adds the later states.
Status = Literal["incomplete", "reported", "dispatched", "accepted", "rectified", "rework", "closed", "returned",
                 "parked", "cancelled"]
STATUSES: tuple[Status, ...] = get_args(Status)
# Open: reported and not yet closed or cancelled, whoever holds it (the dispatcher, a bureau, the verifiers).
OPEN_STATUSES = ("reported", "dispatched", "accepted", "rectified", "rework", "returned", "parked")
# The part of that in a bureau's hands: what its triage queue lists (not reported, returned or parked,
# which wait for the dispatcher).
BureauQueueStatus = Literal["dispatched", "accepted", "rework", "rectified"]
BUREAU_QUEUE: tuple[BureauQueueStatus, ...] = get_args(BureauQueueStatus)
CLOCK_RUNNING = ("dispatched", "accepted", "rework")  # a bureau's deadline clock runs: these can be overdue
_STATUS_LIST = ", ".join(f"'{s}'" for s in STATUSES)


def status_in_sql(statuses) -> str:
    """`status IN ('a', 'b')`, the WHERE of the partial indexes below. Queries must say it the same way, with
    the values in the SQL text (service.status_in): SQLite uses a partial index only for a query that repeats
    the index's WHERE term, and it does not look into bound parameters."""
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _partial(sql: str) -> dict:
    return {"postgresql_where": text(sql), "sqlite_where": text(sql)}


class Ticket(SQLModel, table=True):
    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_LIST})", name="status_known"),
        CheckConstraint("source IN ('inspection', 'supervision', 'citizen')", name="source_known"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="location_in_range"),
        # Queues: a bureau's open tickets by deadline; an author's; recurrence by cell and category.
        Index("ix_tickets_bureau_status_deadline", "bureau_code", "status", "deadline_at", "id"),
        Index("ix_tickets_status_deadline", "status", "deadline_at", "id"),
        Index("ix_tickets_author_created", "author_id", "created_at"),
        Index("ix_tickets_cell_category_created", "cell_code", "category_code", "created_at"),
        Index("ix_tickets_created", "created_at", "id"),
        # A key point's tickets for the readiness board, read from the index alone: only tickets raised at a
        # key point, with every column the board reads.
        Index("ix_tickets_key_point", "key_point_id", "created_at", "status", "closed_at", "deadline_at",
              "rectified_at", "category_code", "id", **_partial("key_point_id IS NOT NULL")),
        # Partial indexes that hand out a queue page in order: a bureau's open work by deadline, the
        # dispatcher's unrouted tickets oldest first, pending extension and park requests by deadline.
        Index("ix_tickets_bureau_open_deadline", "bureau_code", "deadline_at", "id",
              **_partial(status_in_sql(BUREAU_QUEUE))),
        Index("ix_tickets_reported_created", "created_at", "id", **_partial(status_in_sql(["reported"]))),
        Index("ix_tickets_extension_pending_deadline", "deadline_at", "id",
              **_partial("extension_until IS NOT NULL")),
        Index("ix_tickets_park_requested_deadline", "deadline_at", "id", **_partial("park_requested_at IS NOT NULL")),
    )

    id: uuid.UUID = Field(primary_key=True)  # made on the phone at capture time
    author_id: int = Field(foreign_key="users.id")
    source: str = Field(default="inspection", max_length=16)
    status: str = Field(default="incomplete", max_length=16)
    category_code: str = Field(max_length=8, foreign_key="categories.code")
    point_type_code: str | None = Field(default=None, max_length=32, foreign_key="point_types.code")
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    lat: float
    lon: float
    accuracy_m: float
    located_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    captured_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    cell_override: str | None = Field(default=None, max_length=15, foreign_key="grid_cells.code")
    cell_code: str | None = Field(default=None, max_length=15, foreign_key="grid_cells.code")
    bureau_code: str | None = Field(default=None, max_length=32, foreign_key="bureaus.code")
    routing_rule_id: int | None = None  # no foreign key: the decision outlives an edited rule
    routing_source: str | None = Field(default=None, max_length=16)
    routing_reason: str | None = Field(default=None, max_length=512)
    routing_reason_en: str | None = Field(default=None, max_length=512)
    deadline_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    recurring_of: uuid.UUID | None = Field(default=None, foreign_key="tickets.id")
    key_point_id: int | None = Field(default=None, foreign_key="key_points.id")
    patrol_id: uuid.UUID | None = None  # no foreign key: a phone may send the ticket before its patrol
    checklist_item: str | None = Field(default=None, max_length=16)  # the item of the patrol that failed
    rework_count: int = 0
    escalated: bool = False  # 督办
    dispatched_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # the clock starts
    parked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    parked_from: str | None = Field(default=None, max_length=16)
    parked_seconds: int = 0  # working time spent parked (挂账), which the deadline does not count
    extension_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # pending 延期
    extension_reason: str | None = Field(default=None, max_length=500)
    # A bureau's pending request to park the ticket (挂账申请), for the dispatcher to decide.
    park_requested_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    park_request_reason: str | None = Field(default=None, max_length=500)
    overdue_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))  # when the worker noticed
    request_sha256: str = Field(max_length=64)  # of the canonical capture body, for idempotent replays
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # The bureau's last rectification: its clock stops here (verification time is not the bureau's).
    rectified_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class TicketEvent(SQLModel, table=True):
    """Append-only history: never updated or deleted."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: uuid.UUID = Field(foreign_key="tickets.id")
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    actor_role: str | None = Field(default=None, max_length=16)
    action: str = Field(max_length=32)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str | None = Field(default=None, max_length=16)
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    action_id: uuid.UUID | None = Field(default=None, unique=True)


ANALYSIS_PENDING = "received_at IS NOT NULL AND analysed_at IS NULL"


class Photo(SQLModel, table=True):
    """A photo of a ticket: declared in its capture (before), or added by an action's upload (after,
    verification, spotcheck). The bytes arrive separately; the photo domain (api/photos) keeps them by their
    SHA-256, analyses them, and fills in what it finds."""

    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint("kind IN ('before', 'after', 'verification', 'spotcheck')", name="kind_known"),
        Index("ix_photos_ticket_id_position", "ticket_id", "position"),
        Index("ix_photos_sha256", "sha256"),
        # The worker's sweep for photos whose analysis never ran (their process died first).
        Index("ix_photos_analysis_pending", "received_at", **_partial(ANALYSIS_PENDING)),
    )

    id: uuid.UUID = Field(primary_key=True)  # made on the phone
    ticket_id: uuid.UUID = Field(foreign_key="tickets.id")
    kind: str = Field(default="before", max_length=16)
    position: int
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=32)
    size: int
    uploaded_by: int = Field(foreign_key="users.id")
    client_exif: dict | None = Field(default=None, sa_column=Column(JSON))
    received_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    width: int | None = None
    height: int | None = None
    exif: dict | None = Field(default=None, sa_column=Column(JSON))
    # Set by the analysis after the acknowledgement (api/photos/service.py: analyse_photo).
    analysed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    analysis_attempts: int = 0  # by the worker's sweep; it gives up after a few
    phash: str | None = Field(default=None, max_length=16)
    flags: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


# --- the capture contract ---

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$", to_lower=True)]


class ClientExif(SQLModel):
    """EXIF facts the phone read before re-encoding (canvas drops EXIF); kept as the client said."""

    model_config = FORBID_EXTRA
    make: str | None = Field(default=None, max_length=128)
    model: str | None = Field(default=None, max_length=128)
    software: str | None = Field(default=None, max_length=128)
    datetime_original: str | None = Field(default=None, max_length=32)
    offset_time_original: str | None = Field(default=None, max_length=8)
    gps_lat: float | None = Field(default=None, ge=-90, le=90)
    gps_lon: float | None = Field(default=None, ge=-180, le=180)
    orientation: int | None = Field(default=None, ge=1, le=8)


class PhotoDeclaration(SQLModel):
    model_config = FORBID_EXTRA
    id: uuid.UUID
    sha256: Sha256Hex
    content_type: Literal["image/jpeg", "image/png", "image/webp", "image/heic"]
    size: int = Field(gt=0)
    exif: ClientExif | None = None


class TicketCapture(SQLModel):
    model_config = FORBID_EXTRA
    category: str = Field(max_length=8)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=100_000)
    located_at: DeviceTime
    captured_at: DeviceTime
    description: str = Field(default="", max_length=2000)
    # Left out when there is none (the PWA does): an empty code would name no row.
    point_type: str | None = Field(default=None, min_length=1, max_length=32)
    cell_code: str | None = Field(default=None, min_length=1, max_length=15)
    # A problem found at a key point, on a patrol's checklist (the PWA suggests the point nearby).
    key_point_id: RowId | None = None
    patrol_id: uuid.UUID | None = None
    checklist_item: str | None = Field(default=None, min_length=1, max_length=16)
    photos: list[PhotoDeclaration] = Field(min_length=1, max_length=9)

    @field_validator("photos")
    @classmethod
    def _distinct_ids(cls, photos: list[PhotoDeclaration]) -> list[PhotoDeclaration]:
        if len({p.id for p in photos}) != len(photos):
            raise ValueError("photo ids must be distinct")
        return photos
