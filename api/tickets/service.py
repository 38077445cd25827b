import base64
import hashlib
import json
import math
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, cast

from pydantic.fields import FieldInfo
from sqlalchemy import Uuid, bindparam, func, literal, or_, select as core_select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from api.accounts.models import Role, User
from api.bureaus.models import Bureau
from api.catalog.models import Category
from api.config import Settings
from api.database import UTCDateTime, table_of, utcnow
from api.driverstatements import DriverStatement, detached, values_of
from api.errors import ApiError
from api.geo import distance_m
from api.grid.index import GridIndexCache
from api.grid.models import CellInspector, GridCell
from api.keypoints.models import KeyPoint
from api.reference_data import reference
from api.routing import service as routing_service
from api.tickets import access, events
from api.tickets.deadlines import deadline_info
from api.tickets.models import OPEN_STATUSES, Photo, Ticket, TicketCapture, TicketEvent
from api.workcalendar.service import WorkCalendar


def _conflict() -> ApiError:  # a new one per raise: a raised instance keeps its traceback, and its frames
    return ApiError(409, "ticket_conflict", "该工单编号已被使用且内容不同",
                    "this ticket id is already used with a different body")


# Fields added to the capture after phones had queued tickets: left out of the hash when unset, so
# a replay of such a ticket still matches the hash stored for it.
_LATER_FIELDS = ("key_point_id", "patrol_id", "checklist_item")


def capture_sha256(body: TicketCapture) -> str:
    fields = body.model_dump(mode="json")
    for name in _LATER_FIELDS:
        if fields[name] is None:
            del fields[name]
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


_INSERT_EVENT = DriverStatement(values_of(table_of(TicketEvent), ["ticket_id", "at", "actor_id", "actor_role",
                                                                 "action", "from_status", "to_status", "payload",
                                                                 "action_id"]))


def add_event(session: Session, ticket: Ticket, action: str, *, actor: User | None,
              from_status: str | None, to_status: str | None, payload: dict | None = None,
              action_id: uuid.UUID | None = None) -> None:
    """Append to the ticket's history, in the caller's transaction, and tell the subscribers (events.py).
    An INSERT on the driver connection rather than an object for the next flush: nothing reads events
    back as objects, and the ORM's bookkeeping for them was a tenth of an upload's CPU
    (api/driverstatements.py). The ticket row must exist (be flushed)."""
    payload = payload or {}
    _INSERT_EVENT.run(session, {
        "ticket_id": ticket.id, "at": utcnow(), "actor_id": actor.id if actor else None,
        "actor_role": actor.role if actor else None, "action": action, "from_status": from_status,
        "to_status": to_status, "payload": payload, "action_id": action_id})
    events.emit(session, ticket, action, to_status, str(payload.get("reason") or payload.get("note") or ""))


def _check_references(session: Session, user: User, body: TicketCapture) -> KeyPoint | None:
    """Refuse a capture that names what does not exist or is not the caller's; returns its key point."""
    ref = reference(session)
    category = ref.categories.get(body.category)
    if category is None or not category.is_active:
        raise ApiError(422, "unknown_category", f"问题类别 {body.category} 不存在或已停用",
                       f"unknown or inactive category {body.category}")
    if body.point_type and body.point_type not in ref.point_types:
        raise ApiError(422, "unknown_point_type", f"点位类型 {body.point_type} 不存在",
                       f"unknown point type {body.point_type}")
    point = None
    if body.key_point_id is not None:
        point = session.get(KeyPoint, body.key_point_id)
        if point is None or not point.is_active:
            raise ApiError(422, "unknown_key_point", f"点位 {body.key_point_id} 不存在或已停用",
                           f"key point {body.key_point_id} does not exist or is not active")
    elif body.checklist_item is not None:
        raise ApiError(422, "checklist_item_without_point", "清单项目须与点位一同提交",
                       "a checklist item needs its key point")
    if body.cell_code:
        if body.cell_code not in ref.cells:
            raise ApiError(422, "unknown_cell", f"网格 {body.cell_code} 不存在", f"unknown cell {body.cell_code}")
        if user.role == Role.inspector and session.exec(select(CellInspector).where(
                CellInspector.user_id == user.id, CellInspector.cell_code == body.cell_code)).first() is None:
            raise ApiError(403, "cell_not_assigned", f"您不负责网格 {body.cell_code}，不能手动选择",
                           f"you may not report in cell {body.cell_code}", {"cell_code": body.cell_code})
    return point


