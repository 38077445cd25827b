import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response, status
from fastapi.responses import FileResponse, HTMLResponse

from api.accounts.deps import STAFF, require_roles
from api.accounts.models import Role, User
from api.bulletins import runner, service
from api.bulletins.models import Bulletin, BulletinContent, BulletinCreate, BulletinList, BulletinPublic, Kind
from api.database import SessionDep
from api.errors import FILE, ApiError

router = APIRouter(prefix="/api/v1/bulletins", tags=["bulletins"])
Author = Annotated[User, Depends(require_roles(*service.AUTHORS))]
Reader = Annotated[User, Depends(require_roles(*STAFF, Role.bureau))]


def _readable(bulletin_id: uuid.UUID, session: SessionDep, user: Reader) -> Bulletin:
    return service.readable(session, user, bulletin_id)


def _changeable(bulletin_id: uuid.UUID, session: SessionDep, user: Author) -> Bulletin:
    return service.readable(session, user, bulletin_id, lock=True)


Readable = Annotated[Bulletin, Depends(_readable)]
Changeable = Annotated[Bulletin, Depends(_changeable)]


def _generated(row: Bulletin) -> str:
    """The SHA-256 of the bulletin's PDF, once it is generated."""
    if row.status != "done" or row.sha256 is None:
        raise ApiError(409, "bulletin_not_ready", "通报尚未生成完成", "the bulletin has not been generated yet",
                       {"status": row.status, "progress": row.progress})
    return row.sha256


def _one(session, row: Bulletin) -> BulletinPublic:
    return service.public(session, [row])[0]


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=BulletinPublic)
def create_bulletin(body: BulletinCreate, request: Request, background: BackgroundTasks, session: SessionDep,
                    user: Author):
    """Ask for a weekly, monthly or quarterly bulletin (通报). 202: it is generated in the background; follow
    `status` and `progress` (0–100) with `GET /api/v1/bulletins/{id}`."""
    row = service.create(session, request.app.state.settings, user, body)
    background.add_task(request.app.state.bulletins.start, row.id)  # after the commit: the thread reads the row
    return _one(session, row)


@router.get("", response_model=BulletinList)
def list_bulletins(session: SessionDep, user: Reader, kind: Kind | None = None,
                   period: Annotated[str | None, Query(max_length=16)] = None,
                   limit: Annotated[int, Query(ge=1, le=200)] = 50):
    """Bulletins, newest first (a unit's liaison: the published ones)."""
    return BulletinList(items=service.public(session, service.listed(session, user, kind=kind, period=period,
                                                                     limit=limit)))


@router.get("/{bulletin_id}.pdf", response_class=FileResponse,
            responses={200: {"content": {"application/pdf": FILE}, "description": "the bulletin's PDF"}})
def bulletin_pdf(request: Request, row: Readable):
    """The PDF (A4). Once published, these bytes never change: their SHA-256 is the bulletin's `sha256`."""
    sha256 = _generated(row)
    path = runner.documents(request.app.state.settings).path(sha256)
    if not path.exists():
        raise ApiError(404, "document_missing", "通报文件缺失，请重新生成", "the bulletin's file is missing; regenerate it")
    name = quote(f"{service.title(row)}（第{row.version}版）.pdf")
    return FileResponse(path, media_type="application/pdf", headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{name}", "ETag": f'"{sha256}"',
        "Cache-Control": "private, max-age=31536000, immutable" if row.published_at else "private, no-cache"})


@router.get("/{bulletin_id}.html", response_class=Response,
            responses={200: {"content": {"text/html": FILE}, "description": "the printable page"}})
def bulletin_html(request: Request, row: Readable):
    """The printable page of the same content as the PDF, photos inline, for the browser."""
    _generated(row)
    settings = request.app.state.settings
    html = runner.render(row, BulletinContent.model_validate(row.content), settings, for_print=False,
                         storage=request.app.state.storage)
    return HTMLResponse(html, headers={"Cache-Control": "private, no-cache"})


@router.get("/{bulletin_id}", response_model=BulletinPublic)
def get_bulletin(session: SessionDep, row: Readable):
    """A bulletin's status and generation progress, version, and once published its SHA-256."""
    return _one(session, row)


@router.post("/{bulletin_id}/publish", response_model=BulletinPublic)
def publish_bulletin(request: Request, session: SessionDep, user: Author, row: Changeable):
    """Publish the generated PDF as it is: from now on it never changes. A correction is a new bulletin of the
    same period, published as the next version, which says which version it replaces."""
    return _one(session, service.publish(session, runner.documents(request.app.state.settings), user, row))


@router.post("/{bulletin_id}/regenerate", status_code=status.HTTP_202_ACCEPTED, response_model=BulletinPublic)
def regenerate_bulletin(request: Request, background: BackgroundTasks, session: SessionDep, _user: Author,
                        row: Changeable):
    """Generate a draft again from the current data (409 for a published one)."""
    service.regenerate(session, row)
    background.add_task(request.app.state.bulletins.start, row.id)
    return _one(session, row)


@router.delete("/{bulletin_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_bulletin(session: SessionDep, _user: Author, row: Changeable):
    """Delete a draft (409 for a published one)."""
    service.delete(session, row)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
