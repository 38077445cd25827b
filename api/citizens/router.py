"""Citizens' reports over HTTP: the public endpoints (no account; closed by GRIDPATROL_PUBLIC_REPORTS_OPEN)
and the review queue (dispatchers and admins)."""

import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.accounts.deps import AdminUser, ConfigurerUser, CurrentUser
from api.accounts.models import User
from api.accounts.service import client_key
from api.citizens import service
from api.citizens.models import (
    AcceptRequest,
    CitizenSettingsPublic,
    CitizenSettingsWrite,
    MergeRequest,
    PublicCategoryList,
    PublicCategoryPublic,
    PublicPhotoReceipt,
    PublicReceipt,
    PublicReportPhoto,
    PublicReportSubmit,
    PublicStatus,
    RejectRequest,
    ReviewerAnswer,
    ReviewOutcome,
    ReviewReport,
)
from api.database import SessionDep, read_session
from api.errors import FILE, ApiError, ErrorResponse, error_responses, forbidden, not_found
from api.photos import pipeline, upload
from api.photos import service as photo_service

router = APIRouter(prefix="/api/v1")


def _reviewer(user: CurrentUser, session: SessionDep) -> User:
    """The role the county names to review reports (dispatchers by default), and admins always."""
    if not service.may_review(session, user):
        role = service.settings_of(session).reviewer_role
        raise forbidden({"required_roles": sorted({role, "admin"}), "your_role": user.role})
    return user


Reviewer = Annotated[User, Depends(_reviewer)]


async def _open(request: Request) -> None:
    if not request.app.state.settings.public_reports_open:
        raise service.closed()


Open = Depends(_open)
CLOSED: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorResponse, "description": "Public reporting is closed (`public_reports_closed`)"}}


# --- public: no account ---

@router.get("/public/categories", tags=["public"], response_model=list[PublicCategoryPublic],
            dependencies=[Open], responses=CLOSED)
def public_categories(session: SessionDep):
    """The categories the public may report under, by their public names, in the county's order."""
    return service.public_categories(session)


@router.put("/public/reports/{report_id}", tags=["public"], status_code=201, response_model=PublicReceipt,
            dependencies=[Open], responses={200: {"model": PublicReceipt, "description": "The same report again"},
                                            **error_responses(409, 413, 429), **CLOSED})
def put_report(report_id: uuid.UUID, body: PublicReportSubmit, request: Request, response: Response,
               session: SessionDep):
    """A report under the page's UUID: 201 first time, 200 for the same body again, 409 `report_conflict` for
    another body. Then PUT each declared photo. 429 `too_many_reports` (with Retry-After) once this device or
    address has sent its share for the hour."""
    settings = request.app.state.settings
    address = service.address_key(settings, client_key(request.client.host if request.client else None))
    report, created = service.put_report(session, settings, report_id, body, address=address)
    response.status_code = 201 if created else 200
    return {"tracking_code": report.tracking_code, "status_url": f"/api/v1/public/reports/{report.tracking_code}",
            "photos_missing": [p.id for p in service.photos_of(session, report.id) if p.received_at is None]}


def _photo_too_large(limit: int) -> ApiError:
    return ApiError(413, "photo_too_large", f"照片超过 {limit // 2**20} MB 上限",
                    f"photo exceeds the {limit // 2**20} MB limit")


