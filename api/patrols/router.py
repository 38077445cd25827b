import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.accounts.deps import STAFF, CurrentUser, require_roles
from api.accounts.models import Role, User
from api.database import SessionDep, read_session, stored_id
from api.errors import ApiError, forbidden
from api.patrols import service
from api.patrols.models import Coverage, DueList, PatrolPhoto, PatrolPublic, PatrolSubmit, Readiness
from api.photos import upload

router = APIRouter(prefix="/api/v1", tags=["patrols"])
InspectorUser = Annotated[User, Depends(require_roles(Role.inspector))]


def _county_today(request: Request) -> date:
    return datetime.now(request.app.state.settings.tz).date()


@router.get("/patrols/due", response_model=DueList)
def due(request: Request, session: SessionDep, user: InspectorUser,
        on: Annotated[date | None, Query(alias="date")] = None):
    """The active key points in the inspector's cells for the day (default today, the county's zone), each
    with whether it is done: daily points by a patrol that day, weekly ones by one that ISO week."""
    return service.due_today(session, request.app.state.settings, user, on or _county_today(request))


@router.put("/patrols/{patrol_id}", response_model=PatrolPublic, status_code=201)
def put_patrol(patrol_id: uuid.UUID, body: PatrolSubmit, request: Request, response: Response,
               session: SessionDep, user: InspectorUser):
    """A patrol under the phone's UUID: 201 first time, 200 for the same body again, 409 `patrol_conflict`
    for another body. Its failed items name the tickets they raised (PUT as usual, before or after)."""
    patrol, created = service.put_patrol(session, request.app.state.settings, user, patrol_id, body)
    response.status_code = 201 if created else 200
    return service.patrol_public(session, patrol)


@router.get("/patrols/{patrol_id}", response_model=PatrolPublic)
def get_patrol(patrol_id: uuid.UUID, session: SessionDep, user: CurrentUser):
    return service.patrol_public(session, service.readable_patrol(session, user, patrol_id))


@router.put("/patrols/{patrol_id}/photos/{photo_id}", status_code=201,
            openapi_extra={"requestBody": {"required": True, "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}})
async def upload_patrol_photo(patrol_id: uuid.UUID, photo_id: uuid.UUID, request: Request, response: Response,
                              session: SessionDep, user: InspectorUser) -> dict[str, str]:
    """The bytes of a photo the patrol declared: hashed, checked to be a whole picture, stored (fsync +
    rename) and then recorded. 201 first time, 200 on replay."""
    state = request.app.state
    photo = await run_in_threadpool(_declared, state.engine, stored_id(user.id), patrol_id, photo_id)
    if photo.received_at is not None:
        response.status_code = 200
        return {"photo_id": str(photo_id), "status": "already_received"}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != photo.content_type:
        raise ApiError(422, "photo_type_mismatch", "上传类型与声明不符",
                       f"uploaded as {content_type or 'nothing'}, declared as {photo.content_type}")
    fd, temp = state.storage.new_temp()
    try:
        size, sha256 = await upload.receive(request, fd, limit=photo.size)
        if size != photo.size or sha256 != photo.sha256:
            raise upload.hash_mismatch(photo.sha256, sha256, size)
        created = await run_in_threadpool(_keep, state, session, temp, photo)
    finally:
        temp.unlink(missing_ok=True)
    response.status_code = 201 if created else 200
    return {"photo_id": str(photo_id), "status": "received" if created else "already_received"}


def _declared(engine: Engine, user_id: int, patrol_id: uuid.UUID, photo_id: uuid.UUID) -> PatrolPhoto:
    # Read apart from the request's write session: on SQLite that one holds the write lock from its first
    # statement, which must not wait for a phone's upload.
    with read_session(engine) as session:
        return service.declared_photo(session, user_id, patrol_id, photo_id)


def _keep(state, session: Session, temp: Path, photo: PatrolPhoto) -> bool:
    """Refuse what is not a whole picture; make the bytes durable before the commit that records them."""
    upload.keep(state.storage, temp, photo.content_type, photo.sha256, state.settings.photo_max_pixels)
    return service.mark_received(session, photo.id)


@router.get("/coverage", response_model=Coverage, response_model_by_alias=True)
def get_coverage(request: Request, session: SessionDep, user: CurrentUser,
                 first: Annotated[date, Query(alias="from")], last: Annotated[date, Query(alias="to")],
                 by: Literal["point", "cell", "inspector", "bureau"] = "point"):
    """Key-point patrol coverage over [from, to]: due, patrolled, missed (ended unpatrolled) and pending,
    per point, cell, inspector or responsible unit, with the missed points. Staff see all points; a unit's
    liaison its own."""
    if last < first or (last - first).days > 400 or first.year < 2000:
        raise ApiError(422, "bad_period", "时间段无效（须从早到晚、不超过400天、不早于2000年）",
                       "the period must run forward, span at most 400 days and start in 2000 or later")
    bureau = _own_points(user)
    return service.coverage(session, request.app.state.settings, first=first, last=last, by=by, bureau=bureau)


@router.get("/key-points/readiness", response_model=Readiness, tags=["key points"])
def get_readiness(request: Request, session: SessionDep, user: CurrentUser,
                  days: Annotated[int, Query(ge=1, le=90)] = 30, cctv: bool = False):
    """The readiness board (明察倒计时): every CCTV point and declared site (`cctv=true`: the cameras
    alone) over the last `days` days, worst first, with its status and why."""
    board = service.readiness(session, request.app.state.settings, days=days, cctv_only=cctv,
                              bureau=_own_points(user))
    # Encoded as built: FastAPI would first validate the ~13,000 objects of a full board against the model.
    return Response(board.model_dump_json(), media_type="application/json")


def _own_points(user: User) -> str | None:
    """None for staff (every point); a liaison's own unit; refused for the rest."""
    if user.role in STAFF:
        return None
    if user.role == Role.bureau and user.bureau_code:
        return user.bureau_code
    raise forbidden()
