"""Open311 GeoReport v2 at /open311/v2/ (docs/open311.md): anonymous reads, posts with an admin-issued key; every
answer in the format the path names (`.json` or `.xml`), errors in the standard's shape. And the admin's keys."""

import hashlib
import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.accounts.deps import AdminUser
from api.citizens import service as citizens
from api.citizens.models import Open311KeyIssue, Open311KeyIssued, Open311KeyPublic
from api.database import SessionDep
from api.errors import ApiError, error_responses
from api.open311 import render
from api.open311 import service
from api.open311.models import (
    Open311Errors,
    RequestCreated,
    RequestForm,
    Service,
    ServiceDefinition,
    ServiceRequest,
    TokenAnswer,
)
from api.photos import pipeline, upload
from api.photos import service as photo_service

_XML_DOC = {"schema": {"type": "string"}}  # the same content as the JSON model, in the standard's XML
_STATUSES = {400, 403, 404, 429, 503}


def _format(request: Request) -> render.Format:
    """The path's format; an unknown one is answered in XML, the standard's mandatory format."""
    return "json" if request.path_params.get("format") == "json" else "xml"


def _described(code: str, message_en: str, message: str) -> str:
    return f"{code}: {message_en} / {message}"


class Open311Route(APIRoute):
    """Failures in the standard's shape and statuses: 404 unknown (an unknown format too), 403 a bad key, 400
    anything else wrong with the request; 429 and 503 keep theirs (with Retry-After)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            fmt = _format(request)
            try:
                return await handler(request)
            except RequestValidationError as exc:
                errors = exc.errors()
                if any(tuple(e["loc"]) == ("path", "format") for e in errors):
                    return render.errors(fmt, 404, _described("unknown_format", "use .json or .xml",
                                                              "格式应为 .json 或 .xml"))
                fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) + f" ({e['msg']})" for e in errors)
                return render.errors(fmt, 400, _described("validation_error", f"invalid request: {fields}",
                                                          "请求内容校验失败"))
            except ApiError as exc:
                status = exc.status if exc.status in _STATUSES else 400
                return render.errors(fmt, status, _described(exc.code, exc.message_en, exc.message), exc.headers)
            except StarletteHTTPException as exc:
                status = exc.status_code if exc.status_code in _STATUSES else 400
                return render.errors(fmt, status, _described("http_error", str(exc.detail), "请求失败"))

        return answer


def _documented(model: Any, description: str, *statuses: int) -> dict[int | str, dict[str, Any]]:
    errors = {400: "Bad request", 403: "Unknown or revoked api_key", 404: "Not found, or an unknown format",
              429: "Over the key's hourly limit (Retry-After)", 503: "Public reporting is closed"}
    return {200: {"model": model, "description": description, "content": {"application/xml": _XML_DOC}},
            **{s: {"model": Open311Errors, "description": errors[s], "content": {"application/xml": _XML_DOC}}
               for s in (400, 404, *statuses)}}


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route)
Jurisdiction = Annotated[str | None, Query(max_length=64)]


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.get("/services.{format}", response_model=list[Service],
            responses=_documented(list[Service], "The public categories (XML: `services/service`)"))
def services(format: render.Format, session: SessionDep, jurisdiction_id: Jurisdiction = None):
    """The categories residents may report under, by their public names."""
    service.check_jurisdiction(session, jurisdiction_id)
    return render.answer(format, "services", "service", service.services(session))


@router.get("/services/{service_code}.{format}", response_model=ServiceDefinition,
            responses=_documented(ServiceDefinition, "The service's attributes: none (XML: `service_definition`)"))
def service_definition(service_code: str, format: render.Format, session: SessionDep,
                       jurisdiction_id: Jurisdiction = None):
    service.check_jurisdiction(session, jurisdiction_id)
    return render.answer(format, "service_definition", None, [service.service_definition(session, service_code)])


def _utc(moment: datetime | None) -> datetime | None:
    """In UTC, as stored (a time without a zone is taken as UTC)."""
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)
    except OverflowError:  # 0001-01-01 east of Greenwich, 9999-12-31 west of it
        raise service.bad_request("bad_date", "日期超出范围", "date out of range",
                                  {"date": moment.isoformat()}) from None


def _listed(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@router.get("/requests.{format}", response_model=list[ServiceRequest],
            responses=_documented(list[ServiceRequest], "Requests, newest first (XML: `service_requests/request`)"))
def service_requests(format: render.Format, request: Request, session: SessionDep,
                     service_request_id: Annotated[str | None, Query(max_length=2000)] = None,
                     service_code: Annotated[str | None, Query(max_length=500)] = None,
                     start_date: datetime | None = None, end_date: datetime | None = None,
                     status: Annotated[str | None, Query(max_length=20)] = None,
                     jurisdiction_id: Jurisdiction = None):
    """`service_request_id` (comma list) overrides the other filters; `service_code` and `status` (open, closed)
    are comma lists; the range is at most 90 days, the last 90 by default; at most 1,000, newest first."""
    service.check_jurisdiction(session, jurisdiction_id)
    statuses = set(_listed(status) or [])
    if statuses - {"open", "closed"}:
        raise service.bad_request("unknown_status", "状态应为 open 或 closed", "status is open or closed",
                                  {"status": status})
    ids = _listed(service_request_id)
    if ids is not None and len(ids) > service.MAX_REQUESTS:
        raise service.bad_request("too_many_ids", "编号过多", "too many service_request_id values")
    codes = _listed(service_code)
    found = service.service_requests(session, _base(request), ids=ids, services=set(codes) if codes else None,
                                     start=_utc(start_date), end=_utc(end_date), statuses=statuses)
    return render.answer(format, "service_requests", "request", found)


@router.get("/requests/{service_request_id}.{format}", response_model=list[ServiceRequest],
            responses=_documented(list[ServiceRequest], "The one request (XML: `service_requests/request`)"))
def service_request(service_request_id: str, format: render.Format, request: Request, session: SessionDep,
                    jurisdiction_id: Jurisdiction = None):
    """A report's tracking code, or a listed ticket's id."""
    service.check_jurisdiction(session, jurisdiction_id)
    found = service.service_request(session, _base(request), service_request_id)
    return render.answer(format, "service_requests", "request", [found])


@router.get("/tokens/{token}.{format}", response_model=list[TokenAnswer],
            responses=_documented(list[TokenAnswer], "The request a token names (XML: `service_requests/request`)"))
def token(token: str, format: render.Format, session: SessionDep, jurisdiction_id: Jurisdiction = None):
    service.check_jurisdiction(session, jurisdiction_id)
    return render.answer(format, "service_requests", "request", [service.token(session, token)])


@router.post("/requests.{format}", response_model=list[RequestCreated],
             responses=_documented(list[RequestCreated], "Taken into the review queue (XML: "
                                   "`service_requests/request`)", 403, 429, 503))
def post_request(format: render.Format, request: Request, session: SessionDep,
                 form: Annotated[RequestForm, Form()]):
    """A report into the citizens' review queue, form-encoded. We locate by coordinates: `lat` and `long` are
    required. `media_url` is kept for the reviewer, never fetched; a photo goes to PUT requests/{id}/media (a
    ticket is raised on one). The same request from the same key within the hour answers the same id."""
    if not request.app.state.settings.public_reports_open:
        raise citizens.closed()
    if form.lat is None or form.long is None:
        raise service.bad_request("location_required", "须提供经纬度（lat、long），不支持仅地址定位",
                                  "lat and long are required: requests are located by coordinates, not addresses")
    service.check_jurisdiction(session, form.jurisdiction_id)
    key = service.key_for(session, form.api_key)
    fields = form.model_dump(exclude={"api_key", "jurisdiction_id"})
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False)
    report, _ = citizens.put_open311_report(
        session, request.app.state.settings, key, category=form.service_code, lat=form.lat, lon=form.long,
        description=form.description.strip(), phone=form.phone, device_id=form.device_id, media_url=form.media_url,
        fingerprint=hashlib.sha256(canonical.encode()).hexdigest())
    return render.answer(format, "service_requests", "request", [service.created(report)])


@router.put("/requests/{service_request_id}/media.{format}", response_model=list[TokenAnswer],
            responses={**_documented(list[TokenAnswer], "The photo is the request's (XML: "
                                     "`service_requests/request`)", 403, 503),
                       201: {"model": list[TokenAnswer], "description": "Received: the request's photo",
                             "content": {"application/xml": _XML_DOC}}},
            openapi_extra={"requestBody": {"required": True, "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in pipeline.FORMATS}}})
async def put_media(service_request_id: str, format: render.Format, request: Request, response: Response,
                    session: SessionDep, api_key: Annotated[str, Query(min_length=1, max_length=128)]):
    """gridpatrol's addition to the standard: the request's photo, the body's bytes (JPEG, PNG, WebP or HEIC),
    checked as the page's are and kept as evidence; by the key that posted the request, while it waits for
    review. 201 received; the same photo again 200; another photo 400."""
    state = request.app.state
    if not state.settings.public_reports_open:
        raise citizens.closed()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in pipeline.FORMATS:
        raise service.bad_request("photo_type", "照片格式应为 JPEG、PNG、WebP 或 HEIC",
                                  "the photo is a JPEG, PNG, WebP or HEIC", {"content_type": content_type})
    report = await run_in_threadpool(service.media_target, state.engine, service_request_id, api_key)
    limit = state.settings.photo_max_bytes
    fd, temp = state.storage.new_temp()
    try:
        size, sha256 = await upload.receive(request, fd, limit=limit)
        if size > limit:
            raise service.bad_request("photo_too_large", f"照片超过 {limit // 2**20} MB 上限",
                                      f"the photo exceeds the {limit // 2**20} MB limit")
        facts = await run_in_threadpool(upload.keep, state.storage, temp, content_type, sha256,
                                        state.settings.photo_max_pixels)
    finally:
        temp.unlink(missing_ok=True)
    media = citizens.ReceivedMedia(sha256, content_type, size, facts.width, facts.height)
    created = await run_in_threadpool(citizens.add_open311_photo, session, report.id, media)
    if created:  # the EXIF-free display copy, off the request's path
        state.analysis_pool.submit(photo_service.ensure_derivatives, state.storage, sha256)
    response.status_code = 201 if created else 200
    return render.answer(format, "service_requests", "request", [service.token_of(report)],
                         status=response.status_code)


# --- the admin's keys ---

admin_router = APIRouter(prefix="/api/v1/open311", tags=["open311"])


@admin_router.post("/keys", status_code=201, response_model=Open311KeyIssued)
def issue_key(body: Open311KeyIssue, session: SessionDep, user: AdminUser):
    """A key for a named system, with its hourly limit: the key is in this answer only (its hash is kept)."""
    key, api_key = service.issue_key(session, system=body.system, hourly_limit=body.hourly_limit,
                                     by=user.username)
    return {**key.model_dump(), "api_key": api_key}


@admin_router.get("/keys", response_model=list[Open311KeyPublic])
def list_keys(session: SessionDep, _user: AdminUser):
    return service.keys(session)


@admin_router.post("/keys/{key_id}/revoke", response_model=Open311KeyPublic, responses=error_responses(404))
def revoke_key(key_id: int, session: SessionDep, user: AdminUser):
    """From now on, requests posted with it are refused (403). Revoking a revoked key changes nothing."""
    return service.revoke_key(session, key_id, user.username)
