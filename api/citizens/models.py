"""Citizens' reports (随手拍): what anyone may send without an account, the county's public categories, and
what the reporter and the review queue see."""

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator
from sqlalchemy import JSON, CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow
from api.inputs import DeviceTime
from api.photos.models import EVIDENCE_COLUMNS
from api.tickets.models import Sha256Hex

REVIEW_STATUSES = ("received", "accepted", "merged", "rejected")
_REVIEW_LIST = ", ".join(f"'{s}'" for s in REVIEW_STATUSES)
CHANNELS = ("page", "open311")  # the public page, or another system through Open311 (docs/open311.md)
# Who may review (besides admins, always): a staff role the county names.
ReviewerRole = Literal["dispatcher", "supervisor", "ledger", "leader"]
# Which tickets Open311 lists: citizens' (their reports, under review or decided) and, if the county says so,
# inspectors' and supervision's.
TicketSource = Literal["citizen", "inspection", "supervision"]


class CitizenSettings(SQLModel, table=True):
    """The county's settings of public reporting (one row, id 1; absent: the defaults below)."""

    __tablename__ = "citizen_settings"

    id: int = Field(default=1, primary_key=True)
    reviewer_role: str = Field(default="dispatcher", max_length=16)
    per_device_hourly: int = 10  # reports an hour from one page's device id
    per_address_hourly: int = 30  # from one address (a housing estate may share one behind a carrier's NAT)
    open311_sources: list[str] = Field(default_factory=lambda: ["citizen"], sa_column=Column(JSON, nullable=False))
    location_decimals: int = 3  # Open311 shows locations rounded to this many decimal places (3: ~100 m)
    jurisdiction_id: str | None = Field(default=None, max_length=64)  # None: Open311 does not check it
    updated_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    updated_by: str | None = Field(default=None, max_length=64)


class Open311Key(SQLModel, table=True):
    """A key another system posts Open311 requests with: issued and revoked by the admin, only its hash kept."""

    __tablename__ = "open311_keys"

    id: int | None = Field(default=None, primary_key=True)
    system: str = Field(max_length=64)  # who uses it: "12345 热线平台"
    key_sha256: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)  # the key's first characters, to tell keys apart in the list
    hourly_limit: int
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: str = Field(max_length=64)
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


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
        CheckConstraint("channel IN ('page', 'open311')", name="channel_known"),
        # The review queue, oldest first; the rate limits' windows per address and per device.
        Index("ix_public_reports_status_received", "status", "received_at", "id"),
        Index("ix_public_reports_address_received", "address_key", "received_at"),
        Index("ix_public_reports_device_received", "device_key", "received_at"),
        # A key's hourly limit; and its retries (the same request again answers the same report).
        Index("ix_public_reports_api_key_received", "api_key_id", "received_at"),
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
    channel: str = Field(default="page", max_length=16)
    api_key_id: int | None = Field(default=None, foreign_key="open311_keys.id")  # the system that sent it
    media_url: str | None = Field(default=None, max_length=500)  # an Open311 request's link: staff only, not fetched


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

class CitizenSettingsWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reviewer_role: ReviewerRole = Field(description="who reviews reports besides admins (always)")
    per_device_hourly: int = Field(ge=1, le=1000)
    per_address_hourly: int = Field(ge=1, le=10_000)
    open311_sources: list[TicketSource] = Field(min_length=1, max_length=3,
                                                description="which tickets Open311 lists; `citizen` includes "
                                                            "reports still under review")
    location_decimals: int = Field(ge=0, le=6, description="Open311 rounds locations to this many decimals")
    jurisdiction_id: str | None = Field(default=None, min_length=1, max_length=64,
                                        description="null: Open311 does not check `jurisdiction_id`")

    @field_validator("open311_sources")
    @classmethod
    def _distinct_sources(cls, sources: list[str]) -> list[str]:
        if len(set(sources)) != len(sources):
            raise ValueError("sources must be distinct")
        return sources


class ReviewerAnswer(BaseModel):
    """Who reviews citizens' reports besides admins, for the app to show the review tab to them."""

    reviewer_role: ReviewerRole


class CitizenSettingsPublic(CitizenSettingsWrite):
    updated_at: datetime | None
    updated_by: str | None


class Open311KeyIssue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: str = Field(min_length=1, max_length=64, description="the system that will use the key")
    hourly_limit: int = Field(default=100, ge=1, le=100_000, description="requests it may post an hour")


class Open311KeyPublic(BaseModel):
    id: int
    system: str
    prefix: str
    hourly_limit: int
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


class Open311KeyIssued(Open311KeyPublic):
    api_key: str  # shown this once: only its hash is kept


class ReviewPhoto(BaseModel):
    id: uuid.UUID
    received: bool
    original_url: str | None  # evidence, as received
    display_url: str | None


class ReviewReport(BaseModel):
    id: uuid.UUID
    tracking_code: str
    channel: Literal["page", "open311"]
    system: str | None  # the Open311 key's system, for a report sent through Open311
    media_url: str | None  # a link the Open311 request gave: not fetched, for the reviewer to look at
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
