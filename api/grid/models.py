from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import CheckConstraint, Column, Text
from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelConfig

from api.database import UTCDateTime, utcnow


class GridArea(SQLModel, table=True):
    """County (6 digits), street/town (9) or community/village (12): the levels above a cell."""

    __tablename__ = "grid_areas"
    __table_args__ = (CheckConstraint("level IN ('county', 'street', 'community')", name="level_known"),)

    code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=64)
    level: str = Field(max_length=16)
    parent_code: str | None = Field(default=None, max_length=12, foreign_key="grid_areas.code")


class GridCell(SQLModel, table=True):
    """A grid cell (网格): GB/T 30428-style 15-digit code (or 14 with a 2-digit cell number)."""

    __tablename__ = "grid_cells"

    code: str = Field(primary_key=True, max_length=15)
    name: str = Field(max_length=64)
    community_code: str = Field(max_length=12, foreign_key="grid_areas.code", index=True)
    # GeoJSON Polygon/MultiPolygon in WGS-84, as imported (after CRS conversion).
    geometry: str = Field(sa_column=Column(Text, nullable=False))
    area_m2: float
    centroid_lat: float
    centroid_lon: float
    responsible_bureau_code: str | None = Field(default=None, max_length=32, foreign_key="bureaus.code",
                                                index=True)
    valid_from: date | None = None
    valid_to: date | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class CellInspector(SQLModel, table=True):
    __tablename__ = "cell_inspectors"

    cell_code: str = Field(max_length=15, foreign_key="grid_cells.code", primary_key=True)
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True)


class GridRevision(SQLModel, table=True):
    """One row per grid import; the newest id is the version the in-memory index checks against."""

    __tablename__ = "grid_revisions"

    id: int | None = Field(default=None, primary_key=True)
    imported_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    imported_by: str | None = Field(default=None, max_length=64)
    source_crs: str = Field(max_length=8)
    feature_count: int


# --- what the API answers ---

class CellPublic(SQLModel):
    """A cell as the API names it: the properties of its GeoJSON feature, and what /grid/locate answers."""
    code: str
    name: str
    street_code: str
    street_name: str | None
    community_code: str
    community_name: str | None
    responsible_bureau_code: str | None
    responsible_bureau_name: str | None
    valid_from: date | None
    valid_to: date | None
    area_m2: float
    centroid: tuple[float, float]  # [lon, lat], WGS-84


class CellFeature(SQLModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: dict[str, Any]  # GeoJSON Polygon or MultiPolygon, WGS-84
    properties: CellPublic


class CellCollection(SQLModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[CellFeature]


class GridDocument(SQLModel):
    """A GeoJSON FeatureCollection to import. Its features are checked one by one by the import, which reports
    every bad one by index and code (422 `grid_invalid`), so they are taken here as they come."""
    model_config = SQLModelConfig(extra="allow")
    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


class GridImportResult(SQLModel):
    revision: int
    imported: int


class MapSettings(SQLModel):
    tile_url: str | None  # a Leaflet URL template; None: no tiles, the grid is drawn alone
    tile_crs: str
    attribution: str
    max_zoom: int


class PublicMap(MapSettings):
    """The base map for the public page: no account, so no cells, only where the county lies."""
    bounds: list[list[float]] | None  # [[south, west], [north, east]] of the cells (WGS-84); None: no grid yet


class FieldChange(SQLModel):
    field: str  # name, responsible_unit, valid_from, valid_to, inspectors; geometry: before/after are areas in m²
    before: Any = None
    after: Any = None


class CellDiff(SQLModel):
    code: str
    name: str
    geometry: dict[str, Any]  # as it would be stored (WGS-84)
    before_geometry: dict[str, Any] | None  # the stored border, when the file moves it
    fields: list[FieldChange]


class GridProblem(SQLModel):
    """A bad feature, with what draws it on a map (GeoJSON geometries, WGS-84; None when it cannot be read)."""
    index: int  # the feature's position in the file, from 0 (-1: the file as a whole)
    code: str | None
    problem: str  # overlap, invalid_geometry, unknown_bureau…
    message: str
    message_en: str
    other: str | None  # the cell it overlaps
    geometry: dict[str, Any] | None
    other_geometry: dict[str, Any] | None
    overlap: dict[str, Any] | None


class GridPreview(SQLModel):
    """What an import of the file would do. Refused (`valid` false): every problem. Otherwise the cells it
    would add and change, and those in the database it leaves out (`absent`: kept as they are, since an
    import never deletes a cell — tickets refer to it; a cell is retired with `valid_to`)."""
    valid: bool
    errors: list[GridProblem]
    added: list[CellDiff]
    changed: list[CellDiff]
    absent: list[CellDiff]
    unchanged: int
