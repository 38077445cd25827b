import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response, status
from fastapi.responses import FileResponse, StreamingResponse

from api.accounts.models import User
from api.database import SessionDep, read_session
from api.errors import FILE, ApiError
from api.exports import ledger, runner, service, writers
from api.exports.models import Export, ExportCreate, ExportFilters, ExportList, ExportPublic, Preview

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])
Exporter = Annotated[User, Depends(service.require_exporter)]


def _readable(export_id: uuid.UUID, session: SessionDep, user: Exporter) -> Export:
    return service.readable(session, user, export_id)


def _deletable(export_id: uuid.UUID, session: SessionDep, user: Exporter) -> Export:
    return service.readable(session, user, export_id, lock=True)


Readable = Annotated[Export, Depends(_readable)]
Deletable = Annotated[Export, Depends(_deletable)]


def _disposition(name: str, fallback: str) -> str:
    """RFC 6266: an ASCII name for old clients, the Chinese one (RFC 5987) for the rest."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=ExportPublic)
def create_export(body: ExportCreate, request: Request, background: BackgroundTasks, session: SessionDep,
                  user: Exporter):
    """Export a ledger (台账): `xlsx` (问题整改台账, thumbnails, a summary sheet per unit), `pdf` (整改前后对比台账)
    or `csv`. 202: it is made in the background; follow `status` and `progress` (0–1) with
    `GET /api/v1/exports/{id}`, then fetch `file_url`. With `feed: true` (CSV) the answer holds, once, a
    `feed_url` that other systems fetch on a schedule."""
    row, token = service.create(session, request.app.state.settings, user, body)
    background.add_task(request.app.state.exports.start, row.id)  # after the commit: the thread reads the row
    return service.public(session, [row], token)[0]


@router.post("/preview", response_model=Preview)
def preview_export(body: ExportFilters, request: Request, session: SessionDep, user: Exporter):
    """How many tickets the filters pick, and the first rows, as the ledger will show them."""
    return service.preview(session, request.app.state.settings, user, body)


@router.get("", response_model=ExportList)
def list_exports(session: SessionDep, user: Exporter):
    """The caller's recent exports, newest first."""
    return ExportList(items=service.public(session, service.listed(session, user)))


@router.get("/feed.csv", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": FILE}, "description": "the feed's tickets as they are now"}})
def export_feed(request: Request, session: SessionDep,
                token: Annotated[str | None, Query(max_length=100, description="the feed's secret")] = None):
    """A CSV feed for a county's other systems: the tickets its filters pick as they are at each fetch, read
    with its maker's access. The token, made with the export, is the credential: keep the URL secret; delete
    the export to revoke it."""
    row, user = service.feed(session, token)
    engine, tz = request.app.state.engine, request.app.state.settings.tz
    filters = ExportFilters.model_validate(row.filters)
    user_id = user.id

    def chunks():
        with read_session(engine) as reading:  # the request's session is closed once streaming starts
            maker, names = reading.get_one(User, user_id), ledger.Names(reading)
            pages = (ledger.lines(reading, names, page) for page in ledger.pages(reading, maker, filters, tz))
            yield from writers.csv_chunks(pages, tz)

    return StreamingResponse(chunks(), media_type=service.MEDIA_TYPES["csv"], headers={
        "Content-Disposition": _disposition(row.file_name, "ledger.csv"), "Cache-Control": "no-store"})


@router.get("/{export_id}", response_model=ExportPublic)
def get_export(session: SessionDep, row: Readable):
    """An export's status, `progress` (0–1), rows, and who made it, when, with which filters."""
    return service.public(session, [row])[0]


@router.get("/{export_id}/file", response_class=FileResponse,
            responses={200: {"content": {t: FILE for t in service.MEDIA_TYPES.values()}, "description": "the file"}})
def export_file(request: Request, row: Readable):
    """The finished file, named in Chinese (RFC 6266 `filename*`)."""
    if row.status != "done" or row.sha256 is None:
        raise ApiError(409, "export_not_ready", "导出尚未完成", "the export is not finished yet",
                       {"status": row.status, "progress": row.progress / 100})
    path = runner.documents(request.app.state.settings).path(row.sha256)
    if not path.exists():
        raise ApiError(404, "document_missing", "导出文件已过期或缺失，请重新导出",
                       "the export's file expired or is missing; export again")
    return FileResponse(path, media_type=service.MEDIA_TYPES[row.format], headers={
        "Content-Disposition": _disposition(row.file_name, f"ledger.{row.format}"), "ETag": f'"{row.sha256}"',
        "Cache-Control": "private, no-cache"})


@router.delete("/{export_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_export(session: SessionDep, user: Exporter, row: Deletable):
    """Delete an export (its maker or an admin): its file goes with the worker's next sweep, and a feed's URL
    stops working at once."""
    service.delete(session, user, row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
