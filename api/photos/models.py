import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy import JSON, CheckConstraint, Column, Index, text
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime

PENDING = "received_at IS NOT NULL AND analysed_at IS NULL"


class Photo(SQLModel, table=True):
    """A declared photo of a ticket; the bytes arrive separately and are stored by their SHA-256."""

    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint("kind IN ('before', 'after', 'verification', 'spotcheck')", name="kind_known"),
        Index("ix_photos_ticket_id_position", "ticket_id", "position"),
        Index("ix_photos_sha256", "sha256"),
        # The worker's sweep for photos whose analysis never ran (their process died first).
        Index("ix_photos_analysis_pending", "received_at", postgresql_where=text(PENDING), sqlite_where=text(PENDING)),
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


class PhotoHashBand(SQLModel, table=True):
    """One byte of a photo's perceptual hash, for finding near-duplicates without reading every hash:
    two hashes at most d bits apart agree on at least 8 − d of their eight bytes in place (pigeonhole),
    so the candidates are the photos sharing that many (api/photos/service.py: _near_duplicates)."""

    __tablename__ = "photo_hash_bands"

    band: int = Field(primary_key=True)  # 0-7, which byte of the 64-bit hash
    value: int = Field(primary_key=True)  # 0-255
    photo_id: uuid.UUID = Field(primary_key=True, foreign_key="photos.id")


class PhotoReceipt(SQLModel):
    """The upload's acknowledgement: the phone deletes its copy only after one of these."""

    photo_id: uuid.UUID
    status: Literal["received", "already_received"]


# The columns that name stored originals (sha256, received_at), for the sweep of orphaned files: a domain
# above this one that keeps photos of its own adds its columns here.
EVIDENCE_COLUMNS: list[tuple] = [(Photo.sha256, Photo.received_at)]
