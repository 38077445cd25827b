from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import select

from api.accounts.deps import ConfigurerUser, CurrentUser
from api.accounts.models import Role
from api.bureaus.models import Bureau
from api.database import SessionDep, stored_id
from api.errors import ApiError, not_found
from api.grid import service
from api.grid.models import (
    CellCollection,
    CellFeature,
    CellPublic,
    GridCell,
    GridDocument,
    GridImportResult,
    GridPreview,
    MapSettings,
    PublicMap,
)

router = APIRouter(prefix="/api/v1/grid", tags=["grid"])
public_router = APIRouter(prefix="/api/v1/public", tags=["grid"])


@router.get("/locate", response_model=CellPublic)
def locate(request: Request, session: SessionDep, _user: CurrentUser,
           lat: Annotated[float, Query(ge=-90, le=90)], lon: Annotated[float, Query(ge=-180, le=180)],
           on: date | None = None):
    """The cell containing a WGS-84 point (valid on `on`, default today); 404 `outside_grid` if none."""
    day = on or datetime.now(request.app.state.settings.tz).date()
    code = request.app.state.grid_index.get(session).locate(lon, lat, day)
    cell = None if code is None else session.get(GridCell, code)
    if cell is None:
        raise ApiError(404, "outside_grid", "该位置不在任何网格内", "The point is outside every grid cell",
                       {"lat": lat, "lon": lon})
    names = service.area_names(session)
    bureau_names = dict(session.exec(select(Bureau.code, Bureau.name)).all())
    return service.cell_properties(cell, names, bureau_names)


@router.get("/cells", response_model=CellCollection,
            responses={304: {"description": "Not modified (ETag)"}})
def cells(request: Request, response: Response, session: SessionDep, user: CurrentUser,
          mine: bool = False, on: date | None = None):
    """All cells as a GeoJSON FeatureCollection (WGS-84). `mine=true`: an inspector's own cells, a
    unit's responsibility cells. Carries an ETag of the grid revision so phones can cache it."""
    etag = f'"grid-{service.latest_revision(session)}-{int(mine)}-{user.id if mine else 0}-{on or ""}"'
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    if mine and user.role == Role.inspector:
        rows = service.cells_of_inspector(session, stored_id(user.id))
    elif mine and user.role == Role.bureau:
        assert user.bureau_code is not None  # the users table's check: a liaison has a unit
        rows = service.cells_of_unit(session, user.bureau_code)
    else:
        rows = service.list_cells(session, on=on)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "private, no-cache"
    return service.cells_geojson(session, rows)


@router.get("/cells/{code}", response_model=CellFeature)
def cell(code: str, session: SessionDep, _user: CurrentUser):
    row = session.get(GridCell, code)
    if row is None:
        raise not_found("网格", "Cell", code)
    return service.cells_geojson(session, [row])["features"][0]


@router.post("/import", response_model=GridImportResult)
def import_grid(request: Request, session: SessionDep, user: ConfigurerUser,
                document: GridDocument, crs: str = "wgs84"):
    """Import a GeoJSON FeatureCollection of cells; all or nothing (422 `grid_invalid` lists every
    bad feature by index and code)."""
    revision = service.import_cells(session, document.model_dump(), crs=crs, imported_by=user.username,
                                    overlap_tolerance_m2=request.app.state.settings.grid_overlap_tolerance_m2)
    return {"revision": revision.id, "imported": revision.feature_count}


@router.post("/import/preview", response_model=GridPreview)
def preview_import(request: Request, session: SessionDep, _user: ConfigurerUser,
                   document: GridDocument, crs: str = "wgs84"):
    """What importing the file would do, checked exactly as the import checks it and changing nothing: every
    problem with the geometries to draw it, or the cells it would add and change and those it leaves alone."""
    return service.preview_import(session, document.model_dump(), crs=crs,
                                  overlap_tolerance_m2=request.app.state.settings.grid_overlap_tolerance_m2)


def _map_settings(request: Request) -> MapSettings:
    settings = request.app.state.settings
    return MapSettings(tile_url=settings.map_tile_url or None, tile_crs=settings.map_tile_crs,
                       attribution=settings.map_tile_attribution, max_zoom=settings.map_tile_max_zoom)


@router.get("/map", response_model=MapSettings)
def map_settings(request: Request, _user: CurrentUser):
    """The base map the PWA draws under the grid: tile URL template and its CRS (coordinates are
    converted for display only; everything stored and sent stays WGS-84)."""
    return _map_settings(request)


@public_router.get("/map", response_model=PublicMap)
def public_map(request: Request, session: SessionDep):
    """The base map for the public page (随手拍) to pick a place on, framed on the county's cells."""
    return PublicMap(**_map_settings(request).model_dump(), bounds=request.app.state.grid_index.get(session).bounds())

