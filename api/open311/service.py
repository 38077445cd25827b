"""Open311 GeoReport v2 over the citizens' reports (docs/open311.md): the public list as services, reports (and
the tickets the county chooses to list) as requests with public fields only, and the keys other systems post with."""

import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, not_, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.audit import service as audit
from api.catalog.models import Category
from api.citizens import service as citizens
from api.citizens.models import CitizenSettings, Open311Key, PublicCategory, PublicReport
from api.database import read_session, utcnow
from api.errors import ApiError, not_found
from api.open311.models import RequestCreated, Service, ServiceDefinition, ServiceRequest, TokenAnswer
from api.tickets.models import Photo
from api.tickets.models import Ticket

Status = Literal["open", "closed"]
WINDOW = timedelta(days=90)  # the standard's default range, and the longest one asked for
MAX_REQUESTS = 1000
_CLOSED = ("closed", "cancelled")
_CODE = re.compile(f"^[{citizens.CODE_ALPHABET}]{{{citizens.CODE_LENGTH}}}$")
# A listed ticket's state in plain words (a report's are the citizens' page's).
_TICKET_NOTES = {"reported": "已受理，待派遣", "rectified": "已整改，待验收", "closed": "已办结", "cancelled": "已撤销"}


def bad_request(code: str, message: str, message_en: str, details: Any = None) -> ApiError:
    return ApiError(400, code, message, message_en, details)


def check_jurisdiction(session: Session, given: str | None) -> None:
    """Where the county set one, a request naming another jurisdiction is refused; one naming none is taken."""
    expected = citizens.settings_of(session).jurisdiction_id
    if expected is not None and given is not None and given != expected:
        raise bad_request("unknown_jurisdiction", "jurisdiction_id 不属于本系统", "unknown jurisdiction_id",
                          {"jurisdiction_id": given})


# --- services: the public list ---

def _public(session: Session) -> list[tuple[PublicCategory, Category]]:
    return list(session.exec(select(PublicCategory, Category)
                             .join(Category, col(Category.code) == PublicCategory.category_code)
                             .where(Category.is_active == True)  # noqa: E712
                             .order_by(col(PublicCategory.position), col(PublicCategory.category_code))).all())


def _service(public: PublicCategory, category: Category) -> Service:
    return Service(service_code=public.category_code, service_name=public.public_name,
                   description=public.public_name_en, metadata=False, type="realtime",
                   keywords=category.pinyin, group=category.family)


def services(session: Session) -> list[Service]:
    return [_service(p, c) for p, c in _public(session)]


def service_definition(session: Session, code: str) -> ServiceDefinition:
    """No category asks for attributes: the definition names the service and lists none."""
    if code not in {p.category_code for p, _ in _public(session)}:
        raise not_found("服务类别", "Service", code)
    return ServiceDefinition(service_code=code, attributes=[])


# --- keys ---

