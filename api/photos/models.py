"""The photo domain's own rows: the index of perceptual hashes and the upload's acknowledgement. A ticket's
photos are the ticket domain's rows (api/tickets/models.py: Photo), as a patrol's and a citizen's report's are
theirs; this domain stores, checks and analyses their bytes."""

import uuid
from typing import Literal

from sqlmodel import Field, SQLModel

from api.tickets.models import Photo


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
