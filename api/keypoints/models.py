"""Key points (点位) and the evaluation checklist per point type (测评标准)."""

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints, model_validator
from sqlalchemy import JSON, CheckConstraint, Column
from sqlmodel import Field, SQLModel

from api.database import UTCDateTime, utcnow
from api.inputs import FORBID_EXTRA

Frequency = Literal["daily", "weekly"]


class KeyPoint(SQLModel, table=True):
    """A place the evaluation visits: CCTV points and declared sites (申报点位) are patrolled daily."""

    __tablename__ = "key_points"
    __table_args__ = (
        CheckConstraint("patrol_frequency IN ('daily', 'weekly')", name="frequency_known"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="location_in_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, unique=True)
    point_type_code: str = Field(max_length=32, foreign_key="point_types.code", index=True)
    lat: float
    lon: float
    cell_code: str | None = Field(default=None, max_length=15, foreign_key="grid_cells.code", index=True)
    # 点位责任单位: may differ from the cell's responsibility unit.
    bureau_code: str | None = Field(default=None, max_length=32, foreign_key="bureaus.code", index=True)
    has_cctv: bool = False
    camera_no: str | None = Field(default=None, max_length=32)
    camera_view: str | None = Field(default=None, max_length=128)  # what the camera sees
    is_declared: bool = False
    patrol_frequency: str = Field(default="daily", max_length=8)
    active_from: date | None = None
    active_to: date | None = None
    is_active: bool = True
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))

    def active_on(self, day: date) -> bool:
        return (self.is_active and (self.active_from is None or self.active_from <= day)
                and (self.active_to is None or day <= self.active_to))


def default_frequency(has_cctv: bool, declared: bool) -> str:
    return "daily" if has_cctv or declared else "weekly"


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class KeyPointFields(SQLModel):
    """What a client may set on a key point (all optional: PATCH takes any subset)."""

    model_config = FORBID_EXTRA
    name: Name | None = None
    point_type: str | None = Field(default=None, max_length=32)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    cell_code: str | None = Field(default=None, min_length=14, max_length=15)
    bureau_code: str | None = Field(default=None, min_length=1, max_length=32)
    has_cctv: bool | None = None
    camera_no: str | None = Field(default=None, max_length=32)
    camera_view: str | None = Field(default=None, max_length=128)
    declared: bool | None = None
    patrol_frequency: Frequency | None = None
    active_from: date | None = None
    active_to: date | None = None
    is_active: bool | None = None

    @model_validator(mode="after")
    def _dates_in_order(self):
        if self.active_from and self.active_to and self.active_to < self.active_from:
            raise ValueError("active_to is before active_from")
        for day in (self.active_from, self.active_to):
            if day is not None and not date(2000, 1, 1) <= day <= date(2100, 12, 31):
                raise ValueError("dates must lie between 2000 and 2100")
        return self


class KeyPointCreate(KeyPointFields):
    name: Name
    point_type: str = Field(max_length=32)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class KeyPointUpdate(KeyPointFields):
    @model_validator(mode="after")
    def _no_nulls_for_required(self):
        for name in ("name", "point_type", "lat", "lon", "has_cctv", "declared", "patrol_frequency",
                     "is_active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class KeyPointPublic(BaseModel):  # plain pydantic: the board builds hundreds
    id: int
    name: str
    point_type: str
    point_type_name: str | None
    lat: float
    lon: float
    cell_code: str | None
    cell_name: str | None
    bureau_code: str | None
    bureau_name: str | None
    has_cctv: bool
    camera_no: str | None
    camera_view: str | None
    declared: bool
    patrol_frequency: str
    active_from: date | None
    active_to: date | None
    is_active: bool


class ImportResult(SQLModel):
    created: int
    updated: int


# --- checklists ---

class ChecklistVersion(SQLModel, table=True):
    """One version of a point type's checklist. Append-only: an edit writes the next version, so a
    patrol made offline against an older one is still checked against what the inspector saw."""

    __tablename__ = "checklist_versions"

    point_type_code: str = Field(max_length=32, foreign_key="point_types.code", primary_key=True)
    version: int = Field(primary_key=True)
    items: list = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_by: str | None = Field(default=None, max_length=64)


class ChecklistItem(SQLModel):
    model_config = FORBID_EXTRA
    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$")] = Field(min_length=1, max_length=16)
    text: Annotated[str, StringConstraints(strip_whitespace=True)] = Field(min_length=1, max_length=120)
    text_en: str = Field(default="", max_length=200)
    category: str = Field(max_length=8, description="the ticket category a failure raises")


class ChecklistWrite(SQLModel):
    model_config = FORBID_EXTRA
    items: list[ChecklistItem] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _codes_unique(self):
        codes = [item.code for item in self.items]
        if len(set(codes)) != len(codes):
            raise ValueError("item codes must be unique")
        return self


class ChecklistPublic(SQLModel):
    point_type: str
    version: int
    items: list[ChecklistItem]
    updated_at: datetime