def _factory(field: FieldInfo) -> Callable[[], Any]:
    """A field's default factory, asked once whether it takes the validated data (pydantic allows that;
    FieldInfo.get_default asks on every call, at the cost of an inspect.signature)."""
    if field.default_factory_takes_validated_data:
        raise TypeError("a row's defaults are made without validated data")
    return cast(Callable[[], Any], field.default_factory)


def _row_maker(model: type[SQLModel]) -> Callable[..., dict]:
    """Rows for an INSERT into `model`'s table: every column, the model's defaults (factories
    called for each row) under the caller's values. Building, then flushing, ORM objects cost more
    than the INSERTs of a capture themselves."""
    fields = model.model_fields.items()
    fixed = {name: None if field.is_required() else field.default for name, field in fields
             if field.default_factory is None}
    factories = {name: _factory(field) for name, field in fields if field.default_factory is not None}
    return lambda **values: {**fixed, **{name: make() for name, make in factories.items()}, **values}


_ticket_row, _photo_row = _row_maker(Ticket), _row_maker(Photo)
# A ticket whose id exists already (a replay, or a racing identical request that committed first) is
# not inserted, rather than failing: a failed INSERT aborts the transaction, and PostgreSQL logs
# each one as an ERROR.
_INSERT_NEW_TICKET = DriverStatement(**{
    name: values_of(table_of(Ticket), into=dialect.insert).on_conflict_do_nothing(index_elements=["id"])
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))})
_INSERT_PHOTO = DriverStatement(values_of(table_of(Photo)))


def put_ticket(session: Session, settings: Settings, user: User, ticket_id: uuid.UUID,
               body: TicketCapture) -> tuple[Ticket, list[Photo] | None]:
    """Create the ticket on first sight; the same body again is a harmless replay; a different body
    under the same id is a conflict. Safe under racing identical requests.
    Returns the ticket and, when this call created it, its declared photos (None for a replay): a new
    ticket and its photos as written (detached, not read back), to render."""
    request_sha = capture_sha256(body)

    def existing_or_conflict(ticket: Ticket) -> tuple[Ticket, None]:
        if ticket.author_id != user.id or ticket.request_sha256 != request_sha:
            raise _conflict()
        return ticket, None

    # A first sight is far more common than a replay, so the INSERT below is what finds a replay (it
    # inserts nothing), and the ticket is read first only when the body would be refused: a replay is
    # answered as one even if, say, its category was retired since.
    try:
        point = _check_references(session, user, body)
        too_big = [str(p.id) for p in body.photos if p.size > settings.photo_max_bytes]
        if too_big:
            raise ApiError(413, "photo_too_large", f"照片超过 {settings.photo_max_bytes // 2**20} MB 上限",
                           f"photos over the {settings.photo_max_bytes // 2**20} MB limit", {"photo_ids": too_big})
    except ApiError:
        found = session.get(Ticket, ticket_id)
        if found is not None:
            return existing_or_conflict(found)
        raise
    ticket_row = _ticket_row(id=ticket_id, author_id=user.id,
                             source="supervision" if user.role == Role.supervisor else "inspection",
                             category_code=body.category, point_type_code=body.point_type,
                             description=body.description, lat=body.lat, lon=body.lon, accuracy_m=body.accuracy_m,
                             located_at=body.located_at, captured_at=body.captured_at,
                             # A problem at a key point is in the point's cell, wherever the phone's fix strayed.
                             cell_override=body.cell_code or (point.cell_code if point else None),
                             key_point_id=body.key_point_id, patrol_id=body.patrol_id,
                             checklist_item=body.checklist_item, request_sha256=request_sha)
    photo_rows = [_photo_row(id=declared.id, ticket_id=ticket_id, kind="before", position=position,
                             sha256=declared.sha256, content_type=declared.content_type, size=declared.size,
                             uploaded_by=user.id, client_exif=declared.exif.model_dump() if declared.exif else None)
                  for position, declared in enumerate(body.photos)]
    try:
        # The ticket first: its row is what the others point at.
        if _INSERT_NEW_TICKET.run(session, ticket_row).rowcount == 0:
            return existing_or_conflict(session.get_one(Ticket, ticket_id))
        for photo_row in photo_rows:
            _INSERT_PHOTO.run(session, photo_row)
        ticket, photos = detached(Ticket, ticket_row), [detached(Photo, row) for row in photo_rows]
        add_event(session, ticket, "created", actor=user, from_status=None, to_status="incomplete",
                  payload={"photos": len(body.photos)})
    except IntegrityError:
        # This request wrote nothing else, so the whole transaction goes: a photo id is another ticket's.
        session.rollback()
        taken = session.exec(select(Photo.id).where(col(Photo.id).in_([p.id for p in body.photos]))).first()
        if taken is None:
            raise
        raise ApiError(409, "photo_conflict", "照片编号已被其他工单使用", "a photo id is already used",
                       {"photo_id": str(taken)}) from None
    return ticket, photos


