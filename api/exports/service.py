"""Ledger exports: who may make and read them, their rows, the preview, and the CSV feed's token."""

import hashlib
import secrets
import uuid
from typing import cast

from sqlmodel import Session, col, select

from api.accounts.deps import require_roles
from api.accounts.models import Role, User
from api.audit import service as audit
from api.bureaus.models import Bureau
from api.config import Settings
from api.database import stored_id
from api.errors import ApiError, forbidden, not_found
from api.exports import ledger
from api.exports.models import (
    Export,
    ExportCreate,
    ExportFilters,
    ExportPublic,
    Format,
    Preview,
    PreviewRow,
    Status,
    TicketStatus,
)
from api.exports.runner import TITLES, period_label

EXPORTERS = (Role.ledger, Role.dispatcher, Role.leader, Role.admin, Role.bureau)
require_exporter = require_roles(*EXPORTERS)
# WeasyPrint lays the whole document out in memory before writing it (the photos are read from their files as
# it writes), in one step that cannot renew the job's lease: the count bounds both. A larger ledger is the
# XLSX's job, or the PDF of one unit or half a month.
PDF_MAX_ROWS = 1000
PREVIEW_ROWS = 20
LISTED = 30
MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}


def scoped(user: User, filters: ExportFilters) -> ExportFilters:
    """A unit's liaison exports its own unit's tickets, whatever unit the filters name."""
    if user.role == Role.bureau:
        return filters.model_copy(update={"bureau": user.bureau_code})
    return filters


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _file_name(session: Session, fmt: str, filters: ExportFilters, settings: Settings) -> str:
    unit = session.get_one(Bureau, filters.bureau).name if filters.bureau else None  # check_filters found it
    parts = [TITLES[fmt], period_label(filters, settings.tz), *([unit] if unit else [])]
    return f"{'_'.join(parts)}.{fmt}"


def create(session: Session, settings: Settings, user: User, body: ExportCreate) -> tuple[Export, str | None]:
    """The export, queued (and the feed's token, once, when one is asked for). Filters that name nothing, a feed
    of anything but CSV, or a PDF too large to lay out: 422, and nothing stored."""
    filters = scoped(user, ExportFilters.model_validate(body.model_dump(exclude={"format", "feed"})))
    ledger.check_filters(session, filters)
    if body.feed and body.format != "csv":
        raise ApiError(422, "feed_needs_csv", "定时获取链接只提供 CSV 格式", "a feed is CSV only")
    if body.format == "pdf":
        count = ledger.count(session, user, filters, settings.tz)
        if count > PDF_MAX_ROWS:
            raise ApiError(422, "too_many_for_pdf", f"对比台账（PDF）一次最多 {PDF_MAX_ROWS} 件（所选 {count} 件），"
                           "请缩小范围或导出 XLSX", f"a PDF ledger holds at most {PDF_MAX_ROWS} tickets "
                           f"({count} chosen): narrow it, or export XLSX", {"count": count, "max": PDF_MAX_ROWS})
    token = secrets.token_urlsafe(32) if body.feed else None
    row = Export(format=body.format, filters=filters.model_dump(mode="json", exclude_none=True),
                 file_name=_file_name(session, body.format, filters, settings), created_by=stored_id(user.id),
                 feed_token_sha256=_hash(token) if token else None)
    session.add(row)
    session.flush()
    # Who exported what (the tickets' data leaves the system): the filters, never the feed's token.
    audit.record(session, actor=user.username, entity="export", key=str(row.id), action="create",
                 after={"format": row.format, "filters": row.filters, "feed": token is not None})
    return row, token


def readable(session: Session, user: User, export_id: uuid.UUID, *, lock: bool = False) -> Export:
    """An export its maker reads; staff read any (they see every ticket anyway). 404 otherwise."""
    query = select(Export).where(Export.id == export_id)
    row = session.exec(query.with_for_update() if lock else query).first()
    if row is None or (row.created_by != user.id and user.role == Role.bureau):
        raise not_found("导出", "Export", str(export_id))
    return row


def delete(session: Session, user: User, row: Export) -> None:
    if row.created_by != user.id and user.role != Role.admin:
        raise forbidden({"reason": "only its maker or an admin deletes an export"})
    session.delete(row)
    session.flush()


def listed(session: Session, user: User) -> list[Export]:
    """The caller's recent exports, newest first."""
    return list(session.exec(select(Export).where(Export.created_by == user.id)
                             .order_by(col(Export.created_at).desc()).limit(LISTED)).all())


def public(session: Session, rows: list[Export], feed_token: str | None = None) -> list[ExportPublic]:
    makers = {row.created_by for row in rows}
    names = dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(makers))).all()) \
        if makers else {}
    # cast: the table's constraints hold format and status to these values.
    return [ExportPublic(
        id=row.id, format=cast(Format, row.format), filters=row.filters, status=cast(Status, row.status),
        progress=row.progress / 100, rows=row.rows, size=row.size, file_name=row.file_name, error=row.error,
        error_en=row.error_en, created_at=row.created_at, created_by=names.get(row.created_by, ""),
        generated_at=row.generated_at,
        expires_at=row.expires_at, file_url=f"/api/v1/exports/{row.id}/file", feed=row.feed_token_sha256 is not None,
        feed_url=f"/api/v1/exports/feed.csv?token={feed_token}" if feed_token else None) for row in rows]


def preview(session: Session, settings: Settings, user: User, filters: ExportFilters) -> Preview:
    """How many tickets the filters pick, and the first rows as the ledger will show them."""
    filters = scoped(user, filters)
    ledger.check_filters(session, filters)
    page = next(ledger.pages(session, user, filters, settings.tz, size=PREVIEW_ROWS), [])
    first = ledger.lines(session, ledger.Names(session), page)
    return Preview(count=ledger.count(session, user, filters, settings.tz), rows=[PreviewRow(
        number=line.number, found_at=line.found_at, place=line.place, category=line.category,
        description=line.description, unit=line.unit or None,
        status=cast(TicketStatus, line.status_code),  # a ticket's status, which the table holds to these
        closed=line.closed, overdue=line.overdue) for line in first])


def feed(session: Session, token: str | None) -> tuple[Export, User]:
    """The feed the token opens and the user it reads as (401 for a token that opens none, or whose maker's
    account is disabled)."""
    row = session.exec(select(Export).where(Export.feed_token_sha256 == _hash(token))).first() if token else None
    user = session.get(User, row.created_by) if row else None
    if row is None or user is None or not user.is_active or user.role not in EXPORTERS:
        raise ApiError(401, "not_authenticated", "链接无效或已撤销", "the feed's token is invalid or revoked",
                       headers={"WWW-Authenticate": "Bearer"})
    return row, user