@router.put("/public/reports/{report_id}/photos/{photo_id}", tags=["public"], status_code=201,
            response_model=PublicPhotoReceipt, dependencies=[Open],
            responses={200: {"model": PublicPhotoReceipt, "description": "Received before: nothing changed"},
                       **error_responses(409, 413, 415), **CLOSED},
            openapi_extra={"requestBody": {"required": True, "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in pipeline.FORMATS}}})
async def upload_photo(report_id: uuid.UUID, photo_id: uuid.UUID, request: Request, response: Response,
                       session: SessionDep):
    """The bytes of a declared photo, checked as the inspectors' are (size, SHA-256, a whole picture of the
    declared type) and kept as evidence; the public is only ever shown EXIF-free copies."""
    state = request.app.state
    photo = await run_in_threadpool(_declared, state.engine, report_id, photo_id)
    if photo.received_at is not None:
        response.status_code = 200
        return {"photo_id": photo_id, "status": "already_received"}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != photo.content_type:
        raise ApiError(415, "photo_type_mismatch", "上传类型与声明不符",
                       f"uploaded as {content_type or 'nothing'}, declared as {photo.content_type}")
    declared_length = request.headers.get("content-length", "")
    if declared_length.isdigit() and int(declared_length) > state.settings.photo_max_bytes:
        raise _photo_too_large(state.settings.photo_max_bytes)
    fd, temp = state.storage.new_temp()
    try:
        size, sha256 = await upload.receive(request, fd, limit=photo.size)  # no more than declared (itself within the limit)
        if size != photo.size or sha256 != photo.sha256:
            raise upload.hash_mismatch(photo.sha256, sha256, size)
        created = await run_in_threadpool(_keep, state, session, temp, photo)
    finally:
        temp.unlink(missing_ok=True)
    if created:  # the EXIF-free copies, off the request's path
        state.analysis_pool.submit(photo_service.ensure_derivatives, state.storage, photo.sha256)
    response.status_code = 201 if created else 200
    return {"photo_id": photo_id, "status": "received" if created else "already_received"}


def _declared(engine: Engine, report_id: uuid.UUID, photo_id: uuid.UUID) -> PublicReportPhoto:
    # Apart from the request's write session: on SQLite that one would hold the write lock through the upload.
    with read_session(engine) as session:
        photo = service.declared_photo(session, report_id, photo_id)
        if service.report_status(session, report_id) != "received":
            raise ApiError(409, "report_decided", "该报告已审核，不再接收照片", "this report was reviewed already")
        return photo


def _keep(state, session: Session, temp: Path, photo: PublicReportPhoto) -> bool:
    """Refuse what is not a whole picture; make the bytes durable before the commit that records them."""
    facts = upload.keep(state.storage, temp, photo.content_type, photo.sha256, state.settings.photo_max_pixels)
    return service.mark_received(session, photo.id, facts.width, facts.height)


@router.get("/public/reports/{tracking_code}", tags=["public"], response_model=PublicStatus)
def report_status(tracking_code: str, session: SessionDep):
    """Where the report stands, in plain words: received, accepted (sent to a unit), fixed (with the
    after-photos), closed, or not accepted (with the reason). Nothing of who handled it."""
    return service.public_status(session, service.by_code(session, tracking_code))


def _display(request: Request, sha256: str) -> FileResponse:
    storage = request.app.state.storage
    try:
        photo_service.ensure_derivatives(storage, sha256)
    except pipeline.PhotoInvalid:
        raise ApiError(404, "no_preview", "该照片无法预览", "this photo has no preview") from None
    return FileResponse(storage.derived_path(sha256, "display"), media_type="image/jpeg")


@router.get("/public/reports/{tracking_code}/photos/{photo_id}", tags=["public"], response_class=FileResponse,
            responses={200: {"description": "The after-photo: an upright JPEG without EXIF",
                             "content": {"image/jpeg": FILE}}})
def after_photo(tracking_code: str, photo_id: uuid.UUID, request: Request, session: SessionDep):
    return _display(request, service.public_after_photo(session, tracking_code, photo_id).sha256)


# --- the county's public list ---

@router.get("/public-categories", tags=["citizen reports"], response_model=PublicCategoryList)
def get_public_categories(session: SessionDep, _user: ConfigurerUser):
    return {"categories": [{"category_code": c["code"], "public_name": c["name"], "public_name_en": c["name_en"]}
                           for c in service.public_categories(session)]}


@router.put("/public-categories", tags=["citizen reports"], response_model=PublicCategoryList)
def put_public_categories(body: PublicCategoryList, session: SessionDep, _user: ConfigurerUser):
    """Replace the public list: which categories residents may report under, their public names, the order."""
    listed = service.set_public_categories(session, body)
    return {"categories": [{"category_code": c["code"], "public_name": c["name"], "public_name_en": c["name_en"]}
                           for c in listed]}


# --- the county's settings of public reporting (admins) ---

def _settings_public(row) -> CitizenSettingsPublic:
    return CitizenSettingsPublic.model_validate(row, from_attributes=True)


@router.get("/citizen-settings", tags=["citizen reports"], response_model=CitizenSettingsPublic)
def get_settings(session: SessionDep, _user: AdminUser):
    """Who reviews, the hourly limits, and what Open311 shows (docs/open311.md); the defaults until set."""
    return _settings_public(service.settings_of(session))


@router.put("/citizen-settings", tags=["citizen reports"], response_model=CitizenSettingsPublic)
def put_settings(body: CitizenSettingsWrite, session: SessionDep, user: AdminUser):
    """Replace the settings (audited)."""
    return _settings_public(service.set_settings(session, body, user.username))


# --- the review queue (审核) ---

@router.get("/citizen-reports/reviewer", tags=["citizen reports"], response_model=ReviewerAnswer)
def reviewer(session: SessionDep, _user: CurrentUser):
    """The role that reviews reports besides admins (the county's setting): the app shows that role the tab."""
    return ReviewerAnswer.model_validate(service.settings_of(session), from_attributes=True)


@router.get("/citizen-reports", tags=["citizen reports"], response_model=list[ReviewReport])
def review_queue(session: SessionDep, _user: Reviewer,
                 status: Literal["received", "accepted", "merged", "rejected"] | None = "received",
                 limit: Annotated[int, Query(ge=1, le=200)] = 50):
    """Reports oldest first, waiting ones (`received`) by default, with the reporter's phone and the photos."""
    return service.review_render(session, service.review_list(session, status, limit))


def _outcome(session: Session, report, applied: bool) -> dict:
    return {**service.review_render(session, [report])[0], "replayed": not applied}


@router.post("/citizen-reports/{report_id}/accept", tags=["citizen reports"], response_model=ReviewOutcome,
             responses=error_responses(409))
def accept(report_id: uuid.UUID, body: AcceptRequest, request: Request, session: SessionDep, user: Reviewer):
    """Make the report a ticket (source `citizen`), located, routed and deadlined as usual; `category` corrects
    the reporter's choice. Again: 200 `replayed`. A report merged or rejected: 409 `report_decided`."""
    state = request.app.state
    report, applied = service.accept(session, state.settings, state.grid_index, user, report_id, body.category)
    if applied:  # likeness flags now: a resident's photo may well be one already on file
        photo_service.analyse_now(session, state.settings, state.storage, service.ticket_of(session, report))
    return _outcome(session, report, applied)


@router.post("/citizen-reports/{report_id}/merge", tags=["citizen reports"], response_model=ReviewOutcome,
             responses=error_responses(409))
def merge(report_id: uuid.UUID, body: MergeRequest, session: SessionDep, user: Reviewer):
    """A duplicate of an existing ticket: the reporter follows that ticket's progress."""
    report, applied = service.merge(session, user, report_id, body.ticket_id)
    return _outcome(session, report, applied)


@router.post("/citizen-reports/{report_id}/reject", tags=["citizen reports"], response_model=ReviewOutcome,
             responses=error_responses(409))
def reject(report_id: uuid.UUID, body: RejectRequest, session: SessionDep, user: Reviewer):
    """Not accepted, with a reason the reporter reads on the status page."""
    report, applied = service.reject(session, user, report_id, body.reason)
    return _outcome(session, report, applied)


@router.get("/citizen-reports/{report_id}/photos/{photo_id}/{variant}", tags=["citizen reports"],
            response_class=FileResponse, responses={200: {
                "description": "`display`: an upright JPEG without EXIF; `original`: the bytes as received",
                "content": {media_type: FILE for media_type in pipeline.FORMATS}}})
def review_photo(report_id: uuid.UUID, photo_id: uuid.UUID, variant: Literal["display", "original"],
                 request: Request, session: SessionDep, _user: Reviewer):
    photo = service.declared_photo(session, report_id, photo_id)
    if photo.received_at is None:
        raise not_found("照片", "Photo", str(photo_id))
    if variant == "original":
        return FileResponse(request.app.state.storage.original_path(photo.sha256), media_type=photo.content_type)
    return _display(request, photo.sha256)
