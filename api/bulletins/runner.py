"""Generating bulletins in the background, in a way that survives a crash.

The request that asks for a bulletin stores it `queued` and hands it to its process's bulletin thread. A
generation first claims the row (`running`, a fresh run token, a lease of LEASE), renews the lease with every
step of progress, and writes its result only while it still holds the token. A process that dies leaves its row
queued or running with a lease that runs out; the worker (api/notifications/worker.py) then claims it and
generates it again, up to MAX_ATTEMPTS times before calling it failed. A generation whose lease was taken over
meanwhile finds its token gone at its next step and stops, writing nothing.

These are background jobs with no request around them: each step commits its own short transaction."""

import base64
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from api.bulletins import content as bulletin_content
from api.bulletins import service
from api.bulletins.models import Bulletin, BulletinContent
from api.config import Settings
from api.database import read_session, utcnow, write_session
from api.documents import pdf
from api.documents.store import DocumentStore
from api.indicators import periods
from api.photos import pipeline
from api.photos import service as photos_service
from api.photos.storage import LocalStorage

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)  # longer than any one step (the PDF's layout is the longest)
MAX_ATTEMPTS = 3


class Lost(Exception):
    """This generation no longer holds the bulletin (its lease lapsed and another took it over)."""


def documents(settings: Settings) -> DocumentStore:
    return DocumentStore(settings.data_dir / "documents")


def photos(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.data_dir / "photos")


def _claim(engine: Engine, *conditions) -> tuple[uuid.UUID, uuid.UUID] | None:
    """Take the oldest bulletin matching the conditions: (its id, this generation's token), or None."""
    now = utcnow()
    with write_session(engine) as session:
        row = session.exec(select(Bulletin).where(*conditions).order_by(Bulletin.created_at).limit(1)
                           .with_for_update(skip_locked=True)).first()
        if row is None:
            return None
        if row.attempts >= MAX_ATTEMPTS:  # it took its process down every time: stop trying
            row.status, row.run_token, row.lease_until = "failed", None, None
            row.error = f"已尝试生成 {row.attempts} 次均未完成，请检查后重新生成"
            row.error_en = f"{row.attempts} attempts to generate it did not finish; check, then regenerate"
            session.add(row)
            session.commit()
            return None
        service.number(session, row)  # the published versions as of now
        row.status, row.progress, row.attempts = "running", 0, row.attempts + 1
        row.run_token, row.lease_until = uuid.uuid4(), now + LEASE
        row.error = row.error_en = None
        session.add(row)
        session.commit()
        return row.id, row.run_token


def _update(engine: Engine, bulletin_id: uuid.UUID, token: uuid.UUID, **values) -> None:
    """Write under this generation's token, renewing its lease (Lost: it holds the bulletin no longer)."""
    with write_session(engine) as session:
        result = session.exec(update(Bulletin).where(
            col(Bulletin.id) == bulletin_id, col(Bulletin.run_token) == token, Bulletin.status == "running")
            .values(**{"lease_until": utcnow() + LEASE, **values}))
        session.commit()
    if result.rowcount != 1:
        raise Lost()


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
            row = session.get(Bulletin, bulletin_id)
            supersedes = session.get(Bulletin, row.supersedes_id) if row.supersedes_id else None
            progress(5)
            content = bulletin_content.gather(
                session, settings, storage, kind=row.kind, period=periods.parse(row.period), version=row.version,
                supersedes_version=supersedes.version if supersedes else None,
                showcase_ticket_ids=[uuid.UUID(t) for t in row.showcase_ticket_ids]
                if row.showcase_ticket_ids is not None else None,
                now=utcnow(), progress=progress)
        html = render(row, content, settings, for_print=True, storage=storage)
        data = pdf.render_pdf(html, on_layout=lambda: progress(92))
        sha256 = store.put(data)  # durable before the commit that names it
        _update(engine, bulletin_id, token, status="done", progress=100, content=content.model_dump(mode="json"),
                sha256=sha256, size=len(data), generated_at=utcnow(), run_token=None, lease_until=None)
    except Lost:
        log.info("bulletin %s: taken over by another generation", bulletin_id)
    except pdf.FontMissing as exc:
        _fail(engine, bulletin_id, token, exc.message, exc.message_en)
    except Exception:
        log.exception("bulletin %s: generation failed", bulletin_id)
        _fail(engine, bulletin_id, token, "生成失败（服务器错误，已记录日志），请重新生成",
              "generation failed (a server error, logged); regenerate")


def _fail(engine: Engine, bulletin_id: uuid.UUID, token: uuid.UUID, zh: str, en: str) -> None:
    try:
        _update(engine, bulletin_id, token, status="failed", error=zh, error_en=en, run_token=None, lease_until=None)
    except Lost:
        pass


def run_queued(engine: Engine, settings: Settings, bulletin_id: uuid.UUID) -> bool:
    """Generate a bulletin just queued, unless another process took it first."""
    claimed = _claim(engine, col(Bulletin.id) == bulletin_id, Bulletin.status == "queued")
    if claimed is None:
        return False
    generate(engine, settings, *claimed)
    return True


def resume_abandoned(engine: Engine, settings: Settings, *, limit: int = 2) -> int:
    """The worker's round: generate bulletins whose process died (a lapsed lease, queued or running), and sweep
    away document files no bulletin names."""
    resumed = 0
    while resumed < limit:
        claimed = _claim(engine, col(Bulletin.status).in_(("queued", "running")),
                         or_(col(Bulletin.lease_until).is_(None), col(Bulletin.lease_until) < utcnow()))
        if claimed is None:
            break
        log.warning("bulletin %s: resuming a generation its process left behind", claimed[0])
        generate(engine, settings, *claimed)
        resumed += 1
    with read_session(engine) as session:
        named = session.exec(select(Bulletin.sha256).where(col(Bulletin.sha256).is_not(None))).all()
    documents(settings).sweep(named)
    return resumed


class Generator:
    """The process's bulletin thread: one at a time, for a bulletin's photos and layout take memory."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine, self.settings = engine, settings
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulletins")

    def start(self, bulletin_id: uuid.UUID) -> None:
        self.pool.submit(run_queued, self.engine, self.settings, bulletin_id)

    def shutdown(self) -> None:
        # The one being generated is finished (seconds); those still queued are left to the worker.
        self.pool.shutdown(wait=True, cancel_futures=True)