def photos_missing(session: Session, ticket_id: uuid.UUID, kind: str, photo_ids: list[uuid.UUID]) -> list[str]:
    """Those of `photo_ids` that are not received photos of this kind on this ticket."""
    photos = session.exec(select(Photo).where(col(Photo.id).in_(photo_ids))).all()
    usable = {p.id for p in photos if p.ticket_id == ticket_id and p.kind == kind and p.received_at}
    return [str(i) for i in photo_ids if i not in usable]


def _nearest_recurrence() -> DriverStatement:
    """Every completed ticket runs it (api/driverstatements.py). The nearest candidate comes first: at these
    distances degrees scaled by cos(latitude) order tickets as metres do, and the database sorts a handful
    of rows where reading every one of them cost far more."""
    t = table_of(Ticket).c
    lat, lon, lon_scale = bindparam("lat", type_=t.lat.type), bindparam("lon", type_=t.lon.type), \
        bindparam("lon_scale", type_=t.lon.type)
    return DriverStatement(
        core_select(t.id, t.lat, t.lon)
        .where(t.cell_code == bindparam("cell_code"), t.category_code == bindparam("category_code"),
               t.id != bindparam("ticket_id"), t.lat.between(bindparam("lat_from"), bindparam("lat_to")),
               t.lon.between(bindparam("lon_from"), bindparam("lon_to")),
               or_(t.status.in_([literal(s) for s in OPEN_STATUSES]), t.closed_at >= bindparam("since")))
        .order_by((t.lat - lat) * (t.lat - lat) + (t.lon - lon) * lon_scale * (t.lon - lon) * lon_scale,
                  t.created_at.desc())
        .limit(1))


_NEAREST_RECURRENCE = _nearest_recurrence()


def _recurrence_of(session: Session, settings: Settings, ticket: Ticket) -> uuid.UUID | None:
    """The nearest open, or recently closed, ticket of the same cell and category within the radius."""
    if ticket.cell_code is None:
        return None
    since = utcnow() - timedelta(days=settings.recurrence_days)
    # A bounding box in degrees narrows the rows before the exact distance (1° of latitude ≈ 111 km).
    lon_scale = max(0.1, math.cos(math.radians(ticket.lat)))
    dlat = settings.recurrence_radius_m / 111_000
    dlon = dlat / lon_scale
    nearest = _NEAREST_RECURRENCE.first(session, {
        "cell_code": ticket.cell_code, "category_code": ticket.category_code, "ticket_id": ticket.id,
        "lat": ticket.lat, "lon": ticket.lon, "lon_scale": lon_scale, "lat_from": ticket.lat - dlat,
        "lat_to": ticket.lat + dlat, "lon_from": ticket.lon - dlon, "lon_to": ticket.lon + dlon,
        "since": since})
    if nearest is None:
        return None
    ticket_id, lat, lon = nearest
    near = distance_m(ticket.lat, ticket.lon, lat, lon) <= settings.recurrence_radius_m
    return ticket_id if near else None


_COMPLETED = ("cell_code", "bureau_code", "routing_rule_id", "routing_source", "routing_reason", "routing_reason_en",
              "completed_at", "status", "dispatched_at", "deadline_at", "recurring_of")
_TICKETS = table_of(Ticket)
_COMPLETE = DriverStatement(update(_TICKETS).where(_TICKETS.c.id == bindparam("ticket_id"))
                            .values({c: bindparam(c) for c in _COMPLETED}))


