"""One JSON error shape for every failure: {"error": {code, message, message_en, details}}."""

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, message_en: str, details: Any = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message = message
        self.message_en = message_en
        self.details = details
        self.headers = headers


def not_found(what_zh: str, what_en: str, key: Any = None) -> ApiError:
    return ApiError(404, "not_found", f"{what_zh}不存在", f"{what_en} not found",
                    {"key": key} if key is not None else None)


def forbidden(details: Any = None) -> ApiError:
    return ApiError(403, "forbidden", "无权执行此操作", "You are not allowed to do this", details)


class ErrorDetail(BaseModel):
    code: str  # stable, for clients to act on: not_found, invalid_transition, validation_error…
    message: str  # for the user, in Chinese
    message_en: str
    details: Any = None


class ErrorResponse(BaseModel):
    """The one shape of every failure."""

    error: ErrorDetail


_ERROR_DESCRIPTIONS = {
    400: "The body cannot be read (malformed JSON or form data)",
    401: "Not logged in, or the token is no longer valid",
    403: "The caller may not do this",
    404: "Not found, or not the caller's to see",
    409: "Conflicts with what is stored",
    413: "Too large",
    415: "Unsupported media type",
    422: "The request is not valid",
    429: "Too many attempts: wait and retry",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries that document failures in the error shape, for the OpenAPI document."""
    return {status: {"model": ErrorResponse, "description": _ERROR_DESCRIPTIONS[status]} for status in statuses}


# A file in a `responses=` content entry (PDF, XLSX, CSV, HTML), as OpenAPI describes one.
FILE = {"schema": {"type": "string", "format": "binary"}}


def _body(code: str, message: str, message_en: str, details: Any = None) -> dict:
    return {"error": {"code": code, "message": message, "message_en": message_en, "details": details}}


_HTTP_CODES = {
    400: ("bad_request", "请求格式错误", "Bad request"),
    401: ("not_authenticated", "请先登录", "Authentication required"),
    403: ("forbidden", "无权执行此操作", "You are not allowed to do this"),
    404: ("not_found", "资源不存在", "Not found"),
    405: ("method_not_allowed", "不支持该请求方法", "Method not allowed"),
    413: ("payload_too_large", "请求内容过大", "Payload too large"),
    415: ("unsupported_media_type", "不支持的内容类型", "Unsupported media type"),
}


# Validation failures with a code of their own, for a client to act on (raised by the types in api/inputs.py).
_OWN_VALIDATION_CODES = {
    "implausible_time": ("时间不合理（早于 2000 年，或比服务器时间快一天以上）：请检查手机的日期和时间设置",
                         "implausible time (before 2000, or more than a day ahead of the server's clock): "
                         "check the phone's date and time settings"),
}


def _nul_refused(where: str) -> JSONResponse:
    return JSONResponse(_body("nul_character", "文本中不能含有空字符（U+0000）", "text may not contain NUL (U+0000)",
                              {"where": where}), status_code=422)


def _json_holds_nul(body: bytes) -> bool:
    """Whether a JSON body has NUL in a string or a key: only `\\u0000` writes one (a raw control character
    is not JSON), so the body is decoded only when that appears."""
    if b"\\u0000" not in body:
        return False
    try:
        pending = [json.loads(body)]
    except (ValueError, RecursionError):  # not JSON: the endpoint says so
        return False
    while pending:
        value = pending.pop()
        if isinstance(value, str) and "\x00" in value:
            return True
        if isinstance(value, dict):
            pending += [*value, *value.values()]
        elif isinstance(value, list):
            pending += value
    return False


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _body_holds_nul(content_type: str, body: bytes) -> bool:
    if content_type == "application/x-www-form-urlencoded":
        return b"%00" in body or b"\x00" in body
    if content_type == "multipart/form-data":
        return b"\x00" in body
    return _json_holds_nul(body)


class RefuseNul:
    """NUL (U+0000) in the text a request carries, its path, its query or a JSON or form body, is refused
    before any endpoint sees it: PostgreSQL's text cannot hold it and SQLite's can, so one check here
    treats every field alike on both engines. Other bodies (photos, files to import) pass as they stream."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if "\x00" in scope["path"] or b"%00" in scope["query_string"]:
            return await _nul_refused("path" if "\x00" in scope["path"] else "query")(scope, receive, send)
        content_type = next((value.decode("latin-1").split(";")[0].strip().lower()
                             for name, value in scope["headers"] if name == b"content-type"), "")
        if not (content_type in _FORMS or content_type == "application/json" or content_type.endswith("+json")):
            return await self.app(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if _body_holds_nul(content_type, body):
            return await _nul_refused("body")(scope, receive, send)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every failure in the error shape, and say so in the OpenAPI document of every route included
    after this call (FastAPI would otherwise document its own validation error shape, which is not served)."""
    app.add_middleware(RefuseNul)
    app.router.responses.update(error_responses(400, 401, 403, 404, 422))

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError):
        return JSONResponse(_body(exc.code, exc.message, exc.message_en, exc.details),
                            status_code=exc.status, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException):
        code, zh, en = _HTTP_CODES.get(exc.status_code, ("http_error", "请求失败", str(exc.detail)))
        return JSONResponse(_body(code, zh, en), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError):
        details = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        code, zh, en = next(((d["type"], *_OWN_VALIDATION_CODES[d["type"]]) for d in details
                             if d["type"] in _OWN_VALIDATION_CODES),
                            ("validation_error", "请求内容校验失败", "Request validation failed"))
        return JSONResponse(_body(code, zh, en, details), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, _exc: Exception):
        return JSONResponse(_body("internal_error", "服务器内部错误", "Internal server error"), status_code=500)
