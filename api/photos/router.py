import base64
import uuid
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from api.accounts.deps import BearerToken, CurrentUser, authorize
from api.accounts.models import User
from api.database import SessionDep, read_session, stored_id
from api.errors import ApiError, error_responses, forbidden
from api.photos import pipeline, service, upload
from api.photos.models import Photo, PhotoReceipt
from api.tickets import access, events
from api.tickets.models import Ticket

router = APIRouter(prefix="/api/v1", tags=["photos"])


def _analyse_evidence(session, state, ticket: Ticket) -> None:
    service.analyse_now(session, state.settings, state.storage, ticket)


def subscribe() -> None:
    """A verdict rests on its evidence's likeness flags: before one, analyse the ticket's photos still
    pending (api/tickets/events.py; api/main.create_app calls it)."""
    events.on_verdict(_analyse_evidence)


def _too_large(limit: int) -> ApiError:
    return ApiError(413, "photo_too_large", f"照片超过 {limit // (1024 * 1024)} MB 上限",
                    f"photo exceeds the {limit // (1024 * 1024)} MB limit")


def _content_digest(header: str | None) -> str:
    """The SHA-256 of `Content-Digest: sha-256=:<base64>:` (RFC 9530), as hex."""
    if not header:
        raise ApiError(422, "digest_required", "请在 Content-Digest 头中提供 SHA-256",
                       "send the SHA-256 in a Content-Digest header (sha-256=:<base64>:)")
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name.strip().lower() == "sha-256" and value.startswith(":") and value.endswith(":"):
            try:
                raw = base64.b64decode(value[1:-1], validate=True)
            except ValueError:
                break
            if len(raw) == 32:
                return raw.hex()
    raise ApiError(422, "bad_digest", "Content-Digest 格式错误",
                   "malformed Content-Digest; expected sha-256=:<base64>:")