def complete(session: Session, settings: Settings, grid_index: GridIndexCache, ticket: Ticket,
             actor: User) -> None:
    """Every declared photo has arrived (the caller holds the ticket's lock and has checked it is still
    incomplete): locate, route, set the deadline, link recurrence. `ticket` may be as read before the
    lock (what is read here never changes after capture); it gets the new values too, and the row one
    UPDATE of them."""
    now = utcnow()
    local_day = ticket.captured_at.astimezone(settings.tz).date()
    cell_code = ticket.cell_override or grid_index.get(session).locate(ticket.lon, ticket.lat, local_day)
    decision = routing_service.decide(session, category_code=ticket.category_code, point_type=ticket.point_type_code,
                                      cell_code=cell_code, at=ticket.captured_at, tz=settings.tz)
    ticket.cell_code, ticket.bureau_code, ticket.completed_at = cell_code, decision.bureau_code, now
    ticket.routing_rule_id, ticket.routing_source = decision.rule_id, decision.source
    ticket.routing_reason, ticket.routing_reason_en = decision.reason, decision.reason_en
    ticket.status, ticket.dispatched_at, ticket.deadline_at = "reported", None, None
    if decision.bureau_code:
        ref = reference(session)
        category = ref.categories[ticket.category_code]
        calendar = ref.calendar(settings.tz, settings.working_hours)
        ticket.status, ticket.dispatched_at = "dispatched", now
        ticket.deadline_at = calendar.deadline(now, category.deadline_value, category.deadline_unit)
    ticket.recurring_of = _recurrence_of(session, settings, ticket)
    _COMPLETE.run(session, {"ticket_id": ticket.id, **{column: getattr(ticket, column) for column in _COMPLETED}})
    add_event(session, ticket, ticket.status, actor=actor, from_status="incomplete", to_status=ticket.status,
              payload={"cell_code": cell_code, "bureau_code": decision.bureau_code, "rule_id": decision.rule_id,
                       "reason": decision.reason, "recurring_of": str(ticket.recurring_of)
                       if ticket.recurring_of else None})


# --- reading ---

def _photo_public(photo: Photo, user: User, ticket: Ticket) -> dict:
    base = f"/api/v1/photos/{photo.id}"
    urls = {"thumb": f"{base}/thumb", "display": f"{base}/display"} if photo.received_at else {}
    if photo.received_at and access.can_read_original(user, ticket):
        urls["original"] = f"{base}/original"
    return {"id": str(photo.id), "kind": photo.kind, "position": photo.position, "sha256": photo.sha256,
            "content_type": photo.content_type, "size": photo.size, "received": photo.received_at is not None,
            "analysed": photo.analysed_at is not None,
            "received_at": photo.received_at, "width": photo.width, "height": photo.height,
            "exif": photo.exif, "client_exif": photo.client_exif, "flags": photo.flags, "urls": urls}


def events_public(session: Session, ticket_id: uuid.UUID) -> list[dict]:
    rows = session.exec(select(TicketEvent, User.username, User.display_name)
                        .join(User, col(User.id) == TicketEvent.actor_id, isouter=True)
                        .where(TicketEvent.ticket_id == ticket_id).order_by(col(TicketEvent.id))).all()
    return [{"id": e.id, "at": e.at, "action": e.action, "from_status": e.from_status, "to_status": e.to_status,
             "actor": {"username": username, "display_name": name, "role": e.actor_role} if username else None,
             "payload": e.payload, "action_id": str(e.action_id) if e.action_id else None}
            for e, username, name in rows]


class _Author(Protocol):  # a users row, or the columns of one a page reads
    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...


class _Category(Protocol):  # a categories row, its reference-data copy, or the columns a page reads
    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def name_en(self) -> str: ...


class _KeyPoint(Protocol):  # a key_points row, or the columns a page reads
    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...
    @property
    def point_type_code(self) -> str: ...


