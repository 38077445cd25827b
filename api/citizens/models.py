"""Citizens' reports (随手拍): what anyone may send without an account, the county's public categories, and
what the reporter and the review queue see."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator
from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow
from api.inputs import DeviceTime
from api.photos.models import EVIDENCE_COLUMNS
from api.tickets.models import Sha256Hex

REVIEW_STATUSES = ("received", "accepted", "merged", "rejected")
_REVIEW_LIST = ", ".join(f"'{s}'" for s in REVIEW_STATUSES)


class PublicCategory(SQLModel, table=True):
    """A category the public may report under, with the name it is shown by (the county's choice)."""

    __tablename__ = "public_categories"

    category_code: str = Field(primary_key=True, max_length=8, foreign_key="categories.code")
    public_name: str = Field(max_length=32)
    public_name_en: str = Field(max_length=64)
    position: int = 0


class PublicReport(SQLModel, table=True):
    __tablename__ = "public_reports"
    __table_args__ = (
        CheckConstraint(f"status IN ({_REVIEW_LIST})", name="status_known"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="location_in_range"),
        # The review queue, oldest first; the rate limits' windows per address and per device.
        Index("ix_public_reports_status_received", "status", "received_at", "id"),
        Index("ix_public_reports_address_received", "address_key", "received_at"),
        Index("ix_public_reports_device_received", "device_key", "received_at"),
    )

    id: uuid.UUID = Field(primary_key=True)  # made by the reporter's page: a retry never doubles a report
    tracking_code: str = Field(max_length=16, unique=True)  # what the reporter is given; not the id
    category_code: str = Field(max_length=8, foreign_key="categories.code")
    lat: float
    lon: float
    accuracy_m: float
    located_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))  # plain text, never HTML
    phone: str | None = Field(default=None, max_length=20)  # for a reply: staff only
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))  # on the reporter's phone
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(default="received", max_length=16)
    reject_reason: str | None = Field(default=None, max_length=200)  # shown to the reporter
    ticket_id: uuid.UUID | None = Field(default=None, foreign_key="tickets.id")  # made (accepted) or joined (merged)
    reviewed_by: int | None = Field(default=None, foreign_key="users.id")
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Keyed digests, not the address or the page's device id: enough to count, nothing to read back.
    address_key: str = Field(max_length=64)
    device_key: str | None = Field(default=None, max_length=64)
    request_sha256: str = Field(max_length=64)


class PublicReportPhoto(SQLModel, table=True):
    """A photo the report declared; the original is kept as evidence (staff only), like tickets' photos."""

    __tablename__ = "public_report_photos"
    __table_args__ = (Index("ix_public_report_photos_report_id", "report_id", "position"),)

    id: uuid.UUID = Field(primary_key=True)
    report_id: uuid.UUID = Field(foreign_key="public_reports.id")
    position: int
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=32)
    size: int
    received_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    width: int | None = None
    height: int | None = None


EVIDENCE_COLUMNS.append((PublicReportPhoto.sha256, PublicReportPhoto.received_at))


# --- what the public sends ---

PublicText = Annotated[str, StringConstraints(strip_whitespace=True)]


class PublicPhotoDeclaration(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: uuid.UUID
    sha256: Sha256Hex
    content_type: Literal["image/jpeg", "image/png", "image/webp", "image/heic"]
    size: int = Field(gt=0)


class PublicReportSubmit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str = Field(max_length=8)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float = Field(ge=0, le=100_000)
    located_at: DeviceTime
    created_at: DeviceTime
    description: PublicText = Field(default="", max_length=500)
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 -]{4,18}[0-9]$")] | None = None
    # A random id the page keeps for itself (no cookie): one of the rate limits counts by it.
    device_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")] | None = None
    photos: list[PublicPhotoDeclaration] = Field(min_length=1, max_length=4)

    @field_validator("photos")
    @classmethod
    def _distinct_ids(cls, photos: list[PublicPhotoDeclaration]) -> list[PublicPhotoDeclaration]:
        if len({p.id for p in photos}) != len(photos):
            raise ValueError("photo ids must be distinct")
        return photos


class PublicCategoryWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category_code: str = Field(min_length=1, max_length=8)
    public_name: str = Field(min_length=1, max_length=32)
    public_name_en: str = Field(min_length=1, max_length=64)


class PublicCategoryList(BaseModel):
    """The whole public list, in the order the page shows it."""

    model_config = ConfigDict(extra="forbid")
    categories: list[PublicCategoryWrite] = Field(max_length=100)


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket_id: uuid.UUID


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200)


class AcceptRequest(BaseModel):
    """The reviewer may correct the category the reporter chose (any active one, public or not)."""

    model_config = ConfigDict(extra="forbid")
    category: str | None = Field(default=None, min_length=1, max_length=8)


# --- what the public is answered ---

class PublicCategoryPublic(BaseModel):
    code: str
    name: str
    name_en: str


class PublicReceipt(BaseModel):
    """The reporter's acknowledgement: the code to follow the report by, and which photos are still to send."""

    tracking_code: str
    status_url: str
    photos_missing: list[uuid.UUID]


class PublicPhotoReceipt(BaseModel):
    photo_id: uuid.UUID
    status: Literal["received", "already_received"]


Stage = Literal["received", "accepted", "fixed", "closed", "rejected"]


class PublicStatus(BaseModel):
    """What a tracking code shows: the stage in plain words, never who handled it or how."""

    tracking_code: str
    stage: Stage
    stage_text: str
    stage_text_en: str
    category_name: str
    category_name_en: str
    received_at: datetime
    reject_reason: str | None
    after_photos: list[str]  # display URLs (upright, EXIF-free copies)


# --- what staff see ---

class ReviewPhoto(BaseModel):
    id: uuid.UUID
    received: bool
    original_url: str | None  # evidence, as received
    display_url: str | None


class ReviewReport(BaseModel):
    id: uuid.UUID
    tracking_code: str
    status: Literal["received", "accepted", "merged", "rejected"]
    category_code: str
    category_name: str
    lat: float
    lon: float
    accuracy_m: float
    located_at: datetime
    description: str
    phone: str | None
    created_at: datetime
    received_at: datetime
    reject_reason: str | None
    ticket_id: uuid.UUID | None
    reviewed_by: int | None
    reviewed_at: datetime | None
    photos: list[ReviewPhoto]


class ReviewOutcome(ReviewReport):
    replayed: bool  # the same decision again: nothing changed
