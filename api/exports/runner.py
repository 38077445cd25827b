"""Generating ledgers in the background, on the lease, run token and attempts of api/documents/jobs.py: the
request stores the export `queued` and hands it to its process's export thread; the worker resumes those a dead
process left behind and removes expired ones. Each page of tickets renews the lease with the progress."""

import logging
import uuid
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from api.accounts.models import User
from api.bulletins import content as bulletin_content
from api.config import Settings
from api.database import read_session, transaction, utcnow
from api.documents import jobs, pdf
from api.documents.jobs import Lost
from api.documents.store import DocumentStore
from api.exports import ledger, writers
from api.exports.models import Export, ExportFilters
from api.indicators import periods
from api.indicators import service as indicators_service
from api.photos.storage import LocalStorage

log = logging.getLogger(__name__)
# A PDF's layout is one step that cannot renew the lease: the lease outlasts the largest one (service.PDF_MAX_ROWS).
JOBS = jobs.Jobs(Export, timedelta(minutes=5), 3, (
    "已尝试导出 {attempts} 次均未完成，请缩小范围后重新导出", "{attempts} attempts to export did not finish; narrow it, then retry"))
TITLES = {"xlsx": "问题整改台账", "pdf": "整改前后对比台账", "csv": "问题整改台账"}


def documents(settings: Settings) -> DocumentStore:
    """The exports' own folder: their files come and go on a schedule of their own (retention)."""
    return DocumentStore(settings.data_dir / "exports")


def photos(settings: Settings) -> LocalStorage:
    return LocalStorage(settings.data_dir / "photos")


def period_label(filters: ExportFilters, tz) -> str:
    if filters.period:
        return bulletin_content.period_label(periods.parse(filters.period))  # the bulletins' wording
    since, until = filters.since or filters.closed_from, filters.until or filters.closed_to
    if since or until:
        return f"{writers.chinese_date(since, tz) or '…'}至{writers.chinese_date(until, tz) or '今'}"
    return "全部"


def _summary_period(filters: ExportFilters, tz) -> periods.Period | None:
    if filters.period:
        return periods.parse(filters.period)
    if filters.since and filters.until:
        first, end = filters.since.astimezone(tz).date(), filters.until.astimezone(tz).date()
        if first < end:
            return periods.between(first, end)
    return None


def generate(engine: Engine, settings: Settings, export_id: uuid.UUID, token: uuid.UUID) -> None:
    store, storage, tz = documents(settings), photos(settings), settings.tz
    temp = None
    try:
        with read_session(engine) as session:
            row = session.get_one(Export, export_id)
            user = session.get_one(User, row.created_by)
            filters = ExportFilters.model_validate(row.filters)
            total = max(1, ledger.count(session, user, filters, tz))
            names = ledger.Names(session)

            def progress(done: int, share: float = 0.9) -> None:
                JOBS.update(engine, export_id, token, progress=min(99, int(100 * share * done / total)))

            def lines():
                for page in ledger.pages(session, user, filters, tz):
                    yield ledger.lines(session, names, page)

            title = f"{TITLES[row.format]}（{period_label(filters, tz)}）"
            temp = store.new_temp(f".{row.format}")
            if row.format == "xlsx":
                period = _summary_period(filters, tz)
                summary = indicators_service.indicators(
                    session, settings, period=period, by="bureau",
                    bureau=user.bureau_code if user.role == "bureau" else None) if period else None
                count = writers.write_xlsx(temp, lines(), storage, tz, title=title, summary=summary,
                                           progress=progress)
            elif row.format == "csv":
                count = writers.write_csv(temp, lines(), tz, progress)
            else:
                count = writers.write_pdf(temp, lines(), storage, tz, title=TITLES["pdf"],
                                          period_label=period_label(filters, tz),
                                          progress=lambda done: progress(done, 0.5),
                                          on_layout=lambda: progress(total, 0.95))
        size = temp.stat().st_size
        sha256 = store.put_file(temp)  # durable before the commit that names it
        JOBS.finish(engine, export_id, token, sha256=sha256, size=size, rows=count, generated_at=utcnow(),
                    expires_at=utcnow() + timedelta(days=settings.export_retention_days))
    except Lost:
        log.info("export %s: taken over by another run", export_id)
    except pdf.FontMissing as exc:
        JOBS.fail(engine, export_id, token, exc.message, exc.message_en)
    except Exception:
        log.exception("export %s: generation failed", export_id)
        JOBS.fail(engine, export_id, token, "导出失败（服务器错误，已记录日志），请重新导出",
                  "the export failed (a server error, logged); export again")
    finally:
        if temp is not None:
            temp.unlink(missing_ok=True)


def run_queued(engine: Engine, settings: Settings, export_id: uuid.UUID) -> bool:
    claimed = JOBS.claim_queued(engine, export_id)
    if claimed is None:
        return False
    generate(engine, settings, *claimed)
    return True


def worker_round(engine: Engine, settings: Settings, *, limit: int = 2) -> dict[str, int]:
    """The worker's round: run exports whose process died, remove expired ones (a feed stands until deleted),
    and sweep away files no export names."""
    resumed = 0
    while resumed < limit:
        claimed = JOBS.claim_abandoned(engine)
        if claimed is None:
            break
        log.warning("export %s: resuming a run its process left behind", claimed[0])
        generate(engine, settings, *claimed)
        resumed += 1
    with transaction(engine) as session:
        expired = session.exec(delete(Export).where(col(Export.expires_at) < utcnow(),
                                                    col(Export.feed_token_sha256).is_(None))).rowcount
    with read_session(engine) as session:
        named = session.exec(select(Export.sha256).where(col(Export.sha256).is_not(None))).all()
    documents(settings).sweep(named)
    return {"exports_resumed": resumed, "exports_expired": expired}


class Exporter(jobs.JobThread):
    """The process's export thread."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__("exports", lambda export_id: run_queued(engine, settings, export_id))