def _render(ticket: Ticket, user: User, *, author: _Author, photos: list[Photo], category: _Category,
            cell_name: str | None, bureau_name: str | None, calendar: WorkCalendar | None,
            key_point: _KeyPoint | None = None, nearest_key_point: dict | None = None,
            return_reason: str | None = None) -> dict:
    return {
        "id": str(ticket.id), "status": ticket.status, "source": ticket.source,
        "category": {"code": category.code, "name": category.name, "name_en": category.name_en},
        "point_type": ticket.point_type_code, "description": ticket.description,
        "key_point": {"id": key_point.id, "name": key_point.name, "point_type": key_point.point_type_code}
        if key_point else None,
        "nearest_key_point": nearest_key_point,
        "patrol_id": str(ticket.patrol_id) if ticket.patrol_id else None, "checklist_item": ticket.checklist_item,
        "return_reason": return_reason,
        "location": {"lat": ticket.lat, "lon": ticket.lon, "accuracy_m": ticket.accuracy_m,
                     "located_at": ticket.located_at},
        "captured_at": ticket.captured_at, "created_at": ticket.created_at, "completed_at": ticket.completed_at,
        "cell_code": ticket.cell_code, "cell_name": cell_name, "cell_override": ticket.cell_override is not None,
        "bureau_code": ticket.bureau_code, "bureau_name": bureau_name,
        "dispatched_at": ticket.dispatched_at, "deadline_at": ticket.deadline_at,
        **(deadline_info(ticket, calendar, utcnow()) if calendar else {}),
        "park_requested": {"at": ticket.park_requested_at, "reason": ticket.park_request_reason}
        if ticket.park_requested_at else None,
        "extension_requested": {"until": ticket.extension_until, "reason": ticket.extension_reason}
        if ticket.extension_until else None,
        "routing": {"rule_id": ticket.routing_rule_id, "source": ticket.routing_source,
                    "reason": ticket.routing_reason, "reason_en": ticket.routing_reason_en},
        "rework_count": ticket.rework_count, "escalated": ticket.escalated,
        "recurring": ticket.recurring_of is not None,
        "recurring_of": str(ticket.recurring_of) if ticket.recurring_of else None,
        "author": {"username": author.username, "display_name": author.display_name},
        "photos": [_photo_public(p, user, ticket) for p in photos],
        "photos_missing": [str(p.id) for p in photos if p.received_at is None],
    }


def render_many(session: Session, tickets: list[Ticket], user: User, calendar: WorkCalendar | None) -> list[dict]:
    """Tickets for a list or queue page, with a fixed number of queries however long the page."""
    if not tickets:
        return []
    ids = [t.id for t in tickets]
    photos: dict[uuid.UUID, list[Photo]] = {}
    rows = session.exec(select(Photo).where(col(Photo.ticket_id).in_(ids))
                        .order_by(col(Photo.kind), col(Photo.position)))
    for photo in rows:
        photos.setdefault(photo.ticket_id, []).append(photo)

    def by_key(key, values, *columns):
        # Only the columns shown, not whole rows (a cell's geometry, a user's password hash).
        values = {v for v in values if v is not None}
        return {row[0]: row for row in session.exec(select(key, *columns).where(col(key).in_(values)))}

    authors = by_key(User.id, (t.author_id for t in tickets), User.username, User.display_name)
    categories = by_key(Category.code, (t.category_code for t in tickets), Category.name, Category.name_en)
    cells = by_key(GridCell.code, (t.cell_code for t in tickets), GridCell.name)
    bureaus = by_key(Bureau.code, (t.bureau_code for t in tickets), Bureau.name)
    points = by_key(KeyPoint.id, (t.key_point_id for t in tickets), KeyPoint.name, KeyPoint.point_type_code)
    nearest = _nearest_key_points(session, [t for t in tickets if t.key_point_id is None])
    return_reasons = _return_reasons(session, [t.id for t in tickets if t.status == "returned"])
    return [_render(t, user, author=authors[t.author_id], photos=photos.get(t.id, []),
                    category=categories[t.category_code], key_point=points.get(t.key_point_id),
                    nearest_key_point=nearest.get(t.id), return_reason=return_reasons.get(t.id),
                    cell_name=cells[t.cell_code].name if t.cell_code in cells else None,
                    bureau_name=bureaus[t.bureau_code].name if t.bureau_code in bureaus else None,
                    calendar=calendar) for t in tickets]


NEAR_KEY_POINT_M = 100.0


def _nearest_key_points(session: Session, tickets: list[Ticket]) -> dict[uuid.UUID, dict]:
    """For tickets that name no key point, the nearest active one within NEAR_KEY_POINT_M: the place a
    liaison can find."""
    if not tickets:
        return {}
    points = session.exec(select(KeyPoint.id, KeyPoint.name, KeyPoint.lat, KeyPoint.lon)
                          .where(KeyPoint.is_active == True)).all()  # noqa: E712
    box = NEAR_KEY_POINT_M / 111_000  # degrees of latitude; longitude's are wider, so the box is generous
    found = {}
    for ticket in tickets:
        near = [(distance_m(ticket.lat, ticket.lon, lat, lon), point_id, name) for point_id, name, lat, lon in points
                if abs(lat - ticket.lat) < box and abs(lon - ticket.lon) < 2 * box]
        near = [candidate for candidate in near if candidate[0] <= NEAR_KEY_POINT_M]
        if near:
            distance, point_id, name = min(near)
            found[ticket.id] = {"id": point_id, "name": name, "distance_m": round(distance)}
    return found


