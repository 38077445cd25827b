from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from api.accounts.deps import ConfigurerUser, CurrentUser
from api.database import SessionDep
from api.keypoints import service
from api.keypoints.models import (
    ChecklistPublic,
    ChecklistWrite,
    ImportResult,
    KeyPoint,
    KeyPointCreate,
    KeyPointPublic,
    KeyPointUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["key points"])
PointId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _point(point_id: PointId, session: SessionDep) -> KeyPoint:
    return service.get_point(session, point_id)


@router.get("/key-points", response_model=list[KeyPointPublic])
def list_key_points(session: SessionDep, _user: CurrentUser, cctv: bool | None = None, declared: bool | None = None,
                    cell: str | None = None, point_type: str | None = None, active: bool | None = None):
    """Key points (点位), with the names of their type, cell and responsible unit."""
    return service.render(session, service.list_points(session, cctv=cctv, declared=declared, cell=cell,
                                                       point_type=point_type, active=active))


@router.post("/key-points", response_model=KeyPointPublic, status_code=201)
def create_key_point(data: KeyPointCreate, request: Request, session: SessionDep, _user: ConfigurerUser):
    """A new point; its cell is found from the location unless given; patrol frequency defaults to daily
    for CCTV and declared points, weekly for the rest."""
    point = service.create_point(session, request.app.state.grid_index, data)
    return service.render(session, [point])[0]


@router.patch("/key-points/{point_id}", response_model=KeyPointPublic)
def update_key_point(data: KeyPointUpdate, point: Annotated[KeyPoint, Depends(_point)], request: Request,
                     session: SessionDep, _user: ConfigurerUser):
    point = service.update_point(session, request.app.state.grid_index, point, data)
    return service.render(session, [point])[0]


@router.post("/key-points/import", response_model=ImportResult,
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 "application/geo+json": {"schema": {"type": "object"}},
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
                     {"schema": {"type": "string", "format": "binary"}}}}})
async def import_key_points(request: Request, _user: ConfigurerUser, session: SessionDep,
                            format: Literal["csv", "xlsx", "geojson"],
                            crs: Literal["wgs84", "gcj02"] = "wgs84"):
    """The file as the request body. Creates or updates points by name, all or nothing: 422
    `key_points_invalid` lists every bad row with its reasons."""
    content = await request.body()
    return await run_in_threadpool(service.import_points, session, request.app.state.grid_index, content,
                                   fmt=format, crs=crs)


@router.get("/checklists", response_model=list[ChecklistPublic])
def list_checklists(session: SessionDep, _user: CurrentUser):
    """Every point type's current checklist (the phone keeps them for patrols offline)."""
    return service.current_checklists(session)


@router.get("/checklists/{point_type}", response_model=ChecklistPublic)
def get_checklist(point_type: str, session: SessionDep, _user: CurrentUser,
                  version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None):
    return service.get_checklist(session, point_type, version)


@router.put("/checklists/{point_type}", response_model=ChecklistPublic)
def put_checklist(point_type: str, data: ChecklistWrite, session: SessionDep, user: ConfigurerUser):
    """Replace the checklist: stored as the next version, so patrols made against the last one still check."""
    return service.put_checklist(session, point_type, data, by=user.username)