# The bytes are streamed, not read by FastAPI, and the acknowledgement goes out pre-encoded: openapi_extra and
# the model document both.
@router.put("/tickets/{ticket_id}/photos/{photo_id}", status_code=201, response_model=PhotoReceipt,
            responses={200: {"model": PhotoReceipt, "description": "Received before: nothing changed"},
                       **error_responses(409, 413, 415)},
            openapi_extra={"requestBody": {"required": True, "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in pipeline.FORMATS}}})
async def upload_photo(ticket_id: uuid.UUID, photo_id: uuid.UUID, request: Request, background: BackgroundTasks,
                       token: BearerToken, kind: Literal["before", "after", "verification", "spotcheck"] = "before"):
    """Raw bytes of one photo. `before`: declared in the capture. `after` (整改照片, the handling
    bureau), `verification` (核查照片, a verifier) and `spotcheck` (抽查照片, supervisors): announced by
    a `Content-Digest` header instead.
    201 first time, 200 on replay. The bytes are streamed to a temp file, hashed, checked to be a whole
    picture, stored (fsync + rename), and only then recorded. The analysis (copies, perceptual hash,
    the flags that need pixels) follows in the background."""
    state = request.app.state
    with state.captures.running():  # background analyses wait for a moment with no capture in flight
        return await _receive(state, request, background, token, ticket_id, photo_id, kind)


async def _receive(state, request: Request, background: BackgroundTasks, token: str, ticket_id: uuid.UUID,
                   photo_id: uuid.UUID, kind: str) -> JSONResponse:
    settings, storage = state.settings, state.storage
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    user, ticket, photo, expected_sha = await run_in_threadpool(_find, state, token, background, ticket_id,
                                                                photo_id, kind, request.headers.get("content-digest"))
    if photo is not None and photo.received_at is not None:
        return JSONResponse({"photo_id": str(photo_id), "status": "already_received"}, status_code=200,
                            background=background)
    if content_type not in pipeline.FORMATS:
        raise ApiError(415, "unsupported_media_type", "照片须为 JPEG、PNG、WebP 或 HEIC",
                       "photos must be image/jpeg, image/png, image/webp or image/heic")
    if photo is not None and content_type != photo.content_type:
        raise ApiError(422, "photo_type_mismatch", "上传类型与声明不符",
                       f"uploaded as {content_type}, declared as {photo.content_type}")
    declared_length = request.headers.get("content-length")
    if declared_length and declared_length.isdigit() and int(declared_length) > settings.photo_max_bytes:
        raise _too_large(settings.photo_max_bytes)

    fd, temp = storage.new_temp()
    try:
        size, sha256 = await upload.receive(request, fd, limit=settings.photo_max_bytes)
        if size > settings.photo_max_bytes:
            raise _too_large(settings.photo_max_bytes)
        if sha256 != expected_sha or (photo is not None and size != photo.size):
            raise upload.hash_mismatch(expected_sha, sha256, size)
        if photo is None:  # an undeclared photo (after, verification, spotcheck): announced by its digest alone
            photo = Photo(id=photo_id, ticket_id=ticket_id, kind=kind, position=0, sha256=sha256,
                          content_type=content_type, size=size, uploaded_by=stored_id(user.id))
        # One trip to the thread pool for everything blocking: check, fsync, store, record.
        created = await run_in_threadpool(_keep, state, user, ticket, photo, temp)
    finally:
        temp.unlink(missing_ok=True)
    if created:
        state.analysis_pool.submit(service.analyse_in_background, state.engine, settings, storage, photo_id,
                                   state.captures)
    return JSONResponse({"photo_id": str(photo_id), "status": "received" if created else "already_received"},
                        status_code=201 if created else 200, background=background)


def _find(state, token: str, background: BackgroundTasks, ticket_id: uuid.UUID, photo_id: uuid.UUID, kind: str,
          content_digest: str | None) -> tuple[User, Ticket, Photo | None, str]:
    """Who is uploading, what, and the SHA-256 expected: one trip to the thread pool, one session (see
    `authorize`)."""
    with read_session(state.engine) as session:
        user = authorize(session, state.settings, token, background)
        if kind == "before":
            ticket, declared = service.find_declared_photo(session, user, ticket_id, photo_id)
            return user, ticket, declared, declared.sha256
        sha256 = _content_digest(content_digest)
        ticket, stored = service.extra_photo_replay(session, user, ticket_id, photo_id, sha256, kind)
        return user, ticket, stored, sha256


def _keep(state, user: User, ticket: Ticket, photo: Photo, temp: Path) -> bool:
    """Refuse what is not a whole picture, then make the bytes durable before the commit that
    references them: fsync, atomic rename into content-addressed storage, record."""
    settings = state.settings
    facts = upload.keep(state.storage, temp, photo.content_type, photo.sha256, settings.photo_max_pixels)
    return service.record_photo(state.engine, settings, state.grid_index, user, ticket, photo, facts)


@router.get("/photos/{photo_id}/{variant}", response_class=FileResponse, responses={200: {
    "description": "The picture: a JPEG copy, or the original as it was uploaded",
    "content": {media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in pipeline.FORMATS}}})
def get_photo(photo_id: uuid.UUID, variant: Literal["thumb", "display", "original"], request: Request,
                    session: SessionDep, user: CurrentUser):
    """`display`/`thumb`: upright, EXIF-free JPEG. `original`: the exact bytes received (evidence),
    for the author, dispatchers, supervisors, ledger clerks and admins. (A plain def: FastAPI runs it
    in its thread pool, so the database and any on-demand derivation stay off the event loop.)"""
    photo = session.get(Photo, photo_id)
    if photo is None:
        raise ApiError(404, "not_found", "照片不存在", "Photo not found")
    ticket = access.readable_ticket(session, user, photo.ticket_id)
    if photo.received_at is None:
        raise ApiError(404, "photo_not_received", "照片尚未上传", "the photo has not been uploaded yet")
    storage = request.app.state.storage
    headers = {"Cache-Control": "private, max-age=31536000, immutable", "ETag": f'"{photo.sha256}-{variant}"'}
    if variant == "original":
        if not access.can_read_original(user, ticket):
            raise forbidden({"variant": "original"})
        return FileResponse(storage.original_path(photo.sha256), media_type=photo.content_type, headers=headers)
    path = storage.derived_path(photo.sha256, variant)
    no_preview = ApiError(404, "no_preview", "该照片的图像数据无法解码，没有预览，请查看原件",
                          "this photo's picture data cannot be decoded: no preview; see the original")
    if photo.analysed_at is not None and photo.phash is None:  # analysed, and found undecodable
        raise no_preview
    if not path.exists():  # not analysed yet (a backlog, or its process died), or the copy was lost
        try:
            service.ensure_derivatives(storage, photo.sha256)
        except pipeline.PhotoInvalid:
            raise no_preview from None
    return FileResponse(path, media_type="image/jpeg", headers=headers)