def _return_reasons(session: Session, ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, str | None]:
    """The reason of each returned ticket's latest return."""
    if not ticket_ids:
        return {}
    rows = session.exec(select(TicketEvent.ticket_id, TicketEvent.payload)
                        .where(col(TicketEvent.ticket_id).in_(ticket_ids), TicketEvent.action == "return")
                        .order_by(col(TicketEvent.id))).all()
    return {ticket_id: payload.get("reason") for ticket_id, payload in rows}


def new_capture_public(session: Session, ticket: Ticket, user: User, photos: list[Photo]) -> dict:
    """A ticket put_ticket has just created, from what is in hand: the capture path answers without
    reading back what it wrote."""
    point = session.get(KeyPoint, ticket.key_point_id) if ticket.key_point_id else None
    return _render(ticket, user, author=user, photos=photos,
                   category=reference(session).categories[ticket.category_code],
                   cell_name=None, bureau_name=None, calendar=None, key_point=point)


def ticket_public(session: Session, ticket: Ticket, user: User, *, with_history: bool = True,
                  calendar: WorkCalendar | None = None) -> dict:
    body = render_many(session, [ticket], user, calendar)[0]
    if with_history:
        body["events"] = events_public(session, ticket.id)
    return body


def _encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode()


def _decode_cursor(cursor: str) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        assert isinstance(values, list) and len(values) == 2
        return values
    except Exception:
        raise ApiError(422, "bad_cursor", "分页游标无效", "invalid pagination cursor") from None


FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


def _keyset(query, key, cursor: str | None, *, descending: bool):
    """Order by (key, id) and continue after the cursor's (key, id): no OFFSET, so page 100 costs
    what page 1 does."""
    id_col = col(Ticket.id)
    if cursor:
        value, last_id = _decode_cursor(cursor)
        bound = tuple_(literal(datetime.fromisoformat(value), UTCDateTime()), literal(uuid.UUID(last_id), Uuid()))
        query = query.where(tuple_(key, id_col) < bound if descending else tuple_(key, id_col) > bound)
    return query.order_by(key.desc(), id_col.desc()) if descending else query.order_by(key, id_col)


def status_in(statuses):
    """`tickets.status IN ('a', 'b')` with the values written into the SQL, as the partial indexes' WHERE is
    (models.status_in_sql), so that SQLite uses them. SQLAlchemy quotes the values."""
    return col(Ticket.status).in_(bindparam(None, list(statuses), expanding=True, literal_execute=True))


def _by_deadline(session: Session, query, cursor: str | None, limit: int) -> list[Ticket]:
    """Soonest deadline first, then the tickets without one (not dispatched yet) by id, after the cursor.
    Two queries rather than ORDER BY COALESCE(deadline_at, …), so that each reads its rows off an index in
    order; the second runs only on the page where the dated tickets run out."""
    deadline = col(Ticket.deadline_at)
    after = _decode_cursor(cursor) if cursor else None
    # A cursor at FAR_FUTURE is past the dated tickets: it names the last undated one shown.
    last_undated = uuid.UUID(after[1]) if after and datetime.fromisoformat(after[0]) == FAR_FUTURE else None
    rows = []
    if last_undated is None:
        rows = list(session.exec(_keyset(query.where(deadline.is_not(None)), deadline, cursor, descending=False)
                                 .limit(limit)).all())
    if len(rows) < limit:
        undated = query.where(deadline.is_(None))
        if last_undated is not None:
            undated = undated.where(col(Ticket.id) > last_undated)
        rows += session.exec(undated.order_by(col(Ticket.id)).limit(limit - len(rows))).all()
    return rows


