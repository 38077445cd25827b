"""The ledger's rows (问题整改台账): the tickets an export's filters pick, as the caller may see them, each with
what the county's ledger columns need, read in batches so memory stays bounded whatever the count.

Tickets are picked by the ticket list's own query (api/tickets/service.py find_tickets, oldest first, page by
page, counted by the database), so the filters and the access rules are the list's: a unit's liaison gets its own
unit's tickets whatever `bureau` says."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import get_args

from sqlmodel import Session, col, select

from api.accounts.models import User
from api.bureaus.models import Bureau
from api.catalog.models import Category, PointType
from api.database import utcnow
from api.errors import ApiError
from api.exports.models import ExportFilters, TicketStatus
from api.grid.models import GridArea, GridCell
from api.indicators import periods
from api.keypoints.models import KeyPoint
from api.photos import pipeline
from api.photos import service as photos_service
from api.tickets.models import Photo
from api.photos.storage import LocalStorage
from api.tickets import service as tickets_service
from api.tickets.models import Ticket, TicketEvent

PAGE = 500
SOURCE_NAMES = {"inspection": "日常巡查", "supervision": "督察暗访", "citizen": "群众反映"}
STATUS_NAMES = {"reported": "待派遣", "dispatched": "已派遣", "accepted": "已签收", "rectified": "已整改待核查",
                "rework": "返工", "closed": "已结案", "returned": "已退回", "parked": "挂账", "cancelled": "已作废"}
RESULT_NAMES = {"pass": "通过", "fail": "不通过"}
SPOTCHECK_NAMES = {"pass": "合格", "fail": "不合格"}


@dataclass
class Line:
    """One ticket as the ledger shows it: names, never codes."""

    ticket_id: uuid.UUID
    number: str
    found_at: datetime
    source: str
    street: str
    community: str
    cell: str
    key_point: str
    point_type: str
    category: str
    description: str
    unit: str
    dispatched_at: datetime | None
    deadline_at: datetime | None
    rectification: str
    rectified_at: datetime | None
    verification: str
    verifier: str
    spotcheck: str
    rework_count: int
    status_code: str
    status: str  # in Chinese
    closed: bool
    closed_at: datetime | None
    recurring: bool
    overdue: bool
    before: str | None  # the before-photo's SHA-256 (its copies are on disk)
    after: str | None  # the latest after-photo's

    @property
    def place(self) -> str:
        return " / ".join(part for part in (self.street, self.community, self.cell) if part) or "网格外"


class Names:
    """Units, areas, cells, categories, point types and key points by code, read once per export."""

    def __init__(self, session: Session) -> None:
        self.units = dict(session.exec(select(Bureau.code, Bureau.name)).all())
        self.areas = {a.code: a for a in session.exec(select(GridArea)).all()}
        self.cells = {c.code: (c.name, c.community_code) for c in session.exec(select(GridCell)).all()}
        self.categories = dict(session.exec(select(Category.code, Category.name)).all())
        self.point_types = dict(session.exec(select(PointType.code, PointType.name)).all())
        self.key_points = {k: (name, kind) for k, name, kind in
                           session.exec(select(KeyPoint.id, KeyPoint.name, KeyPoint.point_type_code)).all()}

    def place(self, cell_code: str | None) -> tuple[str, str, str]:
        cell, community_code = self.cells.get(cell_code, ("", None)) if cell_code else ("", None)
        community = self.areas.get(community_code) if community_code else None
        street = self.areas.get(community.parent_code) if community and community.parent_code else None
        return (street.name if street else "", community.name if community else "", cell)


def check_filters(session: Session, filters: ExportFilters) -> None:
    """422 for a code that names nothing (a typo would otherwise export an empty ledger without a word)."""
    if filters.period is not None:
        periods.parse(filters.period)
    for value, model, column, what in ((filters.bureau, Bureau, Bureau.code, "bureau"),
                                       (filters.category, Category, Category.code, "category"),
                                       (filters.key_point, KeyPoint, KeyPoint.id, "key_point")):
        if value is not None and session.exec(select(column).where(column == value)).first() is None:
            raise ApiError(422, "unknown_filter_value", f"筛选条件 {what} 的值不存在", f"{what}: no such {what}",
                           {"field": what, "value": value})
    if filters.cell is not None:
        known = session.exec(select(GridCell.code).where(col(GridCell.code).startswith(filters.cell)).limit(1)).first()
        if known is None:
            raise ApiError(422, "unknown_filter_value", "筛选条件 cell 的值不存在", "cell: no such cell or area",
                           {"field": "cell", "value": filters.cell})


def ticket_query(filters: ExportFilters, tz) -> dict:
    """The filters as find_tickets takes them: with `period` and no since/until, the tickets found in the period;
    without `status`, every status but incomplete (a capture still waiting for its photos is no problem yet)."""
    since, until = filters.since, filters.until
    if filters.period is not None and since is None and until is None:
        since, until = periods.parse(filters.period).bounds(tz)
    return {"status": list(filters.status or get_args(TicketStatus)), "bureau": filters.bureau,
            "cell": filters.cell, "category": filters.category, "since": since, "until": until,
            "due_from": filters.due_from, "due_to": filters.due_to, "closed_from": filters.closed_from,
            "closed_to": filters.closed_to, "key_point": filters.key_point, "source": filters.source}


def pages(session: Session, user: User, filters: ExportFilters, tz, size: int = PAGE) -> Iterator[list[Ticket]]:
    """The picked tickets, oldest first, `size` at a time."""
    query, cursor = ticket_query(filters, tz), None
    while True:
        tickets, cursor = tickets_service.find_tickets(session, user, sort="created", limit=size, cursor=cursor,
                                                       **query)
        if tickets:
            yield tickets
        if cursor is None:
            return
        session.expunge_all()  # a page's rows are done with: keep the identity map small


def count(session: Session, user: User, filters: ExportFilters, tz) -> int:
    return tickets_service.count_tickets(session, user, **ticket_query(filters, tz))


def _last_events(session: Session, ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, str], TicketEvent]:
    """Each ticket's latest rectify, verify and spotcheck event."""
    latest = {}
    for event in session.exec(select(TicketEvent).where(col(TicketEvent.ticket_id).in_(ids),
                                                        col(TicketEvent.action).in_(("rectify", "verify",
                                                                                     "spotcheck")))
                              .order_by(col(TicketEvent.at), col(TicketEvent.id))).all():
        latest[(event.ticket_id, event.action)] = event
    return latest