def _digest(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def issue_key(session: Session, *, system: str, hourly_limit: int, by: str) -> tuple[Open311Key, str]:
    """A new key: returned this once, only its hash kept."""
    api_key = "o311_" + secrets.token_urlsafe(24)
    key = Open311Key(system=system, key_sha256=_digest(api_key), prefix=api_key[:9], hourly_limit=hourly_limit,
                     created_by=by)
    session.add(key)
    session.flush()
    audit.record(session, actor=by, entity="api_key", key=str(key.id), action="create",
                 after={"system": system, "prefix": key.prefix, "hourly_limit": hourly_limit})
    return key, api_key


def keys(session: Session) -> list[Open311Key]:
    return list(session.exec(select(Open311Key).order_by(col(Open311Key.id))).all())


def revoke_key(session: Session, key_id: int, by: str) -> Open311Key:
    key = session.get(Open311Key, key_id)
    if key is None:
        raise not_found("密钥", "API key", key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        session.flush()
        audit.record(session, actor=by, entity="api_key", key=str(key.id), action="revoke",
                     before={"revoked_at": None}, after={"revoked_at": key.revoked_at})
    return key


def key_for(session: Session, api_key: str) -> Open311Key:
    """403 for a key unknown or revoked."""
    key = session.exec(select(Open311Key).where(Open311Key.key_sha256 == _digest(api_key))).first()
    if key is None or key.revoked_at is not None:
        raise ApiError(403, "invalid_api_key", "api_key 无效或已吊销", "api_key unknown or revoked")
    return key


def created(report: PublicReport) -> RequestCreated:
    return RequestCreated(service_request_id=report.tracking_code, token=str(report.id),
                          service_notice="已收到，审核后受理 / Received; it is reviewed before it is accepted",
                          account_id=None)


def token_of(report: PublicReport) -> TokenAnswer:
    return TokenAnswer(service_request_id=report.tracking_code, token=str(report.id))


def media_target(engine: Engine, service_request_id: str, api_key: str) -> PublicReport:
    """The Open311 report a photo is for: posted with this very key (403 otherwise, 404 if none). Apart from the
    request's write session: on SQLite that one would hold the write lock through the upload."""
    with read_session(engine) as session:
        key = key_for(session, api_key)
        report = session.exec(select(PublicReport).where(
            PublicReport.tracking_code == service_request_id.upper())).first()
        if report is None:
            raise not_found("服务请求", "Service request", service_request_id)
        if report.api_key_id != key.id:
            raise ApiError(403, "not_your_request", "该请求不是用此 api_key 提交的",
                           "this request was not posted with this api_key")
        return report


def token(session: Session, value: str) -> TokenAnswer:
    """A token is an Open311 report's id; a page's report id is the page's alone and never a token."""
    try:
        report_id = uuid.UUID(value)
    except ValueError:
        raise not_found("令牌", "Token", value) from None
    report = session.get(PublicReport, report_id)
    if report is None or report.channel != "open311":
        raise not_found("令牌", "Token", value)
    return token_of(report)


# --- requests: reports (and tickets, if the county lists them), public fields only ---

def _names(session: Session, codes: set[str]) -> dict[str, str]:
    names = dict(session.exec(select(Category.code, Category.name).where(col(Category.code).in_(codes))).all())
    names.update(session.exec(select(PublicCategory.category_code, PublicCategory.public_name)
                              .where(col(PublicCategory.category_code).in_(codes))).all())
    return names


def _report_state(report: PublicReport, ticket: Ticket | None) -> tuple[Status, str]:
    if report.status == "rejected":
        return "closed", f"{citizens.STAGE_WORDS['rejected'][0]}：{report.reject_reason}"
    if ticket is None:
        return "open", citizens.STAGE_WORDS["received"][0]
    if ticket.status in _CLOSED:
        return "closed", citizens.STAGE_WORDS["closed"][0]
    if ticket.status == "rectified":
        return "open", _TICKET_NOTES["rectified"]
    return "open", citizens.STAGE_WORDS["accepted"][0]


def _latest(*moments: datetime | None) -> datetime:
    return max(m for m in moments if m is not None)


def _after_photos(session: Session, ticket_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Each ticket's latest received after-photo."""
    latest: dict[uuid.UUID, uuid.UUID] = {}
    for ticket_id, photo_id in session.exec(
            select(Photo.ticket_id, Photo.id).where(col(Photo.ticket_id).in_(ticket_ids), Photo.kind == "after",
                                                    col(Photo.received_at).is_not(None))
            .order_by(col(Photo.received_at), col(Photo.position))).all():
        latest[ticket_id] = photo_id
    return latest


def _rounded(value: float, county: CitizenSettings) -> float:
    return round(value, county.location_decimals)


def _status_filter(statuses: set[str], closed: Any, still_open: Any) -> Any:
    if statuses == {"open"}:
        return still_open
    if statuses == {"closed"}:
        return closed
    return None


def _reports(session: Session, county: CitizenSettings, base_url: str, *, codes: list[str] | None,
             services: set[str] | None, start: datetime | None, end: datetime | None,
             statuses: set[str]) -> list[ServiceRequest]:
    query = (select(PublicReport, Ticket).join(Ticket, col(Ticket.id) == PublicReport.ticket_id, isouter=True)
             .order_by(col(PublicReport.received_at).desc()).limit(MAX_REQUESTS))
    if codes is not None:
        query = query.where(col(PublicReport.tracking_code).in_(codes))
    if services:
        query = query.where(col(PublicReport.category_code).in_(services))
    if start is not None and end is not None:
        query = query.where(col(PublicReport.received_at) >= start, col(PublicReport.received_at) <= end)
    closed = or_(col(PublicReport.status) == "rejected", col(Ticket.status).in_(_CLOSED))
    still_open = and_(col(PublicReport.status) != "rejected",
                      or_(col(Ticket.status).is_(None), not_(col(Ticket.status).in_(_CLOSED))))
    condition = _status_filter(statuses, closed, still_open)
    if condition is not None:
        query = query.where(condition)
    rows = session.exec(query).all()
    names = _names(session, {r.category_code for r, _ in rows})
    photos = _after_photos(session, [t.id for _, t in rows if t is not None and t.status in ("rectified", "closed")])
    answers = []
    for report, ticket in rows:
        status, notes = _report_state(report, ticket)
        photo = photos.get(ticket.id) if ticket is not None else None
        answers.append(ServiceRequest(
            service_request_id=report.tracking_code, status=status, status_notes=notes,
            service_name=names.get(report.category_code, report.category_code), service_code=report.category_code,
            requested_datetime=report.received_at,
            updated_datetime=_latest(report.received_at, report.reviewed_at,
                                     ticket.rectified_at if ticket else None, ticket.closed_at if ticket else None),
            lat=_rounded(report.lat, county), long=_rounded(report.lon, county),
            media_url=f"{base_url}/api/v1/public/reports/{report.tracking_code}/photos/{photo}" if photo else None))
    return answers


def _tickets(session: Session, county: CitizenSettings, *, sources: list[str], ids: list[uuid.UUID] | None,
             services: set[str] | None, start: datetime | None, end: datetime | None,
             statuses: set[str]) -> list[ServiceRequest]:
    """Inspectors' or supervision's tickets, where the county lists them: no public photo, no description."""
    query = (select(Ticket).where(col(Ticket.source).in_(sources), Ticket.status != "incomplete")
             .order_by(col(Ticket.created_at).desc()).limit(MAX_REQUESTS))
    if ids is not None:
        query = query.where(col(Ticket.id).in_(ids))
    if services:
        query = query.where(col(Ticket.category_code).in_(services))
    if start is not None and end is not None:
        query = query.where(col(Ticket.created_at) >= start, col(Ticket.created_at) <= end)
    condition = _status_filter(statuses, col(Ticket.status).in_(_CLOSED), not_(col(Ticket.status).in_(_CLOSED)))
    if condition is not None:
        query = query.where(condition)
    rows = session.exec(query).all()
    names = _names(session, {t.category_code for t in rows})
    return [ServiceRequest(
        service_request_id=str(t.id), status="closed" if t.status in _CLOSED else "open",
        status_notes=_TICKET_NOTES.get(t.status, "处理中"), service_name=names.get(t.category_code, t.category_code),
        service_code=t.category_code, requested_datetime=t.created_at,
        updated_datetime=_latest(t.created_at, t.dispatched_at, t.rectified_at, t.closed_at),
        lat=_rounded(t.lat, county), long=_rounded(t.lon, county), media_url=None) for t in rows]


def _split_ids(ids: list[str]) -> tuple[list[str], list[uuid.UUID]]:
    codes, tickets = [], []
    for value in ids:
        if _CODE.match(value.upper()):
            codes.append(value.upper())
            continue
        try:
            tickets.append(uuid.UUID(value))
        except ValueError:
            continue  # names nothing: no row to answer
    return codes, tickets


def service_requests(session: Session, base_url: str, *, ids: list[str] | None, services: set[str] | None,
                     start: datetime | None, end: datetime | None, statuses: set[str]) -> list[ServiceRequest]:
    """The standard's search: `ids` override every other filter; otherwise the range (90 days at most, the last
    90 by default), newest first, at most 1,000."""
    county = citizens.settings_of(session)
    codes: list[str] | None = None
    ticket_ids: list[uuid.UUID] | None = None
    if ids is not None:
        codes, ticket_ids = _split_ids(ids)
        services, start, end, statuses = None, None, None, set()
    else:
        # One end given: the 90 days from (or to) it; none: the last 90 (at the calendar's ends, what there is).
        end = end or (min(start, datetime.max.replace(tzinfo=UTC) - WINDOW) + WINDOW if start else utcnow())
        start = start or max(end, datetime.min.replace(tzinfo=UTC) + WINDOW) - WINDOW
        if start > end or end - start > WINDOW:
            raise bad_request("bad_date_range", "起止时间无效或超过 90 天", "start_date after end_date, or more "
                              "than 90 days apart", {"start_date": start.isoformat(), "end_date": end.isoformat()})
    found: list[ServiceRequest] = []
    if "citizen" in county.open311_sources:
        found += _reports(session, county, base_url, codes=codes, services=services, start=start, end=end,
                          statuses=statuses)
    others = [s for s in county.open311_sources if s != "citizen"]
    if others:
        found += _tickets(session, county, sources=others, ids=ticket_ids, services=services, start=start, end=end,
                          statuses=statuses)
    found.sort(key=lambda r: r.requested_datetime, reverse=True)
    return found[:MAX_REQUESTS]


def service_request(session: Session, base_url: str, request_id: str) -> ServiceRequest:
    found = service_requests(session, base_url, ids=[request_id], services=None, start=None, end=None,
                             statuses=set())
    if not found:
        raise not_found("服务请求", "Service request", request_id)
    return found[0]