def ticket_where(session: Session, user: User, *, status: list[str] | None = None, bureau: str | None = None,
                 cell: str | None = None, category: str | None = None, overdue: bool | None = None,
                 author: str | None = None, since: datetime | None = None, escalated: bool | None = None,
                 recurring: bool | None = None, extension_pending: bool | None = None,
                 park_requested: bool | None = None, due_from: datetime | None = None,
                 due_to: datetime | None = None, until: datetime | None = None, reworked: bool | None = None,
                 closed_from: datetime | None = None, closed_to: datetime | None = None,
                 key_point: int | None = None, source: str | None = None) -> list:
    """The WHERE terms for the tickets the caller may see that match the filters: the one way tickets are
    filtered, for the list, the queues and the ledger exports, and for their counts."""
    where = [access.visible_clause(session, user)]
    if status:
        where.append(status_in(status))
    if bureau:
        where.append(Ticket.bureau_code == bureau)
    if cell:
        where.append(col(Ticket.cell_code).startswith(cell))
    if category:
        where.append(Ticket.category_code == category)
    if overdue is not None:
        late = (col(Ticket.deadline_at) < utcnow()) & col(Ticket.status).in_(OPEN_STATUSES)
        where.append(late if overdue else ~late | col(Ticket.deadline_at).is_(None))
    if author:
        author_id = user.id if author == "me" else session.exec(select(User.id).where(User.username == author)).first()
        where.append(Ticket.author_id == (author_id or -1))
    if since:
        where.append(col(Ticket.created_at) >= since)
    if until:
        where.append(col(Ticket.created_at) < until)
    if escalated is not None:
        where.append(Ticket.escalated == escalated)
    if recurring is not None:
        where.append(col(Ticket.recurring_of).is_not(None) if recurring else col(Ticket.recurring_of).is_(None))
    if reworked is not None:
        where.append((col(Ticket.rework_count) > 0) if reworked else (col(Ticket.rework_count) == 0))
    if extension_pending is not None:
        pending = col(Ticket.extension_until).is_not(None)
        where.append(pending if extension_pending else ~pending)
    if due_from:
        where.append(col(Ticket.deadline_at) >= due_from)
    if due_to:
        where.append(col(Ticket.deadline_at) < due_to)
    if park_requested is not None:
        pending = col(Ticket.park_requested_at).is_not(None)  # the partial index's own WHERE term
        where.append(pending if park_requested else ~pending)
    if closed_from:
        where.append(col(Ticket.closed_at) >= closed_from)
    if closed_to:
        where.append(col(Ticket.closed_at) < closed_to)
    if key_point is not None:
        where.append(col(Ticket.key_point_id) == key_point)
    if source:
        where.append(col(Ticket.source) == source)
    return where


def count_tickets(session: Session, user: User, **filters) -> int:
    """How many tickets find_tickets pages through with these filters (ticket_where's), counted by the database."""
    return session.exec(select(func.count()).select_from(Ticket).where(*ticket_where(session, user, **filters))).one()


def find_tickets(session: Session, user: User, *, sort: str = "-created", limit: int = 50, cursor: str | None = None,
                 **filters) -> tuple[list[Ticket], str | None]:
    """A keyset page of the tickets the caller may see, filtered (ticket_where's filters), and the cursor for
    the next page; sorted newest first (`-created`), oldest first (`created`) or by deadline."""
    query = select(Ticket).where(*ticket_where(session, user, **filters))

    if sort == "deadline":
        rows = _by_deadline(session, query, cursor, limit + 1)
    else:
        ordered = _keyset(query, col(Ticket.created_at), cursor, descending=sort != "created")
        rows = session.exec(ordered.limit(limit + 1)).all()
    items, more = rows[:limit], len(rows) > limit
    next_cursor = None
    if more:
        last = items[-1]
        value = (last.deadline_at or FAR_FUTURE) if sort == "deadline" else last.created_at
        next_cursor = _encode_cursor([value.isoformat(), str(last.id)])
    return list(items), next_cursor


def list_tickets(session: Session, user: User, *, calendar: WorkCalendar | None = None, **filters) -> dict:
    """A rendered page of find_tickets."""
    items, next_cursor = find_tickets(session, user, **filters)
    return {"items": render_many(session, items, user, calendar), "next_cursor": next_cursor}


def count_by_status(session: Session, user: User, statuses: Sequence[str], **where) -> dict[str, int]:
    """How many visible tickets are in each status (queue badges)."""
    query = select(Ticket.status, func.count()).where(access.visible_clause(session, user),
                                                      col(Ticket.status).in_(statuses))
    for column, value in where.items():
        query = query.where(getattr(Ticket, column) == value)
    found = dict(session.exec(query.group_by(Ticket.status)).all())
    return {status: found.get(status, 0) for status in statuses}