def _photos(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[str | None, str | None]]:
    """Each ticket's first before-photo and latest after-photo (the rectification the verifier saw last)."""
    found: dict[uuid.UUID, list[str | None]] = {}
    for ticket_id, kind, sha256 in session.exec(
            select(Photo.ticket_id, Photo.kind, Photo.sha256)
            .where(col(Photo.ticket_id).in_(ids), col(Photo.received_at).is_not(None),
                   col(Photo.kind).in_(("before", "after")))
            .order_by(col(Photo.received_at), col(Photo.position))).all():
        pair = found.setdefault(ticket_id, [None, None])
        if kind == "before" and pair[0] is None:
            pair[0] = sha256
        elif kind == "after":
            pair[1] = sha256
    return {k: (v[0], v[1]) for k, v in found.items()}


def lines(session: Session, names: Names, tickets: list[Ticket], now: datetime | None = None) -> list[Line]:
    now = now or utcnow()
    ids = [t.id for t in tickets]
    events, photos = _last_events(session, ids), _photos(session, ids)
    actor_ids = {e.actor_id for e in events.values() if e.action == "verify" and e.actor_id is not None}
    people = dict(session.exec(select(User.id, User.display_name).where(col(User.id).in_(actor_ids))).all()) \
        if actor_ids else {}
    result = []
    for t in tickets:
        rectify, verify, spot = (events.get((t.id, a)) for a in ("rectify", "verify", "spotcheck"))
        street, community, cell = names.place(t.cell_code)
        point = names.key_points.get(t.key_point_id)
        point_type = t.point_type_code or (point[1] if point else None)
        # Late until rectified (the unit's part done), or until now while it is not.
        done_at = t.rectified_at if t.status in ("rectified", "closed") else None
        before, after = photos.get(t.id, (None, None))
        result.append(Line(
            ticket_id=t.id, number=str(t.id)[:8], found_at=t.captured_at,
            source=SOURCE_NAMES.get(t.source, t.source), street=street, community=community, cell=cell,
            key_point=point[0] if point else "", point_type=names.point_types.get(point_type, "") if point_type else "",
            category=names.categories.get(t.category_code, t.category_code), description=t.description,
            unit=names.units.get(t.bureau_code, "") if t.bureau_code else "", dispatched_at=t.dispatched_at,
            deadline_at=t.deadline_at, rectification=(rectify.payload.get("note") or "") if rectify else "",
            rectified_at=t.rectified_at,
            verification=RESULT_NAMES.get(verify.payload.get("result", ""), "") if verify else "",
            verifier=people.get(verify.actor_id, "") if verify else "",
            spotcheck=SPOTCHECK_NAMES.get(spot.payload.get("result", ""), "") if spot else "",
            rework_count=t.rework_count, status_code=t.status, status=STATUS_NAMES.get(t.status, t.status),
            closed=t.status == "closed", closed_at=t.closed_at, recurring=t.recurring_of is not None,
            overdue=t.deadline_at is not None and (done_at or now) > t.deadline_at,
            before=before, after=after))
    return result


def photo_path(storage: LocalStorage, sha256: str | None, variant: str) -> Path | None:
    """A photo's stripped copy (never the original), made now if it was lost; None when it cannot be."""
    if sha256 is None:
        return None
    path = storage.derived_path(sha256, variant)
    if path.exists():
        return path
    try:
        photos_service.ensure_derivatives(storage, sha256)
    except (pipeline.PhotoInvalid, OSError):
        return None
    return path if path.exists() else None
