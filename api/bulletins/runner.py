"""Generating bulletins in the background, in a way that survives a crash: the lease, run token and attempts
of api/documents/jobs.py. The request stores the bulletin `queued` and hands it to its process's bulletin thread;
the worker (api/notifications/worker.py) resumes those a dead process left behind."""

import base64
import logging
import uuid
from datetime import timedelta
from typing import cast

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from api.bulletins import content as bulletin_content
from api.bulletins import service
from api.bulletins.models import Bulletin, BulletinContent, Kind
from api.config import Settings
from api.database import read_session, utcnow
from api.documents import jobs, pdf
from api.documents.jobs import Lost
from api.documents.store import DocumentStore
from api.indicators import periods
from api.photos import pipeline
from api.photos import service as photos_service
from api.photos.storage import LocalStorage

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)  # longer than any one step (the PDF's layout is the longest)
MAX_ATTEMPTS = 3
JOBS = jobs.Jobs(Bulletin, LEASE, MAX_ATTEMPTS, (
    "已尝试生成 {attempts} 次均未完成，请检查后重新生成", "{attempts} attempts to generate it did not finish; check, then regenerate"))


def documents(settings: Settings) -> DocumentStore:
    return DocumentStore(settings.data_dir / "documents")


def photos(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.data_dir / "photos")


def _number(session, row: Bulletin) -> None:
    service.number(session, row)  # the published versions as of now


def _update(engine: Engine, bulletin_id: uuid.UUID, token: uuid.UUID, **values) -> None:
    JOBS.update(engine, bulletin_id, token, **values)


def render(row: Bulletin, content: BulletinContent, settings: Settings, *, for_print: bool,
           storage: LocalStorage | None = None) -> str:
    """The bulletin's page: for the PDF with the photos' display copies read from disk; for the browser with
    their thumbnails inline (the page is opened with a bearer token, which its images would not carry)."""
    storage = storage or photos(settings)

    def source(photo) -> str:
        if for_print:
            return storage.derived_path(photo.sha256, "display").as_uri()
        try:
            photos_service.ensure_derivatives(storage, photo.sha256)  # a copy lost since is made again
            data = storage.derived_path(photo.sha256, "thumb").read_bytes()
        except (pipeline.PhotoInvalid, OSError):  # the original gone too: an empty frame, not a failed page
            return ""
        return "data:image/jpeg;base64," + base64.b64encode(data).decode()

    return pdf.render_html("api.bulletins", "bulletin.html", tz=settings.tz, c=content, photo_src=source,
                           for_print=for_print, row=row)


def generate(engine: Engine, settings: Settings, bulletin_id: uuid.UUID, token: uuid.UUID) -> None:
    def progress(value: int) -> None:
        _update(engine, bulletin_id, token, progress=value)

    storage, store = photos(settings), documents(settings)
    try:
        with read_session(engine) as session:
            row = session.get_one(Bulletin, bulletin_id)
            supersedes = session.get(Bulletin, row.supersedes_id) if row.supersedes_id else None
            progress(5)
            content = bulletin_content.gather(
                session, settings, storage, kind=cast(Kind, row.kind),  # the table's constraint holds it to these
                period=periods.parse(row.period), version=row.version,
                supersedes_version=supersedes.version if supersedes else None,
                showcase_ticket_ids=[uuid.UUID(t) for t in row.showcase_ticket_ids]
                if row.showcase_ticket_ids is not None else None,
                now=utcnow(), progress=progress)
        html = render(row, content, settings, for_print=True, storage=storage)
        data = pdf.render_pdf(html, on_layout=lambda: progress(92))
        sha256 = store.put(data)  # durable before the commit that names it
        JOBS.finish(engine, bulletin_id, token, content=content.model_dump(mode="json"), sha256=sha256,
                    size=len(data), generated_at=utcnow())
    except Lost:
        log.info("bulletin %s: taken over by another generation", bulletin_id)
    except pdf.FontMissing as exc:
        JOBS.fail(engine, bulletin_id, token, exc.message, exc.message_en)
    except Exception:
        log.exception("bulletin %s: generation failed", bulletin_id)
        JOBS.fail(engine, bulletin_id, token, "生成失败（服务器错误，已记录日志），请重新生成",
                  "generation failed (a server error, logged); regenerate")


def run_queued(engine: Engine, settings: Settings, bulletin_id: uuid.UUID) -> bool:
    """Generate a bulletin just queued, unless another process took it first."""
    claimed = JOBS.claim_queued(engine, bulletin_id, on_claim=_number)
    if claimed is None:
        return False
    generate(engine, settings, *claimed)
    return True


def resume_abandoned(engine: Engine, settings: Settings, *, limit: int = 2) -> int:
    """The worker's round: generate bulletins whose process died (a lapsed lease, queued or running), and sweep
    away document files no bulletin names."""
    resumed = 0
    while resumed < limit:
        claimed = JOBS.claim_abandoned(engine, on_claim=_number)
        if claimed is None:
            break
        log.warning("bulletin %s: resuming a generation its process left behind", claimed[0])
        generate(engine, settings, *claimed)
        resumed += 1
    with read_session(engine) as session:
        named = session.exec(select(Bulletin.sha256).where(col(Bulletin.sha256).is_not(None))).all()
    documents(settings).sweep(named)
    return resumed


class Generator(jobs.JobThread):
    """The process's bulletin thread."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__("bulletins", lambda bulletin_id: run_queued(engine, settings, bulletin_id))
